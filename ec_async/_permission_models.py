"""Permissions as the server writes them: a grant, and the entities that hold one.

``LoginInfo`` lists them for the caller; access infos and roles hold them too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ._models import _extra, _read_only

__all__ = ["AccessPermission", "Permission", "RolePermission"]


@attrs.frozen(kw_only=True)
class Permission:
    """``domain:action`` on ``target_scope_id`` (and ``group_id``), as Kapua grants it.

    ``None`` means "any": a ``None`` domain or action is every one, a ``None``
    ``target_scope_id`` is every account of the system, a ``None``
    ``group_id`` every group. ``target_scope_id="_"`` is the caller's own
    account; ec-client writes the real id in its place before sending, as
    the server does not read ``_`` there. ``forwardable`` lets the permission
    reach every account below its target.
    """

    domain: str | None = None
    action: str | None = None
    target_scope_id: str | None = None
    group_id: str | None = None
    forwardable: bool = False
    extra: dict[str, Any] = _extra()

    def describe(self) -> str:
        """Kapua's text form, ``domain:action:targetScopeId:groupId`` (``*`` for any)."""
        parts = (self.domain, self.action, self.target_scope_id, self.group_id)
        return ":".join("*" if part is None else part for part in parts)


@attrs.frozen(kw_only=True)
class AccessPermission:
    """A permission held directly by an access info."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    access_info_id: str | None = None
    permission: Permission = attrs.field(factory=Permission)
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class RolePermission:
    """One permission of a role."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    role_id: str | None = None
    permission: Permission = attrs.field(factory=Permission)
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    extra: dict[str, Any] = _extra()
