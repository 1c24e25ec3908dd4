"""Helpers shared by the record modules: audit columns and bulk inserts."""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["INITIAL_OPTLOCK", "RowLike", "audit", "insert_rows"]

# A stored row, or one about to be inserted.
RowLike = sqlite3.Row | dict[str, Any]

# EclipseLink, Kapua's JPA provider, writes version 1 on insert, so a fresh
# entity has optlock 1 (the spec's examples agree); each update adds one.
INITIAL_OPTLOCK = 1


def audit(now: int, by: int | None, optlock: int = INITIAL_OPTLOCK) -> dict[str, Any]:
    """Return the audit columns of an entity created at ``now`` by ``by``."""
    return {
        "created_on": now,
        "created_by": by,
        "modified_on": now,
        "modified_by": by,
        "optlock": optlock,
    }


def insert_rows(
    db: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
) -> None:
    """Insert many rows at once; each row must have every one of ``columns``."""
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    # Positional values bind markedly faster than named ones, which matters
    # when seeding a hundred thousand devices.
    values = map(operator.itemgetter(*columns), rows)
    db.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
