"""Devices and their broker connections."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from ec_async.emulator._records._rows import audit, insert_rows

__all__ = [
    "CONNECTION_COLUMNS",
    "DEVICE_COLUMNS",
    "DEVICE_WRITABLE_COLUMNS",
    "connection_row",
    "connections_by_id",
    "device_row",
    "find_connection",
    "find_device",
    "insert_connections",
    "insert_devices",
]

_CHUNK = 500

# What a device creator or a PUT body may set; the rest is audit or identity.
DEVICE_WRITABLE_COLUMNS = (
    "group_id",
    "client_id",
    "connection_id",
    "status",
    "display_name",
    "last_event_id",
    "serial_number",
    "model_id",
    "model_name",
    "imei",
    "imsi",
    "iccid",
    "bios_version",
    "firmware_version",
    "os_version",
    "jvm_version",
    "osgi_framework_version",
    "application_framework_version",
    "connection_interface",
    "connection_ip",
    "application_identifiers",
    "accept_encoding",
    "custom_attribute1",
    "custom_attribute2",
    "custom_attribute3",
    "custom_attribute4",
    "custom_attribute5",
    "tamper_status",
    "extended_properties",
    "tag_ids",
)

DEVICE_COLUMNS = (
    "id",
    "scope_id",
    *DEVICE_WRITABLE_COLUMNS,
    "created_on",
    "created_by",
    "modified_on",
    "modified_by",
    "optlock",
)

CONNECTION_COLUMNS = (
    "id",
    "scope_id",
    "status",
    "client_id",
    "user_id",
    "allow_user_change",
    "user_coupling_mode",
    "reserved_user_id",
    "authentication_type",
    "last_authentication_type",
    "protocol",
    "client_ip",
    "server_ip",
    "created_on",
    "created_by",
    "modified_on",
    "modified_by",
    "optlock",
)


def _checked(
    row: dict[str, Any], columns: dict[str, Any], allowed: Iterable[str]
) -> None:
    unknown = set(columns) - set(allowed)
    if unknown:
        msg = f"unknown columns: {sorted(unknown)}"
        raise TypeError(msg)
    row.update(columns)


def device_row(
    *,
    device_id: int,
    scope_id: int,
    client_id: str,
    now: int,
    created_by: int | None,
    **columns: Any,
) -> dict[str, Any]:
    """Return a full devices row; ``columns`` may set any writable column."""
    row: dict[str, Any] = dict.fromkeys(DEVICE_COLUMNS)
    row.update(audit(now, created_by))
    row.update(
        id=device_id,
        scope_id=scope_id,
        client_id=client_id,
        status="ENABLED",
        extended_properties="[]",
        tag_ids="[]",
    )
    _checked(row, columns, DEVICE_WRITABLE_COLUMNS)

    return row


def connection_row(
    *,
    connection_id: int,
    scope_id: int,
    client_id: str,
    status: str,
    now: int,
    user_id: int | None,
    **columns: Any,
) -> dict[str, Any]:
    """Return a full device_connections row for an MQTT connection."""
    row: dict[str, Any] = dict.fromkeys(CONNECTION_COLUMNS)
    row.update(audit(now, user_id))
    row.update(
        id=connection_id,
        scope_id=scope_id,
        status=status,
        client_id=client_id,
        user_id=user_id,
        allow_user_change=0,
        user_coupling_mode="INHERITED",
        authentication_type="USER_PASS",
        last_authentication_type="USER_PASS",
        protocol="MQTT",
        server_ip="broker",
    )
    _checked(row, columns, CONNECTION_COLUMNS)

    return row


def insert_devices(db: sqlite3.Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Store new devices."""
    insert_rows(db, "devices", DEVICE_COLUMNS, rows)


def insert_connections(db: sqlite3.Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Store new device connections."""
    insert_rows(db, "device_connections", CONNECTION_COLUMNS, rows)


def find_device(
    db: sqlite3.Connection, scope_id: int, device_id: int
) -> sqlite3.Row | None:
    """Return the device with this id in this scope."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM devices WHERE id = ? AND scope_id = ?", (device_id, scope_id)
    ).fetchone()

    return row


def find_connection(
    db: sqlite3.Connection, scope_id: int, connection_id: int
) -> sqlite3.Row | None:
    """Return the connection with this id in this scope."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM device_connections WHERE id = ? AND scope_id = ?",
        (connection_id, scope_id),
    ).fetchone()

    return row


def connections_by_id(
    db: sqlite3.Connection, connection_ids: Iterable[int]
) -> dict[int, sqlite3.Row]:
    """Return the connections with these ids, keyed by id."""
    wanted = sorted(set(connection_ids))
    found: dict[int, sqlite3.Row] = {}
    # Chunked, since SQLite caps the number of bound parameters per statement.
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        rows = db.execute(
            f"SELECT * FROM device_connections WHERE id IN ({marks})", chunk
        ).fetchall()
        found.update((row["id"], row) for row in rows)

    return found
