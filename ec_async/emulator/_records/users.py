"""Users and their credentials (PASSWORD and API_KEY), with lockout state."""

from __future__ import annotations

import sqlite3
from typing import Any

from ec_async.emulator._hashing import api_key_prefix, hash_api_key, hash_secret
from ec_async.emulator._records._rows import audit, insert_rows

__all__ = [
    "CREDENTIAL_COLUMNS",
    "USER_COLUMNS",
    "USER_UPDATABLE_COLUMNS",
    "api_key_credentials",
    "credential_row",
    "credentials_of_user",
    "delete_credential",
    "delete_user",
    "find_credential",
    "find_user",
    "find_user_by_name",
    "find_user_in_scope",
    "insert_credentials",
    "insert_users",
    "password_credential",
    "record_login_failure",
    "replace_password",
    "reset_login_failures",
    "stored_credential_row",
    "unlock_credential",
    "update_credential",
    "update_user",
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

# What a PUT may change: the name, the type and the external id are fixed.
USER_UPDATABLE_COLUMNS = (
    "description",
    "status",
    "display_name",
    "email",
    "phone_number",
    "external_username",
    "expiration_date",
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


def stored_credential_row(
    *,
    credential_id: int,
    scope_id: int,
    user_id: int,
    credential_type: str,
    stored_key: str,
    now: int,
    created_by: int | None,
    status: str = "ENABLED",
    expiration_date: int | None = None,
) -> dict[str, Any]:
    """Return a credentials row whose key is already in its stored (hashed) form."""
    row: dict[str, Any] = dict.fromkeys(CREDENTIAL_COLUMNS)
    row.update(audit(now, created_by))
    row.update(
        id=credential_id,
        scope_id=scope_id,
        user_id=user_id,
        credential_type=credential_type,
        credential_key=stored_key,
        status=status,
        expiration_date=expiration_date,
        login_failures=0,
    )

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

    return stored_credential_row(
        credential_id=credential_id,
        scope_id=user["scope_id"],
        user_id=user["id"],
        credential_type=credential_type,
        stored_key=key,
        now=now,
        created_by=user["created_by"],
    )


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


def find_user_in_scope(
    db: sqlite3.Connection, scope_id: int, user_id: int
) -> sqlite3.Row | None:
    """Return the user with this id if it belongs to ``scope_id``."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM users WHERE id = ? AND scope_id = ?", (user_id, scope_id)
    ).fetchone()

    return row


def update_user(
    db: sqlite3.Connection,
    user_id: int,
    columns: dict[str, Any],
    *,
    now: int,
    by: int | None,
) -> None:
    """Write updatable user columns and bump the optlock."""
    assignments = "".join(f"{name} = :{name}, " for name in columns)
    db.execute(
        f"UPDATE users SET {assignments}modified_on = :now, modified_by = :by,"
        " optlock = optlock + 1 WHERE id = :id",
        {**columns, "now": now, "by": by, "id": user_id},
    )


def delete_user(db: sqlite3.Connection, user: sqlite3.Row, now: int) -> None:
    """Delete a user with what hangs off it, as Kapua's delete events do.

    Credentials, MFA settings and the access info go; the user's tokens are
    invalidated, so a deleted user's session ends at once.
    """
    user_id = user["id"]
    db.execute(
        "DELETE FROM scratch_codes WHERE mfa_option_id IN"
        " (SELECT id FROM mfa_options WHERE user_id = ?)",
        (user_id,),
    )
    db.execute("DELETE FROM mfa_options WHERE user_id = ?", (user_id,))
    db.execute("DELETE FROM credentials WHERE user_id = ?", (user_id,))
    for table in ("access_permissions", "access_roles"):
        db.execute(
            f"DELETE FROM {table} WHERE access_info_id IN"
            " (SELECT id FROM access_infos WHERE user_id = ?)",
            (user_id,),
        )
    db.execute("DELETE FROM access_infos WHERE user_id = ?", (user_id,))
    db.execute(
        "UPDATE access_tokens SET invalidated_on = ?, modified_on = ?,"
        " optlock = optlock + 1 WHERE user_id = ? AND invalidated_on IS NULL",
        (now, now, user_id),
    )
    db.execute("DELETE FROM users WHERE id = ?", (user_id,))


def find_credential(
    db: sqlite3.Connection, scope_id: int, credential_id: int
) -> sqlite3.Row | None:
    """Return the credential with this id if it belongs to ``scope_id``."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM credentials WHERE id = ? AND scope_id = ?",
        (credential_id, scope_id),
    ).fetchone()

    return row


def credentials_of_user(
    db: sqlite3.Connection, scope_id: int, user_id: int
) -> list[sqlite3.Row]:
    """Return every credential of a user in ``scope_id``, oldest first."""
    return db.execute(
        "SELECT * FROM credentials WHERE scope_id = ? AND user_id = ? ORDER BY id",
        (scope_id, user_id),
    ).fetchall()


def update_credential(
    db: sqlite3.Connection,
    credential_id: int,
    columns: dict[str, Any],
    *,
    now: int,
    by: int | None,
) -> None:
    """Write credential columns and bump the optlock."""
    assignments = "".join(f"{name} = :{name}, " for name in columns)
    db.execute(
        f"UPDATE credentials SET {assignments}modified_on = :now, modified_by = :by,"
        " optlock = optlock + 1 WHERE id = :id",
        {**columns, "now": now, "by": by, "id": credential_id},
    )


def unlock_credential(
    db: sqlite3.Connection, credential_id: int, *, now: int, by: int | None
) -> None:
    """Clear the four lockout fields, as an administrator's unlock does."""
    update_credential(
        db,
        credential_id,
        {
            "login_failures": 0,
            "first_login_failure": None,
            "login_failures_reset": None,
            "lockout_reset": None,
        },
        now=now,
        by=by,
    )


def delete_credential(db: sqlite3.Connection, credential_id: int) -> None:
    """Remove a credential."""
    db.execute("DELETE FROM credentials WHERE id = ?", (credential_id,))


def replace_password(
    db: sqlite3.Connection,
    *,
    old_credential_id: int | None,
    new_credential_id: int,
    scope_id: int,
    user_id: int,
    password: str,
    now: int,
    by: int | None,
) -> sqlite3.Row:
    """Swap a user's password credential for a new, enabled one, as Kapua resets.

    The old credential (if any) is deleted and a new one is created, so the
    password gets a new id and a clean lockout state.
    """
    if old_credential_id is not None:
        delete_credential(db, old_credential_id)
    row = stored_credential_row(
        credential_id=new_credential_id,
        scope_id=scope_id,
        user_id=user_id,
        credential_type="PASSWORD",
        stored_key=hash_secret(password),
        now=now,
        created_by=by,
    )
    insert_credentials(db, [row])
    created = find_credential(db, scope_id, new_credential_id)
    if created is None:
        msg = "the credential just inserted is missing"
        raise RuntimeError(msg)

    return created
