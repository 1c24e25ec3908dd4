"""Accounts: the tenant tree (``/{scopeId}/accounts``, ``/accounts``, ``/account``).

Creating needs ``account:write`` on the parent and room under its
AccountService limit; updating a child needs ``account:write`` on its parent;
deleting asks for ``account:delete`` on ANY scope, which Kapua's permission
mapper lets any ``account:delete`` grant satisfy (a quirk kept here).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._domains import ANY_ID
from ec_async.emulator._errors import (
    KapuaError,
    duplicate_name,
    entity_not_found,
    illegal_access,
    illegal_argument,
    illegal_null_argument,
    operation_not_supported,
    optimistic_locking,
)
from ec_async.emulator._listing import (
    Filter,
    ListQuery,
    Page,
    Table,
    bool_param,
    count_result,
    count_rows,
    fetch_page,
    list_query_from_body,
    list_query_from_params,
    list_result,
    starts_with,
)
from ec_async.emulator._records.accounts import (
    ORGANIZATION_FIELDS,
    SYSTEM_ACCOUNT_ID,
    account_row,
    find_account,
    find_account_by_name,
    insert_accounts,
)
from ec_async.emulator._records.service_configs import (
    ACCOUNT_SERVICE,
    check_allowed_entities,
)
from ec_async.emulator._resources._bodies import (
    NAME,
    date_field,
    object_field,
    optlock_of,
    text_field,
)
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import (
    Field,
    Kind,
    column_name,
    format_date,
    json_response,
    updatable_entity,
)

__all__ = ["ROUTES", "account_json"]

_FIELDS: tuple[Field, ...] = (
    ("name", Kind.TEXT),
    ("description", Kind.TEXT),
    ("expirationDate", Kind.DATE),
    ("parentAccountPath", Kind.TEXT),
)
_SORTABLE = ("id", "scopeId", "createdOn", "createdBy", "modifiedOn", "modifiedBy")
ACCOUNTS = Table(
    name="accounts",
    default_sort=("name",),
    sortable=frozenset((*_SORTABLE, "optlock", *(name for name, _ in _FIELDS))),
)
# Kapua's matchTerm fields for accounts: NAME, ORGANIZATION_NAME, CONTACT_NAME,
# ORGANIZATION_EMAIL.
_MATCH_COLUMNS = (
    "name",
    "organization_name",
    "organization_person_name",
    "organization_email",
)


def account_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return an Account as the API writes it, organization included."""
    organization = {
        name: row["organization_" + column_name(name)]
        for name in ORGANIZATION_FIELDS
        if row["organization_" + column_name(name)] is not None
    }
    account = updatable_entity("account", row, _FIELDS)
    account["organization"] = organization

    return account


def _page_json(page: Page) -> dict[str, Any]:
    return list_result(
        "accountListResult", [account_json(row) for row in page.rows], page
    )


def _descendants(db: sqlite3.Connection, scope_id: int) -> Page:
    """Return every account below ``scope_id``, unpaged, as Kapua's recursive list."""
    parent = find_account(db, scope_id)
    if parent is None:
        return Page([], limit_exceeded=False, total_count=None)
    below = Filter(
        "parent_account_path LIKE ?", (f"{parent['parent_account_path']}/%",)
    )

    return fetch_page(db, ACCOUNTS, [below], ListQuery(limit=None))


def _list_filters(call: Call, scope_id: int) -> list[Filter]:
    filters = [Filter("scope_id = ?", (scope_id,))]
    name = call.query.get("name")
    if name:
        filters.append(Filter("name = ?", (name,)))
    match_term = call.query.get("matchTerm")
    if match_term:
        filters.append(starts_with(_MATCH_COLUMNS, match_term))

    return filters


async def list_accounts(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/accounts: the direct children, or all descendants if recursive."""
    scope_id = call.scope_id()
    query = list_query_from_params(call.query)
    call.require("account", "read", scope_id)

    with call.context.store.transaction() as db:
        if bool_param(call.query, "recursive"):
            page = _descendants(db, scope_id)
        else:
            page = fetch_page(db, ACCOUNTS, _list_filters(call, scope_id), query)

    return json_response(_page_json(page))


async def query_accounts(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/accounts/_query: the children, paged by the query body."""
    scope_id = call.scope_id()
    query = list_query_from_body(await call.json_body(allow_empty=True))
    call.require("account", "read", scope_id)

    with call.context.store.transaction() as db:
        page = fetch_page(db, ACCOUNTS, [Filter("scope_id = ?", (scope_id,))], query)

    return json_response(_page_json(page))


async def count_accounts(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/accounts/_count: how many children the account has."""
    scope_id = call.scope_id()
    list_query_from_body(await call.json_body(allow_empty=True))
    call.require("account", "read", scope_id)

    with call.context.store.transaction() as db:
        count = count_rows(db, ACCOUNTS, [Filter("scope_id = ?", (scope_id,))])

    return json_response(count_result(count))


def _readable_account(call: Call, account_id: int) -> sqlite3.Row:
    """Return an account the caller may read; Kapua looks it up before checking.

    Reading one's own account needs ``account:read`` on it; any other account
    needs ``account:read`` on its parent.
    """
    with call.context.store.transaction() as db:
        account = find_account(db, account_id)
    if account is None:
        raise entity_not_found("account", account_id)

    own = account_id == call.session.scope_id
    call.require("account", "read", account_id if own else account["scope_id"])

    return account


async def get_account(call: Call) -> web.StreamResponse:
    """GET /accounts/{accountId} (and the deprecated form, whose scope is ignored)."""
    account = _readable_account(call, call.path_id("accountId"))

    return json_response(account_json(account))


async def get_current_account(call: Call) -> web.StreamResponse:
    """GET /account: the caller's own account, read without a permission check."""
    with call.context.store.transaction() as db:
        account = find_account(db, call.session.scope_id)
    if account is None:
        raise entity_not_found("account", call.session.scope_id)

    return json_response(account_json(account))


# CommonsValidationRegex.EMAIL_REGEXP.
_EMAIL = re.compile(r"(\w+)([-+.]\w+)*@(\w[-\w]*\.){1,5}[A-Za-z]{2,63}")
_DUPLICATE_ELSEWHERE = "DUPLICATE_NAME_IN_ANOTHER_ACCOUNT"
_NO_EXPIRATION = "no expiration date set"


def _required_text(body: Mapping[str, Any], name: str, argument: str) -> str:
    value = text_field(body, name)
    if not value:
        raise illegal_null_argument(argument)

    return value


def _checked_email(email: str | None, argument: str) -> None:
    if email is None or not _EMAIL.fullmatch(email):
        raise illegal_argument(argument, email)


def _creator_columns(body: Mapping[str, Any]) -> dict[str, Any]:
    """Read an AccountCreator in the order Kapua validates it."""
    name = _required_text(body, "name", "accountCreator.name")
    if not NAME.fullmatch(name):
        raise illegal_argument("accountCreator.name", name)
    columns: dict[str, Any] = {
        "name": name,
        "description": text_field(body, "description"),
        "expiration_date": date_field(body, "expirationDate"),
    }
    for field in ORGANIZATION_FIELDS:
        wire = "organization" + field[:1].upper() + field[1:]
        columns["organization_" + column_name(field)] = text_field(body, wire)
    if not columns["organization_name"]:
        raise illegal_null_argument("accountCreator.organizationName")
    if not columns["organization_email"]:
        raise illegal_null_argument("accountCreator.organizationEmail")
    _checked_email(columns["organization_email"], "accountCreator.organizationEmail")

    return columns


def _shown(epoch_ms: int | None) -> str:
    return _NO_EXPIRATION if epoch_ms is None else str(format_date(epoch_ms))


def _within_parent(parent: sqlite3.Row | None, expiration: int | None) -> None:
    """An account may not outlive its parent (a parent without a date never ends)."""
    limit = None if parent is None else parent["expiration_date"]
    if limit is not None and (expiration is None or expiration > limit):
        raise illegal_argument("expirationDate", _shown(expiration))


async def create_account(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/accounts: a child account, its path the parent's plus its id."""
    scope_id = call.scope_id()
    columns = _creator_columns(await call.json_body())
    call.require("account", "write", scope_id)

    with call.context.store.transaction() as db:
        check_allowed_entities(db, scope_id, ACCOUNT_SERVICE)
        parent = find_account(db, scope_id)
        if parent is None:
            raise illegal_argument(
                "scopeId", f"parent account does not exist: {scope_id}::"
            )
        existing = find_account_by_name(db, columns["name"])
        if existing is not None and existing["scope_id"] == scope_id:
            raise duplicate_name(columns["name"])
        if existing is not None:
            raise KapuaError(
                500,
                _DUPLICATE_ELSEWHERE,
                f"An entity with the same name {columns['name']} already exists in"
                " another account.",
            )
        _within_parent(parent, columns["expiration_date"])
        row = account_row(
            account_id=new_id(db, "accounts"),
            parent=parent,
            now=call.now_ms(),
            created_by=call.session.user_id,
            **columns,
        )
        insert_accounts(db, [row])
        account = find_account(db, row["id"])
    if account is None:
        raise entity_not_found("account", row["id"])

    return json_response(account_json(account), 201)


def _organization_columns(body: Mapping[str, Any], argument: str) -> dict[str, Any]:
    """Read the organization of an update request; a PUT replaces it whole."""
    organization = object_field(body, "organization")
    if organization is None:
        raise illegal_null_argument(argument)
    _checked_email(text_field(organization, "email"), f"{argument}.email")

    return {
        "organization_" + column_name(field): text_field(organization, field)
        for field in ORGANIZATION_FIELDS
    }


def _descendants_outlive(
    db: sqlite3.Connection, account: sqlite3.Row, expiration: int
) -> bool:
    row = db.execute(
        "SELECT 1 FROM accounts WHERE parent_account_path LIKE ?"
        " AND (expiration_date IS NULL OR expiration_date > ?)",
        (f"{account['parent_account_path']}/%", expiration),
    ).fetchone()

    return row is not None


def _check_expiration(
    db: sqlite3.Connection, account: sqlite3.Row, expiration: int | None
) -> None:
    """Kapua's validateExpirationDate for an update of a child account."""
    if expiration is not None and account["id"] == SYSTEM_ACCOUNT_ID:
        raise operation_not_supported(
            "Admin account cannot have an expiration date set"
        )
    parent = None
    if account["scope_id"] is not None:
        parent = find_account(db, account["scope_id"])
    _within_parent(parent, expiration)
    if expiration is None or expiration == account["expiration_date"]:
        return
    if _descendants_outlive(db, account, expiration):
        raise illegal_argument("expirationDate", _shown(expiration))


def _store_update(
    call: Call,
    db: sqlite3.Connection,
    account: sqlite3.Row,
    body: Mapping[str, Any],
    columns: Mapping[str, Any],
) -> sqlite3.Row:
    if optlock_of(body) != account["optlock"]:
        raise optimistic_locking()
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    db.execute(
        f"UPDATE accounts SET {assignments}, modified_on = :now, modified_by = :by,"
        " optlock = optlock + 1 WHERE id = :id",
        {
            **columns,
            "now": call.now_ms(),
            "by": call.session.user_id,
            "id": account["id"],
        },
    )
    updated = find_account(db, account["id"])
    if updated is None:
        raise entity_not_found("account", account["id"])

    return updated


async def update_account(call: Call) -> web.StreamResponse:
    """PUT /accounts/{accountId}: a child account's description, dates, organization.

    The caller's own account is refused here (422); it has ``PUT /account``.
    """
    account_id = call.path_id("accountId")
    body = await call.json_body()
    expiration = date_field(body, "expirationDate")
    columns = {
        **_organization_columns(body, "account.organization"),
        "description": text_field(body, "description"),
        "expiration_date": expiration,
    }
    if account_id == call.session.scope_id:
        raise operation_not_supported(
            "Cannot update the current account via this method"
        )

    with call.context.store.transaction() as db:
        account = find_account(db, account_id)
    if account is None:
        raise entity_not_found("account", account_id)
    call.require("account", "write", account["scope_id"])

    with call.context.store.transaction() as db:
        _check_expiration(db, account, expiration)
        updated = _store_update(call, db, account, body, columns)

    return json_response(account_json(updated))


async def update_current_account(call: Call) -> web.StreamResponse:
    """PUT /account: the caller's own description and organization."""
    body = await call.json_body()
    columns = {
        **_organization_columns(body, "request.organization"),
        "description": text_field(body, "description"),
    }
    account_id = call.session.scope_id
    call.require("account", "write", account_id)

    with call.context.store.transaction() as db:
        account = find_account(db, account_id)
        if account is None:
            raise entity_not_found("account", account_id)
        updated = _store_update(call, db, account, body, columns)

    return json_response(account_json(updated))


def _scoped_tables(db: sqlite3.Connection) -> list[str]:
    """Return every table whose rows belong to an account by ``scope_id``."""
    tables = [
        row["name"]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT IN ('accounts', 'meta', 'domains')"
        )
    ]

    return [
        table
        for table in tables
        if any(
            column["name"] == "scope_id"
            for column in db.execute(f"PRAGMA table_info({table})")
        )
    ]


async def delete_account(call: Call) -> web.StreamResponse:
    """DELETE /accounts/{accountId}: a leaf account and everything it holds.

    Kapua asks ``account:delete`` on ANY scope here, met by such a grant on
    any account; an account with children is refused (422), kapua-sys too (403).
    """
    account_id = call.path_id("accountId")
    call.require("account", "delete", ANY_ID)

    with call.context.store.transaction() as db:
        child = db.execute(
            "SELECT 1 FROM accounts WHERE scope_id = ?", (account_id,)
        ).fetchone()
        if child is not None:
            raise operation_not_supported(
                "This account cannot be deleted. Delete its child first."
            )
        account = find_account(db, account_id)
        if account is None:
            raise entity_not_found("account", account_id)
        if account["id"] == SYSTEM_ACCOUNT_ID:
            raise illegal_access("delete")
        # Kapua's services clean up what the account held once they hear of it.
        for table in _scoped_tables(db):
            db.execute(f"DELETE FROM {table} WHERE scope_id = ?", (account_id,))
        db.execute("DELETE FROM accounts WHERE id = ?", (account_id,))

    return web.Response(status=204)


ROUTES = (
    Route("GET", "/account", get_current_account),
    Route("PUT", "/account", update_current_account),
    Route("GET", "/accounts/{accountId}", get_account),
    Route("PUT", "/accounts/{accountId}", update_account),
    Route("DELETE", "/accounts/{accountId}", delete_account),
    Route("GET", "/{scopeId}/accounts", list_accounts),
    Route("POST", "/{scopeId}/accounts", create_account),
    Route("POST", "/{scopeId}/accounts/_query", query_accounts),
    Route("POST", "/{scopeId}/accounts/_count", count_accounts),
    # The deprecated forms: the server ignores the scope segment entirely.
    Route("GET", "/{scopeId}/accounts/{accountId}", get_account),
    Route("PUT", "/{scopeId}/accounts/{accountId}", update_account),
    Route("DELETE", "/{scopeId}/accounts/{accountId}", delete_account),
)
