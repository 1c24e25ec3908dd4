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
    """``domain:action:targetScopeId:groupId``; ``None`` means any.

    A ``forwardable`` permission also holds in every account below its
    target account.
    """

    domain: str | None = None
    action: str | None = None
    target_scope_id: str | None = None
    group_id: str | None = None
    forwardable: bool = False
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class AccessPermission:
    """A permission granted to a user directly, through their access info."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    access_info_id: str | None = None
    permission: Permission
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class RolePermission:
    """A permission a role holds, and so every user who holds the role."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    role_id: str | None = None
    permission: Permission
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    extra: dict[str, Any] = _extra()
