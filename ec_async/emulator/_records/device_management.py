"""Device events, management operations with their notifications, device contents."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ec_async.emulator._records._rows import RowLike, audit, insert_rows

__all__ = [
    "EVENT_COLUMNS",
    "LIFECYCLE_RESOURCES",
    "NOTIFICATION_COLUMNS",
    "OPERATION_COLUMNS",
    "add_event",
    "delete_device_records",
    "event_row",
    "find_device_event",
    "find_notification",
    "find_operation",
    "insert_events",
    "insert_notification",
    "insert_operation",
    "lifecycle_event",
    "load_contents",
    "save_contents",
    "update_operation",
]

EVENT_COLUMNS = (
    "id",
    "scope_id",
    "device_id",
    "sent_on",
    "received_on",
    "position",
    "resource",
    "action",
    "response_code",
    "event_message",
    "created_on",
    "created_by",
)

OPERATION_COLUMNS = (
    "id",
    "scope_id",
    "device_id",
    "operation_id",
    "app_id",
    "action",
    "resource",
    "status",
    "started_on",
    "ended_on",
    "operation_properties",
    "log",
    "created_on",
    "created_by",
    "modified_on",
    "modified_by",
    "optlock",
)

NOTIFICATION_COLUMNS = (
    "id",
    "scope_id",
    "operation_id",
    "resource",
    "status",
    "progress",
    "sent_on",
    "created_on",
    "created_by",
)


def event_row(
    *,
    event_id: int,
    scope_id: int,
    device_id: int,
    received_on: int,
    resource: str,
    action: str,
    response_code: str = "ACCEPTED",
    event_message: str | None = None,
    created_by: int | None = None,
) -> dict[str, Any]:
    """Return a device_events row; the device sent it just before it was received."""
    return {
        "id": event_id,
        "scope_id": scope_id,
        "device_id": device_id,
        "sent_on": received_on - 7,
        "received_on": received_on,
        "position": None,
        "resource": resource,
        "action": action,
        "response_code": response_code,
        "event_message": event_message,
        "created_on": received_on,
        "created_by": created_by,
    }


def insert_events(db: sqlite3.Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Store device events (no device is touched; see ``add_event``)."""
    insert_rows(db, "device_events", EVENT_COLUMNS, rows)


def add_event(db: sqlite3.Connection, row: dict[str, Any]) -> None:
    """Store one event and make it its device's last event, as Kapua does.

    Kapua updates the device through JPA, so its ``optlock`` moves on too.
    """
    insert_events(db, [row])
    db.execute(
        "UPDATE devices SET last_event_id = ?, modified_on = ?, optlock = optlock + 1"
        " WHERE id = ?",
        (row["id"], row["received_on"], row["device_id"]),
    )


def find_device_event(
    db: sqlite3.Connection, scope_id: int, device_id: int, event_id: int
) -> sqlite3.Row | None:
    """Return the event with this id of this device in this scope."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM device_events WHERE id = ? AND scope_id = ? AND device_id = ?",
        (event_id, scope_id, device_id),
    ).fetchone()

    return row


def insert_operation(
    db: sqlite3.Connection,
    *,
    operation_row_id: int,
    operation_id: int,
    scope_id: int,
    device_id: int,
    resource: str,
    properties: Sequence[dict[str, str]],
    now: int,
    created_by: int | None,
) -> None:
    """Store a running DEPLOY operation the device has just accepted."""
    row: dict[str, Any] = {
        **audit(now, created_by),
        "id": operation_row_id,
        "scope_id": scope_id,
        "device_id": device_id,
        "operation_id": operation_id,
        "app_id": "DEPLOY-V2",
        "action": "EXECUTE",
        "resource": resource,
        "status": "RUNNING",
        "started_on": now,
        "ended_on": None,
        "operation_properties": json.dumps(list(properties)),
        "log": None,
    }
    insert_rows(db, "device_operations", OPERATION_COLUMNS, [row])


def update_operation(
    db: sqlite3.Connection, operation_row_id: int, status: str, now: int, log: str
) -> None:
    """Record how an operation ended."""
    db.execute(
        "UPDATE device_operations SET status = ?, ended_on = ?, log = ?,"
        " modified_on = ?, optlock = optlock + 1 WHERE id = ?",
        (status, now, log, now, operation_row_id),
    )


def find_operation(
    db: sqlite3.Connection, scope_id: int, device_id: int, operation_row_id: int
) -> sqlite3.Row | None:
    """Return the operation with this id of this device in this scope."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM device_operations WHERE id = ? AND scope_id = ?"
        " AND device_id = ?",
        (operation_row_id, scope_id, device_id),
    ).fetchone()

    return row


def insert_notification(
    db: sqlite3.Connection,
    *,
    notification_id: int,
    operation: sqlite3.Row,
    resource: str,
    status: str,
    progress: int,
    now: int,
) -> None:
    """Store a progress notification the device sent about an operation."""
    row = {
        "id": notification_id,
        "scope_id": operation["scope_id"],
        "operation_id": operation["id"],
        "resource": resource,
        "status": status,
        "progress": progress,
        "sent_on": now,
        "created_on": now,
        "created_by": operation["created_by"],
    }
    insert_rows(db, "device_notifications", NOTIFICATION_COLUMNS, [row])


def find_notification(
    db: sqlite3.Connection, scope_id: int, operation_row_id: int, notification_id: int
) -> sqlite3.Row | None:
    """Return the notification with this id of this operation in this scope."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM device_notifications WHERE id = ? AND scope_id = ?"
        " AND operation_id = ?",
        (notification_id, scope_id, operation_row_id),
    ).fetchone()

    return row


def load_contents(db: sqlite3.Connection, device_id: int) -> dict[str, Any] | None:
    """Return what a simulated device holds, or ``None`` before its first request."""
    row = db.execute(
        "SELECT contents FROM device_contents WHERE device_id = ?", (device_id,)
    ).fetchone()
    if row is None:
        return None
    contents: dict[str, Any] = json.loads(row["contents"])

    return contents


def save_contents(
    db: sqlite3.Connection, device_id: int, contents: dict[str, Any]
) -> None:
    """Store what a simulated device holds."""
    db.execute(
        "INSERT OR REPLACE INTO device_contents (device_id, contents) VALUES (?, ?)",
        (device_id, json.dumps(contents, separators=(",", ":"))),
    )


def delete_device_records(db: sqlite3.Connection, device_id: int) -> None:
    """Remove a deleted device's events, operations, notifications and contents."""
    db.execute(
        "DELETE FROM device_notifications WHERE operation_id IN"
        " (SELECT id FROM device_operations WHERE device_id = ?)",
        (device_id,),
    )
    for table in ("device_operations", "device_events"):
        db.execute(f"DELETE FROM {table} WHERE device_id = ?", (device_id,))
    db.execute("DELETE FROM device_contents WHERE device_id = ?", (device_id,))


# What a lifecycle message tells about the device, as Kapua shows it in events.
_BIRTH_FIELDS = (
    ("displayName", "display_name"),
    ("modelId", "model_id"),
    ("modelName", "model_name"),
    ("serialNumber", "serial_number"),
    ("firmwareVersion", "firmware_version"),
    ("osVersion", "os_version"),
    ("jvmVersion", "jvm_version"),
    ("applicationFrameworkVersion", "application_framework_version"),
    ("applicationIdentifiers", "application_identifiers"),
    ("connectionInterface", "connection_interface"),
    ("connectionIp", "connection_ip"),
)
LIFECYCLE_RESOURCES = frozenset({"BIRTH", "DEATH", "MISSING"})


def lifecycle_event(
    *, event_id: int, device: RowLike, resource: str, now: int
) -> dict[str, Any]:
    """Return the event a device's BIRTH, DEATH or MISSING message leaves behind."""
    message = None
    if resource == "BIRTH":
        message = "~~".join(
            f"{wire}={device[column]}"
            for wire, column in _BIRTH_FIELDS
            if device[column] is not None
        )

    return event_row(
        event_id=event_id,
        scope_id=device["scope_id"],
        device_id=device["id"],
        received_on=now,
        resource=resource,
        action="CREATE",
        event_message=message,
    )
