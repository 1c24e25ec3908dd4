"""The message store: messages, and the client, channel and metric registries.

As in Kapua's datastore, storing a message also records its client, channel
and metrics in their registries, each with the first and last message seen.
Metrics are kept as JSON ``[name, type, text]`` triples in the message row.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import attrs

from ec_async.emulator._listing import Filter

__all__ = [
    "MESSAGE_COLUMNS",
    "MessageRow",
    "channel_filter",
    "count_messages",
    "decode_metrics",
    "find_message",
    "info_id",
    "insert_messages",
    "metric_filter",
    "metrics_columns",
    "position_text",
    "query_messages",
]

MESSAGE_COLUMNS = (
    "datastore_id",
    "scope_id",
    "timestamp",
    "device_id",
    "client_id",
    "channel",
    "received_on",
    "sent_on",
    "captured_on",
    "position",
    "metrics",
    "body",
)

# Kapua's metric types that compare as numbers in a range filter.
_NUMERIC_TYPES = frozenset({"integer", "int", "long", "float", "double"})


class MessageRow(NamedTuple):
    """One message about to be stored, in column order (times in epoch ms).

    A named tuple, so that a hundred thousand of them build and bind fast.
    ``metrics`` is the JSON text of the ``[name, type, text]`` triples and
    ``metric_types`` their ``(name, type)`` pairs for the registry; build
    both from triples with ``metrics_columns``.
    """

    datastore_id: str
    scope_id: int
    timestamp: int
    device_id: int | None
    client_id: str
    channel: str
    received_on: int | None = None
    sent_on: int | None = None
    captured_on: int | None = None
    position: str | None = None
    metrics: str = "[]"
    body: str | None = None
    metric_types: tuple[tuple[str, str], ...] = ()


def metrics_columns(
    triples: Sequence[tuple[str, str, str]],
) -> dict[str, Any]:
    """The ``metrics`` and ``metric_types`` of a row holding these metrics."""
    return {
        "metrics": json.dumps([list(t) for t in triples], separators=(",", ":")),
        "metric_types": tuple((name, kind) for name, kind, _ in triples),
    }


def info_id(*parts: object) -> str:
    """A registry id as Kapua derives them: base64 of a SHA-256 of the key fields."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).digest()

    return base64.b64encode(digest).decode("ascii")


@attrs.define
class _Span:
    """The first and last message of one registry entry, within one batch."""

    first_id: str
    first_on: int
    last_id: str
    last_on: int

    def add(self, message_id: str, on: int) -> None:
        if on < self.first_on:
            self.first_id, self.first_on = message_id, on
        if on >= self.last_on:
            self.last_id, self.last_on = message_id, on

    def merge(self, other: _Span) -> None:
        self.add(other.first_id, other.first_on)
        self.add(other.last_id, other.last_on)


def _note(
    spans: dict[tuple[Any, ...], _Span], key: tuple[Any, ...], row: MessageRow
) -> None:
    span = spans.get(key)
    if span is None:
        spans[key] = _Span(
            row.datastore_id, row.timestamp, row.datastore_id, row.timestamp
        )
    else:
        span.add(row.datastore_id, row.timestamp)


_SPAN_UPDATE = """
    ON CONFLICT (id) DO UPDATE SET
        first_message_id = CASE WHEN excluded.first_message_on < first_message_on
            THEN excluded.first_message_id ELSE first_message_id END,
        first_message_on = MIN(first_message_on, excluded.first_message_on),
        last_message_id = CASE WHEN excluded.last_message_on >= last_message_on
            THEN excluded.last_message_id ELSE last_message_id END,
        last_message_on = MAX(last_message_on, excluded.last_message_on)
"""


_SPAN_COLUMNS = (
    "first_message_id",
    "first_message_on",
    "last_message_id",
    "last_message_on",
)


def insert_messages(db: sqlite3.Connection, rows: Iterable[MessageRow]) -> int:
    """Store messages and update the registries; return how many were stored."""
    clients: dict[tuple[Any, ...], _Span] = {}
    channels: dict[tuple[Any, ...], _Span] = {}
    # Messages on one channel mostly carry one set of metrics: note the set once.
    metric_sets: dict[tuple[Any, ...], _Span] = {}
    columns = len(MESSAGE_COLUMNS)

    def values() -> Iterable[tuple[Any, ...]]:
        for row in rows:
            _note(clients, (row.scope_id, row.client_id), row)
            channel = (row.scope_id, row.client_id, row.channel)
            _note(channels, channel, row)
            if row.metric_types:
                _note(metric_sets, (*channel, row.metric_types), row)
            yield row[:columns]

    marks = ", ".join("?" for _ in MESSAGE_COLUMNS)
    cursor = db.executemany(
        f"INSERT INTO data_messages ({', '.join(MESSAGE_COLUMNS)}) VALUES ({marks})",
        values(),
    )
    metrics: dict[tuple[Any, ...], _Span] = {}
    for (scope_id, client_id, channel, types), span in metric_sets.items():
        for name, value_type in types:
            key = (scope_id, client_id, channel, name, value_type)
            if key in metrics:
                metrics[key].merge(span)
            else:
                metrics[key] = attrs.evolve(span)
    _upsert(db, "data_clients", ("client_id",), clients)
    _upsert(db, "data_channels", ("client_id", "name"), channels)
    _upsert(
        db, "data_metrics", ("client_id", "channel", "name", "metric_type"), metrics
    )

    return cursor.rowcount


def _upsert(
    db: sqlite3.Connection,
    table: str,
    key_columns: Sequence[str],
    spans: Mapping[tuple[Any, ...], _Span],
) -> None:
    names = ("id", "scope_id", *key_columns, *_SPAN_COLUMNS)
    marks = ", ".join("?" for _ in names)
    db.executemany(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}){_SPAN_UPDATE}",
        (
            (
                info_id(*key),
                *key,
                span.first_id,
                span.first_on,
                span.last_id,
                span.last_on,
            )
            for key, span in spans.items()
        ),
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def channel_filter(column: str, channel: str, *, strict: bool) -> Filter:
    """Kapua's channel match: the channel and its sub-channels, ``a/#`` for a subtree.

    ``strict`` matches the channel alone, ignoring its children.
    """
    if strict:
        return Filter(f"{column} = ?", (channel,))
    base = channel[:-2] if channel.endswith("/#") else channel
    if base in {"", "#"}:
        return Filter("1 = 1")

    return Filter(
        f"({column} = ? OR {column} LIKE ? ESCAPE '\\')",
        (base, _like_escape(base) + "/%"),
    )


def metric_filter(
    name: str, value_type: str | None, minimum: Any, maximum: Any
) -> Filter:
    """A message has the metric (of that type), within the bounds when given.

    Bounds compare as numbers for numeric types and as text otherwise.
    """
    conditions = ["json_extract(metric.value, '$[0]') = ?"]
    params: list[Any] = [name]
    if value_type is not None:
        conditions.append("lower(json_extract(metric.value, '$[1]')) IN (?, ?)")
        kind = value_type.lower()
        params += [kind, "int" if kind == "integer" else kind]
    numeric = value_type is not None and value_type.lower() in _NUMERIC_TYPES
    value = (
        "CAST(json_extract(metric.value, '$[2]') AS REAL)"
        if numeric
        else ("json_extract(metric.value, '$[2]')")
    )
    if minimum is not None:
        conditions.append(f"{value} >= ?")
        params.append(minimum)
    if maximum is not None:
        conditions.append(f"{value} <= ?")
        params.append(maximum)
    where = " AND ".join(conditions)

    return Filter(
        f"EXISTS (SELECT 1 FROM json_each(data_messages.metrics) AS metric WHERE {where})",
        tuple(params),
    )


def _where(scope_id: int, filters: Sequence[Filter]) -> tuple[str, tuple[Any, ...]]:
    conditions = ["scope_id = ?", *(f"({f.sql})" for f in filters)]
    params = (scope_id, *(value for f in filters for value in f.params))

    return " WHERE " + " AND ".join(conditions), params


def query_messages(
    db: sqlite3.Connection,
    scope_id: int,
    filters: Sequence[Filter],
    *,
    descending: bool,
    offset: int,
    limit: int | None,
) -> tuple[list[sqlite3.Row], bool]:
    """One page of messages by timestamp, and whether more rows follow it.

    Equal timestamps are ordered by datastore id, as arbitrary as Elasticsearch's
    own tie order and as stable.
    """
    where, params = _where(scope_id, filters)
    direction = "DESC" if descending else "ASC"
    sql = (
        f"SELECT * FROM data_messages{where}"
        f" ORDER BY timestamp {direction}, datastore_id {direction} LIMIT ? OFFSET ?"
    )
    fetch = -1 if limit is None else limit + 1
    rows = db.execute(sql, (*params, fetch, offset)).fetchall()
    if limit is None:
        return rows, False

    return rows[:limit], len(rows) > limit


def count_messages(
    db: sqlite3.Connection, scope_id: int, filters: Sequence[Filter] = ()
) -> int:
    """How many of the scope's messages match ``filters``."""
    where, params = _where(scope_id, filters)
    row = db.execute(f"SELECT COUNT(*) FROM data_messages{where}", params).fetchone()

    return int(row[0])


def find_message(
    db: sqlite3.Connection, scope_id: int, datastore_id: str
) -> sqlite3.Row | None:
    """The message with this datastore id in this scope."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM data_messages WHERE datastore_id = ? AND scope_id = ?",
        (datastore_id, scope_id),
    ).fetchone()

    return row


def decode_metrics(text: str) -> list[tuple[str, str, str]]:
    """The ``[name, type, text]`` triples a message row keeps."""
    return [(str(n), str(t), str(v)) for n, t, v in json.loads(text)]


def position_text(position: Mapping[str, Any] | None) -> str | None:
    """A position object as the row keeps it."""
    return None if position is None else json.dumps(position, separators=(",", ":"))
