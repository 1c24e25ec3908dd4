"""MFA options and their scratch codes: one option per user, codes used once.

Kapua keeps the TOTP secret encrypted (it must read it back to check codes);
the emulator keeps it as is. Trust keys and scratch codes are stored hashed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ec_async.emulator._hashing import hash_secret, verify_secret
from ec_async.emulator._records._rows import audit

__all__ = [
    "clear_trust",
    "delete_option",
    "find_option",
    "insert_option",
    "set_trust",
    "use_scratch_code",
]


def find_option(
    db: sqlite3.Connection, scope_id: int, user_id: int
) -> sqlite3.Row | None:
    """Return the user's MFA option, if MFA is on."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM mfa_options WHERE scope_id = ? AND user_id = ?",
        (scope_id, user_id),
    ).fetchone()

    return row


def insert_option(
    db: sqlite3.Connection,
    *,
    option_id: int,
    scope_id: int,
    user_id: int,
    secret: str,
    scratch_codes: Iterable[tuple[int, str]],
    now: int,
    by: int | None,
) -> sqlite3.Row:
    """Store a new MFA option and its scratch codes (``(id, code)`` pairs)."""
    columns = {
        "id": option_id,
        "scope_id": scope_id,
        "user_id": user_id,
        "mfa_secret_key": secret,
        **audit(now, by),
    }
    db.execute(
        "INSERT INTO mfa_options (id, scope_id, user_id, mfa_secret_key, created_on,"
        " created_by, modified_on, modified_by, optlock) VALUES (:id, :scope_id,"
        " :user_id, :mfa_secret_key, :created_on, :created_by, :modified_on,"
        " :modified_by, :optlock)",
        columns,
    )
    db.executemany(
        "INSERT INTO scratch_codes (id, scope_id, mfa_option_id, code, created_on,"
        " created_by) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (code_id, scope_id, option_id, hash_secret(code), now, by)
            for code_id, code in scratch_codes
        ],
    )
    option = find_option(db, scope_id, user_id)
    if option is None:
        msg = "the MFA option just inserted is missing"
        raise RuntimeError(msg)

    return option


def delete_option(db: sqlite3.Connection, option: sqlite3.Row) -> None:
    """Turn MFA off: the option and its scratch codes go."""
    db.execute("DELETE FROM scratch_codes WHERE mfa_option_id = ?", (option["id"],))
    db.execute("DELETE FROM mfa_options WHERE id = ?", (option["id"],))


def set_trust(
    db: sqlite3.Connection,
    option: sqlite3.Row,
    *,
    trust_key: str,
    expires_on: int,
    now: int,
) -> None:
    """Trust one machine: store its key hashed, valid until ``expires_on``."""
    db.execute(
        "UPDATE mfa_options SET trust_key = ?, trust_expiration_date = ?,"
        " modified_on = ?, optlock = optlock + 1 WHERE id = ?",
        (hash_secret(trust_key), expires_on, now, option["id"]),
    )


def clear_trust(db: sqlite3.Connection, option: sqlite3.Row, now: int) -> None:
    """Forget the trusted machine."""
    db.execute(
        "UPDATE mfa_options SET trust_key = NULL, trust_expiration_date = NULL,"
        " modified_on = ?, optlock = optlock + 1 WHERE id = ?",
        (now, option["id"]),
    )


def use_scratch_code(db: sqlite3.Connection, option: sqlite3.Row, code: str) -> bool:
    """Accept a scratch code once: a matching code is deleted as it is used."""
    rows = db.execute(
        "SELECT id, code FROM scratch_codes WHERE mfa_option_id = ? ORDER BY id",
        (option["id"],),
    ).fetchall()
    for row in rows:
        if verify_secret(code, row["code"]):
            db.execute("DELETE FROM scratch_codes WHERE id = ?", (row["id"],))
            return True

    return False
