"""The datastore: messages, channels, clients and metrics (``/{scopeId}/data``),
and publishing through the broker (``/{scopeId}/streams/messages``).

Listings page only up to the result window (``offset + limit`` at most
10,000, else 400 ILLEGAL_ARGUMENT); messages are sorted by timestamp, newest
first unless ``sortDir=ASC``.
"""

from __future__ import annotations

import datetime
import json
import math
import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import MultiDict

from ec_async._guards import is_dict, is_list
from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import (
    EmptyError,
    KapuaError,
    illegal_argument,
    illegal_null_argument,
)
from ec_async.emulator._listing import (
    Filter,
    ListQuery,
    Table,
    bool_param,
    count_result,
    count_rows,
    fetch_page,
    list_query_from_body,
    list_query_from_params,
    list_result,
)
from ec_async.emulator._records.data import (
    MessageRow,
    channel_filter,
    count_messages,
    decode_metrics,
    find_message,
    insert_messages,
    metric_filter,
    metrics_columns,
    position_text,
    query_messages,
)
from ec_async.emulator._wire import compact, decode_id, format_date, json_response

__all__ = ["RESULT_WINDOW", "ROUTES", "message_json", "store_message"]

# datastore.max_result_window (§7).
RESULT_WINDOW = 10_000

_SORT_DIRECTIONS = {"ASC": False, "DESC": True}
_NUMERIC_TYPES = frozenset({"integer", "int", "long", "float", "double"})
_FIRST_LAST = ("firstMessageId", "firstMessageOn", "lastMessageId", "lastMessageOn")

CLIENTS = Table(
    name="data_clients",
    default_sort=("clientId",),
    sortable=frozenset({"id", "clientId", *_FIRST_LAST}),
)
CHANNELS = Table(
    name="data_channels",
    default_sort=("clientId", "name"),
    sortable=frozenset({"id", "clientId", "name", *_FIRST_LAST}),
)
METRICS = Table(
    name="data_metrics",
    default_sort=("clientId", "channel", "name"),
    sortable=frozenset(
        {"id", "clientId", "channel", "name", "metricType", *_FIRST_LAST}
    ),
)


def _check_window(offset: int, limit: int | None) -> None:
    """The datastore's cap on how deep a listing may page."""
    if limit is not None and offset + limit > RESULT_WINDOW:
        raise illegal_argument("limit + offset", str(offset + limit))


def _date_param(call: Call, name: str) -> int | None:
    """Read an xs:dateTime query parameter; no zone means the server's, UTC here."""
    text = call.query.get(name)
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        # DateParam's converter fails and Jersey names the parameter type.
        raise illegal_argument("date", text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)

    return round(moment.timestamp() * 1000)


def _message_filters(call: Call) -> list[Filter]:
    filters: list[Filter] = []
    client_id = call.query.get("clientId")
    if client_id:
        filters.append(Filter("client_id = ?", (client_id,)))
    channel = call.query.get("channel")
    if channel:
        strict = bool_param(call.query, "strictChannel")
        filters.append(channel_filter("channel", channel, strict=strict))
    start, end = _date_param(call, "startDate"), _date_param(call, "endDate")
    if start is not None:
        filters.append(Filter("timestamp >= ?", (start,)))
    if end is not None:
        filters.append(Filter("timestamp <= ?", (end,)))
    metric_name = call.query.get("metricName")
    if metric_name:
        filters.append(_metric_condition(call, metric_name))

    return filters


def _metric_bound(text: str | None, value_type: str) -> Any:
    if text is None:
        return None
    if value_type.lower() not in _NUMERIC_TYPES:
        return text
    try:
        value = float(text)
    except ValueError:
        # ObjectValueConverter.fromString throws NumberFormatException: a 500.
        raise _throwable(f'For input string: "{text}"') from None
    if not math.isfinite(value):
        raise _throwable(f'For input string: "{text}"')

    return value


def _metric_condition(call: Call, name: str) -> Filter:
    value_type = call.query.get("metricType") or None
    minimum, maximum = call.query.get("metricMin"), call.query.get("metricMax")
    if (minimum is not None or maximum is not None) and value_type is None:
        raise illegal_null_argument("metricType")

    return metric_filter(
        name,
        value_type,
        _metric_bound(minimum, value_type or ""),
        _metric_bound(maximum, value_type or ""),
    )


def _throwable(message: str) -> KapuaError:
    error = KapuaError(500, "", message, type_name="throwableInfo")
    del error.body["kapuaErrorCode"]
    return error


def message_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a stored message as ``DataMessagesJson`` writes it."""
    message: dict[str, Any] = {
        "type": "jsonDatastoreMessage",
        "datastoreId": row["datastore_id"],
        "scopeId": compact(row["scope_id"]),
        "timestamp": format_date(row["timestamp"]),
    }
    if row["device_id"] is not None:
        message["deviceId"] = compact(row["device_id"])
    message["clientId"] = row["client_id"]
    for column, name in (
        ("received_on", "receivedOn"),
        ("sent_on", "sentOn"),
        ("captured_on", "capturedOn"),
    ):
        if row[column] is not None:
            message[name] = format_date(row[column])
    if row["position"] is not None:
        message["position"] = json.loads(row["position"])
    message["channel"] = {
        "type": "kapuaDataChannel",
        "semanticParts": row["channel"].split("/"),
    }
    payload: dict[str, Any] = {
        "metrics": [
            {"valueType": value_type, "value": value, "name": name}
            for name, value_type, value in decode_metrics(row["metrics"])
        ]
    }
    if row["body"] is not None:
        payload["body"] = row["body"]
    message["payload"] = payload

    return message


def _listing_query(call: Call) -> tuple[bool, int, int]:
    text = call.query.get("sortDir", "DESC")
    try:
        descending = _SORT_DIRECTIONS[text.upper()]
    except KeyError:
        raise illegal_argument("sortDir", None) from None
    # sortDir here is ASC/DESC, not the ASCENDING/DESCENDING of entity lists.
    paging = MultiDict((k, v) for k, v in call.query.items() if k != "sortDir")
    query = list_query_from_params(paging)
    assert query.limit is not None  # GET lists always have one.

    return descending, query.offset, query.limit


def _message_page(
    call: Call,
    filters: list[Filter],
    *,
    descending: bool,
    offset: int,
    limit: int | None,
    ask_total_count: bool,
) -> web.Response:
    scope_id = call.scope_id()
    call.require("datastore", "read", scope_id)
    _check_window(offset, limit)
    with call.context.store.transaction() as db:
        rows, exceeded = query_messages(
            db, scope_id, filters, descending=descending, offset=offset, limit=limit
        )
        total = count_messages(db, scope_id, filters) if ask_total_count else None
    body: dict[str, Any] = {
        "type": "storableListResult",
        "limitExceeded": exceeded,
        "size": len(rows),
        "items": [message_json(row) for row in rows],
    }
    if total is not None:
        body["totalCount"] = total

    return json_response(body)


async def list_messages(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/data/messages, with Kapua's filters."""
    filters = _message_filters(call)
    descending, offset, limit = _listing_query(call)

    return _message_page(
        call,
        filters,
        descending=descending,
        offset=offset,
        limit=limit,
        ask_total_count=False,
    )


def _sort_fields(body: Mapping[str, Any]) -> bool:
    """Whether a JSON message query sorts newest first (it does by default)."""
    fields: object = body.get("sortFields") or []
    if not is_list(fields):
        raise EmptyError(400)
    for field in fields:
        if not is_dict(field):
            raise EmptyError(400)
        if field.get("field") == "timestamp":
            return str(field.get("direction", "ASC")).upper().startswith("DESC")

    return True


async def query_messages_body(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/data/messages/_query (JsonMessageQuery; no predicates)."""
    body = await call.json_body(allow_empty=True)
    query = list_query_from_body(body)

    return _message_page(
        call,
        [],
        descending=_sort_fields(body),
        offset=query.offset,
        limit=query.limit,
        ask_total_count=query.ask_total_count,
    )


async def count_messages_body(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/data/messages/_count."""
    scope_id = call.scope_id()
    list_query_from_body(await call.json_body(allow_empty=True))
    call.require("datastore", "read", scope_id)
    with call.context.store.transaction() as db:
        count = count_messages(db, scope_id)

    return json_response(count_result(count))


async def get_message(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/data/messages/{datastoreMessageId}."""
    scope_id = call.scope_id()
    datastore_id = call.request.match_info["datastoreMessageId"]
    call.require("datastore", "read", scope_id)
    with call.context.store.transaction() as db:
        row = find_message(db, scope_id, datastore_id)
    if row is None:
        raise _storable_not_found("datastoreMessage", datastore_id)

    return json_response(message_json(row))


def _storable_not_found(entity_type: str, entity_id: str) -> KapuaError:
    return KapuaError(
        404,
        "ENTITY_NOT_FOUND",
        f"The entity of type {entity_type} with id/name {entity_id} was not found.",
        type_name="entityNotFoundExceptionInfo",
        fields={"entityType": entity_type, "entityId": entity_id},
    )


def _date_value(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise EmptyError(400)
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise EmptyError(400) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)

    return round(moment.timestamp() * 1000)


def _metric_text(value: Any) -> str | None:
    # MOXy binds JSON numbers and booleans to the String field as their text.
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise EmptyError(400)


def _metrics(payload: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    metrics: object = payload.get("metrics") or []
    if not is_list(metrics):
        raise EmptyError(400)
    found: list[tuple[str, str, str]] = []
    for metric in metrics:
        if not is_dict(metric):
            raise EmptyError(400)
        name, value_type = metric.get("name"), metric.get("valueType")
        value = _metric_text(metric.get("value"))
        if not isinstance(name, str) or not isinstance(value_type, str):
            raise EmptyError(400)
        if value is None:
            continue  # KapuaPayload drops null metrics.
        _metric_bound(value, value_type)
        found.append((name, value_type.lower(), value))

    return found


def _channel(body: Mapping[str, Any]) -> str:
    channel = body.get("channel")
    parts = channel.get("semanticParts") if is_dict(channel) else None
    if channel is not None and not is_dict(channel):
        raise EmptyError(400)
    if not parts:
        raise illegal_null_argument("message.channel")
    if not is_list(parts) or not all(isinstance(p, str) for p in parts):
        raise EmptyError(400)

    return "/".join(parts)


def _message_row(
    call: Call, scope_id: int, body: Mapping[str, Any], *, via_broker: bool
) -> MessageRow:
    client_id = body.get("clientId")
    if not isinstance(client_id, str) or not client_id:
        raise illegal_null_argument("message.clientId")
    received_on = _date_value(body, "receivedOn")
    if received_on is None and via_broker:
        received_on = call.now_ms()  # the broker stamps what it receives
    if received_on is None:
        raise illegal_null_argument("receivedOn")
    device_text = body.get("deviceId")
    device_id = decode_id(device_text) if isinstance(device_text, str) else None
    if device_text is not None and device_id is None:
        raise EmptyError(400)
    payload: object = body.get("payload") or {}
    position = body.get("position")
    if not is_dict(payload) or not (position is None or is_dict(position)):
        raise EmptyError(400)
    message_body = payload.get("body")
    if not isinstance(message_body, str | None):
        raise EmptyError(400)

    return MessageRow(
        datastore_id=str(uuid.uuid4()),
        scope_id=scope_id,
        # The account's dataIndexBy defaults to SERVER_TIMESTAMP: now (§11.3).
        timestamp=call.now_ms(),
        client_id=client_id,
        channel=_channel(body),
        device_id=device_id,
        received_on=received_on,
        sent_on=_date_value(body, "sentOn"),
        captured_on=_date_value(body, "capturedOn"),
        position=position_text(position),
        body=message_body,
        **metrics_columns(_metrics(payload)),
    )


def store_message(
    call: Call, scope_id: int, body: Mapping[str, Any], *, via_broker: bool = False
) -> str:
    """Validate and store one message body; return its new datastore id.

    Stored directly, a message must say when it was received; published, the
    broker says it.
    """
    row = _message_row(call, scope_id, body, via_broker=via_broker)
    with call.context.store.transaction() as db:
        insert_messages(db, [row])

    return row.datastore_id


async def store(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/data/messages: 201 with the new message id."""
    scope_id = call.scope_id()
    body = await call.json_body()
    call.require("datastore", "write", scope_id)
    datastore_id = store_message(call, scope_id, body)

    return json_response({"type": "storableEntityId", "id": datastore_id}, 201)


async def publish(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/streams/messages: the broker routes it to the datastore."""
    scope_id = call.scope_id()
    body = await call.json_body()
    timeout = call.query.get("timeout")
    if timeout is not None and not timeout.lstrip("-").isdigit():
        raise illegal_argument("timeout", None)
    call.require("stream", "write", scope_id)
    store_message(call, scope_id, body, via_broker=True)

    return web.Response(status=204)


def _first_last(row: sqlite3.Row) -> dict[str, Any]:
    fields = {
        "firstMessageId": row["first_message_id"],
        "firstMessageOn": format_date(row["first_message_on"]),
        "lastMessageId": row["last_message_id"],
        "lastMessageOn": format_date(row["last_message_on"]),
    }
    return {name: value for name, value in fields.items() if value is not None}


def client_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a ClientInfo."""
    return {
        "type": "clientInfo",
        "id": row["id"],
        "scopeId": compact(row["scope_id"]),
        "clientId": row["client_id"],
        **_first_last(row),
    }


def channel_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a ChannelInfo."""
    return {
        "type": "channelInfo",
        "id": row["id"],
        "scopeId": compact(row["scope_id"]),
        "clientId": row["client_id"],
        "name": row["name"],
        **_first_last(row),
    }


def metric_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a MetricInfo."""
    return {
        "type": "metricInfo",
        "id": row["id"],
        "scopeId": compact(row["scope_id"]),
        "clientId": row["client_id"],
        "channel": row["channel"],
        "name": row["name"],
        "metricType": row["metric_type"],
        **_first_last(row),
    }


_INFOS = {
    "clients": (CLIENTS, "clientInfoListResult", client_json, "clientInfo"),
    "channels": (CHANNELS, "channelInfoListResult", channel_json, "channelInfo"),
    "metrics": (METRICS, "metricInfoListResult", metric_json, "metricInfo"),
}


def _info_filters(call: Call, kind: str) -> list[Filter]:
    filters: list[Filter] = []
    client_id = call.query.get("clientId")
    if client_id:
        filters.append(Filter("client_id = ?", (client_id,)))
    channel = call.query.get("name" if kind == "channels" else "channel")
    if channel and kind != "clients":
        column = "name" if kind == "channels" else "channel"
        filters.append(channel_filter(column, channel, strict=False))
    name = call.query.get("name")
    if name and kind == "metrics":
        filters.append(Filter("name = ?", (name,)))

    return filters


def _info_page(
    call: Call, kind: str, filters: list[Filter], query: ListQuery
) -> web.Response:
    table, type_name, to_json, _ = _INFOS[kind]
    scope_id = call.scope_id()
    call.require("datastore", "read", scope_id)
    _check_window(query.offset, query.limit)
    scoped = [Filter("scope_id = ?", (scope_id,)), *filters]
    with call.context.store.transaction() as db:
        page = fetch_page(db, table, scoped, query)

    return json_response(list_result(type_name, [to_json(r) for r in page.rows], page))


def _info_routes(kind: str) -> tuple[Route, ...]:
    table, _, to_json, entity_type = _INFOS[kind]
    path = f"/{{scopeId}}/data/{kind}"
    id_name = f"{entity_type}Id"

    async def list_infos(call: Call) -> web.StreamResponse:
        query = list_query_from_params(call.query)
        return _info_page(call, kind, _info_filters(call, kind), query)

    async def query_infos(call: Call) -> web.StreamResponse:
        query = list_query_from_body(await call.json_body(allow_empty=True))
        return _info_page(call, kind, [], query)

    async def count_infos(call: Call) -> web.StreamResponse:
        scope_id = call.scope_id()
        list_query_from_body(await call.json_body(allow_empty=True))
        call.require("datastore", "read", scope_id)
        with call.context.store.transaction() as db:
            count = count_rows(db, table, [Filter("scope_id = ?", (scope_id,))])
        return json_response(count_result(count))

    async def get_info(call: Call) -> web.StreamResponse:
        scope_id = call.scope_id()
        info_id = call.request.match_info[id_name]
        call.require("datastore", "read", scope_id)
        with call.context.store.transaction() as db:
            row = db.execute(
                f"SELECT * FROM {table.name} WHERE id = ? AND scope_id = ?",
                (info_id, scope_id),
            ).fetchone()
        if row is None:
            raise _storable_not_found(entity_type, info_id)
        return json_response(to_json(row))

    return (
        Route("GET", path, list_infos),
        Route("POST", path + "/_query", query_infos),
        Route("POST", path + "/_count", count_infos),
        Route("GET", path + f"/{{{id_name}}}", get_info),
    )


ROUTES = (
    Route("GET", "/{scopeId}/data/messages", list_messages),
    Route("POST", "/{scopeId}/data/messages", store),
    Route("POST", "/{scopeId}/data/messages/_query", query_messages_body),
    Route("POST", "/{scopeId}/data/messages/_count", count_messages_body),
    Route("GET", "/{scopeId}/data/messages/{datastoreMessageId}", get_message),
    *_info_routes("channels"),
    *_info_routes("clients"),
    *_info_routes("metrics"),
    Route("POST", "/{scopeId}/streams/messages", publish),
)
