"""Roles, their permissions, and the users holding them (``/{scopeId}/roles``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ec_async._guards import is_list
from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import EmptyError, entity_not_found, entity_uniqueness
from ec_async.emulator._listing import (
    Filter,
    Table,
    count_result,
    count_rows,
    fetch_page,
    list_query_from_body,
    list_query_from_params,
    list_result,
)
from ec_async.emulator._permissions import Grant
from ec_async.emulator._records.grants import (
    ROLE_PERMISSIONS,
    delete_role_links,
    find_permission,
    insert_permission,
    permission_taken,
)
from ec_async.emulator._records.service_configs import ROLE_SERVICE
from ec_async.emulator._resources._grants import (
    check_grantable,
    permission_entity_json,
    permission_from_body,
    uniqueness_values,
)
from ec_async.emulator._resources._named import NamedKind, find_named, named_routes
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import Field, Kind, json_response, updatable_entity

__all__ = ["ROLES", "ROUTES", "user_json"]

_ROLE_ID: Field = ("roleId", Kind.ID)
_PERMISSIONS = Table(
    name="role_permissions",
    default_sort=("id",),
    sortable=frozenset({"id", "scopeId", "createdOn", "createdBy", "roleId"}),
)
_ACCESS_ROLES = Table(
    name="access_roles",
    default_sort=("id",),
    sortable=frozenset({"id", "scopeId", "createdOn", "createdBy"}),
)
_USER_FIELDS: tuple[Field, ...] = (
    ("name", Kind.TEXT),
    ("description", Kind.TEXT),
    ("status", Kind.TEXT),
    ("displayName", Kind.TEXT),
    ("email", Kind.TEXT),
    ("phoneNumber", Kind.TEXT),
    ("userType", Kind.TEXT),
    ("externalId", Kind.TEXT),
    ("externalUsername", Kind.TEXT),
    ("expirationDate", Kind.DATE),
)


def user_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a User as the API writes it (the users' own module may share it)."""
    return updatable_entity("user", row, _USER_FIELDS)


def _creator_grants(body: Mapping[str, Any]) -> list[Grant]:
    permissions: object = body.get("permissions") or []
    if not is_list(permissions):
        raise EmptyError(400)

    return [
        permission_from_body(value, "roleCreator.permissions") for value in permissions
    ]


async def _check_creator(call: Call, scope_id: int, body: Mapping[str, Any]) -> None:
    for grant in _creator_grants(body):
        check_grantable(call, scope_id, grant)


def _store_creator_permissions(
    call: Call,
    db: sqlite3.Connection,
    scope_id: int,
    role_id: int,
    body: Mapping[str, Any],
) -> None:
    for grant in _creator_grants(body):
        if permission_taken(db, ROLE_PERMISSIONS, scope_id, role_id, grant):
            continue
        insert_permission(
            db,
            ROLE_PERMISSIONS,
            permission_id=new_id(db, ROLE_PERMISSIONS.name),
            scope_id=scope_id,
            owner_id=role_id,
            grant=grant,
            now=call.now_ms(),
            by=call.session.user_id,
        )


ROLES = NamedKind(
    type_name="role",
    table_name="roles",
    domain="role",
    service=ROLE_SERVICE,
    id_param="roleId",
    check_create=_check_creator,
    on_create=_store_creator_permissions,
    on_delete=delete_role_links,
)


def _permission_json(row: sqlite3.Row) -> dict[str, Any]:
    return permission_entity_json("rolePermission", _ROLE_ID, row)


def _owner_filters(scope_id: int, role_id: int) -> list[Filter]:
    return [Filter("scope_id = ? AND role_id = ?", (scope_id, role_id))]


def _permission_filters(call: Call, scope_id: int, role_id: int) -> list[Filter]:
    filters = _owner_filters(scope_id, role_id)
    domain = call.query.get("name")
    if domain:
        filters.append(Filter("domain = ?", (domain,)))
    action = call.query.get("action")
    if action:
        filters.append(Filter("action = ?", (action,)))

    return filters


def _permission_page(
    call: Call, filters: list[Filter], query: Any
) -> web.StreamResponse:
    with call.context.store.transaction() as db:
        page = fetch_page(db, _PERMISSIONS, filters, query)
    items = [_permission_json(row) for row in page.rows]

    return json_response(list_result("rolePermissionListResult", items, page))


async def list_permissions(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/roles/{roleId}/permissions, by domain name and action."""
    scope_id = call.scope_id()
    role_id = call.path_id("roleId")
    query = list_query_from_params(call.query)
    call.require("role", "read", scope_id)

    return _permission_page(call, _permission_filters(call, scope_id, role_id), query)


async def query_permissions(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/roles/{roleId}/permissions/_query."""
    scope_id = call.scope_id()
    role_id = call.path_id("roleId")
    query = list_query_from_body(await call.json_body(allow_empty=True))
    call.require("role", "read", scope_id)

    return _permission_page(call, _owner_filters(scope_id, role_id), query)


async def count_permissions(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/roles/{roleId}/permissions/_count."""
    scope_id = call.scope_id()
    role_id = call.path_id("roleId")
    list_query_from_body(await call.json_body(allow_empty=True))
    call.require("role", "read", scope_id)
    with call.context.store.transaction() as db:
        count = count_rows(db, _PERMISSIONS, _owner_filters(scope_id, role_id))

    return json_response(count_result(count))


async def create_permission(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/roles/{roleId}/permissions: a granted permission twice is a 409."""
    scope_id = call.scope_id()
    role_id = call.path_id("roleId")
    body = await call.json_body()
    grant = permission_from_body(
        body.get("permission"), "rolePermissionCreator.permission"
    )
    call.require("role", "write", scope_id)
    check_grantable(call, scope_id, grant)

    with call.context.store.transaction() as db:
        if find_named(db, ROLES, scope_id, role_id) is None:
            raise entity_not_found("role", role_id)
        if permission_taken(db, ROLE_PERMISSIONS, scope_id, role_id, grant):
            values = uniqueness_values(scope_id, ("roleId", role_id), grant)
            raise entity_uniqueness("rolePermission", values)
        permission_id = new_id(db, ROLE_PERMISSIONS.name)
        insert_permission(
            db,
            ROLE_PERMISSIONS,
            permission_id=permission_id,
            scope_id=scope_id,
            owner_id=role_id,
            grant=grant,
            now=call.now_ms(),
            by=call.session.user_id,
        )
        row = find_permission(db, ROLE_PERMISSIONS, scope_id, role_id, permission_id)
    if row is None:
        raise entity_not_found("rolePermission", permission_id)

    return json_response(_permission_json(row), 201)


async def get_permission(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/roles/{roleId}/permissions/{rolePermissionId}."""
    scope_id = call.scope_id()
    role_id = call.path_id("roleId")
    permission_id = call.path_id("rolePermissionId")
    call.require("role", "read", scope_id)
    with call.context.store.transaction() as db:
        row = find_permission(db, ROLE_PERMISSIONS, scope_id, role_id, permission_id)
    if row is None:
        raise entity_not_found("rolePermission", permission_id)

    return json_response(_permission_json(row))


async def delete_permission(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/roles/{roleId}/permissions/{rolePermissionId}: 204."""
    scope_id = call.scope_id()
    role_id = call.path_id("roleId")
    permission_id = call.path_id("rolePermissionId")
    call.require("role", "delete", scope_id)
    with call.context.store.transaction() as db:
        row = find_permission(db, ROLE_PERMISSIONS, scope_id, role_id, permission_id)
        if row is None:
            raise entity_not_found("rolePermission", permission_id)
        db.execute("DELETE FROM role_permissions WHERE id = ?", (permission_id,))

    return web.Response(status=204)


async def list_role_users(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/roles/{roleId}/users: the users whose access info holds the role.

    Kapua pages the role's access roles, then loads each one's user, so it
    needs access_info:read and user:read.
    """
    scope_id = call.scope_id()
    role_id = call.path_id("roleId")
    query = list_query_from_params(call.query)
    call.require("access_info", "read", scope_id)
    call.require("user", "read", scope_id)

    filters = [Filter("scope_id = ? AND role_id = ?", (scope_id, role_id))]
    with call.context.store.transaction() as db:
        page = fetch_page(db, _ACCESS_ROLES, filters, query)
        users = [
            db.execute(
                "SELECT u.* FROM users u JOIN access_infos i ON i.user_id = u.id"
                " WHERE i.id = ?",
                (row["access_info_id"],),
            ).fetchone()
            for row in page.rows
        ]
    items = [user_json(user) for user in users if user is not None]

    return json_response(list_result("userListResult", items, page))


_PATH = "/{scopeId}/roles/{roleId}/permissions"

ROUTES = (
    *named_routes(ROLES, "/{scopeId}/roles"),
    Route("GET", "/{scopeId}/roles/{roleId}/users", list_role_users),
    Route("GET", _PATH, list_permissions),
    Route("POST", _PATH, create_permission),
    Route("POST", _PATH + "/_query", query_permissions),
    Route("POST", _PATH + "/_count", count_permissions),
    Route("GET", _PATH + "/{rolePermissionId}", get_permission),
    Route("DELETE", _PATH + "/{rolePermissionId}", delete_permission),
)
