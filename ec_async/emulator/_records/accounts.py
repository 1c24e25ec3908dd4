"""Accounts: the tenant tree, addressed by ``parentAccountPath``."""

from __future__ import annotations

import sqlite3
from typing import Any

from ec_async.emulator._records._rows import audit, insert_rows

__all__ = [
    "ACCOUNT_COLUMNS",
    "ORGANIZATION_FIELDS",
    "account_row",
    "ancestor_ids",
    "find_account",
    "find_account_by_name",
    "insert_accounts",
]

SYSTEM_ACCOUNT_ID = 1

ORGANIZATION_FIELDS = (
    "name",
    "personName",
    "email",
    "phoneNumber",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "zipPostCode",
    "city",
    "stateProvinceCounty",
    "country",
)

ACCOUNT_COLUMNS = (
    "id",
    "scope_id",
    "name",
    "description",
    "organization_name",
    "organization_person_name",
    "organization_email",
    "organization_phone_number",
    "organization_address_line1",
    "organization_address_line2",
    "organization_address_line3",
    "organization_zip_post_code",
    "organization_city",
    "organization_state_province_county",
    "organization_country",
    "expiration_date",
    "parent_account_path",
    "created_on",
    "created_by",
    "modified_on",
    "modified_by",
    "optlock",
)


def account_row(
    *,
    account_id: int,
    parent: sqlite3.Row | dict[str, Any] | None,
    name: str,
    now: int,
    created_by: int | None,
    **columns: Any,
) -> dict[str, Any]:
    """Return a full accounts row for a new account under ``parent``.

    The path is the parent's path plus the decimal id, as Kapua builds it; the
    optlock is 2 because Kapua creates the account, then updates its path.
    """
    parent_path = "" if parent is None else str(parent["parent_account_path"])
    row: dict[str, Any] = dict.fromkeys(ACCOUNT_COLUMNS)
    row.update(audit(now, created_by, optlock=2))
    row.update(
        id=account_id,
        scope_id=None if parent is None else parent["id"],
        name=name,
        parent_account_path=f"{parent_path}/{account_id}",
    )
    unknown = set(columns) - set(ACCOUNT_COLUMNS)
    if unknown:
        msg = f"unknown account columns: {sorted(unknown)}"
        raise TypeError(msg)
    row.update(columns)

    return row


def insert_accounts(db: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """Store new accounts."""
    insert_rows(db, "accounts", ACCOUNT_COLUMNS, rows)


def find_account(db: sqlite3.Connection, account_id: int) -> sqlite3.Row | None:
    """Return the account with this id, in any scope."""
    cursor = db.execute("SELECT * FROM accounts WHERE id = ?", (account_id,))
    row: sqlite3.Row | None = cursor.fetchone()

    return row


def find_account_by_name(db: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """Return the account with this (system-wide unique) name."""
    cursor = db.execute("SELECT * FROM accounts WHERE name = ?", (name,))
    row: sqlite3.Row | None = cursor.fetchone()

    return row


def ancestor_ids(db: sqlite3.Connection, account_id: int | None) -> frozenset[int]:
    """Return the ids above ``account_id`` on its path; empty if it does not exist."""
    if account_id is None:
        return frozenset()
    account = find_account(db, account_id)
    if account is None:
        return frozenset()
    path = str(account["parent_account_path"])

    return frozenset(int(part) for part in path.split("/")[1:-1])
