"""Jobs, their steps, targets, executions, triggers and fired triggers."""

from __future__ import annotations

import sqlite3
from typing import Any

from ec_async.emulator._records._rows import audit, insert_rows

__all__ = [
    "EXECUTION_COLUMNS",
    "FIRED_COLUMNS",
    "JOB_COLUMNS",
    "STEP_COLUMNS",
    "TARGET_COLUMNS",
    "TRIGGER_COLUMNS",
    "ExecutionState",
    "find_in_job",
    "find_job",
    "insert",
]

_AUDIT = ("created_on", "created_by", "modified_on", "modified_by", "optlock")

JOB_COLUMNS = ("id", "scope_id", "name", "description", *_AUDIT)
STEP_COLUMNS = (
    "id",
    "scope_id",
    "job_id",
    "name",
    "description",
    "job_step_definition_id",
    "step_index",
    "step_properties",
    *_AUDIT,
)
TARGET_COLUMNS = (
    "id",
    "scope_id",
    "job_id",
    "job_target_id",
    "status",
    "step_index",
    "status_message",
    *_AUDIT,
)
EXECUTION_COLUMNS = (
    "id",
    "scope_id",
    "job_id",
    "started_on",
    "ended_on",
    "log",
    "target_ids",
    "state",
    *_AUDIT,
)
TRIGGER_COLUMNS = (
    "id",
    "scope_id",
    "job_id",
    "name",
    "description",
    "starts_on",
    "ends_on",
    "trigger_definition_id",
    "trigger_properties",
    "next_fire_on",
    *_AUDIT,
)
FIRED_COLUMNS = (
    "id",
    "scope_id",
    "trigger_id",
    "fired_on",
    "status",
    "message",
    "created_on",
    "created_by",
)

_TABLES = {
    "jobs": JOB_COLUMNS,
    "job_steps": STEP_COLUMNS,
    "job_targets": TARGET_COLUMNS,
    "job_executions": EXECUTION_COLUMNS,
    "job_triggers": TRIGGER_COLUMNS,
    "fired_triggers": FIRED_COLUMNS,
}


class ExecutionState:
    """An execution's state inside the emulator (not on the wire)."""

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    ENDED = "ENDED"


def insert(
    db: sqlite3.Connection, table: str, now: int, by: int | None, **columns: Any
) -> dict[str, Any]:
    """Insert one row of a job table, audit columns filled in; return the row."""
    names = _TABLES[table]
    row: dict[str, Any] = dict.fromkeys(names)
    if "modified_on" in names:
        row.update(audit(now, by))
    else:
        row.update(created_on=now, created_by=by)
    unknown = set(columns) - set(names)
    if unknown:
        msg = f"unknown columns of {table}: {sorted(unknown)}"
        raise TypeError(msg)
    row.update(columns)
    insert_rows(db, table, names, [row])

    return row


def find_job(db: sqlite3.Connection, scope_id: int, job_id: int) -> sqlite3.Row | None:
    """Return the job with this id in this scope."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM jobs WHERE id = ? AND scope_id = ?", (job_id, scope_id)
    ).fetchone()

    return row


def find_in_job(
    db: sqlite3.Connection, table: str, job_id: int, row_id: int
) -> sqlite3.Row | None:
    """Return the step, target, execution or trigger with this id in this job."""
    if table not in _TABLES or "job_id" not in _TABLES[table]:
        msg = f"{table} rows do not belong to a job"
        raise ValueError(msg)
    row: sqlite3.Row | None = db.execute(
        f"SELECT * FROM {table} WHERE id = ? AND job_id = ?", (row_id, job_id)
    ).fetchone()

    return row
