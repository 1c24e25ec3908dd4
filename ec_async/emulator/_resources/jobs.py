"""Jobs, their steps and their targets (``/{scopeId}/jobs``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from ec_async._guards import is_list
from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import (
    EmptyError,
    duplicate_name,
    entity_not_found,
    illegal_argument,
    illegal_null_argument,
    optimistic_locking,
)
from ec_async.emulator._job_catalogue import STEP_DEFINITIONS, StepDefinition
from ec_async.emulator._job_engine import job_engine_error
from ec_async.emulator._listing import (
    Filter,
    ListQuery,
    Table,
    bool_param,
    count_result,
    count_rows,
    fetch_page,
    list_query_from_body,
    list_query_from_params,
    list_result,
    starts_with,
)
from ec_async.emulator._records.jobs import find_in_job, find_job, insert
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import (
    Field,
    Kind,
    decode_id,
    json_response,
    updatable_entity,
)

__all__ = [
    "ROUTES",
    "existing_job",
    "id_value",
    "job_listing",
    "optlock",
    "required_name",
    "target_json",
    "text_value",
]

_MAX_NAME = 255
_AUDIT_SORTS = ("id", "scopeId", "createdOn", "createdBy", "modifiedOn", "modifiedBy")

_JOB_FIELDS: tuple[Field, ...] = (("name", Kind.TEXT), ("description", Kind.TEXT))
_STEP_FIELDS: tuple[Field, ...] = (
    ("name", Kind.TEXT),
    ("description", Kind.TEXT),
    ("jobId", Kind.ID),
    ("jobStepDefinitionId", Kind.ID),
    ("stepIndex", Kind.INT),
    ("stepProperties", Kind.JSON),
)
_TARGET_FIELDS: tuple[Field, ...] = (
    ("jobId", Kind.ID),
    ("jobTargetId", Kind.ID),
    ("status", Kind.TEXT),
    ("stepIndex", Kind.INT),
    ("statusMessage", Kind.TEXT),
)
TARGET_STATUSES = frozenset(
    {
        "PROCESS_OK",
        "PROCESS_FAILED",
        "PROCESS_AWAITING",
        "AWAITING_COMPLETION",
        "NOTIFIED_COMPLETION",
    }
)

JOBS = Table(
    name="jobs",
    default_sort=("name",),
    sortable=frozenset({*_AUDIT_SORTS, "optlock", "name", "description"}),
)
STEPS = Table(
    name="job_steps",
    default_sort=("name",),
    sortable=frozenset({*_AUDIT_SORTS, "optlock", "name", "stepIndex", "jobId"}),
)
TARGETS = Table(
    name="job_targets",
    default_sort=("id",),
    sortable=frozenset(
        {*_AUDIT_SORTS, "optlock", "jobId", "jobTargetId", "status", "stepIndex"}
    ),
)
_DEFINITIONS = {definition.id: definition for definition in STEP_DEFINITIONS}


def job_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a Job."""
    return updatable_entity("job", row, _JOB_FIELDS)


def step_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a JobStep."""
    return updatable_entity("jobStep", row, _STEP_FIELDS)


def target_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a JobTarget."""
    return updatable_entity("jobTarget", row, _TARGET_FIELDS)


def text_value(body: Mapping[str, Any], name: str) -> str | None:
    """An optional string field; MOXy cannot bind anything else (bare 400)."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise EmptyError(400)
    return value


def required_name(body: Mapping[str, Any], prefix: str) -> str:
    """The entity name: required, at most 255 characters."""
    name = text_value(body, "name")
    if not name:
        raise illegal_null_argument(f"{prefix}.name")
    if len(name) > _MAX_NAME:
        raise illegal_argument(f"{prefix}.name", name)
    return name


def id_value(body: Mapping[str, Any], name: str) -> int | None:
    """An optional compact id field."""
    value = body.get(name)
    if value is None:
        return None
    decoded = decode_id(value) if isinstance(value, str) else None
    if decoded is None:
        raise EmptyError(400)
    return decoded


def int_value(body: Mapping[str, Any], name: str) -> int | None:
    """An optional integer field (JSON numbers that are whole)."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EmptyError(400)
    if value != int(value):
        raise EmptyError(400)
    return int(value)


def optlock(body: Mapping[str, Any]) -> int:
    """The ``optlock`` sent; absent reads as Java's default, 0."""
    value = body.get("optlock", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise EmptyError(400)
    return value


def existing_job(db: sqlite3.Connection, scope_id: int, job_id: int) -> sqlite3.Row:
    """The job, or the server's 404."""
    job = find_job(db, scope_id, job_id)
    if job is None:
        raise entity_not_found("job", job_id)
    return job


def job_listing(
    call: Call,
    table: Table,
    type_name: str,
    to_json: Callable[[sqlite3.Row], dict[str, Any]],
    filters: Sequence[Filter],
    query: ListQuery,
    *,
    domain: str = "job",
) -> web.Response:
    """One page of a job table, after the permission check."""
    scope_id = call.scope_id()
    call.require(domain, "read", scope_id)
    scoped = [Filter("scope_id = ?", (scope_id,)), *filters]
    with call.context.store.transaction() as db:
        if "jobId" in call.request.match_info:
            existing_job(db, scope_id, call.path_id("jobId"))
        page = fetch_page(db, table, scoped, query)

    return json_response(list_result(type_name, [to_json(r) for r in page.rows], page))


def _job_filters(call: Call) -> list[Filter]:
    filters: list[Filter] = []
    name = call.query.get("name")
    if name:
        filters.append(Filter("name = ?", (name,)))
    match_term = call.query.get("matchTerm")
    if match_term:
        filters.append(starts_with(("name", "description"), match_term))
    return filters


async def list_jobs(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs."""
    query = list_query_from_params(call.query)
    return job_listing(call, JOBS, "jobListResult", job_json, _job_filters(call), query)


async def query_jobs(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/_query."""
    query = list_query_from_body(await call.json_body(allow_empty=True))
    return job_listing(call, JOBS, "jobListResult", job_json, [], query)


def counting(
    call: Call, table: Table, filters: Sequence[Filter], *, domain: str = "job"
) -> web.Response:
    """The count of a job table's rows in scope that match ``filters``."""
    scope_id = call.scope_id()
    call.require(domain, "read", scope_id)
    scoped = [Filter("scope_id = ?", (scope_id,)), *filters]
    with call.context.store.transaction() as db:
        if "jobId" in call.request.match_info:
            existing_job(db, scope_id, call.path_id("jobId"))
        count = count_rows(db, table, scoped)

    return json_response(count_result(count))


async def count_jobs(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/_count."""
    list_query_from_body(await call.json_body(allow_empty=True))
    return counting(call, JOBS, [])


def _name_taken(db: sqlite3.Connection, scope_id: int, name: str, job_id: int) -> bool:
    row = db.execute(
        "SELECT 1 FROM jobs WHERE scope_id = ? AND name = ? AND id != ?",
        (scope_id, name, job_id),
    ).fetchone()
    return row is not None


async def create_job(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs: 201 with the new job."""
    scope_id = call.scope_id()
    body = await call.json_body()
    name = required_name(body, "jobCreator")
    description = text_value(body, "description")
    call.require("job", "write", scope_id)
    with call.context.store.transaction() as db:
        if _name_taken(db, scope_id, name, 0):
            raise duplicate_name(name)
        job_id = new_id(db, "jobs")
        insert(
            db,
            "jobs",
            call.now_ms(),
            call.session.user_id,
            id=job_id,
            scope_id=scope_id,
            name=name,
            description=description,
        )
        job = existing_job(db, scope_id, job_id)

    return json_response(job_json(job), 201)


async def get_job(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs/{jobId}."""
    scope_id = call.scope_id()
    job_id = call.path_id("jobId")
    call.require("job", "read", scope_id)
    with call.context.store.transaction() as db:
        job = existing_job(db, scope_id, job_id)

    return json_response(job_json(job))


async def update_job(call: Call) -> web.StreamResponse:
    """PUT /{scopeId}/jobs/{jobId}: a full replace guarded by ``optlock``."""
    scope_id = call.scope_id()
    job_id = call.path_id("jobId")
    body = await call.json_body()
    name = required_name(body, "job")
    description = text_value(body, "description")
    call.require("job", "write", scope_id)
    with call.context.store.transaction() as db:
        current = existing_job(db, scope_id, job_id)
        if optlock(body) != current["optlock"]:
            raise optimistic_locking()
        if _name_taken(db, scope_id, name, job_id):
            raise duplicate_name(name)
        db.execute(
            "UPDATE jobs SET name = ?, description = ?, modified_on = ?,"
            " modified_by = ?, optlock = optlock + 1 WHERE id = ?",
            (name, description, call.now_ms(), call.session.user_id, job_id),
        )
        job = existing_job(db, scope_id, job_id)

    return json_response(job_json(job))


async def delete_job(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/jobs/{jobId}: refused while running unless ``forced``."""
    scope_id = call.scope_id()
    job_id = call.path_id("jobId")
    forced = bool_param(call.query, "forced")
    call.require("job", "delete", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
    engine = call.context.jobs
    if engine.is_running(job_id):
        if not forced:
            raise job_engine_error(
                "jobRunningExceptionInfo",
                "JOB_RUNNING",
                f"The Job {job_id} in scope {scope_id} is running and the operation"
                " cannot be performed.",
                scope_id,
                job_id,
            )
        engine.stop_job(job_id)
    with call.context.store.transaction() as db:
        triggers = [
            r["id"]
            for r in db.execute(
                "SELECT id FROM job_triggers WHERE job_id = ?", (job_id,)
            )
        ]
        for trigger_id in triggers:
            db.execute("DELETE FROM fired_triggers WHERE trigger_id = ?", (trigger_id,))
        for table in ("job_steps", "job_targets", "job_executions", "job_triggers"):
            db.execute(f"DELETE FROM {table} WHERE job_id = ?", (job_id,))
        db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    return web.Response(status=204)


# -- steps ---------------------------------------------------------------------


def _definition(definition_id: int | None, prefix: str) -> StepDefinition:
    if definition_id is None:
        raise illegal_null_argument(f"{prefix}.jobStepDefinitionId")
    definition = _DEFINITIONS.get(definition_id)
    if definition is None:
        raise entity_not_found("jobStepDefinition", definition_id)
    return definition


def _step_properties(
    body: Mapping[str, Any], definition: StepDefinition
) -> list[dict[str, Any]]:
    """The properties sent, typed from the definition; required ones must be set."""
    sent: object = body.get("stepProperties")
    if sent is None:
        sent = body.get("jobStepProperties") or []
    if not is_list(sent) or not all(isinstance(p, dict) for p in sent):
        raise EmptyError(400)
    declared = {prop["name"]: prop for prop in definition.properties}
    properties: list[dict[str, Any]] = []
    for prop in sent:
        name = text_value(prop, "name")
        if not name:
            raise illegal_null_argument("stepProperties[].name")
        property_type = text_value(prop, "propertyType")
        if property_type is None and name in declared:
            property_type = declared[name]["propertyType"]
        entry: dict[str, Any] = {"name": name}
        if property_type is not None:
            entry["propertyType"] = property_type
        value = text_value(prop, "propertyValue")
        if value is not None:
            entry["propertyValue"] = value
        properties.append(entry)
    given = {p["name"] for p in properties if p.get("propertyValue") is not None}
    for name, prop in declared.items():
        if prop.get("required") and name not in given:
            raise illegal_null_argument(f"stepProperties[].{name}")

    return properties


def _steps_filters(call: Call) -> list[Filter]:
    filters = [Filter("job_id = ?", (call.path_id("jobId"),))]
    name = call.query.get("name")
    if name:
        filters.append(Filter("name = ?", (name,)))
    return filters


async def list_steps(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs/{jobId}/steps."""
    query = list_query_from_params(call.query)
    return job_listing(
        call, STEPS, "jobStepListResult", step_json, _steps_filters(call), query
    )


async def query_steps(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/steps/_query."""
    query = list_query_from_body(await call.json_body(allow_empty=True))
    filters = [Filter("job_id = ?", (call.path_id("jobId"),))]
    return job_listing(call, STEPS, "jobStepListResult", step_json, filters, query)


async def count_steps(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/steps/_count."""
    list_query_from_body(await call.json_body(allow_empty=True))
    return counting(call, STEPS, [Filter("job_id = ?", (call.path_id("jobId"),))])


def _place_step(db: sqlite3.Connection, job_id: int, index: int | None) -> int:
    """The index a new step takes; later steps move up one to make room."""
    if index is None:
        row = db.execute(
            "SELECT MAX(step_index) FROM job_steps WHERE job_id = ?", (job_id,)
        ).fetchone()
        return 0 if row[0] is None else int(row[0]) + 1
    if index < 0:
        raise illegal_argument("jobStepCreator.stepIndex", str(index))
    db.execute(
        "UPDATE job_steps SET step_index = step_index + 1"
        " WHERE job_id = ? AND step_index >= ?",
        (job_id, index),
    )
    return index


async def create_step(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/steps: 201 with the new step."""
    scope_id = call.scope_id()
    job_id = call.path_id("jobId")
    body = await call.json_body()
    name = required_name(body, "jobStepCreator")
    definition = _definition(id_value(body, "jobStepDefinitionId"), "jobStepCreator")
    properties = _step_properties(body, definition)
    index = int_value(body, "stepIndex")
    call.require("job", "write", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
        taken = db.execute(
            "SELECT 1 FROM job_steps WHERE job_id = ? AND name = ?", (job_id, name)
        ).fetchone()
        if taken is not None:
            raise duplicate_name(name)
        step_id = new_id(db, "job_steps")
        insert(
            db,
            "job_steps",
            call.now_ms(),
            call.session.user_id,
            id=step_id,
            scope_id=scope_id,
            job_id=job_id,
            name=name,
            description=text_value(body, "description"),
            job_step_definition_id=definition.id,
            step_index=_place_step(db, job_id, index),
            step_properties=json.dumps(properties),
        )
        step = find_in_job(db, "job_steps", job_id, step_id)
    assert step is not None  # inserted just above.

    return json_response(step_json(step), 201)


def _existing(
    db: sqlite3.Connection, table: str, job_id: int, row_id: int, entity_type: str
) -> sqlite3.Row:
    row = find_in_job(db, table, job_id, row_id)
    if row is None:
        raise entity_not_found(entity_type, row_id)
    return row


async def get_step(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs/{jobId}/steps/{stepId}."""
    scope_id = call.scope_id()
    job_id, step_id = call.path_id("jobId"), call.path_id("stepId")
    call.require("job", "read", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
        step = _existing(db, "job_steps", job_id, step_id, "jobStep")

    return json_response(step_json(step))


async def update_step(call: Call) -> web.StreamResponse:
    """PUT /{scopeId}/jobs/{jobId}/steps/{stepId}: a full replace."""
    scope_id = call.scope_id()
    job_id, step_id = call.path_id("jobId"), call.path_id("stepId")
    body = await call.json_body()
    name = required_name(body, "jobStep")
    definition = _definition(id_value(body, "jobStepDefinitionId"), "jobStep")
    properties = _step_properties(body, definition)
    call.require("job", "write", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
        current = _existing(db, "job_steps", job_id, step_id, "jobStep")
        if optlock(body) != current["optlock"]:
            raise optimistic_locking()
        index = int_value(body, "stepIndex")
        db.execute(
            "UPDATE job_steps SET name = ?, description = ?, job_step_definition_id = ?,"
            " step_index = ?, step_properties = ?, modified_on = ?, modified_by = ?,"
            " optlock = optlock + 1 WHERE id = ?",
            (
                name,
                text_value(body, "description"),
                definition.id,
                current["step_index"] if index is None else index,
                json.dumps(properties),
                call.now_ms(),
                call.session.user_id,
                step_id,
            ),
        )
        step = _existing(db, "job_steps", job_id, step_id, "jobStep")

    return json_response(step_json(step))


async def delete_step(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/jobs/{jobId}/steps/{stepId}; later steps move down one."""
    scope_id = call.scope_id()
    job_id, step_id = call.path_id("jobId"), call.path_id("stepId")
    call.require("job", "delete", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
        step = _existing(db, "job_steps", job_id, step_id, "jobStep")
        db.execute("DELETE FROM job_steps WHERE id = ?", (step_id,))
        db.execute(
            "UPDATE job_steps SET step_index = step_index - 1"
            " WHERE job_id = ? AND step_index > ?",
            (job_id, step["step_index"]),
        )

    return web.Response(status=204)


# -- targets -------------------------------------------------------------------


def _targets_filters(call: Call) -> list[Filter]:
    filters = [Filter("job_id = ?", (call.path_id("jobId"),))]
    status = call.query.get("status")
    if status:
        if status not in TARGET_STATUSES:
            raise illegal_argument("status", None)
        filters.append(Filter("status = ?", (status,)))
    return filters


async def list_targets(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs/{jobId}/targets, optionally by ``status``."""
    query = list_query_from_params(call.query)
    return job_listing(
        call, TARGETS, "jobTargetListResult", target_json, _targets_filters(call), query
    )


async def query_targets(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/targets/_query."""
    query = list_query_from_body(await call.json_body(allow_empty=True))
    filters = [Filter("job_id = ?", (call.path_id("jobId"),))]
    return job_listing(
        call, TARGETS, "jobTargetListResult", target_json, filters, query
    )


async def count_targets(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/targets/_count."""
    list_query_from_body(await call.json_body(allow_empty=True))
    return counting(call, TARGETS, [Filter("job_id = ?", (call.path_id("jobId"),))])


async def create_target(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/targets: 201, waiting at step 0."""
    scope_id = call.scope_id()
    job_id = call.path_id("jobId")
    body = await call.json_body()
    device_id = id_value(body, "jobTargetId")
    if device_id is None:
        raise illegal_null_argument("jobTargetCreator.jobTargetId")
    call.require("job", "write", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
        target_id = new_id(db, "job_targets")
        insert(
            db,
            "job_targets",
            call.now_ms(),
            call.session.user_id,
            id=target_id,
            scope_id=scope_id,
            job_id=job_id,
            job_target_id=device_id,
            status="PROCESS_AWAITING",
            step_index=0,
        )
        target = _existing(db, "job_targets", job_id, target_id, "jobTarget")

    return json_response(target_json(target), 201)


async def get_target(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs/{jobId}/targets/{targetId}."""
    scope_id = call.scope_id()
    job_id, target_id = call.path_id("jobId"), call.path_id("targetId")
    call.require("job", "read", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
        target = _existing(db, "job_targets", job_id, target_id, "jobTarget")

    return json_response(target_json(target))


async def delete_target(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/jobs/{jobId}/targets/{targetId}."""
    scope_id = call.scope_id()
    job_id, target_id = call.path_id("jobId"), call.path_id("targetId")
    call.require("job", "delete", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
        _existing(db, "job_targets", job_id, target_id, "jobTarget")
        db.execute("DELETE FROM job_targets WHERE id = ?", (target_id,))

    return web.Response(status=204)


ROUTES = (
    Route("GET", "/{scopeId}/jobs", list_jobs),
    Route("POST", "/{scopeId}/jobs", create_job),
    Route("POST", "/{scopeId}/jobs/_query", query_jobs),
    Route("POST", "/{scopeId}/jobs/_count", count_jobs),
    Route("GET", "/{scopeId}/jobs/{jobId}", get_job),
    Route("PUT", "/{scopeId}/jobs/{jobId}", update_job),
    Route("DELETE", "/{scopeId}/jobs/{jobId}", delete_job),
    Route("GET", "/{scopeId}/jobs/{jobId}/steps", list_steps),
    Route("POST", "/{scopeId}/jobs/{jobId}/steps", create_step),
    Route("POST", "/{scopeId}/jobs/{jobId}/steps/_query", query_steps),
    Route("POST", "/{scopeId}/jobs/{jobId}/steps/_count", count_steps),
    Route("GET", "/{scopeId}/jobs/{jobId}/steps/{stepId}", get_step),
    Route("PUT", "/{scopeId}/jobs/{jobId}/steps/{stepId}", update_step),
    Route("DELETE", "/{scopeId}/jobs/{jobId}/steps/{stepId}", delete_step),
    Route("GET", "/{scopeId}/jobs/{jobId}/targets", list_targets),
    Route("POST", "/{scopeId}/jobs/{jobId}/targets", create_target),
    Route("POST", "/{scopeId}/jobs/{jobId}/targets/_query", query_targets),
    Route("POST", "/{scopeId}/jobs/{jobId}/targets/_count", count_targets),
    Route("GET", "/{scopeId}/jobs/{jobId}/targets/{targetId}", get_target),
    Route("DELETE", "/{scopeId}/jobs/{jobId}/targets/{targetId}", delete_target),
)
