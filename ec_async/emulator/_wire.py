"""How stored values look on the wire: compact ids, Kapua dates, entity fields."""

from __future__ import annotations

import datetime
import enum
import functools
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiohttp import web

from ec_async._ids import decode_compact_id, encode_compact_id

__all__ = [
    "Field",
    "Kind",
    "column_name",
    "compact",
    "decode_id",
    "empty_response",
    "entity",
    "format_date",
    "json_response",
    "row_fields",
    "updatable_entity",
]

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


class Kind(enum.Enum):
    """How a stored column is written on the wire."""

    TEXT = "text"
    ID = "id"
    DATE = "date"
    INT = "int"
    BOOL = "bool"
    JSON = "json"


Field = tuple[str, Kind]


@functools.cache  # Called for every field of every row a listing writes.
def column_name(wire_name: str) -> str:
    """Return the SQL column that stores a wire attribute (``clientId`` -> ``client_id``)."""
    return _CAMEL_BOUNDARY.sub("_", wire_name).lower()


def compact(value: int | None) -> str | None:
    """Return the compact form of a stored id, keeping ``None``."""
    return None if value is None else encode_compact_id(value)


def decode_id(text: str) -> int | None:
    """Return the id behind a compact id, or ``None`` when it cannot be decoded.

    Values outside SQLite's 64-bit range decode to 0, an id nothing has, so a
    lookup finds nothing instead of failing to bind.
    """
    try:
        value = decode_compact_id(text)
    except ValueError:
        return None

    return value if _INT64_MIN <= value <= _INT64_MAX else 0


@functools.lru_cache(maxsize=4096)  # A row's creation and modification often agree.
def format_date(epoch_ms: int | None) -> str | None:
    """Write a stored time as Kapua does: ``yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`` in UTC."""
    if epoch_ms is None:
        return None

    moment = datetime.datetime.fromtimestamp(epoch_ms / 1000, tz=datetime.UTC)

    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def _bool(value: Any) -> bool:
    return bool(value)


def _json(value: str) -> Any:
    # Most devices have no tags and no extended properties.
    return [] if value == "[]" else json.loads(value)


# How a non-null stored value of each kind is written; None keeps it as stored.
_WRITERS: dict[Kind, Callable[[Any], Any] | None] = {
    Kind.TEXT: None,
    Kind.INT: None,
    Kind.ID: encode_compact_id,
    Kind.DATE: format_date,
    Kind.BOOL: _bool,
    Kind.JSON: _json,
}


Plan = tuple[tuple[str, str, Callable[[Any], Any] | None], ...]

# Each field list's column names and writers, worked out once: listing pages
# write thousands of rows. Keyed by identity (hashing a field list costs more
# than the lookup saves); an entry holds its list, so its id stays its own.
_PLANS: dict[int, tuple[Iterable[Field], Plan]] = {}
_MAX_PLANS = 64


def _plan(fields: Iterable[Field]) -> Plan:
    cached = _PLANS.get(id(fields))
    if cached is not None and cached[0] is fields:
        return cached[1]
    plan = tuple((name, column_name(name), _WRITERS[kind]) for name, kind in fields)
    if isinstance(fields, tuple) and len(_PLANS) < _MAX_PLANS:
        _PLANS[id(fields)] = (fields, plan)

    return plan


def row_fields(row: sqlite3.Row, fields: Iterable[Field]) -> dict[str, Any]:
    """Return the wire attributes of ``row``, leaving out nulls as MOXy does."""
    wire: dict[str, Any] = {}
    for name, column, write in _plan(fields):
        value = row[column]
        if value is not None:
            wire[name] = value if write is None else write(value)

    return wire


_ENTITY_FIELDS: tuple[Field, ...] = (
    ("id", Kind.ID),
    ("scopeId", Kind.ID),
    ("createdOn", Kind.DATE),
    ("createdBy", Kind.ID),
)
_UPDATABLE_FIELDS: tuple[Field, ...] = (
    *_ENTITY_FIELDS,
    ("modifiedOn", Kind.DATE),
    ("modifiedBy", Kind.ID),
    ("optlock", Kind.INT),
)


def entity(type_name: str, row: sqlite3.Row, fields: Iterable[Field]) -> dict[str, Any]:
    """Return an entity that is never updated: the type, id, scope, creation, ``fields``."""
    return {
        "type": type_name,
        **row_fields(row, _ENTITY_FIELDS),
        **row_fields(row, fields),
    }


def updatable_entity(
    type_name: str, row: sqlite3.Row, fields: Iterable[Field]
) -> dict[str, Any]:
    """Return an updatable entity: the type, the common fields, then ``fields``."""
    return {
        "type": type_name,
        **row_fields(row, _UPDATABLE_FIELDS),
        **row_fields(row, fields),
    }


def json_response(payload: Mapping[str, Any], status: int = 200) -> web.Response:
    """Return ``payload`` as a compact JSON response."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)

    return web.Response(
        status=status, body=body.encode("utf-8"), content_type="application/json"
    )


def empty_response(status: int) -> web.Response:
    """Return a response with a status and no entity, as Jersey sends them."""
    return web.Response(status=status)
