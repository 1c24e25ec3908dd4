"""Permissions, and what a user holds: access infos, their permissions and roles.

Every user has one ``AccessInfo``; it holds direct ``AccessPermission``s and
``AccessRole``s (links to roles). A permission is ``domain:action`` on a
target account, optionally limited to a group; ``forwardable`` lets it reach
every account below its target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable
from typing import Any

import attrs

from ._convert import request_body, unstructure
from ._models import ListResult, _extra, _read_only
from ._permission_models import AccessPermission, Permission
from ._pipeline import Operation, query_params
from ._resources import (
    DEFAULT_PAGE_SIZE,
    OWN_SCOPE,
    Collection,
    check_id,
    operation,
)

__all__ = [
    "AccessInfo",
    "AccessInfoCreator",
    "AccessInfos",
    "AccessPermissions",
    "AccessRole",
    "AccessRoles",
    "permission_bodies",
]


def _resolved(permission: Permission, caller_scope_id: str) -> Permission:
    if permission.target_scope_id != OWN_SCOPE:
        return permission
    return attrs.evolve(permission, target_scope_id=caller_scope_id)


def permission_bodies(
    permissions: Iterable[Permission], caller_scope_id: str
) -> list[dict[str, Any]]:
    """The permissions as JSON, each ``_`` target replaced by the caller's account."""
    return [
        unstructure(_resolved(permission, caller_scope_id))
        for permission in permissions
    ]


def _needs_caller(permissions: Iterable[Permission]) -> bool:
    return any(permission.target_scope_id == OWN_SCOPE for permission in permissions)


@attrs.frozen(kw_only=True)
class AccessInfo:
    """The security holder of one user: its permissions and roles hang from it."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    user_id: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class AccessInfoCreator:
    """What it takes to give a user its access info, with first permissions and roles."""

    user_id: str
    permissions: list[Permission] = attrs.field(factory=list[Permission])
    role_ids: list[str] = attrs.field(factory=list[str])
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class AccessRole:
    """A role held by an access info."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    access_info_id: str | None = None
    role_id: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    extra: dict[str, Any] = _extra()


_INFOS = "/{scopeId}/accessinfos"
_INFO = _INFOS + "/{accessInfoId}"
_PERMISSIONS = _INFO + "/permissions"
_PERMISSION = _PERMISSIONS + "/{accessPermissionId}"
_ROLES = _INFO + "/roles"
_ROLE = _ROLES + "/{accessRoleId}"

INFO_LIST = Operation("accessInfoList", "GET", _INFOS, safe=True)
INFO_CREATE = Operation("accessInfoCreate", "POST", _INFOS, safe=False)
INFO_GET = Operation("accessInfoGet", "GET", _INFO, safe=True)
INFO_DELETE = Operation("accessInfoDelete", "DELETE", _INFO, safe=True)
INFO_COUNT = Operation("accessInfoCount", "POST", _INFOS + "/_count", safe=True)
INFO_QUERY = Operation("accessInfoQuery", "POST", _INFOS + "/_query", safe=True)

PERMISSION_LIST = Operation("accessPermissionList", "GET", _PERMISSIONS, safe=True)
PERMISSION_CREATE = Operation(
    "accessPermissionCreate", "POST", _PERMISSIONS, safe=False
)
PERMISSION_GET = Operation("accessPermissionGet", "GET", _PERMISSION, safe=True)
PERMISSION_DELETE = Operation(
    "accessPermissionDelete", "DELETE", _PERMISSION, safe=True
)
PERMISSION_COUNT = Operation(
    "accessPermissionCount", "POST", _PERMISSIONS + "/_count", safe=True
)
PERMISSION_QUERY = Operation(
    "accessPermissionQuery", "POST", _PERMISSIONS + "/_query", safe=True
)

ROLE_LIST = Operation("accessRolesList", "GET", _ROLES, safe=True)
ROLE_CREATE = Operation("accessRoleCreate", "POST", _ROLES, safe=False)
ROLE_GET = Operation("accessRoleGet", "GET", _ROLE, safe=True)
ROLE_DELETE = Operation("accessRoleDelete", "DELETE", _ROLE, safe=True)
ROLE_COUNT = Operation("accessRoleCount", "POST", _ROLES + "/_count", safe=True)
ROLE_QUERY = Operation("accessRoleQuery", "POST", _ROLES + "/_query", safe=True)


class AccessInfos(Collection[AccessInfo]):
    """The access infos of one scope: one per user, holding its grants.

    ``permissions(access_info_id)`` and ``roles(access_info_id)`` reach what
    one access info holds. The listing takes no sort, only paging.
    """

    _model = AccessInfo

    @operation(INFO_LIST)
    async def list(
        self, *, user_id: str | None = None, offset: int = 0, limit: int = 50
    ) -> ListResult[AccessInfo]:
        """One page of access infos, or the one of ``user_id``."""
        return await self._list(
            INFO_LIST, query_params(userId=user_id), offset=offset, limit=limit
        )

    @operation(INFO_LIST)
    def iter(
        self, *, user_id: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[AccessInfo]:
        """Every access info once, fetched page by page."""
        return self._iterate(
            INFO_LIST, query_params(userId=user_id), page_size=page_size, sortable=False
        )

    @operation(INFO_LIST)
    async def of_user(self, user_id: str) -> AccessInfo | None:
        """The access info of a user, or ``None`` if it has none yet."""
        page = await self.list(user_id=check_id("user_id", user_id), limit=1)
        return page.items[0] if page.items else None

    @operation(INFO_GET)
    async def get(self, access_info_id: str) -> AccessInfo:
        """One access info by id."""
        return await self._fetch_one(INFO_GET, {"accessInfoId": access_info_id})

    @operation(INFO_CREATE)
    async def create(self, creator: AccessInfoCreator) -> AccessInfo:
        """Give a user its access info; ``_`` targets become the caller's account."""
        body = request_body(creator)
        if _needs_caller(creator.permissions):
            body["permissions"] = permission_bodies(
                creator.permissions, await self._caller_scope_id()
            )
        return await self._create_from(INFO_CREATE, body)

    @operation(INFO_DELETE)
    async def delete(self, access_info_id: str) -> None:
        """Remove an access info, and with it every permission and role it held."""
        await self._delete(INFO_DELETE, {"accessInfoId": access_info_id})

    @operation(INFO_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[AccessInfo]:
        """Access infos by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            INFO_QUERY, offset=offset, limit=limit, ask_total_count=ask_total_count
        )

    @operation(INFO_COUNT)
    async def count(self) -> int:
        """How many access infos the scope has."""
        return await self._count(INFO_COUNT)

    def permissions(self, access_info_id: str) -> AccessPermissions:
        """The permissions an access info holds directly."""
        return AccessPermissions(self._binding, {"accessInfoId": access_info_id})

    def roles(self, access_info_id: str) -> AccessRoles:
        """The roles an access info holds."""
        return AccessRoles(self._binding, {"accessInfoId": access_info_id})


class AccessPermissions(Collection[AccessPermission]):
    """The direct permissions of one access info."""

    _model = AccessPermission

    @property
    def access_info_id(self) -> str:
        """The access info these permissions belong to."""
        return self._parent_ids["accessInfoId"]

    @operation(PERMISSION_LIST)
    async def list(
        self,
        *,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[AccessPermission]:
        """One page of the access info's permissions."""
        return await self._list(
            PERMISSION_LIST,
            (),
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )

    @operation(PERMISSION_LIST)
    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[AccessPermission]:
        """Every permission of the access info once, page by page."""
        return self._iterate(PERMISSION_LIST, (), page_size=page_size)

    @operation(PERMISSION_GET)
    async def get(self, access_permission_id: str) -> AccessPermission:
        """One of the access info's permissions by id."""
        return await self._fetch_one(
            PERMISSION_GET, {"accessPermissionId": access_permission_id}
        )

    @operation(PERMISSION_CREATE)
    async def create(self, permission: Permission) -> AccessPermission:
        """Grant a permission; granting one the caller lacks elsewhere is refused.

        The same permission twice raises ``DuplicateName`` (Kapua's 409).
        """
        caller = await self._caller_scope_id()
        body = {
            "accessInfoId": self.access_info_id,
            "permission": permission_bodies([permission], caller)[0],
        }
        return await self._create_from(PERMISSION_CREATE, body)

    @operation(PERMISSION_DELETE)
    async def delete(self, access_permission_id: str) -> None:
        """Take a permission away; it stops working on the user's next request."""
        await self._delete(
            PERMISSION_DELETE, {"accessPermissionId": access_permission_id}
        )

    @operation(PERMISSION_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[AccessPermission]:
        """The permissions by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            PERMISSION_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
        )

    @operation(PERMISSION_COUNT)
    async def count(self) -> int:
        """How many permissions the access info holds directly."""
        return await self._count(PERMISSION_COUNT)


class AccessRoles(Collection[AccessRole]):
    """The roles of one access info. The listing takes no sort, only paging."""

    _model = AccessRole

    @property
    def access_info_id(self) -> str:
        """The access info these roles belong to."""
        return self._parent_ids["accessInfoId"]

    @operation(ROLE_LIST)
    async def list(
        self, *, offset: int = 0, limit: int = 50, ask_total_count: bool = False
    ) -> ListResult[AccessRole]:
        """One page of the access info's roles."""
        return await self._list(
            ROLE_LIST,
            (),
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
        )

    @operation(ROLE_LIST)
    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> AsyncIterator[AccessRole]:
        """Every role of the access info once, page by page."""
        return self._iterate(ROLE_LIST, (), page_size=page_size, sortable=False)

    @operation(ROLE_GET)
    async def get(self, access_role_id: str) -> AccessRole:
        """One of the access info's roles by id."""
        return await self._fetch_one(ROLE_GET, {"accessRoleId": access_role_id})

    @operation(ROLE_CREATE)
    async def create(self, role_id: str) -> AccessRole:
        """Give the user a role of this scope; it takes effect on the next request."""
        body = {
            "accessInfoId": self.access_info_id,
            "roleId": check_id("role_id", role_id),
        }
        return await self._create_from(ROLE_CREATE, body)

    @operation(ROLE_DELETE)
    async def delete(self, access_role_id: str) -> None:
        """Take a role away from the user."""
        await self._delete(ROLE_DELETE, {"accessRoleId": access_role_id})

    @operation(ROLE_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[AccessRole]:
        """The roles by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            ROLE_QUERY, offset=offset, limit=limit, ask_total_count=ask_total_count
        )

    @operation(ROLE_COUNT)
    async def count(self) -> int:
        """How many roles the access info holds."""
        return await self._count(ROLE_COUNT)
