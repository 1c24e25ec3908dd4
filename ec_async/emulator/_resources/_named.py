"""The seven operations of a named, scoped, resource-limited entity.

Roles, groups and tags behave alike in Kapua: a name unique in its account
(``DUPLICATE_NAME``, a 500), an ``optlock`` on updates, a service
configuration capping how many an account holds, and ``domain:action``
checks on the scope. A ``NamedKind`` describes one; ``named_routes`` serves it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import (
    duplicate_name,
    entity_not_found,
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
from ec_async.emulator._records._rows import audit
from ec_async.emulator._records.service_configs import check_allowed_entities
from ec_async.emulator._resources._bodies import entity_name, optlock_of, text_field
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import Field, Kind, json_response, updatable_entity

__all__ = [
    "NamedKind",
    "find_named",
    "named_json",
    "named_routes",
    "scope_filter",
]

_FIELDS: tuple[Field, ...] = (("name", Kind.TEXT), ("description", Kind.TEXT))
_SORTABLE = frozenset(
    {"id", "scopeId", "name", "description", "createdOn", "createdBy", "modifiedOn"}
    | {"modifiedBy", "optlock"}
)

# Called inside the create transaction with the new entity's id and the body.
CreateHook = Callable[[Call, sqlite3.Connection, int, int, Mapping[str, Any]], None]
# Called before a create's transaction, to check what the body asks for.
CheckHook = Callable[[Call, int, Mapping[str, Any]], Awaitable[None]]
DeleteHook = Callable[[sqlite3.Connection, int], None]


async def _no_check(call: Call, scope_id: int, body: Mapping[str, Any]) -> None:
    return None


def _no_create(
    call: Call, db: sqlite3.Connection, scope_id: int, entity_id: int, body: Any
) -> None:
    return None


def _no_delete(db: sqlite3.Connection, entity_id: int) -> None:
    return None


@attrs.frozen
class NamedKind:
    """One kind of named entity and where it lives."""

    type_name: str
    table_name: str
    domain: str
    service: str
    id_param: str
    check_create: CheckHook = _no_check
    on_create: CreateHook = _no_create
    on_delete: DeleteHook = _no_delete

    @property
    def table(self) -> Table:
        """Return the listing table: by name unless a sort is asked for."""
        return Table(self.table_name, ("name",), _SORTABLE)

    @property
    def creator(self) -> str:
        """Return the name Kapua gives the creator in argument errors."""
        return f"{self.type_name}Creator"


def named_json(kind: NamedKind, row: sqlite3.Row) -> dict[str, Any]:
    """Return the entity as the API writes it."""
    return updatable_entity(kind.type_name, row, _FIELDS)


def scope_filter(scope_id: int) -> Filter:
    """Return the condition for the rows of one scope."""
    return Filter("scope_id = ?", (scope_id,))


def find_named(
    db: sqlite3.Connection, kind: NamedKind, scope_id: int, entity_id: int
) -> sqlite3.Row | None:
    """Return the entity with this id in this scope."""
    row: sqlite3.Row | None = db.execute(
        f"SELECT * FROM {kind.table_name} WHERE id = ? AND scope_id = ?",
        (entity_id, scope_id),
    ).fetchone()

    return row


def _name_taken(
    db: sqlite3.Connection, kind: NamedKind, scope_id: int, name: str, entity_id: int
) -> bool:
    row = db.execute(
        f"SELECT 1 FROM {kind.table_name} WHERE scope_id = ? AND name = ? AND id != ?",
        (scope_id, name, entity_id),
    ).fetchone()

    return row is not None


def _list_filters(call: Call, scope_id: int) -> list[Filter]:
    filters = [scope_filter(scope_id)]
    name = call.query.get("name")
    if name:
        filters.append(Filter("name = ?", (name,)))
    match_term = call.query.get("matchTerm")
    if match_term:
        filters.append(starts_with(("name", "description"), match_term))

    return filters


def _page(
    call: Call, kind: NamedKind, filters: list[Filter], query: ListQuery
) -> web.Response:
    with call.context.store.transaction() as db:
        page = fetch_page(db, kind.table, filters, query)
    items = [named_json(kind, row) for row in page.rows]

    return json_response(list_result(f"{kind.type_name}ListResult", items, page))


def _handlers(
    kind: NamedKind,
) -> dict[str, Callable[[Call], Awaitable[web.StreamResponse]]]:
    async def list_entities(call: Call) -> web.StreamResponse:
        scope_id = call.scope_id()
        query = list_query_from_params(call.query)
        call.require(kind.domain, "read", scope_id)

        return _page(call, kind, _list_filters(call, scope_id), query)

    async def query_entities(call: Call) -> web.StreamResponse:
        scope_id = call.scope_id()
        query = list_query_from_body(await call.json_body(allow_empty=True))
        call.require(kind.domain, "read", scope_id)

        return _page(call, kind, [scope_filter(scope_id)], query)

    async def count_entities(call: Call) -> web.StreamResponse:
        scope_id = call.scope_id()
        list_query_from_body(await call.json_body(allow_empty=True))
        call.require(kind.domain, "read", scope_id)
        with call.context.store.transaction() as db:
            count = count_rows(db, kind.table, [scope_filter(scope_id)])

        return json_response(count_result(count))

    async def create_entity(call: Call) -> web.StreamResponse:
        scope_id = call.scope_id()
        body = await call.json_body()
        name = entity_name(body, f"{kind.creator}.name")
        description = text_field(body, "description")
        call.require(kind.domain, "write", scope_id)
        await kind.check_create(call, scope_id, body)

        now = call.now_ms()
        with call.context.store.transaction() as db:
            check_allowed_entities(db, scope_id, kind.service)
            if _name_taken(db, kind, scope_id, name, 0):
                raise duplicate_name(name)
            entity_id = new_id(db, kind.table_name)
            columns = {
                "id": entity_id,
                "scope_id": scope_id,
                "name": name,
                "description": description,
                **audit(now, call.session.user_id),
            }
            db.execute(
                f"INSERT INTO {kind.table_name} (id, scope_id, name, description,"
                " created_on, created_by, modified_on, modified_by, optlock) VALUES"
                " (:id, :scope_id, :name, :description, :created_on, :created_by,"
                " :modified_on, :modified_by, :optlock)",
                columns,
            )
            kind.on_create(call, db, scope_id, entity_id, body)
            row = find_named(db, kind, scope_id, entity_id)
        if row is None:
            raise entity_not_found(kind.type_name, entity_id)

        return json_response(named_json(kind, row), 201)

    async def get_entity(call: Call) -> web.StreamResponse:
        scope_id = call.scope_id()
        entity_id = call.path_id(kind.id_param)
        call.require(kind.domain, "read", scope_id)
        with call.context.store.transaction() as db:
            row = find_named(db, kind, scope_id, entity_id)
        if row is None:
            raise entity_not_found(kind.type_name, entity_id)

        return json_response(named_json(kind, row))

    async def update_entity(call: Call) -> web.StreamResponse:
        scope_id = call.scope_id()
        entity_id = call.path_id(kind.id_param)
        body = await call.json_body()
        name = entity_name(body, f"{kind.type_name}.name")
        description = text_field(body, "description")
        call.require(kind.domain, "write", scope_id)

        with call.context.store.transaction() as db:
            current = find_named(db, kind, scope_id, entity_id)
            if current is None:
                raise entity_not_found(kind.type_name, entity_id)
            if _name_taken(db, kind, scope_id, name, entity_id):
                raise duplicate_name(name)
            if optlock_of(body) != current["optlock"]:
                raise optimistic_locking()
            db.execute(
                f"UPDATE {kind.table_name} SET name = ?, description = ?,"
                " modified_on = ?, modified_by = ?, optlock = optlock + 1"
                " WHERE id = ?",
                (name, description, call.now_ms(), call.session.user_id, entity_id),
            )
            row = find_named(db, kind, scope_id, entity_id)
        if row is None:
            raise entity_not_found(kind.type_name, entity_id)

        return json_response(named_json(kind, row))

    async def delete_entity(call: Call) -> web.StreamResponse:
        scope_id = call.scope_id()
        entity_id = call.path_id(kind.id_param)
        call.require(kind.domain, "delete", scope_id)
        with call.context.store.transaction() as db:
            if find_named(db, kind, scope_id, entity_id) is None:
                raise entity_not_found(kind.type_name, entity_id)
            kind.on_delete(db, entity_id)
            db.execute(f"DELETE FROM {kind.table_name} WHERE id = ?", (entity_id,))

        return web.Response(status=204)

    return {
        "list": list_entities,
        "query": query_entities,
        "count": count_entities,
        "create": create_entity,
        "get": get_entity,
        "update": update_entity,
        "delete": delete_entity,
    }


def named_routes(kind: NamedKind, path: str) -> tuple[Route, ...]:
    """Return the routes of one kind at ``path`` (e.g. ``/{scopeId}/groups``)."""
    handlers = _handlers(kind)
    item = f"{path}/{{{kind.id_param}}}"

    return (
        Route("GET", path, handlers["list"]),
        Route("POST", path, handlers["create"]),
        Route("POST", f"{path}/_query", handlers["query"]),
        Route("POST", f"{path}/_count", handlers["count"]),
        Route("GET", item, handlers["get"]),
        Route("PUT", item, handlers["update"]),
        Route("DELETE", item, handlers["delete"]),
    )
