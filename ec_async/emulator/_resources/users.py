"""Users of an account (``/{scopeId}/users``), with Kapua's validation rules.

Names are unique in the whole system: a name taken in the same account is
``DUPLICATE_NAME``, one taken elsewhere ``ENTITY_ALREADY_EXIST_IN_ANOTHER_ACCOUNT``,
both answered 500 as Kapua's mappers do.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ec_async.emulator._body import date_field, enum_field, optlock_field, text_field
from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import (
    KapuaError,
    entity_not_found,
    illegal_argument,
    illegal_null_argument,
    optimistic_locking,
)
from ec_async.emulator._listing import (
    Filter,
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
from ec_async.emulator._records.accounts import find_account
from ec_async.emulator._records.users import (
    USER_UPDATABLE_COLUMNS,
    delete_user,
    find_user_by_name,
    find_user_in_scope,
    insert_users,
    update_user,
    user_row,
)
from ec_async.emulator._seed import SYSTEM_USERNAME
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import (
    Field,
    Kind,
    empty_response,
    json_response,
    updatable_entity,
)

__all__ = ["EMAIL_PATTERN", "ROUTES", "existing_user", "user_json"]

_FIELDS: tuple[Field, ...] = (
    ("name", Kind.TEXT),
    ("description", Kind.TEXT),
    ("displayName", Kind.TEXT),
    ("email", Kind.TEXT),
    ("phoneNumber", Kind.TEXT),
    ("status", Kind.TEXT),
    ("userType", Kind.TEXT),
    ("externalId", Kind.TEXT),
    ("externalUsername", Kind.TEXT),
    ("expirationDate", Kind.DATE),
)
_AUDIT = ("id", "scopeId", "createdOn", "createdBy", "modifiedOn", "modifiedBy")
USERS = Table(
    name="users",
    default_sort=("name",),
    sortable=frozenset((*_AUDIT, "optlock", *(name for name, _ in _FIELDS))),
)
_MATCH_COLUMNS = (
    "name",
    "display_name",
    "email",
    "phone_number",
    "external_id",
    "external_username",
)

_USER_STATUSES = frozenset({"ENABLED", "DISABLED"})
_USER_TYPES = frozenset({"INTERNAL", "EXTERNAL", "DEVICE"})
# CommonsValidationRegex.NAME_REGEXP and EMAIL_REGEXP; a user name is at most
# 255 characters.
_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_\-]{3,}$")
_MAX_NAME = 255
EMAIL_PATTERN = re.compile(r"^(\w+)([-+.][\w]+)*@(\w[-\w]*\.){1,5}([A-Za-z]){2,4}$")


def user_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a User as the API writes it."""
    return updatable_entity("user", row, _FIELDS)


def _page_json(page: Page) -> dict[str, Any]:
    return list_result("userListResult", [user_json(row) for row in page.rows], page)


def _scope_filter(scope_id: int) -> Filter:
    return Filter("scope_id = ?", (scope_id,))


def _list_filters(call: Call, scope_id: int) -> list[Filter]:
    filters = [_scope_filter(scope_id)]
    name = call.query.get("name")
    if name:
        filters.append(Filter("name = ?", (name,)))
    match_term = call.query.get("matchTerm")
    if match_term:
        filters.append(starts_with(_MATCH_COLUMNS, match_term))

    return filters


def _checked_name(body: Mapping[str, Any], prefix: str) -> str:
    name = text_field(body, "name")
    if not name:
        raise illegal_null_argument(f"{prefix}.name")
    if len(name) > _MAX_NAME or _NAME_PATTERN.match(name) is None:
        raise illegal_argument(f"{prefix}.name", name)

    return name


def _checked_external_id(user_type: str, external_id: str | None, prefix: str) -> None:
    """Only INTERNAL users lack an external id; every other type needs one."""
    if user_type != "INTERNAL" and not external_id:
        raise illegal_null_argument(f"{prefix}.externalId")
    if user_type == "INTERNAL" and external_id:
        raise illegal_argument(f"{prefix}.externalId", external_id)


def _user_columns(
    body: Mapping[str, Any], prefix: str, *, creating: bool
) -> dict[str, Any]:
    """Read a UserCreator or User body into columns, validated as Kapua does.

    A creator defaults to an ENABLED INTERNAL user; a PUT replaces every
    field, so what it leaves out becomes null (and status is then required).
    """
    columns: dict[str, Any] = {
        "name": _checked_name(body, prefix),
        "description": text_field(body, "description"),
        "display_name": text_field(body, "displayName"),
        "email": text_field(body, "email"),
        "phone_number": text_field(body, "phoneNumber"),
        "status": enum_field(body, "status", _USER_STATUSES),
        "user_type": enum_field(body, "userType", _USER_TYPES),
        "external_id": text_field(body, "externalId"),
        "external_username": text_field(body, "externalUsername"),
        "expiration_date": date_field(body, "expirationDate"),
    }
    email = columns["email"]
    if email is not None and EMAIL_PATTERN.match(email) is None:
        raise illegal_argument(f"{prefix}.email", email)
    if creating:
        columns["status"] = columns["status"] or "ENABLED"
        columns["user_type"] = columns["user_type"] or "INTERNAL"
    if columns["status"] is None:
        raise illegal_null_argument(f"{prefix}.status")
    if columns["user_type"] is not None:
        _checked_external_id(columns["user_type"], columns["external_id"], prefix)

    return columns


def _name_taken(db: sqlite3.Connection, scope_id: int, name: str) -> KapuaError | None:
    """Return Kapua's error for a name already used, in this account or another."""
    holder = find_user_by_name(db, name)
    if holder is None:
        return None
    if holder["scope_id"] == scope_id:
        return KapuaError(
            500,
            "DUPLICATE_NAME",
            f"An entity with the same name {name} already exists.",
        )
    # Kapua's message template for this code really ends after the name.
    return KapuaError(
        500,
        "ENTITY_ALREADY_EXIST_IN_ANOTHER_ACCOUNT",
        f"An entity with the same name {name}",
    )


def existing_user(db: sqlite3.Connection, scope_id: int, user_id: int) -> sqlite3.Row:
    """Return the user, or raise Kapua's 404 for it."""
    user = find_user_in_scope(db, scope_id, user_id)
    if user is None:
        raise entity_not_found("user", user_id)

    return user


async def list_users(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/users, by name unless sorted otherwise."""
    scope_id = call.scope_id()
    query = list_query_from_params(call.query)
    call.require("user", "read", scope_id)

    with call.context.store.transaction() as db:
        page = fetch_page(db, USERS, _list_filters(call, scope_id), query)

    return json_response(_page_json(page))


async def query_users(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/users/_query."""
    scope_id = call.scope_id()
    query = list_query_from_body(await call.json_body(allow_empty=True))
    call.require("user", "read", scope_id)

    with call.context.store.transaction() as db:
        page = fetch_page(db, USERS, [_scope_filter(scope_id)], query)

    return json_response(_page_json(page))


async def count_users(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/users/_count."""
    scope_id = call.scope_id()
    list_query_from_body(await call.json_body(allow_empty=True))
    call.require("user", "read", scope_id)

    with call.context.store.transaction() as db:
        count = count_rows(db, USERS, [_scope_filter(scope_id)])

    return json_response(count_result(count))


async def create_user(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/users: 201 with the new user.

    Kapua reads the account's user limit before checking permissions, so an
    unknown scope is a 404 even for a caller without ``user:write``.
    """
    scope_id = call.scope_id()
    columns = _user_columns(await call.json_body(), "userCreator", creating=True)
    with call.context.store.transaction() as db:
        account = find_account(db, scope_id)
    if account is None:
        raise entity_not_found("account", scope_id)
    call.require("user", "write", scope_id)

    with call.context.store.transaction() as db:
        taken = _name_taken(db, scope_id, columns["name"])
        if taken is not None:
            raise taken
        user_id = new_id(db, "users")
        insert_users(
            db,
            [
                user_row(
                    user_id=user_id,
                    scope_id=scope_id,
                    name=columns.pop("name"),
                    now=call.now_ms(),
                    created_by=call.session.user_id,
                    **columns,
                )
            ],
        )
        user = existing_user(db, scope_id, user_id)

    return json_response(user_json(user), 201)


async def get_user(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/users/{userId}."""
    scope_id = call.scope_id()
    user_id = call.path_id("userId")
    call.require("user", "read", scope_id)

    with call.context.store.transaction() as db:
        user = existing_user(db, scope_id, user_id)

    return json_response(user_json(user))


def _check_update(
    call: Call, current: sqlite3.Row, columns: Mapping[str, Any], body_optlock: int
) -> None:
    """Kapua's update rules, in its order, after the user was found."""
    changes_login = (
        columns["status"] != "ENABLED"
        or columns["expiration_date"] is not None
        or columns["name"] != current["name"]
    )
    if changes_login and columns["name"] == SYSTEM_USERNAME:
        raise illegal_argument("name", SYSTEM_USERNAME)
    if current["id"] == call.session.user_id and columns["status"] == "DISABLED":
        raise illegal_argument("status", "DISABLED")
    if columns["name"] != current["name"]:
        raise illegal_argument("name", columns["name"])
    if columns["user_type"] != current["user_type"]:
        raise illegal_argument("userType", columns["user_type"])
    if columns["external_id"] != current["external_id"]:
        raise illegal_argument("externalId", columns["external_id"])
    if body_optlock != current["optlock"]:
        raise optimistic_locking()


async def update_user_handler(call: Call) -> web.StreamResponse:
    """PUT /{scopeId}/users/{userId}: a full replace guarded by ``optlock``.

    The name, the type and the external id cannot change; nobody may disable
    themselves, and kapua-sys can be neither disabled nor given an expiry.
    """
    scope_id = call.scope_id()
    user_id = call.path_id("userId")
    body = await call.json_body()
    columns = _user_columns(body, "user", creating=False)
    call.require("user", "write", scope_id)

    with call.context.store.transaction() as db:
        current = existing_user(db, scope_id, user_id)
        _check_update(call, current, columns, optlock_field(body))
        update_user(
            db,
            user_id,
            {name: columns[name] for name in USER_UPDATABLE_COLUMNS},
            now=call.now_ms(),
            by=call.session.user_id,
        )
        user = existing_user(db, scope_id, user_id)

    return json_response(user_json(user))


async def delete_user_handler(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/users/{userId}: 204; kapua-sys and oneself are refused."""
    scope_id = call.scope_id()
    user_id = call.path_id("userId")
    call.require("user", "delete", scope_id)

    with call.context.store.transaction() as db:
        user = existing_user(db, scope_id, user_id)
        if user["name"] == SYSTEM_USERNAME:
            raise illegal_argument("name", SYSTEM_USERNAME)
        if user_id == call.session.user_id:
            raise illegal_argument("name", user["name"])
        delete_user(db, user, call.now_ms())

    return empty_response(204)


ROUTES = (
    Route("GET", "/{scopeId}/users", list_users),
    Route("POST", "/{scopeId}/users", create_user),
    Route("POST", "/{scopeId}/users/_query", query_users),
    Route("POST", "/{scopeId}/users/_count", count_users),
    Route("GET", "/{scopeId}/users/{userId}", get_user),
    Route("PUT", "/{scopeId}/users/{userId}", update_user_handler),
    Route("DELETE", "/{scopeId}/users/{userId}", delete_user_handler),
)
