"""Device connections: the broker sessions of devices (``/deviceconnections``)."""

from __future__ import annotations

import sqlite3
from typing import Any

import attrs
from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import (
    EmptyError,
    entity_not_found,
    illegal_argument,
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
)
from ec_async.emulator._records.device_management import add_event, lifecycle_event
from ec_async.emulator._records.devices import find_connection
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import (
    Field,
    Kind,
    column_name,
    decode_id,
    json_response,
    updatable_entity,
)

__all__ = [
    "CONNECTION_STATUSES",
    "ROUTES",
    "connection_json",
    "record_disconnection",
    "status_param",
]

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


_OPTION_FIELDS: tuple[Field, ...] = (
    ("allowUserChange", Kind.BOOL),
    ("userCouplingMode", Kind.TEXT),
    ("reservedUserId", Kind.ID),
    ("authenticationType", Kind.TEXT),
)
_COUPLING_MODES = frozenset({"INHERITED", "LOOSE", "STRICT"})
# The authentication adapters a stock Kapua broker offers devices.
_AUTHENTICATION_TYPES = ("USER_PASS",)


def _existing(call: Call, scope_id: int) -> sqlite3.Row:
    connection_id = call.path_id("connectionId")
    with call.context.store.transaction() as db:
        connection = find_connection(db, scope_id, connection_id)
    if connection is None:
        raise entity_not_found("deviceConnection", connection_id)

    return connection


def record_disconnection(
    db: sqlite3.Connection, connection: sqlite3.Row, status: str, now: int
) -> None:
    """Mark a connection DISCONNECTED or MISSING; its device reports DEATH or MISSING."""
    db.execute(
        "UPDATE device_connections SET status = ?, modified_on = ?,"
        " optlock = optlock + 1 WHERE id = ?",
        (status, now, connection["id"]),
    )
    resource = "DEATH" if status == "DISCONNECTED" else "MISSING"
    devices = db.execute(
        "SELECT * FROM devices WHERE connection_id = ?", (connection["id"],)
    ).fetchall()
    for device in devices:
        add_event(
            db,
            lifecycle_event(
                event_id=new_id(db, "device_events"),
                device=device,
                resource=resource,
                now=now,
            ),
        )


async def disconnect(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/deviceconnections/{connectionId}/_disconnect: 204.

    The broker drops the device's session; a device that was not connected is
    left as it is.
    """
    scope_id = call.scope_id()
    call.require("device_connection", "write", scope_id)
    connection = _existing(call, scope_id)
    if connection["status"] == "CONNECTED":
        with call.context.store.transaction() as db:
            record_disconnection(db, connection, "DISCONNECTED", call.now_ms())

    return web.Response(status=204)


def _options_json(row: sqlite3.Row) -> dict[str, Any]:
    return updatable_entity("deviceConnectionOption", row, _OPTION_FIELDS)


async def get_options(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/deviceconnections/{connectionId}/options."""
    scope_id = call.scope_id()
    call.require("device_connection", "read", scope_id)

    return json_response(_options_json(_existing(call, scope_id)))


def _option_columns(body: dict[str, Any]) -> dict[str, Any]:
    allow = body.get("allowUserChange", False)
    mode = body.get("userCouplingMode")
    reserved = body.get("reservedUserId")
    kind = body.get("authenticationType")
    if not isinstance(allow, bool) or (
        mode is not None and mode not in _COUPLING_MODES
    ):
        raise EmptyError(400)
    reserved_id = None
    if reserved is not None:
        reserved_id = decode_id(reserved) if isinstance(reserved, str) else None
        if reserved_id is None:
            raise EmptyError(400)
    if kind is not None and kind not in _AUTHENTICATION_TYPES:
        raise illegal_argument("deviceConnectionOptions.authenticationType", str(kind))

    return {
        "allow_user_change": int(allow),
        "user_coupling_mode": mode or "INHERITED",
        "reserved_user_id": reserved_id,
        "authentication_type": kind,
    }


async def update_options(call: Call) -> web.StreamResponse:
    """PUT /{scopeId}/deviceconnections/{connectionId}/options, guarded by ``optlock``."""
    scope_id = call.scope_id()
    body = await call.json_body()
    columns = _option_columns(body)
    call.require("device_connection", "write", scope_id)
    connection = _existing(call, scope_id)
    optlock = body.get("optlock", 0)
    if isinstance(optlock, bool) or not isinstance(optlock, int):
        raise EmptyError(400)
    if optlock != connection["optlock"]:
        raise optimistic_locking()
    with call.context.store.transaction() as db:
        db.execute(
            "UPDATE device_connections SET allow_user_change = :allow_user_change,"
            " user_coupling_mode = :user_coupling_mode,"
            " reserved_user_id = :reserved_user_id,"
            " authentication_type = COALESCE(:authentication_type, authentication_type),"
            " modified_on = :now, modified_by = :by, optlock = optlock + 1"
            " WHERE id = :id",
            {
                **columns,
                "now": call.now_ms(),
                "by": call.session.user_id,
                "id": connection["id"],
            },
        )
        updated = find_connection(db, scope_id, connection["id"])
    assert updated is not None  # updated just above, in this transaction.

    return json_response(_options_json(updated))


async def available_authentication(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/deviceconnections/_availableAuth: the adapters devices may use."""
    scope_id = call.scope_id()
    call.require("device_connection", "read", scope_id)

    return json_response({"type": "setResult", "items": list(_AUTHENTICATION_TYPES)})


_CONNECTIONS = "/{scopeId}/deviceconnections"

ROUTES = (
    Route("GET", _CONNECTIONS, list_connections),
    Route("POST", _CONNECTIONS + "/_query", query_connections),
    Route("POST", _CONNECTIONS + "/_count", count_connections),
    Route("GET", _CONNECTIONS + "/_availableAuth", available_authentication),
    Route("GET", _CONNECTIONS + "/{connectionId}", get_connection),
    Route("POST", _CONNECTIONS + "/{connectionId}/_disconnect", disconnect),
    Route("GET", _CONNECTIONS + "/{connectionId}/options", get_options),
    Route("PUT", _CONNECTIONS + "/{connectionId}/options", update_options),
)
