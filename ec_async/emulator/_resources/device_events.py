"""Device events: what a device reported, newest first (``/devices/{deviceId}/events``)."""

from __future__ import annotations

import datetime
import sqlite3
from typing import Any

from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import entity_not_found, illegal_argument
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
from ec_async.emulator._records.device_management import find_device_event
from ec_async.emulator._wire import Field, Kind, entity, json_response

__all__ = ["ROUTES", "event_json"]

_EVENTS = "/{scopeId}/devices/{deviceId}/events"

_FIELDS: tuple[Field, ...] = (
    ("deviceId", Kind.ID),
    ("sentOn", Kind.DATE),
    ("receivedOn", Kind.DATE),
    ("position", Kind.JSON),
    ("resource", Kind.TEXT),
    ("action", Kind.TEXT),
    ("responseCode", Kind.TEXT),
    ("eventMessage", Kind.TEXT),
)
EVENTS = Table(
    name="device_events",
    default_sort=("receivedOn",),
    default_descending=True,
    sortable=frozenset(
        ("id", "createdOn", *(n for n, kind in _FIELDS if kind is not Kind.JSON))
    ),
)


def event_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a DeviceEvent as the API writes it."""
    return entity("deviceEvent", row, _FIELDS)


def _date_param(call: Call, name: str) -> int | None:
    """Read an xs:dateTime query parameter as epoch ms; a zone-less one is UTC here."""
    text = call.query.get(name)
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise illegal_argument("date", text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)

    return round(moment.timestamp() * 1000)


def _device_filters(call: Call) -> tuple[int, list[Filter]]:
    scope_id = call.scope_id()
    device_id = call.path_id("deviceId")

    return scope_id, [
        Filter("scope_id = ?", (scope_id,)),
        Filter("device_id = ?", (device_id,)),
    ]


def _page(call: Call, filters: list[Filter], query: ListQuery) -> web.Response:
    with call.context.store.transaction() as db:
        page = fetch_page(db, EVENTS, filters, query)
    items = [event_json(row) for row in page.rows]

    return json_response(list_result("deviceEventListResult", items, page))


async def list_events(call: Call) -> web.StreamResponse:
    """GET .../events, filtered by resource and a receivedOn window."""
    scope_id, filters = _device_filters(call)
    resource = call.query.get("resource")
    if resource:
        filters.append(Filter("resource = ?", (resource,)))
    start, end = _date_param(call, "startDate"), _date_param(call, "endDate")
    if start is not None:
        filters.append(Filter("received_on >= ?", (start,)))
    if end is not None:
        filters.append(Filter("received_on <= ?", (end,)))
    query = list_query_from_params(call.query)
    call.require("device_event", "read", scope_id)

    return _page(call, filters, query)


async def query_events(call: Call) -> web.StreamResponse:
    """POST .../events/_query."""
    scope_id, filters = _device_filters(call)
    query = list_query_from_body(await call.json_body(allow_empty=True))
    call.require("device_event", "read", scope_id)

    return _page(call, filters, query)


async def count_events(call: Call) -> web.StreamResponse:
    """POST .../events/_count."""
    scope_id, filters = _device_filters(call)
    list_query_from_body(await call.json_body(allow_empty=True))
    call.require("device_event", "read", scope_id)
    with call.context.store.transaction() as db:
        count = count_rows(db, EVENTS, filters)

    return json_response(count_result(count))


def _existing(call: Call, scope_id: int) -> sqlite3.Row:
    device_id = call.path_id("deviceId")
    event_id = call.path_id("deviceEventId")
    with call.context.store.transaction() as db:
        event = find_device_event(db, scope_id, device_id, event_id)
    if event is None:
        raise entity_not_found("deviceEvent", event_id)

    return event


async def get_event(call: Call) -> web.StreamResponse:
    """GET .../events/{deviceEventId}."""
    scope_id = call.scope_id()
    call.require("device_event", "read", scope_id)

    return json_response(event_json(_existing(call, scope_id)))


async def delete_event(call: Call) -> web.StreamResponse:
    """DELETE .../events/{deviceEventId}: 204; the device forgets it as its last event."""
    scope_id = call.scope_id()
    call.require("device_event", "delete", scope_id)
    event = _existing(call, scope_id)
    with call.context.store.transaction() as db:
        db.execute("DELETE FROM device_events WHERE id = ?", (event["id"],))
        db.execute(
            "UPDATE devices SET last_event_id = NULL WHERE last_event_id = ?",
            (event["id"],),
        )

    return web.Response(status=204)


ROUTES = (
    Route("GET", _EVENTS, list_events),
    Route("POST", _EVENTS + "/_query", query_events),
    Route("POST", _EVENTS + "/_count", count_events),
    Route("GET", _EVENTS + "/{deviceEventId}", get_event),
    Route("DELETE", _EVENTS + "/{deviceEventId}", delete_event),
)
