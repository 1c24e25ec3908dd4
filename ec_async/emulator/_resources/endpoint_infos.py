"""Endpoint infos (``/{scopeId}/endpointInfos``), inherited down the account tree.

An account that has no endpoint infos of a type (``resource`` or ``cors``)
uses the nearest ancestor's, as Kapua's ``EndpointInfoServiceImpl`` walks up.
Writing a ``resource`` endpoint needs ``endpoint_info:write`` on every scope
(a system administrator); a ``cors`` one needs it on the account only.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ec_async._guards import is_list, is_mapping
from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import (
    EmptyError,
    entity_not_found,
    entity_uniqueness,
    illegal_argument,
    illegal_null_argument,
    optimistic_locking,
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
    starts_with,
)
from ec_async.emulator._permissions import Grant
from ec_async.emulator._records._rows import audit
from ec_async.emulator._records.accounts import find_account
from ec_async.emulator._resources._bodies import (
    bool_field,
    int_field,
    optlock_of,
    text_field,
)
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import Field, Kind, json_response, updatable_entity

__all__ = ["ENDPOINT_TYPES", "ROUTES", "endpoint_row"]

ENDPOINT_TYPES = frozenset({"resource", "cors"})
_FIELDS: tuple[Field, ...] = (
    ("schema", Kind.TEXT),
    ("dns", Kind.TEXT),
    ("port", Kind.INT),
    ("secure", Kind.BOOL),
)
ENDPOINTS = Table(
    name="endpoint_infos",
    default_sort=("id",),
    sortable=frozenset(
        {"id", "scopeId", "createdOn", "createdBy", "modifiedOn", "modifiedBy"}
        | {"optlock", "schema", "dns", "port", "secure", "endpointType"}
    ),
)
# CommonsValidationRegex.URI_SCHEME and a host name or address for URI_DNS.
_SCHEMA = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*")
_DNS = re.compile(r"[a-zA-Z0-9]([a-zA-Z0-9\-._]*[a-zA-Z0-9])?")


def _endpoint_json(row: sqlite3.Row) -> dict[str, Any]:
    endpoint = updatable_entity("endpointInfo", row, _FIELDS)
    endpoint["usages"] = [{"name": name} for name in json.loads(row["usages"])]
    endpoint["endpointType"] = row["endpoint_type"]

    return endpoint


def endpoint_row(
    *,
    endpoint_id: int,
    scope_id: int,
    schema: str,
    dns: str,
    port: int,
    secure: bool,
    usages: list[str],
    endpoint_type: str,
    now: int,
    by: int | None,
) -> dict[str, Any]:
    """Return a full endpoint_infos row (the seeder stores one for kapua-sys)."""
    return {
        "id": endpoint_id,
        "scope_id": scope_id,
        "schema": schema,
        "dns": dns,
        "port": port,
        "secure": int(secure),
        "usages": json.dumps(usages),
        "endpoint_type": endpoint_type,
        **audit(now, by),
    }


def insert_endpoint(db: sqlite3.Connection, row: Mapping[str, Any]) -> None:
    """Store a new endpoint info."""
    db.execute(
        "INSERT INTO endpoint_infos (id, scope_id, schema, dns, port, secure, usages,"
        " endpoint_type, created_on, created_by, modified_on, modified_by, optlock)"
        " VALUES (:id, :scope_id, :schema, :dns, :port, :secure, :usages,"
        " :endpoint_type, :created_on, :created_by, :modified_on, :modified_by,"
        " :optlock)",
        row,
    )


def _of_type(endpoint_type: str) -> Filter:
    return Filter("endpoint_type = ?", (endpoint_type,))


def _in_scope(scope_id: int) -> Filter:
    return Filter("scope_id = ?", (scope_id,))


def _usable_scope(db: sqlite3.Connection, scope_id: int, endpoint_type: str) -> int:
    """Return the account whose endpoints of the type ``scope_id`` uses.

    The nearest account, going up from ``scope_id``, that has any endpoint of
    the type; filters do not matter, a layer with endpoints ends the walk.
    """
    current = scope_id
    while True:
        if count_rows(db, ENDPOINTS, [_in_scope(current), _of_type(endpoint_type)]):
            return current
        account = find_account(db, current)
        if account is None or account["scope_id"] is None:
            return current
        current = account["scope_id"]


def _endpoint_type(call: Call) -> str:
    # Jersey reads an unknown endpointType as it is; nothing then matches it.
    return call.query.get("endpointType") or "resource"


def _list_filters(call: Call) -> list[Filter]:
    filters: list[Filter] = []
    usage = call.query.get("usage")
    if usage:
        filters.append(
            Filter("EXISTS (SELECT 1 FROM json_each(usages) WHERE value = ?)", (usage,))
        )
    match_term = call.query.get("matchTerm")
    if match_term:
        filters.append(starts_with(("schema", "dns"), match_term))

    return filters


def _listing(
    call: Call, scope_id: int, filters: list[Filter], query: ListQuery
) -> web.Response:
    endpoint_type = _endpoint_type(call)
    with call.context.store.transaction() as db:
        layer = _usable_scope(db, scope_id, endpoint_type)
        wanted = [_in_scope(layer), _of_type(endpoint_type), *filters]
        page = fetch_page(db, ENDPOINTS, wanted, query)
    items = [_endpoint_json(row) for row in page.rows]

    return json_response(list_result("endpointInfoListResult", items, page))


async def list_endpoints(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/endpointInfos: the scope's, or the nearest ancestor's."""
    scope_id = call.scope_id()
    query = list_query_from_params(call.query)
    call.require("endpoint_info", "read", scope_id)

    return _listing(call, scope_id, _list_filters(call), query)


async def query_endpoints(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/endpointInfos/_query (``endpointType`` from the query)."""
    scope_id = call.scope_id()
    query = list_query_from_body(await call.json_body(allow_empty=True))
    call.require("endpoint_info", "read", scope_id)

    return _listing(call, scope_id, [], query)


async def count_endpoints(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/endpointInfos/_count."""
    scope_id = call.scope_id()
    list_query_from_body(await call.json_body(allow_empty=True))
    call.require("endpoint_info", "read", scope_id)
    endpoint_type = _endpoint_type(call)
    with call.context.store.transaction() as db:
        layer = _usable_scope(db, scope_id, endpoint_type)
        count = count_rows(db, ENDPOINTS, [_in_scope(layer), _of_type(endpoint_type)])

    return json_response(count_result(count))


def _columns(body: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Read and check an EndpointInfoCreator or EndpointInfo body."""
    endpoint_type = text_field(body, "endpointType")
    if endpoint_type is None:
        raise illegal_null_argument(f"{prefix}.endpointType")
    if endpoint_type not in ENDPOINT_TYPES:
        raise illegal_argument(f"{prefix}.endpointType", endpoint_type)
    schema = text_field(body, "schema")
    if not schema:
        raise illegal_null_argument(f"{prefix}.schema")
    if len(schema) > 64 or not _SCHEMA.fullmatch(schema):
        raise illegal_argument(f"{prefix}.schema", schema)
    dns = text_field(body, "dns")
    if not dns:
        raise illegal_null_argument(f"{prefix}.dns")
    if len(dns) > 1024 or not _DNS.fullmatch(dns):
        raise illegal_argument(f"{prefix}.dns", dns)
    port = int_field(body, "port") or 0
    if not 1 <= port <= 65535:
        raise illegal_argument(f"{prefix}.port", str(port))

    return {
        "schema": schema,
        "dns": dns,
        "port": port,
        "secure": int(bool_field(body, "secure")),
        "usages": json.dumps(_usages(body)),
        "endpoint_type": endpoint_type,
    }


def _usages(body: Mapping[str, Any]) -> list[str]:
    values: object = body.get("usages") or []
    if not is_list(values):
        raise EmptyError(400)
    names: list[str] = []
    for value in values:
        name = value.get("name") if is_mapping(value) else None
        if not isinstance(name, str):
            raise EmptyError(400)
        names.append(name)

    return list(dict.fromkeys(names))


def _require_write(call: Call, action: str, scope_id: int, endpoint_type: str) -> None:
    # Kapua checks resource endpoints against every scope (a null target).
    target = scope_id if endpoint_type == "cors" else None
    call.require_permission(
        Grant(domain="endpoint_info", action=action, target_scope_id=target)
    )


def _check_unique(
    db: sqlite3.Connection, scope_id: int, columns: Mapping[str, Any], endpoint_id: int
) -> None:
    same = [
        Filter(
            "schema = ? AND dns = ? AND port = ? AND id != ?",
            (columns["schema"], columns["dns"], columns["port"], endpoint_id),
        )
    ]
    layer = _usable_scope(db, scope_id, columns["endpoint_type"])
    wanted = [_in_scope(layer), _of_type(columns["endpoint_type"]), *same]
    if count_rows(db, ENDPOINTS, wanted):
        values = [
            ("scopeId", scope_id),
            ("schema", columns["schema"]),
            ("dns", columns["dns"]),
            ("port", columns["port"]),
        ]
        raise entity_uniqueness("endpointInfo", values)


def _find(
    db: sqlite3.Connection, scope_id: int, endpoint_id: int
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM endpoint_infos WHERE id = ? AND scope_id = ?",
        (endpoint_id, scope_id),
    ).fetchone()

    return row


async def create_endpoint(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/endpointInfos: schema, dns and port unique where it is used."""
    scope_id = call.scope_id()
    columns = _columns(await call.json_body(), "endpointInfoCreator")
    _require_write(call, "write", scope_id, columns["endpoint_type"])

    now = call.now_ms()
    with call.context.store.transaction() as db:
        _check_unique(db, scope_id, columns, 0)
        endpoint_id = new_id(db, "endpoint_infos")
        insert_endpoint(
            db,
            {
                "id": endpoint_id,
                "scope_id": scope_id,
                **columns,
                **audit(now, call.session.user_id),
            },
        )
        row = _find(db, scope_id, endpoint_id)
    if row is None:
        raise entity_not_found("endpointInfo", endpoint_id)

    return json_response(_endpoint_json(row), 201)


async def get_endpoint(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/endpointInfos/{endpointInfoId}: own, or the one inherited."""
    scope_id = call.scope_id()
    endpoint_id = call.path_id("endpointInfoId")
    call.require("endpoint_info", "read", scope_id)
    with call.context.store.transaction() as db:
        row = db.execute(
            "SELECT * FROM endpoint_infos WHERE id = ?", (endpoint_id,)
        ).fetchone()
        usable = row is not None and (
            row["scope_id"] == scope_id
            or _usable_scope(db, scope_id, row["endpoint_type"]) == row["scope_id"]
        )
    if row is None or not usable:
        raise entity_not_found("endpointInfo", endpoint_id)

    return json_response(_endpoint_json(row))


async def update_endpoint(call: Call) -> web.StreamResponse:
    """PUT /{scopeId}/endpointInfos/{endpointInfoId}: a full replace under optlock."""
    scope_id = call.scope_id()
    endpoint_id = call.path_id("endpointInfoId")
    body = await call.json_body()
    columns = _columns(body, "endpointInfo")
    _require_write(call, "write", scope_id, columns["endpoint_type"])

    with call.context.store.transaction() as db:
        _check_unique(db, scope_id, columns, endpoint_id)
        current = _find(db, scope_id, endpoint_id)
        if current is None:
            raise entity_not_found("endpointInfo", endpoint_id)
        if optlock_of(body) != current["optlock"]:
            raise optimistic_locking()
        assignments = ", ".join(f"{name} = :{name}" for name in columns)
        db.execute(
            f"UPDATE endpoint_infos SET {assignments}, modified_on = :now,"
            " modified_by = :by, optlock = optlock + 1 WHERE id = :id",
            {
                **columns,
                "now": call.now_ms(),
                "by": call.session.user_id,
                "id": endpoint_id,
            },
        )
        row = _find(db, scope_id, endpoint_id)
    if row is None:
        raise entity_not_found("endpointInfo", endpoint_id)

    return json_response(_endpoint_json(row))


async def delete_endpoint(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/endpointInfos/{endpointInfoId}: 204."""
    scope_id = call.scope_id()
    endpoint_id = call.path_id("endpointInfoId")
    with call.context.store.transaction() as db:
        row = _find(db, scope_id, endpoint_id)
    endpoint_type = "resource" if row is None else row["endpoint_type"]
    _require_write(call, "delete", scope_id, endpoint_type)
    if row is None:
        raise entity_not_found("endpointInfo", endpoint_id)
    with call.context.store.transaction() as db:
        db.execute("DELETE FROM endpoint_infos WHERE id = ?", (endpoint_id,))

    return web.Response(status=204)


_PATH = "/{scopeId}/endpointInfos"

ROUTES = (
    Route("GET", _PATH, list_endpoints),
    Route("POST", _PATH, create_endpoint),
    Route("POST", _PATH + "/_query", query_endpoints),
    Route("POST", _PATH + "/_count", count_endpoints),
    Route("GET", _PATH + "/{endpointInfoId}", get_endpoint),
    Route("PUT", _PATH + "/{endpointInfoId}", update_endpoint),
    Route("DELETE", _PATH + "/{endpointInfoId}", delete_endpoint),
)
