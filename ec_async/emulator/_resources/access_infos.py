"""Access infos and what they hold (``/{scopeId}/accessinfos``).

Every check the emulator makes reads these rows on each request, so a
permission or role granted here applies from the user's next call on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from ec_async._guards import is_list
from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import (
    EmptyError,
    entity_not_found,
    entity_uniqueness,
    illegal_null_argument,
)
from ec_async.emulator._listing import (
    Filter,
    ListQuery,
    Table,
    count_result,
    count_rows,
    fetch_page,
    list_query_from_body,
    list_query_from_params,
    list_result,
)
from ec_async.emulator._permissions import Grant
from ec_async.emulator._records._rows import audit
from ec_async.emulator._records.grants import (
    ACCESS_PERMISSIONS,
    delete_access_info,
    find_access_info_in,
    find_permission,
    insert_access_role,
    insert_permission,
    permission_taken,
)
from ec_async.emulator._resources._bodies import id_field
from ec_async.emulator._resources._grants import (
    check_grantable,
    permission_entity_json,
    permission_from_body,
    uniqueness_values,
)
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import (
    Field,
    Kind,
    decode_id,
    json_response,
    row_fields,
    updatable_entity,
)

__all__ = ["ROUTES"]

_ACCESS_INFO_ID: Field = ("accessInfoId", Kind.ID)
_ACCESS_ROLE_FIELDS: tuple[Field, ...] = (
    ("id", Kind.ID),
    ("scopeId", Kind.ID),
    ("createdOn", Kind.DATE),
    ("createdBy", Kind.ID),
    ("accessInfoId", Kind.ID),
    ("roleId", Kind.ID),
)
_ENTITY_SORT = frozenset({"id", "scopeId", "createdOn", "createdBy"})
_INFOS = Table(
    name="access_infos",
    default_sort=("id",),
    sortable=_ENTITY_SORT | {"userId", "modifiedOn", "modifiedBy", "optlock"},
)
_PERMISSIONS = Table(
    name="access_permissions",
    default_sort=("id",),
    sortable=_ENTITY_SORT | {"accessInfoId"},
)
_ROLES = Table(
    name="access_roles",
    default_sort=("id",),
    sortable=_ENTITY_SORT | {"accessInfoId", "roleId"},
)


def _info_json(row: sqlite3.Row) -> dict[str, Any]:
    return updatable_entity("accessInfo", row, (("userId", Kind.ID),))


def _permission_json(row: sqlite3.Row) -> dict[str, Any]:
    return permission_entity_json("accessPermission", _ACCESS_INFO_ID, row)


def _role_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"type": "accessRole", **row_fields(row, _ACCESS_ROLE_FIELDS)}


def _scope(scope_id: int) -> Filter:
    return Filter("scope_id = ?", (scope_id,))


def _owned_by(scope_id: int, access_info_id: int) -> list[Filter]:
    return [Filter("scope_id = ? AND access_info_id = ?", (scope_id, access_info_id))]


def _listing(
    call: Call,
    table: Table,
    type_name: str,
    to_json: Any,
    filters: list[Filter],
    query: ListQuery,
) -> web.Response:
    with call.context.store.transaction() as db:
        page = fetch_page(db, table, filters, query)
    items = [to_json(row) for row in page.rows]

    return json_response(list_result(type_name, items, page))


async def _counting(call: Call, table: Table, filters: list[Filter]) -> web.Response:
    list_query_from_body(await call.json_body(allow_empty=True))
    with call.context.store.transaction() as db:
        count = count_rows(db, table, filters)

    return json_response(count_result(count))


# Access infos.


async def list_infos(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/accessinfos, optionally the one of ``userId``."""
    scope_id = call.scope_id()
    query = list_query_from_params(call.query)
    user_id = call.query_id("userId")
    call.require("access_info", "read", scope_id)
    filters = [_scope(scope_id)]
    if user_id is not None:
        filters.append(Filter("user_id = ?", (user_id,)))

    return _listing(call, _INFOS, "accessInfoListResult", _info_json, filters, query)


async def query_infos(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/accessinfos/_query."""
    scope_id = call.scope_id()
    query = list_query_from_body(await call.json_body(allow_empty=True))
    call.require("access_info", "read", scope_id)

    return _listing(
        call, _INFOS, "accessInfoListResult", _info_json, [_scope(scope_id)], query
    )


async def count_infos(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/accessinfos/_count."""
    scope_id = call.scope_id()
    call.require("access_info", "read", scope_id)

    return await _counting(call, _INFOS, [_scope(scope_id)])


def _id_list(body: Mapping[str, Any], name: str) -> list[int]:
    values: object = body.get(name) or []
    if not is_list(values):
        raise EmptyError(400)
    decoded = [decode_id(value) if isinstance(value, str) else None for value in values]
    if any(value is None for value in decoded):
        raise EmptyError(400)

    return [value for value in decoded if value is not None]


def _grant_list(body: Mapping[str, Any]) -> list[Grant]:
    values: object = body.get("permissions") or []
    if not is_list(values):
        raise EmptyError(400)

    return [
        permission_from_body(value, "accessInfoCreator.permissions") for value in values
    ]


def _insert_info(
    call: Call,
    db: sqlite3.Connection,
    scope_id: int,
    user_id: int,
    grants: list[Grant],
    role_ids: list[int],
) -> int:
    now, by = call.now_ms(), call.session.user_id
    access_info_id = new_id(db, "access_infos")
    db.execute(
        "INSERT INTO access_infos (id, scope_id, user_id, created_on, created_by,"
        " modified_on, modified_by, optlock) VALUES (:id, :scope_id, :user_id,"
        " :created_on, :created_by, :modified_on, :modified_by, :optlock)",
        {
            "id": access_info_id,
            "scope_id": scope_id,
            "user_id": user_id,
            **audit(now, by),
        },
    )
    for grant in grants:
        if not permission_taken(
            db, ACCESS_PERMISSIONS, scope_id, access_info_id, grant
        ):
            insert_permission(
                db,
                ACCESS_PERMISSIONS,
                permission_id=new_id(db, ACCESS_PERMISSIONS.name),
                scope_id=scope_id,
                owner_id=access_info_id,
                grant=grant,
                now=now,
                by=by,
            )
    for role_id in dict.fromkeys(role_ids):
        insert_access_role(
            db,
            access_role_id=new_id(db, "access_roles"),
            scope_id=scope_id,
            access_info_id=access_info_id,
            role_id=role_id,
            now=now,
            by=by,
        )

    return access_info_id


async def create_info(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/accessinfos: a user's one access info, with grants and roles."""
    scope_id = call.scope_id()
    body = await call.json_body()
    user_id = id_field(body, "userId")
    grants = _grant_list(body)
    role_ids = _id_list(body, "roleIds")
    if user_id is None:
        raise illegal_null_argument("accessInfoCreator.userId")
    call.require("access_info", "write", scope_id)
    for grant in grants:
        check_grantable(call, scope_id, grant)

    with call.context.store.transaction() as db:
        user = db.execute(
            "SELECT 1 FROM users WHERE id = ? AND scope_id = ?", (user_id, scope_id)
        ).fetchone()
        if user is None:
            raise entity_not_found("user", user_id)
        for role_id in role_ids:
            role = db.execute(
                "SELECT 1 FROM roles WHERE id = ? AND scope_id = ?", (role_id, scope_id)
            ).fetchone()
            if role is None:
                raise entity_not_found("role", role_id)
        taken = db.execute(
            "SELECT 1 FROM access_infos WHERE user_id = ?", (user_id,)
        ).fetchone()
        if taken is not None:
            values = [("scopeId", scope_id), ("userId", user_id)]
            raise entity_uniqueness("accessInfo", values)
        access_info_id = _insert_info(call, db, scope_id, user_id, grants, role_ids)
        row = find_access_info_in(db, scope_id, access_info_id)
    if row is None:
        raise entity_not_found("accessInfo", access_info_id)

    return json_response(_info_json(row), 201)


def _existing_info(call: Call, scope_id: int, access_info_id: int) -> sqlite3.Row:
    with call.context.store.transaction() as db:
        row = find_access_info_in(db, scope_id, access_info_id)
    if row is None:
        raise entity_not_found("accessInfo", access_info_id)

    return row


async def get_info(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/accessinfos/{accessInfoId}."""
    scope_id = call.scope_id()
    access_info_id = call.path_id("accessInfoId")
    call.require("access_info", "read", scope_id)

    return json_response(_info_json(_existing_info(call, scope_id, access_info_id)))


async def delete_info(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/accessinfos/{accessInfoId}: with its permissions and roles."""
    scope_id = call.scope_id()
    access_info_id = call.path_id("accessInfoId")
    call.require("access_info", "delete", scope_id)
    _existing_info(call, scope_id, access_info_id)
    with call.context.store.transaction() as db:
        delete_access_info(db, access_info_id)

    return web.Response(status=204)


# Access permissions.


def _owned_listing(
    table: Table,
    list_type: str,
    to_json: Callable[[sqlite3.Row], dict[str, Any]],
    *,
    from_body: bool,
) -> Callable[[Call], Awaitable[web.StreamResponse]]:
    """A GET list or ``_query`` handler over what one access info holds.

    The two differ only in where the paging comes from: the query string,
    or a ``_query`` body.
    """

    async def handle(call: Call) -> web.StreamResponse:
        scope_id = call.scope_id()
        access_info_id = call.path_id("accessInfoId")
        if from_body:
            query = list_query_from_body(await call.json_body(allow_empty=True))
        else:
            query = list_query_from_params(call.query)
        call.require("access_info", "read", scope_id)

        return _listing(
            call, table, list_type, to_json, _owned_by(scope_id, access_info_id), query
        )

    return handle


list_permissions = _owned_listing(
    _PERMISSIONS, "accessPermissionListResult", _permission_json, from_body=False
)
query_permissions = _owned_listing(
    _PERMISSIONS, "accessPermissionListResult", _permission_json, from_body=True
)
list_roles = _owned_listing(_ROLES, "accessRoleListResult", _role_json, from_body=False)
query_roles = _owned_listing(_ROLES, "accessRoleListResult", _role_json, from_body=True)


async def count_permissions(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/accessinfos/{accessInfoId}/permissions/_count."""
    scope_id = call.scope_id()
    access_info_id = call.path_id("accessInfoId")
    call.require("access_info", "read", scope_id)

    return await _counting(call, _PERMISSIONS, _owned_by(scope_id, access_info_id))


async def create_permission(call: Call) -> web.StreamResponse:
    """POST .../permissions: grant one permission; the same one twice is a 409."""
    scope_id = call.scope_id()
    access_info_id = call.path_id("accessInfoId")
    body = await call.json_body()
    grant = permission_from_body(
        body.get("permission"), "accessPermissionCreator.permission"
    )
    call.require("access_info", "write", scope_id)
    check_grantable(call, scope_id, grant)

    with call.context.store.transaction() as db:
        if permission_taken(db, ACCESS_PERMISSIONS, scope_id, access_info_id, grant):
            owner = ("accessInfoId", access_info_id)
            values = uniqueness_values(scope_id, owner, grant)
            raise entity_uniqueness("accessPermission", values)
        if find_access_info_in(db, scope_id, access_info_id) is None:
            raise entity_not_found("accessInfo", access_info_id)
        permission_id = new_id(db, ACCESS_PERMISSIONS.name)
        insert_permission(
            db,
            ACCESS_PERMISSIONS,
            permission_id=permission_id,
            scope_id=scope_id,
            owner_id=access_info_id,
            grant=grant,
            now=call.now_ms(),
            by=call.session.user_id,
        )
        row = find_permission(
            db, ACCESS_PERMISSIONS, scope_id, access_info_id, permission_id
        )
    if row is None:
        raise entity_not_found("accessPermission", permission_id)

    return json_response(_permission_json(row), 201)


async def get_permission(call: Call) -> web.StreamResponse:
    """GET .../permissions/{accessPermissionId}."""
    scope_id = call.scope_id()
    access_info_id = call.path_id("accessInfoId")
    permission_id = call.path_id("accessPermissionId")
    call.require("access_info", "read", scope_id)
    with call.context.store.transaction() as db:
        row = find_permission(
            db, ACCESS_PERMISSIONS, scope_id, access_info_id, permission_id
        )
    if row is None:
        raise entity_not_found("accessPermission", permission_id)

    return json_response(_permission_json(row))


async def delete_permission(call: Call) -> web.StreamResponse:
    """DELETE .../permissions/{accessPermissionId}: the grant stops at once."""
    scope_id = call.scope_id()
    access_info_id = call.path_id("accessInfoId")
    permission_id = call.path_id("accessPermissionId")
    call.require("access_info", "delete", scope_id)
    with call.context.store.transaction() as db:
        deleted = db.execute(
            "DELETE FROM access_permissions WHERE id = ? AND scope_id = ?"
            " AND access_info_id = ?",
            (permission_id, scope_id, access_info_id),
        ).rowcount
    if not deleted:
        raise entity_not_found("accessPermission", permission_id)

    return web.Response(status=204)


# Access roles.


async def count_roles(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/accessinfos/{accessInfoId}/roles/_count."""
    scope_id = call.scope_id()
    access_info_id = call.path_id("accessInfoId")
    call.require("access_info", "read", scope_id)

    return await _counting(call, _ROLES, _owned_by(scope_id, access_info_id))


def _find_access_role(
    db: sqlite3.Connection, scope_id: int, access_info_id: int, access_role_id: int
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM access_roles WHERE id = ? AND scope_id = ?"
        " AND access_info_id = ?",
        (access_role_id, scope_id, access_info_id),
    ).fetchone()

    return row


async def create_role(call: Call) -> web.StreamResponse:
    """POST .../roles: give the user a role of the scope; twice is a 409."""
    scope_id = call.scope_id()
    access_info_id = call.path_id("accessInfoId")
    body = await call.json_body()
    role_id = id_field(body, "roleId")
    call.require("access_info", "write", scope_id)

    with call.context.store.transaction() as db:
        role = None
        if role_id is not None:
            role = db.execute(
                "SELECT 1 FROM roles WHERE id = ? AND scope_id = ?", (role_id, scope_id)
            ).fetchone()
        if role_id is None or role is None:
            raise entity_not_found("role", role_id or 0)
        if find_access_info_in(db, scope_id, access_info_id) is None:
            raise entity_not_found("accessInfo", access_info_id)
        taken = db.execute(
            "SELECT 1 FROM access_roles WHERE access_info_id = ? AND role_id = ?",
            (access_info_id, role_id),
        ).fetchone()
        if taken is not None:
            values = [
                ("scopeId", scope_id),
                ("accessInfoId", access_info_id),
                ("roleId", role_id),
            ]
            raise entity_uniqueness("accessRole", values)
        access_role_id = new_id(db, "access_roles")
        insert_access_role(
            db,
            access_role_id=access_role_id,
            scope_id=scope_id,
            access_info_id=access_info_id,
            role_id=role_id,
            now=call.now_ms(),
            by=call.session.user_id,
        )
        row = _find_access_role(db, scope_id, access_info_id, access_role_id)
    if row is None:
        raise entity_not_found("accessRole", access_role_id)

    return json_response(_role_json(row), 201)


async def get_role(call: Call) -> web.StreamResponse:
    """GET .../roles/{accessRoleId}."""
    scope_id = call.scope_id()
    access_info_id = call.path_id("accessInfoId")
    access_role_id = call.path_id("accessRoleId")
    call.require("access_info", "read", scope_id)
    with call.context.store.transaction() as db:
        row = _find_access_role(db, scope_id, access_info_id, access_role_id)
    if row is None:
        raise entity_not_found("accessRole", access_role_id)

    return json_response(_role_json(row))


async def delete_role(call: Call) -> web.StreamResponse:
    """DELETE .../roles/{accessRoleId}: the role's permissions stop at once."""
    scope_id = call.scope_id()
    access_info_id = call.path_id("accessInfoId")
    access_role_id = call.path_id("accessRoleId")
    call.require("access_info", "delete", scope_id)
    with call.context.store.transaction() as db:
        deleted = db.execute(
            "DELETE FROM access_roles WHERE id = ? AND scope_id = ?"
            " AND access_info_id = ?",
            (access_role_id, scope_id, access_info_id),
        ).rowcount
    if not deleted:
        raise entity_not_found("accessRole", access_role_id)

    return web.Response(status=204)


_INFOS_PATH = "/{scopeId}/accessinfos"
_INFO_PATH = _INFOS_PATH + "/{accessInfoId}"
_PERMISSIONS_PATH = _INFO_PATH + "/permissions"
_ROLES_PATH = _INFO_PATH + "/roles"

ROUTES = (
    Route("GET", _INFOS_PATH, list_infos),
    Route("POST", _INFOS_PATH, create_info),
    Route("POST", _INFOS_PATH + "/_query", query_infos),
    Route("POST", _INFOS_PATH + "/_count", count_infos),
    Route("GET", _INFO_PATH, get_info),
    Route("DELETE", _INFO_PATH, delete_info),
    Route("GET", _PERMISSIONS_PATH, list_permissions),
    Route("POST", _PERMISSIONS_PATH, create_permission),
    Route("POST", _PERMISSIONS_PATH + "/_query", query_permissions),
    Route("POST", _PERMISSIONS_PATH + "/_count", count_permissions),
    Route("GET", _PERMISSIONS_PATH + "/{accessPermissionId}", get_permission),
    Route("DELETE", _PERMISSIONS_PATH + "/{accessPermissionId}", delete_permission),
    Route("GET", _ROLES_PATH, list_roles),
    Route("POST", _ROLES_PATH, create_role),
    Route("POST", _ROLES_PATH + "/_query", query_roles),
    Route("POST", _ROLES_PATH + "/_count", count_roles),
    Route("GET", _ROLES_PATH + "/{accessRoleId}", get_role),
    Route("DELETE", _ROLES_PATH + "/{accessRoleId}", delete_role),
)
