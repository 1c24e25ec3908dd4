"""Users and their credentials (PASSWORD and API_KEY), with lockout state."""

from __future__ import annotations

import sqlite3
from typing import Any

from ec_async.emulator._hashing import api_key_prefix, hash_api_key, hash_secret
from ec_async.emulator._records._rows import audit, insert_rows

__all__ = [
    "CREDENTIAL_COLUMNS",
    "USER_COLUMNS",
    "api_key_credentials",
    "credential_row",
    "find_user",
    "find_user_by_name",
    "insert_credentials",
    "insert_users",
    "password_credential",
    "record_login_failure",
    "reset_login_failures",
    "user_row",
]

USER_COLUMNS = (
    "id",
    "scope_id",
    "name",
    "description",
    "status",
    "display_name",
    "email",
    "phone_number",
    "user_type",
    "external_id",
    "external_username",
    "expiration_date",
    "created_on",
    "created_by",
    "modified_on",
    "modified_by",
    "optlock",
)

CREDENTIAL_COLUMNS = (
    "id",
    "scope_id",
    "user_id",
    "credential_type",
    "credential_key",
    "status",
    "expiration_date",
    "login_failures",
    "first_login_failure",
    "login_failures_reset",
    "lockout_reset",
    "created_on",
    "created_by",
    "modified_on",
    "modified_by",
    "optlock",
)


def user_row(
    *,
    user_id: int,
    scope_id: int,
    name: str,
    now: int,
    created_by: int | None,
    **columns: Any,
) -> dict[str, Any]:
    """Return a full users row for an enabled INTERNAL user."""
    row: dict[str, Any] = dict.fromkeys(USER_COLUMNS)
    row.update(audit(now, created_by))
    row.update(
        id=user_id,
        scope_id=scope_id,
        name=name,
        status="ENABLED",
        user_type="INTERNAL",
        display_name=name,
    )
    unknown = set(columns) - set(USER_COLUMNS)
    if unknown:
        msg = f"unknown user columns: {sorted(unknown)}"
        raise TypeError(msg)
    row.update(columns)

    return row


def credential_row(
    *,
    credential_id: int,
    user: dict[str, Any] | sqlite3.Row,
    now: int,
    password: str | None = None,
    api_key: str | None = None,
) -> dict[str, Any]:
    """Return a credentials row for a password or an API key, stored hashed."""
    if (password is None) == (api_key is None):
        msg = "give exactly one of password or api_key"
        raise TypeError(msg)
    if password is not None:
        credential_type, key = "PASSWORD", hash_secret(password)
    else:
        credential_type, key = "API_KEY", hash_api_key(str(api_key))

    row: dict[str, Any] = dict.fromkeys(CREDENTIAL_COLUMNS)
    row.update(audit(now, user["created_by"]))
    row.update(
        id=credential_id,
        scope_id=user["scope_id"],
        user_id=user["id"],
        credential_type=credential_type,
        credential_key=key,
        status="ENABLED",
        login_failures=0,
    )

    return row


def insert_users(db: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """Store new users."""
    insert_rows(db, "users", USER_COLUMNS, rows)


def insert_credentials(db: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """Store new credentials."""
    insert_rows(db, "credentials", CREDENTIAL_COLUMNS, rows)


def find_user(db: sqlite3.Connection, user_id: int) -> sqlite3.Row | None:
    """Return the user with this id."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM users WHERE id = ?", (user_id,)
    ).fetchone()

    return row


def find_user_by_name(db: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """Return the user with this name; names are unique across the system."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM users WHERE name = ?", (name,)
    ).fetchone()

    return row


def password_credential(db: sqlite3.Connection, user_id: int) -> sqlite3.Row | None:
    """Return the user's PASSWORD credential, if any."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM credentials WHERE user_id = ? AND credential_type = 'PASSWORD'",
        (user_id,),
    ).fetchone()

    return row


def api_key_credentials(db: sqlite3.Connection, api_key: str) -> list[sqlite3.Row]:
    """Return the API_KEY credentials whose public prefix matches ``api_key``."""
    return db.execute(
        "SELECT * FROM credentials WHERE credential_type = 'API_KEY'"
        " AND substr(credential_key, 1, ?) = ?",
        (len(api_key_prefix(api_key)) + 1, api_key_prefix(api_key) + ":"),
    ).fetchall()


def record_login_failure(
    db: sqlite3.Connection,
    credential: sqlite3.Row,
    *,
    now: int,
    max_failures: int,
    reset_after_ms: int,
    lock_duration_ms: int,
) -> None:
    """Count a wrong password as Kapua's lockout policy does.

    Failures are counted in a window opened by the first one; reaching
    ``max_failures`` inside it locks the credential for ``lock_duration_ms``.
    """
    window_closed = credential["first_login_failure"] is None or now > (
        credential["login_failures_reset"] or 0
    )
    if window_closed:
        failures, first_failure = 1, now
    else:
        failures, first_failure = (
            credential["login_failures"] + 1,
            credential["first_login_failure"],
        )
    lockout_reset = now + lock_duration_ms if failures >= max_failures else None

    db.execute(
        "UPDATE credentials SET login_failures = ?, first_login_failure = ?,"
        " login_failures_reset = ?, lockout_reset = COALESCE(?, lockout_reset),"
        " modified_on = ?, optlock = optlock + 1 WHERE id = ?",
        (
            failures,
            first_failure,
            first_failure + reset_after_ms,
            lockout_reset,
            now,
            credential["id"],
        ),
    )


def reset_login_failures(
    db: sqlite3.Connection, credential: sqlite3.Row, now: int
) -> None:
    """Clear the lockout fields after a successful login, as Kapua does."""
    if credential["login_failures"] == 0 and credential["lockout_reset"] is None:
        return
    db.execute(
        "UPDATE credentials SET login_failures = 0, first_login_failure = NULL,"
        " login_failures_reset = NULL, lockout_reset = NULL, modified_on = ?,"
        " optlock = optlock + 1 WHERE id = ?",
        (now, credential["id"]),
    )
