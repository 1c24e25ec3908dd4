"""Accounts: child lists, queries and single accounts (``/accounts``, ``/account``)."""

from __future__ import annotations

import sqlite3
from typing import Any

from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import entity_not_found
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
from ec_async.emulator._records.accounts import ORGANIZATION_FIELDS, find_account
from ec_async.emulator._wire import (
    Field,
    Kind,
    column_name,
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
    """GET /account: the caller's own account."""
    account = _readable_account(call, call.session.scope_id)

    return json_response(account_json(account))


ROUTES = (
    Route("GET", "/account", get_current_account),
    Route("GET", "/accounts/{accountId}", get_account),
    Route("GET", "/{scopeId}/accounts", list_accounts),
    Route("POST", "/{scopeId}/accounts/_query", query_accounts),
    Route("POST", "/{scopeId}/accounts/_count", count_accounts),
    Route("GET", "/{scopeId}/accounts/{accountId}", get_account),
)
