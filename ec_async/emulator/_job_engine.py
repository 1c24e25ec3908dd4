"""The job engine: runs job executions and interval triggers as background tasks.

A start is answered at once; the execution appears a moment later, as with
Kapua's batch engine. Each step runs over its targets in turn: a target whose
device is connected passes (after ``job_target_delay``), one that is not fails
with the server's DEVICE_NOT_CONNECTED message and goes no further. Tasks run
on the emulator's loop and are cancelled when it closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from ec_async._ids import decode_compact_id
from ec_async.emulator._clock import Clock
from ec_async.emulator._config import EmulatorConfig
from ec_async.emulator._errors import KapuaError, entity_not_found
from ec_async.emulator._job_catalogue import STEP_DEFINITIONS
from ec_async.emulator._records.jobs import ExecutionState, find_job, insert
from ec_async.emulator._store import Store, new_id
from ec_async.emulator._wire import compact

__all__ = [
    "JobEngine",
    "StartOptions",
    "StepProcessor",
    "StepTarget",
    "interval_seconds",
    "job_engine_error",
]

logger = logging.getLogger("ec_async.emulator.jobs")

AWAITING = "PROCESS_AWAITING"
OK = "PROCESS_OK"
FAILED = "PROCESS_FAILED"

_DEFINITION_NAMES = {definition.id: definition.name for definition in STEP_DEFINITIONS}
# How often the trigger scheduler looks at the clock, which tests may move.
_SCHEDULER_TICK = 0.2


@attrs.frozen
class StartOptions:
    """A decoded ``jobStartOptions`` body."""

    target_ids: tuple[int, ...] = ()
    reset_step_index: bool = False
    from_step_index: int = 0
    enqueue: bool = False


@attrs.frozen
class StepTarget:
    """What a step processor gets: the device, the step and its properties."""

    scope_id: int
    device_id: int
    step_name: str
    properties: Mapping[str, str | None]


# Returns None when the target succeeded, else the status message to record. A
# processor opens its own store transactions and holds none across an await.
StepProcessor = Callable[[Store, StepTarget], Awaitable[str | None]]


def job_engine_error(
    type_name: str,
    code: str,
    message: str,
    scope_id: int,
    job_id: int,
    **fields: Any,
) -> KapuaError:
    """A job engine refusal: Kapua maps every one of them to a 500."""
    return KapuaError(
        500,
        code,
        message,
        type_name=type_name,
        fields={"scopeId": compact(scope_id), "jobId": compact(job_id), **fields},
    )


def interval_seconds(properties: Sequence[Mapping[str, Any]]) -> int | None:
    """The ``interval`` property of an interval trigger, in seconds."""
    for prop in properties:
        if prop.get("name") == "interval":
            try:
                return int(str(prop.get("propertyValue")))
            except ValueError:
                return None
    return None


def _not_connected(device_id: int, status: str | None) -> str:
    return (
        f"The device {device_id} is not CONNECTED. Current device connection status"
        f" is: {status}"
    )


async def connection_check(store: Store, target: StepTarget) -> str | None:
    """The default processor: a connected device succeeds, any other fails."""
    with store.transaction() as db:
        device = db.execute(
            "SELECT * FROM devices WHERE id = ? AND scope_id = ?",
            (target.device_id, target.scope_id),
        ).fetchone()
        connection = None
        if device is not None and device["connection_id"] is not None:
            connection = db.execute(
                "SELECT status FROM device_connections WHERE id = ?",
                (device["connection_id"],),
            ).fetchone()
    if device is None:
        return str(entity_not_found("device", target.device_id))
    status = None if connection is None else connection["status"]
    if status != "CONNECTED":
        return _not_connected(target.device_id, status)

    return None


@attrs.define
class _Run:
    """One execution in progress, as the engine tracks it in memory."""

    scope_id: int
    job_id: int
    user_id: int | None
    target_ids: tuple[int, ...]
    execution_id: int | None = None
    stop_requested: bool = False


class JobEngine:
    """Runs the executions and triggers of one emulator."""

    def __init__(self, store: Store, clock: Clock, config: EmulatorConfig) -> None:
        self._store = store
        self._clock = clock
        self._config = config
        self._tasks: set[asyncio.Task[None]] = set()
        self._active: dict[int, _Run] = {}
        self._queued: dict[int, list[tuple[StartOptions, int | None]]] = {}
        self._scheduler: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._closed = False
        # Step processors by step definition name; the default checks the
        # connection. Device management simulations can register their own.
        self.processors: dict[str, StepProcessor] = {}

    # -- starting and stopping -------------------------------------------

    def is_running(self, job_id: int) -> bool:
        """Whether the job has a start accepted or an execution running."""
        return job_id in self._active

    def start(
        self,
        scope_id: int,
        job_id: int,
        options: StartOptions,
        user_id: int | None,
    ) -> None:
        """Check the job can start and start it in the background."""
        with self._store.transaction() as db:
            target_ids = self._check_startable(db, scope_id, job_id, options)
        if job_id in self._active:
            if options.enqueue:
                self._queued.setdefault(job_id, []).append((options, user_id))
                return
            run = self._active[job_id]
            raise job_engine_error(
                "jobAlreadyRunningExceptionInfo",
                "JOB_ALREADY_RUNNING",
                f"The Job {job_id} in scope {scope_id} cannot be started because it"
                " is already running.",
                scope_id,
                job_id,
                executionId=compact(run.execution_id),
                jobTargetIdSubset=[compact(t) for t in options.target_ids],
            )
        with self._store.transaction() as db:
            self._prepare_targets(db, target_ids, options)
        run = _Run(scope_id, job_id, user_id, target_ids)
        self._launch(run)

    def _check_startable(
        self, db: sqlite3.Connection, scope_id: int, job_id: int, options: StartOptions
    ) -> tuple[int, ...]:
        steps = db.execute(
            "SELECT COUNT(*) FROM job_steps WHERE job_id = ?", (job_id,)
        ).fetchone()[0]
        if not steps:
            raise job_engine_error(
                "jobMissingStepExceptionInfo",
                "JOB_STEP_MISSING",
                f"The Job {job_id} in scope {scope_id} does not have steps configured.",
                scope_id,
                job_id,
            )
        targets = [
            row["id"]
            for row in db.execute(
                "SELECT id FROM job_targets WHERE job_id = ? ORDER BY id", (job_id,)
            )
        ]
        if not targets:
            raise job_engine_error(
                "jobMissingTargetExceptionInfo",
                "JOB_TARGET_MISSING",
                f"The Job {job_id} in scope {scope_id} does not have targets"
                " configured.",
                scope_id,
                job_id,
            )
        if not options.target_ids:
            return tuple(targets)
        unknown = set(options.target_ids) - set(targets)
        if unknown:
            raise job_engine_error(
                "jobInvalidTargetExceptionInfo",
                "JOB_TARGET_INVALID",
                f"The Job {job_id} in scope {scope_id} cannot be started because at"
                f" least one of the {sorted(options.target_ids)} Job Target is not a"
                " current Job Target.",
                scope_id,
                job_id,
                jobTargetIdSubset=[compact(t) for t in options.target_ids],
            )
        return tuple(options.target_ids)

    def _prepare_targets(
        self, db: sqlite3.Connection, target_ids: Iterable[int], options: StartOptions
    ) -> None:
        """Reset targets to a step when asked; otherwise retry the failed ones."""
        ids = list(target_ids)
        marks = ", ".join("?" for _ in ids)
        now = self._clock.now_ms()
        if options.reset_step_index:
            db.execute(
                f"UPDATE job_targets SET step_index = ?, status = ?, status_message ="
                f" NULL, modified_on = ?, optlock = optlock + 1 WHERE id IN ({marks})",
                (options.from_step_index, AWAITING, now, *ids),
            )
            return
        db.execute(
            f"UPDATE job_targets SET status = ?, status_message = NULL, modified_on ="
            f" ?, optlock = optlock + 1 WHERE status = ? AND id IN ({marks})",
            (AWAITING, now, FAILED, *ids),
        )

    def stop_job(self, job_id: int) -> None:
        """Ask the job's running execution to stop after its current target."""
        run = self._active.get(job_id)
        if run is not None:
            run.stop_requested = True
        self._queued.pop(job_id, None)

    def stop_execution(self, job_id: int, execution_id: int) -> None:
        """Stop one execution, if it is the one running."""
        run = self._active.get(job_id)
        if run is not None and run.execution_id == execution_id:
            run.stop_requested = True

    def resume(
        self, scope_id: int, job_id: int, execution_id: int, user_id: int | None
    ) -> None:
        """Continue a stopped execution where it stopped."""
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT * FROM job_executions WHERE id = ? AND job_id = ?",
                (execution_id, job_id),
            ).fetchone()
        if row is None:
            raise entity_not_found("jobExecution", execution_id)
        if job_id in self._active:
            raise job_engine_error(
                "jobRunningExceptionInfo",
                "JOB_RUNNING",
                f"The Job {job_id} in scope {scope_id} is running and the operation"
                " cannot be performed.",
                scope_id,
                job_id,
            )
        if row["state"] != ExecutionState.STOPPED:
            raise job_engine_error(
                "jobResumingExceptionInfo",
                "JOB_RESUMING",
                f"The Job Execution {execution_id} of Job {job_id} in scope {scope_id}"
                " cannot be resumed.",
                scope_id,
                job_id,
                executionId=compact(execution_id),
            )
        target_ids = tuple(decode_compact_id(t) for t in json.loads(row["target_ids"]))
        run = _Run(scope_id, job_id, user_id, target_ids, execution_id=execution_id)
        with self._store.transaction() as db:
            self._log(db, execution_id, "Resuming job execution...")
            db.execute(
                "UPDATE job_executions SET state = ?, ended_on = NULL WHERE id = ?",
                (ExecutionState.RUNNING, execution_id),
            )
        self._launch(run)

    def _launch(self, run: _Run) -> None:
        if self._closed:
            msg = "the emulator is closing"
            raise RuntimeError(msg)
        self._active[run.job_id] = run
        self._spawn(self._execute(run))

    def _spawn(self, work: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- running ---------------------------------------------------------

    async def _execute(self, run: _Run) -> None:
        # The engine answers the start first; the execution follows.
        await asyncio.sleep(0)
        try:
            if run.execution_id is None:
                run.execution_id = self._create_execution(run)
            finished = await self._run_steps(run)
            self._finish(
                run, ExecutionState.ENDED if finished else ExecutionState.STOPPED
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("emulated job %s failed", run.job_id)
            self._finish(run, ExecutionState.ENDED)
        finally:
            self._active.pop(run.job_id, None)
        self._start_queued(run.job_id, run.scope_id)

    def _start_queued(self, job_id: int, scope_id: int) -> None:
        queued = self._queued.get(job_id)
        if not queued or self._closed:
            return
        options, user_id = queued.pop(0)
        try:
            self.start(scope_id, job_id, attrs.evolve(options, enqueue=False), user_id)
        except KapuaError:
            logger.info("queued start of job %s refused", job_id)

    def _create_execution(self, run: _Run) -> int:
        now = self._clock.now_ms()
        with self._store.transaction() as db:
            execution_id = new_id(db, "job_executions")
            insert(
                db,
                "job_executions",
                now,
                run.user_id,
                id=execution_id,
                scope_id=run.scope_id,
                job_id=run.job_id,
                started_on=now,
                log="",
                target_ids=json.dumps([compact(t) for t in run.target_ids]),
                state=ExecutionState.RUNNING,
            )
            self._log(db, execution_id, "Running before job...")
            self._log(db, execution_id, f"Target count: {len(run.target_ids)}")
        return execution_id

    async def _run_steps(self, run: _Run) -> bool:
        """Process every step over its waiting targets; False if it was stopped."""
        with self._store.transaction() as db:
            steps = db.execute(
                "SELECT * FROM job_steps WHERE job_id = ? ORDER BY step_index",
                (run.job_id,),
            ).fetchall()
        indexes = [step["step_index"] for step in steps]
        for position, step in enumerate(steps):
            following = indexes[position + 1] if position + 1 < len(indexes) else None
            if not await self._run_step(run, step, following):
                return False
        return True

    async def _run_step(
        self, run: _Run, step: sqlite3.Row, following: int | None
    ) -> bool:
        assert run.execution_id is not None  # created before the steps run.
        marks = ", ".join("?" for _ in run.target_ids)
        with self._store.transaction() as db:
            targets = db.execute(
                "SELECT job_targets.*, devices.client_id FROM job_targets"
                " LEFT JOIN devices ON devices.id = job_targets.job_target_id"
                f" WHERE job_targets.id IN ({marks}) AND step_index = ?"
                " AND job_targets.status = ? ORDER BY job_targets.id",
                (*run.target_ids, step["step_index"], AWAITING),
            ).fetchall()
            self._log(
                db,
                run.execution_id,
                f"Reading step: {step['name']} (index: {step['step_index']})... DONE!",
            )
        definition = _DEFINITION_NAMES.get(step["job_step_definition_id"], "")
        processor = self.processors.get(definition, connection_check)
        properties = {
            prop["name"]: prop.get("propertyValue")
            for prop in json.loads(step["step_properties"])
        }
        for target in targets:
            if run.stop_requested:
                return False
            await asyncio.sleep(self._config.job_target_delay)
            work = StepTarget(
                run.scope_id, target["job_target_id"], definition, properties
            )
            failure = await processor(self._store, work)
            with self._store.transaction() as db:
                self._record(db, run, target, failure, following)
        return not run.stop_requested

    def _record(
        self,
        db: sqlite3.Connection,
        run: _Run,
        target: sqlite3.Row,
        failure: str | None,
        following: int | None,
    ) -> None:
        assert run.execution_id is not None  # created before the steps run.
        now = self._clock.now_ms()
        device = target["client_id"] or compact(target["job_target_id"])
        label = f"target: {device} (id: {compact(target['id'])})"
        if failure is not None:
            status, index, message = FAILED, target["step_index"], failure
            self._log(db, run.execution_id, f"Processing {label} - FAILED: {failure}")
        elif following is None:
            status, index, message = OK, target["step_index"], None
            self._log(db, run.execution_id, f"Processing {label} - DONE!")
        else:
            status, index, message = AWAITING, following, None
            self._log(db, run.execution_id, f"Processing {label} - DONE!")
        db.execute(
            "UPDATE job_targets SET status = ?, step_index = ?, status_message = ?,"
            " modified_on = ?, modified_by = ?, optlock = optlock + 1 WHERE id = ?",
            (status, index, message, now, run.user_id, target["id"]),
        )

    def _finish(self, run: _Run, state: str) -> None:
        if run.execution_id is None:
            return
        now = self._clock.now_ms()
        with self._store.transaction() as db:
            if state == ExecutionState.STOPPED:
                self._log(db, run.execution_id, "Job execution stopped.")
            else:
                self._log(db, run.execution_id, "Running after job... DONE!")
            db.execute(
                "UPDATE job_executions SET ended_on = ?, state = ?, modified_on = ?,"
                " optlock = optlock + 1 WHERE id = ?",
                (now, state, now, run.execution_id),
            )

    def _log(self, db: sqlite3.Connection, execution_id: int, line: str) -> None:
        moment = self._clock.now_ms()
        stamp = _log_time(moment)
        level = "[ERROR]" if "FAILED" in line else "[INFO]"
        db.execute(
            "UPDATE job_executions SET log = log || ? WHERE id = ?",
            (f"{level} {stamp} - {line}\n", execution_id),
        )

    # -- triggers --------------------------------------------------------

    def wake_scheduler(self) -> None:
        """Look at the triggers again now (one was created, changed or deleted)."""
        if self._closed:
            return
        if self._scheduler is None or self._scheduler.done():
            self._scheduler = self._spawn(self._schedule())
        self._wake.set()

    async def _schedule(self) -> None:
        while not self._closed:
            self._wake.clear()
            now = self._clock.now_ms()
            for trigger in self._due(now):
                self._fire(trigger, now)
            if not self._pending():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), _SCHEDULER_TICK)

    def _due(self, now: int) -> list[sqlite3.Row]:
        with self._store.transaction() as db:
            rows: list[sqlite3.Row] = db.execute(
                "SELECT * FROM job_triggers WHERE next_fire_on IS NOT NULL"
                " AND next_fire_on <= ? ORDER BY next_fire_on",
                (now,),
            ).fetchall()
        return rows

    def _pending(self) -> bool:
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT 1 FROM job_triggers WHERE next_fire_on IS NOT NULL LIMIT 1"
            ).fetchone()
        return row is not None

    def _fire(self, trigger: sqlite3.Row, now: int) -> None:
        status, message = "FIRED", None
        try:
            with self._store.transaction() as db:
                job = find_job(db, trigger["scope_id"], trigger["job_id"])
            if job is None:
                raise entity_not_found("job", trigger["job_id"])
            self.start(
                trigger["scope_id"],
                trigger["job_id"],
                StartOptions(),
                trigger["created_by"],
            )
        except KapuaError as error:
            status, message = "FAILED", str(error.body.get("message"))
        interval = interval_seconds(json.loads(trigger["trigger_properties"]))
        following = None
        if interval:
            following = trigger["next_fire_on"] + interval * 1000
            if following <= now:  # a misfire: Quartz fires once, then goes on.
                following = now + interval * 1000
            if trigger["ends_on"] is not None and following > trigger["ends_on"]:
                following = None
        with self._store.transaction() as db:
            insert(
                db,
                "fired_triggers",
                now,
                trigger["created_by"],
                id=new_id(db, "fired_triggers"),
                scope_id=trigger["scope_id"],
                trigger_id=trigger["id"],
                fired_on=now,
                status=status,
                message=message,
            )
            db.execute(
                "UPDATE job_triggers SET next_fire_on = ? WHERE id = ?",
                (following, trigger["id"]),
            )

    # -- lifecycle -------------------------------------------------------

    async def close(self) -> None:
        """Cancel every execution and the scheduler, and wait for them to end."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._active.clear()
        self._queued.clear()


def _log_time(epoch_ms: int) -> str:
    """Kapua's log stamp, e.g. ``12/6/19 11:00 AM`` (UTC here)."""
    moment = datetime.datetime.fromtimestamp(epoch_ms / 1000, tz=datetime.UTC)
    hour = moment.hour % 12 or 12

    return f"{moment.month}/{moment.day}/{moment:%y} {hour}:{moment:%M %p}"
