"""Domains (``/{scopeId}/domains``): the same registered list in every scope."""

from __future__ import annotations

import sqlite3
from typing import Any

from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import entity_not_found
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
from ec_async.emulator._wire import Field, Kind, json_response, row_fields

__all__ = ["ROUTES"]

_FIELDS: tuple[Field, ...] = (
    ("id", Kind.ID),
    ("scopeId", Kind.ID),
    ("createdOn", Kind.DATE),
    ("createdBy", Kind.ID),
    ("name", Kind.TEXT),
    ("actions", Kind.JSON),
    ("groupable", Kind.BOOL),
)
DOMAINS = Table(
    name="domains",
    default_sort=("name",),
    sortable=frozenset({"id", "name", "createdOn", "createdBy", "groupable"}),
)


def _domain_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"type": "domain", **row_fields(row, _FIELDS)}


def _page(call: Call, filters: list[Filter], query: ListQuery) -> web.Response:
    with call.context.store.transaction() as db:
        page = fetch_page(db, DOMAINS, filters, query)
    items = [_domain_json(row) for row in page.rows]

    return json_response(list_result("domainListResult", items, page))


async def list_domains(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/domains, by name; ``name`` picks one."""
    scope_id = call.scope_id()
    query = list_query_from_params(call.query)
    call.require("domain", "read", scope_id)
    name = call.query.get("name")
    filters = [Filter("name = ?", (name,))] if name else []

    return _page(call, filters, query)


async def query_domains(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/domains/_query."""
    scope_id = call.scope_id()
    query = list_query_from_body(await call.json_body(allow_empty=True))
    call.require("domain", "read", scope_id)

    return _page(call, [], query)


async def count_domains(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/domains/_count."""
    scope_id = call.scope_id()
    list_query_from_body(await call.json_body(allow_empty=True))
    call.require("domain", "read", scope_id)
    with call.context.store.transaction() as db:
        count = count_rows(db, DOMAINS, [])

    return json_response(count_result(count))


async def get_domain(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/domains/{domainId}."""
    scope_id = call.scope_id()
    domain_id = call.path_id("domainId")
    call.require("domain", "read", scope_id)
    with call.context.store.transaction() as db:
        row = db.execute("SELECT * FROM domains WHERE id = ?", (domain_id,)).fetchone()
    if row is None:
        raise entity_not_found("domain", domain_id)

    return json_response(_domain_json(row))


ROUTES = (
    Route("GET", "/{scopeId}/domains", list_domains),
    Route("POST", "/{scopeId}/domains/_query", query_domains),
    Route("POST", "/{scopeId}/domains/_count", count_domains),
    Route("GET", "/{scopeId}/domains/{domainId}", get_domain),
)
