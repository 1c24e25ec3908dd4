"""Devices: the device registry of an account (``/{scopeId}/devices``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ec_async._guards import is_dict, is_list
from ec_async.emulator._call import Call, Route
from ec_async.emulator._domains import ANY_ID
from ec_async.emulator._errors import (
    EmptyError,
    duplicate_name,
    entity_not_found,
    illegal_argument,
    illegal_null_argument,
    optimistic_locking,
)
from ec_async.emulator._listing import (
    Filter,
    ListQuery,
    Page,
    Table,
    count_result,
    count_rows,
    fetch_page,
    list_query_from_body,
    list_query_from_params,
    list_result,
    starts_with,
)
from ec_async.emulator._records.device_management import delete_device_records
from ec_async.emulator._records.devices import (
    DEVICE_WRITABLE_COLUMNS,
    connections_by_id,
    device_row,
    find_connection,
    find_device,
    insert_devices,
)
from ec_async.emulator._records.service_configs import (
    DEVICE_REGISTRY_SERVICE,
    check_allowed_entities,
)
from ec_async.emulator._resources.device_connections import (
    connection_json,
    status_param,
)
from ec_async.emulator._resources.device_events import event_json
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import (
    Field,
    Kind,
    column_name,
    compact,
    decode_id,
    json_response,
    row_fields,
    updatable_entity,
)

__all__ = ["ROUTES", "device_json"]

# Wire order of the spec; "connection" is written right after connectionId.
_HEAD_FIELDS: tuple[Field, ...] = (
    ("groupId", Kind.ID),
    ("clientId", Kind.TEXT),
    ("connectionId", Kind.ID),
)
_TAIL_FIELDS: tuple[Field, ...] = (
    ("status", Kind.TEXT),
    ("displayName", Kind.TEXT),
    ("lastEventId", Kind.ID),
    ("serialNumber", Kind.TEXT),
    ("modelId", Kind.TEXT),
    ("modelName", Kind.TEXT),
    ("imei", Kind.TEXT),
    ("imsi", Kind.TEXT),
    ("iccid", Kind.TEXT),
    ("biosVersion", Kind.TEXT),
    ("firmwareVersion", Kind.TEXT),
    ("osVersion", Kind.TEXT),
    ("jvmVersion", Kind.TEXT),
    ("osgiFrameworkVersion", Kind.TEXT),
    ("applicationFrameworkVersion", Kind.TEXT),
    ("connectionInterface", Kind.TEXT),
    ("connectionIp", Kind.TEXT),
    ("applicationIdentifiers", Kind.TEXT),
    ("acceptEncoding", Kind.TEXT),
    ("customAttribute1", Kind.TEXT),
    ("customAttribute2", Kind.TEXT),
    ("customAttribute3", Kind.TEXT),
    ("customAttribute4", Kind.TEXT),
    ("customAttribute5", Kind.TEXT),
    ("tamperStatus", Kind.TEXT),
    ("extendedProperties", Kind.JSON),
    ("tagIds", Kind.JSON),
)
_FIELDS = (*_HEAD_FIELDS, *_TAIL_FIELDS)
_SCALARS = tuple(name for name, kind in _FIELDS if kind is not Kind.JSON)

DEVICES = Table(
    name="devices",
    default_sort=("clientId",),
    sortable=frozenset(
        ("id", "createdOn", "createdBy", "modifiedOn", "optlock", *_SCALARS)
    ),
)
# The fields the spec lists for the devices matchTerm.
_MATCH_COLUMNS = tuple(
    column_name(name)
    for name in (
        "clientId",
        "displayName",
        "serialNumber",
        "modelId",
        "modelName",
        "biosVersion",
        "firmwareVersion",
        "osVersion",
        "jvmVersion",
        "osgiFrameworkVersion",
        "applicationFrameworkVersion",
        "connectionInterface",
        "connectionIp",
    )
)
_DEVICE_STATUSES = frozenset({"ENABLED", "DISABLED"})
_EXTENDED_PROPERTY_FIELDS = ("groupName", "name", "value")
_MAX_TEXT = 255


def device_json(
    row: sqlite3.Row,
    connection: sqlite3.Row | None = None,
    last_event: sqlite3.Row | None = None,
) -> dict[str, Any]:
    """Return a Device, with its connection and last event embedded when fetched."""
    device = updatable_entity("device", row, _HEAD_FIELDS)
    if connection is not None:
        device["connection"] = connection_json(connection)
    tail = row_fields(row, _TAIL_FIELDS)
    for name, value in tail.items():
        device[name] = value
        if name == "lastEventId" and last_event is not None:
            device["lastEvent"] = event_json(last_event)

    return device


def _last_events(
    db: sqlite3.Connection, event_ids: list[int]
) -> Mapping[int, sqlite3.Row]:
    found: dict[int, sqlite3.Row] = {}
    # Chunked, since SQLite caps the number of bound parameters per statement.
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = db.execute(
            f"SELECT * FROM device_events WHERE id IN ({marks})", chunk
        ).fetchall()
        found.update((row["id"], row) for row in rows)

    return found


def _page_json(
    db: sqlite3.Connection, page: Page, fetch: frozenset[str]
) -> dict[str, Any]:
    connections: Mapping[int, sqlite3.Row] = {}
    if "connection" in fetch:
        connections = connections_by_id(
            db, (row["connection_id"] for row in page.rows if row["connection_id"])
        )
    events: Mapping[int, sqlite3.Row] = {}
    if "lastEvent" in fetch:
        events = _last_events(
            db, [row["last_event_id"] for row in page.rows if row["last_event_id"]]
        )
    items = [
        device_json(
            row,
            connections.get(row["connection_id"]),
            events.get(row["last_event_id"]),
        )
        for row in page.rows
    ]

    return list_result("deviceListResult", items, page)


def _scope_filter(scope_id: int) -> Filter:
    return Filter("scope_id = ?", (scope_id,))


def _list_filters(call: Call, scope_id: int) -> list[Filter]:
    filters = [_scope_filter(scope_id)]
    client_id = call.query.get("clientId")
    if client_id:
        filters.append(Filter("client_id = ?", (client_id,)))
    status = status_param(call)
    if status is not None:
        filters.append(
            Filter(
                "connection_id IN (SELECT id FROM device_connections WHERE status = ?)",
                (status,),
            )
        )
    tag_id = call.query_id("tagId")
    if tag_id is not None:
        filters.append(
            Filter(
                "EXISTS (SELECT 1 FROM json_each(tag_ids) WHERE value = ?)",
                (compact(tag_id),),
            )
        )
    match_term = call.query.get("matchTerm")
    if match_term:
        filters.append(starts_with(_MATCH_COLUMNS, match_term))

    return filters


def _group_filters(call: Call, scope_id: int) -> list[Filter]:
    """Check device:read on any group; hide devices of groups not granted.

    A caller granted device:read for some groups only sees devices in them,
    as Kapua's group query helper narrows listings and counts.
    """
    groups = call.visible_groups("device", "read", scope_id)
    if groups is None:
        return []
    marks = ", ".join("?" for _ in groups) or "NULL"

    return [Filter(f"group_id IN ({marks})", tuple(sorted(groups)))]


def _listing(
    call: Call, scope_id: int, filters: list[Filter], query: ListQuery
) -> web.Response:
    """Return one page of the scope's devices, connections fetched if asked."""
    filters = [*filters, *_group_filters(call, scope_id)]
    with call.context.store.transaction() as db:
        page = fetch_page(db, DEVICES, filters, query)
        body = _page_json(db, page, query.fetch_attributes)

    return json_response(body)


async def list_devices(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/devices, with Kapua's filters and fetch attributes."""
    scope_id = call.scope_id()
    query = list_query_from_params(call.query)

    return _listing(call, scope_id, _list_filters(call, scope_id), query)


async def query_devices(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/devices/_query."""
    scope_id = call.scope_id()
    query = list_query_from_body(await call.json_body(allow_empty=True))

    return _listing(call, scope_id, [_scope_filter(scope_id)], query)


async def count_devices(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/devices/_count."""
    scope_id = call.scope_id()
    list_query_from_body(await call.json_body(allow_empty=True))
    filters = [_scope_filter(scope_id), *_group_filters(call, scope_id)]

    with call.context.store.transaction() as db:
        count = count_rows(db, DEVICES, filters)

    return json_response(count_result(count))


def _text_value(body: Mapping[str, Any], name: str, prefix: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        # MOXy cannot bind the value, and Jersey answers a bare 400.
        raise EmptyError(400)
    if len(value) > _MAX_TEXT:
        raise illegal_argument(f"{prefix}.{name}", value)

    return value


def _id_value(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    decoded = decode_id(value) if isinstance(value, str) else None
    if decoded is None:
        raise EmptyError(400)

    return decoded


def _items(body: Mapping[str, Any], name: str) -> list[Any]:
    """Return a list field's items; MOXy leaves null items out of the collection."""
    value = body.get(name)
    if value is None:
        return []
    if not is_list(value):
        raise EmptyError(400)

    return [item for item in value if item is not None]


def _tag_ids(body: Mapping[str, Any]) -> str:
    """Return the stored form of ``tagIds``: a set of ids, in compact form.

    An item that is not a compact id cannot be bound to a KapuaId (bare 400).
    """
    tag_ids: dict[str, None] = {}
    for item in _items(body, "tagIds"):
        decoded = decode_id(item) if isinstance(item, str) else None
        if decoded is None:
            raise EmptyError(400)
        tag_ids[str(compact(decoded))] = None

    return json.dumps(list(tag_ids))


def _extended_properties(body: Mapping[str, Any]) -> str:
    """Return the stored ``extendedProperties``: their three text fields only."""
    properties: list[dict[str, str]] = []
    for item in _items(body, "extendedProperties"):
        if not is_dict(item):
            raise EmptyError(400)
        stored = {"type": "deviceExtendedProperty"}
        for field in _EXTENDED_PROPERTY_FIELDS:
            value = item.get(field)
            if value is not None and not isinstance(value, str):
                raise EmptyError(400)
            if value is not None:
                stored[field] = value
        properties.append(stored)

    return json.dumps(properties)


def _device_columns(
    body: Mapping[str, Any], prefix: str, *, creating: bool
) -> dict[str, Any]:
    """Convert a DeviceCreator or Device body into column values, validated as Kapua does.

    A PUT replaces every writable field, so absent fields become null. The
    client id is fixed at creation (Kapua maps it ``updatable = false``, and
    the spec marks it read-only), so an update ignores it; so it does the
    connection and last event ids, which the platform keeps (read-only too).
    """
    columns: dict[str, Any] = {}
    for name, kind in _FIELDS:
        if kind is Kind.ID:
            columns[column_name(name)] = _id_value(body, name)
        elif name == "tagIds":
            columns[column_name(name)] = _tag_ids(body)
        elif kind is Kind.JSON:
            columns[column_name(name)] = _extended_properties(body)
        else:
            columns[column_name(name)] = _text_value(body, name, prefix)

    if creating and not columns["client_id"]:
        raise illegal_null_argument(f"{prefix}.clientId")
    if columns["status"] is None and creating:
        columns["status"] = "ENABLED"
    if columns["status"] is None:
        raise illegal_null_argument(f"{prefix}.status")
    if columns["status"] not in _DEVICE_STATUSES:
        raise EmptyError(400)

    writable = {name: columns[name] for name in DEVICE_WRITABLE_COLUMNS}
    if not creating:
        for platform_owned in ("client_id", "connection_id", "last_event_id"):
            del writable[platform_owned]
    return writable


def _check_references(
    call: Call, scope_id: int, columns: Mapping[str, Any], prefix: str
) -> None:
    """Check the ids a device points to exist, as Kapua's validation does.

    Groups are checked with the caller's grants elsewhere; a new device has no
    events yet, so any lastEventId is unknown.
    """
    if columns.get("last_event_id") is not None:
        raise illegal_null_argument(f"{prefix}.lastEventId")
    with call.context.store.transaction() as db:
        group = None
        if columns["group_id"] is not None:
            group = db.execute(
                "SELECT 1 FROM access_groups WHERE id = ? AND scope_id = ?",
                (columns["group_id"], scope_id),
            ).fetchone()
        connection = None
        if columns.get("connection_id") is not None:
            connection = find_connection(db, scope_id, columns["connection_id"])
    if columns["group_id"] is not None and group is None:
        raise illegal_null_argument(f"{prefix}.groupId")
    if columns.get("connection_id") is not None and connection is None:
        raise illegal_null_argument(f"{prefix}.connectionId")


def _client_id_taken(
    db: sqlite3.Connection, scope_id: int, client_id: str, device_id: int
) -> bool:
    row = db.execute(
        "SELECT 1 FROM devices WHERE scope_id = ? AND client_id = ? AND id != ?",
        (scope_id, client_id, device_id),
    ).fetchone()

    return row is not None


async def create_device(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/devices: 201 with the new device and no Location header.

    A clientId already used in the scope gets KapuaDuplicateNameException,
    which Kapua's device service throws and its mapper sends as a 500
    DUPLICATE_NAME (not the 409 of entity uniqueness).
    """
    scope_id = call.scope_id()
    columns = _device_columns(await call.json_body(), "deviceCreator", creating=True)
    _check_references(call, scope_id, columns, "deviceCreator")
    call.require("device", "write", scope_id, columns["group_id"])

    now = call.now_ms()
    with call.context.store.transaction() as db:
        check_allowed_entities(db, scope_id, DEVICE_REGISTRY_SERVICE)
        if _client_id_taken(db, scope_id, columns["client_id"], 0):
            raise duplicate_name(columns["client_id"])
        device_id = new_id(db, "devices")
        insert_devices(
            db,
            [
                device_row(
                    device_id=device_id,
                    scope_id=scope_id,
                    now=now,
                    created_by=call.session.user_id,
                    **columns,
                )
            ],
        )
        device = find_device(db, scope_id, device_id)
    if device is None:
        raise entity_not_found("device", device_id)

    return json_response(device_json(device), 201)


async def get_device(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/devices/{deviceId}."""
    scope_id = call.scope_id()
    device_id = call.path_id("deviceId")

    with call.context.store.transaction() as db:
        device = find_device(db, scope_id, device_id)
    call.require("device", "read", scope_id, _group_of(device))
    if device is None:
        raise entity_not_found("device", device_id)

    return json_response(device_json(device))


def _group_of(device: sqlite3.Row | None) -> int | None:
    """Return the group a check on ``device`` names: its own, ANY if unknown."""
    if device is None:
        return ANY_ID
    group_id: int | None = device["group_id"]

    return group_id


def _optlock(body: Mapping[str, Any]) -> int:
    # An absent optlock reads as Java's default int, 0.
    value = body.get("optlock", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise EmptyError(400)

    return value


async def update_device(call: Call) -> web.StreamResponse:
    """PUT /{scopeId}/devices/{deviceId}: a full replace guarded by ``optlock``."""
    scope_id = call.scope_id()
    device_id = call.path_id("deviceId")
    body = await call.json_body()
    columns = _device_columns(body, "device", creating=False)
    _check_references(call, scope_id, columns, "device")
    with call.context.store.transaction() as db:
        existing = find_device(db, scope_id, device_id)
    call.require("device", "write", scope_id, _group_of(existing))

    with call.context.store.transaction() as db:
        current = find_device(db, scope_id, device_id)
        if current is None:
            raise entity_not_found("device", device_id)
        if _optlock(body) != current["optlock"]:
            raise optimistic_locking()
        assignments = ", ".join(f"{name} = :{name}" for name in columns)
        db.execute(
            f"UPDATE devices SET {assignments}, modified_on = :now, modified_by = :by,"
            " optlock = optlock + 1 WHERE id = :id",
            {
                **columns,
                "now": call.now_ms(),
                "by": call.session.user_id,
                "id": device_id,
            },
        )
        device = find_device(db, scope_id, device_id)
    if device is None:
        raise entity_not_found("device", device_id)

    return json_response(device_json(device))


async def delete_device(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/devices/{deviceId}: 204."""
    scope_id = call.scope_id()
    device_id = call.path_id("deviceId")
    with call.context.store.transaction() as db:
        existing = find_device(db, scope_id, device_id)
    call.require("device", "delete", scope_id, _group_of(existing))

    with call.context.store.transaction() as db:
        deleted = db.execute(
            "DELETE FROM devices WHERE id = ? AND scope_id = ?", (device_id, scope_id)
        ).rowcount
        if deleted:
            delete_device_records(db, device_id)
    if not deleted:
        raise entity_not_found("device", device_id)

    return web.Response(status=204)


ROUTES = (
    Route("GET", "/{scopeId}/devices", list_devices),
    Route("POST", "/{scopeId}/devices", create_device),
    Route("POST", "/{scopeId}/devices/_query", query_devices),
    Route("POST", "/{scopeId}/devices/_count", count_devices),
    Route("GET", "/{scopeId}/devices/{deviceId}", get_device),
    Route("PUT", "/{scopeId}/devices/{deviceId}", update_device),
    Route("DELETE", "/{scopeId}/devices/{deviceId}", delete_device),
)
