"""Kapua's list operations: paging and sorting parameters, queries, envelopes.

GET lists default to ``limit=50``; ``_query`` bodies without a limit return
every row. ``limitExceeded`` is found by reading one row past the limit, as
Kapua does, and ``totalCount`` is counted only when asked for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeGuard

import attrs
from multidict import MultiMapping

from ec_async._guards import is_list
from ec_async.emulator._errors import EmptyError, illegal_argument, internal_error
from ec_async.emulator._wire import column_name

__all__ = [
    "Filter",
    "ListQuery",
    "Page",
    "Table",
    "bool_param",
    "count_result",
    "count_rows",
    "fetch_page",
    "list_query_from_body",
    "list_query_from_params",
    "list_result",
    "starts_with",
]

_DEFAULT_LIMIT = 50
_SORT_ORDERS = {"ASCENDING": False, "DESCENDING": True}
# Paging values are Java ints, in query parameters and in query bodies alike.
_JAVA_INT_MIN, _JAVA_INT_MAX = -(2**31), 2**31 - 1


def _is_java_int(value: object) -> TypeGuard[int]:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and _JAVA_INT_MIN <= value <= _JAVA_INT_MAX
    )


@attrs.frozen
class Table:
    """A listable entity table: its default order and the attributes it sorts by.

    ``default_descending`` reverses the default order, as Kapua does for
    device events (newest first).
    """

    name: str
    default_sort: tuple[str, ...]
    sortable: frozenset[str]
    default_descending: bool = False


@attrs.frozen
class Filter:
    """One SQL condition with its bound values."""

    sql: str
    params: tuple[Any, ...] = ()


@attrs.frozen
class ListQuery:
    """Paging, sorting and fetch attributes of one list request."""

    offset: int = 0
    limit: int | None = _DEFAULT_LIMIT
    ask_total_count: bool = False
    sort_param: str | None = None
    descending: bool = False
    fetch_attributes: frozenset[str] = frozenset()


@attrs.frozen
class Page:
    """The rows of one page and what Kapua reports about the rest."""

    rows: list[sqlite3.Row]
    limit_exceeded: bool
    total_count: int | None


def _int_param(params: MultiMapping[str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not _is_java_int(value):
        # Jersey cannot convert the parameter to an int: Kapua's
        # ParamExceptionMapper names it and, having no Kapua cause, reports a
        # null value.
        raise illegal_argument(name, None)
    if value < 0:
        raise illegal_argument(name, text)

    return value


def bool_param(params: MultiMapping[str], name: str) -> bool:
    """Read a boolean as Java's ``Boolean.valueOf``: only "true" is true."""
    return params.get(name, "").lower() == "true"


def _sort_order(params: MultiMapping[str]) -> bool:
    text = params.get("sortDir", "ASCENDING")
    try:
        return _SORT_ORDERS[text.upper()]
    except KeyError:
        raise illegal_argument("sortOrder", text) from None


def list_query_from_params(params: MultiMapping[str]) -> ListQuery:
    """Read paging and sorting from a GET list's query parameters."""
    return ListQuery(
        offset=_int_param(params, "offset", 0),
        limit=_int_param(params, "limit", _DEFAULT_LIMIT),
        ask_total_count=bool_param(params, "askTotalCount"),
        sort_param=params.get("sortParam") or None,
        descending=_sort_order(params),
        fetch_attributes=frozenset(params.getall("fetchAttributes", ())),
    )


def _body_int(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not _is_java_int(value):
        # MOXy cannot bind it to the query's Integer field.
        raise EmptyError(400)
    if value < 0:
        raise illegal_argument(name, str(value))

    return value


def list_query_from_body(body: Mapping[str, Any]) -> ListQuery:
    """Read a ``_query``/``_count`` body; only its paging fields reach the server.

    Predicates and sort criteria are transient in Kapua's query model, so they
    are ignored here too, and a body without ``limit`` means no limit.
    """
    fetch: object = body.get("fetchAttributeName") or []
    if isinstance(fetch, str):
        fetch = [fetch]
    # A null Boolean is left unset, which Kapua reads as false.
    ask_total_count = body.get("askTotalCount")
    if ask_total_count is None:
        ask_total_count = False
    if not is_list(fetch) or not isinstance(ask_total_count, bool):
        raise EmptyError(400)

    return ListQuery(
        offset=_body_int(body, "offset") or 0,
        limit=_body_int(body, "limit"),
        ask_total_count=ask_total_count,
        fetch_attributes=frozenset(str(name) for name in fetch),
    )


def starts_with(columns: Iterable[str], term: str) -> Filter:
    """Return Kapua's ``matchTerm`` condition: any column starts with ``term``."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    names = list(columns)
    sql = " OR ".join(f"{name} LIKE ? ESCAPE '\\'" for name in names)

    return Filter(f"({sql})", tuple(f"{escaped}%" for _ in names))


def _where(filters: Sequence[Filter]) -> tuple[str, tuple[Any, ...]]:
    if not filters:
        return "", ()
    params = tuple(value for condition in filters for value in condition.params)

    return " WHERE " + " AND ".join(f"({f.sql})" for f in filters), params


def _order_by(table: Table, query: ListQuery) -> str:
    if query.sort_param is None:
        keys = [*table.default_sort]
        direction = " DESC" if table.default_descending else " ASC"
    elif query.sort_param in table.sortable:
        keys = [query.sort_param]
        direction = " DESC" if query.descending else " ASC"
    else:
        # JPA fails on an unknown attribute; Kapua answers with a 500.
        raise internal_error(f"Unknown sort attribute {query.sort_param}")
    columns = [column_name(key) + direction for key in keys]

    return ", ".join([*columns, "id" + direction])


def count_rows(db: sqlite3.Connection, table: Table, filters: Sequence[Filter]) -> int:
    """Return how many rows match ``filters``."""
    where, params = _where(filters)
    row = db.execute(f"SELECT COUNT(*) FROM {table.name}{where}", params).fetchone()

    return int(row[0])


def fetch_page(
    db: sqlite3.Connection, table: Table, filters: Sequence[Filter], query: ListQuery
) -> Page:
    """Return the page ``query`` asks for, reading one extra row to spot more."""
    where, params = _where(filters)
    sql = f"SELECT * FROM {table.name}{where} ORDER BY {_order_by(table, query)}"
    if query.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = (*params, query.limit + 1, query.offset)
    else:
        sql += " LIMIT -1 OFFSET ?"
        params = (*params, query.offset)
    rows = db.execute(sql, params).fetchall()

    limit_exceeded = query.limit is not None and len(rows) > query.limit
    total_count = count_rows(db, table, filters) if query.ask_total_count else None

    return Page(rows[: query.limit], limit_exceeded, total_count)


def list_result(
    type_name: str, items: Sequence[Mapping[str, Any]], page: Page
) -> dict[str, Any]:
    """Return Kapua's list envelope, ``totalCount`` only when it was asked for."""
    result: dict[str, Any] = {
        "type": type_name,
        "limitExceeded": page.limit_exceeded,
        "size": len(items),
        "items": list(items),
    }
    if page.total_count is not None:
        result["totalCount"] = page.total_count

    return result


def count_result(count: int) -> dict[str, Any]:
    """Return the body of a ``_count`` operation."""
    return {"type": "countResult", "count": count}
