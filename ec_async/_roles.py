"""Roles: named sets of permissions that users hold through their access infos."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import attrs

from ._access import permission_bodies
from ._convert import request_body
from ._models import ListResult, _extra, _read_only
from ._permission_models import Permission, RolePermission
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation, paging_params
from ._users import User

__all__ = ["Role", "RoleCreator", "RolePermissions", "Roles"]


@attrs.frozen(kw_only=True)
class Role:
    """A named set of permissions in one account; names are unique per account."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    name: str
    description: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class RoleCreator:
    """A new role: its name, and the permissions it starts with."""

    name: str
    description: str | None = None
    permissions: list[Permission] = attrs.field(factory=list[Permission])
    extra: dict[str, Any] = _extra()


_ROLES = "/{scopeId}/roles"
_ROLE = _ROLES + "/{roleId}"
_PERMISSIONS = _ROLE + "/permissions"
_PERMISSION = _PERMISSIONS + "/{rolePermissionId}"

LIST = Operation("roleList", "GET", _ROLES, safe=True)
CREATE = Operation("roleCreate", "POST", _ROLES, safe=False)
GET = Operation("roleGet", "GET", _ROLE, safe=True)
UPDATE = Operation("roleUpdate", "PUT", _ROLE, safe=False)
DELETE = Operation("roleDelete", "DELETE", _ROLE, safe=True)
COUNT = Operation("roleCount", "POST", _ROLES + "/_count", safe=True)
QUERY = Operation("roleQuery", "POST", _ROLES + "/_query", safe=True)
USERS = Operation("roleListUsers", "GET", _ROLE + "/users", safe=True)

PERMISSION_LIST = Operation("rolePermissionList", "GET", _PERMISSIONS, safe=True)
PERMISSION_CREATE = Operation("rolePermissionCreate", "POST", _PERMISSIONS, safe=False)
PERMISSION_GET = Operation("rolePermissionGet", "GET", _PERMISSION, safe=True)
PERMISSION_DELETE = Operation("rolePermissionDelete", "DELETE", _PERMISSION, safe=True)
PERMISSION_COUNT = Operation(
    "rolePermissionCount", "POST", _PERMISSIONS + "/_count", safe=True
)
PERMISSION_QUERY = Operation(
    "rolePermissionQuery", "POST", _PERMISSIONS + "/_query", safe=True
)


class Roles(Collection[Role]):
    """The roles of one scope; ``permissions(role_id)`` reaches what a role grants.

    A change to a role's permissions applies to its holders from their next
    request on: the server reads grants on every call.
    """

    _model = Role

    @operation(LIST)
    async def list(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[Role]:
        """One page of roles, by name unless ``sort_by`` says otherwise."""
        return await self._list(
            LIST,
            query_params(name=name, matchTerm=match_term),
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )

    @operation(LIST)
    def iter(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[Role]:
        """Every role once, fetched page by page."""
        filters = query_params(name=name, matchTerm=match_term)
        return self._iterate(LIST, filters, page_size=page_size)

    @operation(GET)
    async def get(self, role_id: str) -> Role:
        """One role by id."""
        return await self._fetch_one(GET, {"roleId": role_id})

    @operation(CREATE)
    async def create(self, creator: RoleCreator) -> Role:
        """Create a role with its permissions; ``_`` targets become the caller's account.

        A name already used in the scope raises ``DuplicateName``.
        """
        body = request_body(creator)
        body["permissions"] = permission_bodies(
            creator.permissions, await self._caller_scope_id()
        )
        return await self._create_from(CREATE, body)

    @operation(UPDATE)
    async def update(self, role: Role) -> Role:
        """Rename or redescribe a role; its ``optlock`` must match the server's.

        Read, change a copy with ``attrs.evolve``, then update; an
        ``OptimisticLockError`` means someone else changed it in between.
        """
        return await self._update(UPDATE, {"roleId": self._checked(role).id}, role)

    @operation(DELETE)
    async def delete(self, role_id: str) -> None:
        """Delete a role; its holders lose its permissions on their next request."""
        await self._delete(DELETE, {"roleId": role_id})

    @operation(QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[Role]:
        """Roles by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            QUERY, offset=offset, limit=limit, ask_total_count=ask_total_count
        )

    @operation(COUNT)
    async def count(self) -> int:
        """How many roles the scope has."""
        return await self._count(COUNT)

    @operation(USERS)
    async def users(
        self,
        role_id: str,
        *,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
    ) -> ListResult[User]:
        """One page of the users holding the role in this scope."""
        paging = paging_params(
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=False,
        )
        return await self._fetch_page_of(USERS, {"roleId": role_id}, paging, User)

    def permissions(self, role_id: str) -> RolePermissions:
        """The permissions one role grants."""
        return RolePermissions(self._binding, {"roleId": role_id})


class RolePermissions(Collection[RolePermission]):
    """The permissions of one role."""

    _model = RolePermission

    @property
    def role_id(self) -> str:
        """The role these permissions belong to."""
        return self._parent_ids["roleId"]

    @operation(PERMISSION_LIST)
    async def list(
        self,
        *,
        domain: str | None = None,
        action: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[RolePermission]:
        """One page of the role's permissions, optionally of one domain or action."""
        return await self._list(
            PERMISSION_LIST,
            query_params(name=domain, action=action),
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )

    @operation(PERMISSION_LIST)
    def iter(
        self,
        *,
        domain: str | None = None,
        action: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[RolePermission]:
        """Every permission of the role once, page by page."""
        filters = query_params(name=domain, action=action)
        return self._iterate(PERMISSION_LIST, filters, page_size=page_size)

    @operation(PERMISSION_GET)
    async def get(self, role_permission_id: str) -> RolePermission:
        """One of the role's permissions by id."""
        return await self._fetch_one(
            PERMISSION_GET, {"rolePermissionId": role_permission_id}
        )

    @operation(PERMISSION_CREATE)
    async def create(self, permission: Permission) -> RolePermission:
        """Add a permission to the role; the same one twice raises ``DuplicateName``."""
        caller = await self._caller_scope_id()
        body = {"permission": permission_bodies([permission], caller)[0]}
        return await self._create_from(PERMISSION_CREATE, body)

    @operation(PERMISSION_DELETE)
    async def delete(self, role_permission_id: str) -> None:
        """Remove a permission from the role."""
        await self._delete(PERMISSION_DELETE, {"rolePermissionId": role_permission_id})

    @operation(PERMISSION_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[RolePermission]:
        """The role's permissions by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            PERMISSION_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
        )

    @operation(PERMISSION_COUNT)
    async def count(self) -> int:
        """How many permissions the role grants."""
        return await self._count(PERMISSION_COUNT)
