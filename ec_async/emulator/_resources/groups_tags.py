"""Groups and tags (``/{scopeId}/groups``, ``/{scopeId}/tags``)."""

from __future__ import annotations

import sqlite3

from ec_async.emulator._records.service_configs import GROUP_SERVICE, TAG_SERVICE
from ec_async.emulator._resources._named import NamedKind, named_routes
from ec_async.emulator._wire import compact

__all__ = ["GROUPS", "ROUTES", "TAGS"]


def _ungroup_devices(db: sqlite3.Connection, group_id: int) -> None:
    # Kapua's device registry hears of the deletion and clears the group.
    db.execute("UPDATE devices SET group_id = NULL WHERE group_id = ?", (group_id,))


def _untag_devices(db: sqlite3.Connection, tag_id: int) -> None:
    # Devices keep their tags as compact ids; a deleted tag leaves them.
    tag = compact(tag_id)
    db.execute(
        "UPDATE devices SET tag_ids = (SELECT json_group_array(value)"
        " FROM json_each(devices.tag_ids) WHERE value != ?)"
        " WHERE EXISTS (SELECT 1 FROM json_each(devices.tag_ids) WHERE value = ?)",
        (tag, tag),
    )


GROUPS = NamedKind(
    type_name="group",
    table_name="access_groups",
    domain="group",
    service=GROUP_SERVICE,
    id_param="groupId",
    on_delete=_ungroup_devices,
)
TAGS = NamedKind(
    type_name="tag",
    table_name="tags",
    domain="tag",
    service=TAG_SERVICE,
    id_param="tagId",
    on_delete=_untag_devices,
)

ROUTES = (
    *named_routes(GROUPS, "/{scopeId}/groups"),
    *named_routes(TAGS, "/{scopeId}/tags"),
)
