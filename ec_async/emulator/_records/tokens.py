"""Access tokens as Kapua stores them: looked up by the JWT's tokenIdentifier."""

from __future__ import annotations

import sqlite3
from typing import Any

from ec_async.emulator._records._rows import audit

__all__ = ["find_token", "insert_token", "invalidate_token"]

_TOKEN_COLUMNS = (
    "id",
    "scope_id",
    "user_id",
    "token_id",
    "token_identifier",
    "expires_on",
    "refresh_token",
    "refresh_expires_on",
    "created_on",
    "created_by",
    "modified_on",
    "modified_by",
    "optlock",
)


def insert_token(db: sqlite3.Connection, **columns: Any) -> sqlite3.Row:
    """Store a new access token and return it; audit columns are filled in."""
    row = {**audit(columns["created_on"], columns["user_id"]), **columns}
    names = ", ".join(_TOKEN_COLUMNS)
    values = ", ".join(f":{name}" for name in _TOKEN_COLUMNS)
    db.execute(f"INSERT INTO access_tokens ({names}) VALUES ({values})", row)
    stored = find_token(db, str(columns["token_identifier"]))
    if stored is None:
        msg = "the token just inserted is missing"
        raise RuntimeError(msg)

    return stored


def find_token(db: sqlite3.Connection, token_identifier: str) -> sqlite3.Row | None:
    """Return the token a JWT's ``tokenIdentifier`` claim names."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM access_tokens WHERE token_identifier = ?", (token_identifier,)
    ).fetchone()

    return row


def invalidate_token(db: sqlite3.Connection, token: sqlite3.Row, now: int) -> None:
    """Mark a token invalid from ``now`` on (logout, or replaced by a refresh)."""
    db.execute(
        "UPDATE access_tokens SET invalidated_on = ?, modified_on = ?,"
        " optlock = optlock + 1 WHERE id = ?",
        (now, now, token["id"]),
    )
