"""Device connections: the broker sessions of devices (``/deviceconnections``)."""

from __future__ import annotations

import sqlite3
from typing import Any

import attrs
from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import entity_not_found, illegal_argument
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
)
from ec_async.emulator._records.devices import find_connection
from ec_async.emulator._wire import (
    Field,
    Kind,
    column_name,
    json_response,
    updatable_entity,
)

__all__ = ["CONNECTION_STATUSES", "ROUTES", "connection_json", "status_param"]

CONNECTION_STATUSES = frozenset({"CONNECTED", "DISCONNECTED", "MISSING", "NULL"})

_FIELDS: tuple[Field, ...] = (
    ("status", Kind.TEXT),
    ("clientId", Kind.TEXT),
    ("userId", Kind.ID),
    ("allowUserChange", Kind.BOOL),
    ("userCouplingMode", Kind.TEXT),
    ("reservedUserId", Kind.ID),
    ("authenticationType", Kind.TEXT),
    ("lastAuthenticationType", Kind.TEXT),
    ("protocol", Kind.TEXT),
    ("clientIp", Kind.TEXT),
    ("serverIp", Kind.TEXT),
)
CONNECTIONS = Table(
    name="device_connections",
    default_sort=("clientId",),
    sortable=frozenset(("id", "createdOn", "modifiedOn", *(n for n, _ in _FIELDS))),
)


def connection_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a DeviceConnection as the API writes it."""
    return updatable_entity("deviceConnection", row, _FIELDS)


def status_param(call: Call) -> str | None:
    """Read the ``status`` filter; Kapua converts it case-insensitively."""
    text = call.query.get("status")
    if not text:
        return None
    if text.upper() not in CONNECTION_STATUSES:
        raise illegal_argument("status", None)

    return text.upper()


def _page_json(page: Page) -> dict[str, Any]:
    items = [connection_json(row) for row in page.rows]

    return list_result("deviceConnectionListResult", items, page)


def _list_filters(call: Call, scope_id: int) -> list[Filter]:
    filters = [Filter("scope_id = ?", (scope_id,))]
    for name in ("clientId", "clientIp", "protocol"):
        value = call.query.get(name)
        if value:
            filters.append(Filter(f"{column_name(name)} = ?", (value,)))
    status = status_param(call)
    if status is not None:
        filters.append(Filter("status = ?", (status,)))

    return filters


async def list_connections(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/deviceconnections; Kapua takes only offset and limit here."""
    scope_id = call.scope_id()
    query = attrs.evolve(list_query_from_params(call.query), sort_param=None)
    query = attrs.evolve(query, ask_total_count=False)
    filters = _list_filters(call, scope_id)
    call.require("device_connection", "read", scope_id)

    with call.context.store.transaction() as db:
        page = fetch_page(db, CONNECTIONS, filters, query)

    return json_response(_page_json(page))


async def query_connections(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/deviceconnections/_query."""
    scope_id = call.scope_id()
    query = list_query_from_body(await call.json_body(allow_empty=True))
    call.require("device_connection", "read", scope_id)

    with call.context.store.transaction() as db:
        page = fetch_page(db, CONNECTIONS, [Filter("scope_id = ?", (scope_id,))], query)

    return json_response(_page_json(page))


async def count_connections(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/deviceconnections/_count."""
    scope_id = call.scope_id()
    list_query_from_body(await call.json_body(allow_empty=True))
    call.require("device_connection", "read", scope_id)

    with call.context.store.transaction() as db:
        count = count_rows(db, CONNECTIONS, [Filter("scope_id = ?", (scope_id,))])

    return json_response(count_result(count))


async def get_connection(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/deviceconnections/{connectionId}."""
    scope_id = call.scope_id()
    connection_id = call.path_id("connectionId")
    call.require("device_connection", "read", scope_id)

    with call.context.store.transaction() as db:
        connection = find_connection(db, scope_id, connection_id)
    if connection is None:
        raise entity_not_found("deviceConnection", connection_id)

    return json_response(connection_json(connection))


ROUTES = (
    Route("GET", "/{scopeId}/deviceconnections", list_connections),
    Route("POST", "/{scopeId}/deviceconnections/_query", query_connections),
    Route("POST", "/{scopeId}/deviceconnections/_count", count_connections),
    Route("GET", "/{scopeId}/deviceconnections/{connectionId}", get_connection),
)
