"""Job executions and the job engine (``/_start``, ``/_stop``, ``/_isRunning``...)."""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ec_async._guards import is_list
from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import EmptyError, entity_not_found, illegal_argument
from ec_async.emulator._job_engine import StartOptions
from ec_async.emulator._listing import (
    Filter,
    ListQuery,
    Table,
    fetch_page,
    list_query_from_body,
    list_query_from_params,
    list_result,
)
from ec_async.emulator._records.jobs import find_in_job
from ec_async.emulator._resources.jobs import (
    TARGETS,
    counting,
    existing_job,
    job_listing,
    target_json,
)
from ec_async.emulator._wire import (
    Field,
    Kind,
    compact,
    decode_id,
    json_response,
    updatable_entity,
)

__all__ = ["ROUTES"]

_FIELDS: tuple[Field, ...] = (
    ("startedOn", Kind.DATE),
    ("endedOn", Kind.DATE),
    ("log", Kind.TEXT),
    ("jobId", Kind.ID),
    ("targetIds", Kind.JSON),
)
EXECUTIONS = Table(
    name="job_executions",
    default_sort=("startedOn",),
    default_descending=True,
    sortable=frozenset(
        {"id", "createdOn", "modifiedOn", "optlock", "startedOn", "endedOn", "jobId"}
    ),
)


def execution_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a JobExecution."""
    return updatable_entity("jobExecution", row, _FIELDS)


def _date_param(call: Call, name: str) -> int | None:
    text = call.query.get(name)
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise illegal_argument("date", text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return round(moment.timestamp() * 1000)


def _job_filter(call: Call) -> Filter:
    return Filter("job_id = ?", (call.path_id("jobId"),))


async def list_executions(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs/{jobId}/executions, newest first by default."""
    filters = [_job_filter(call)]
    start, end = _date_param(call, "startDate"), _date_param(call, "endDate")
    if start is not None:
        filters.append(Filter("started_on >= ?", (start,)))
    if end is not None:
        filters.append(Filter("ended_on <= ?", (end,)))
    query = list_query_from_params(call.query)

    return job_listing(
        call, EXECUTIONS, "jobExecutionListResult", execution_json, filters, query
    )


async def query_executions(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/executions/_query."""
    query = list_query_from_body(await call.json_body(allow_empty=True))
    return job_listing(
        call,
        EXECUTIONS,
        "jobExecutionListResult",
        execution_json,
        [_job_filter(call)],
        query,
    )


async def count_executions(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/executions/_count."""
    list_query_from_body(await call.json_body(allow_empty=True))
    return counting(call, EXECUTIONS, [_job_filter(call)])


def _execution(call: Call, db: sqlite3.Connection) -> sqlite3.Row:
    scope_id = call.scope_id()
    job_id, execution_id = call.path_id("jobId"), call.path_id("executionId")
    existing_job(db, scope_id, job_id)
    row = find_in_job(db, "job_executions", job_id, execution_id)
    if row is None:
        raise entity_not_found("jobExecution", execution_id)
    return row


async def get_execution(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs/{jobId}/executions/{executionId}."""
    call.require("job", "read", call.scope_id())
    with call.context.store.transaction() as db:
        row = _execution(call, db)

    return json_response(execution_json(row))


def _paging(call: Call) -> ListQuery:
    """Only offset and limit: these listings take no sort or total count."""
    base = list_query_from_params(call.query)
    return ListQuery(offset=base.offset, limit=base.limit)


async def execution_targets(call: Call) -> web.StreamResponse:
    """GET .../executions/{executionId}/targets: the targets as they stand now."""
    scope_id = call.scope_id()
    call.require("job", "read", scope_id)
    query = _paging(call)
    with call.context.store.transaction() as db:
        execution = _execution(call, db)
        ids = [decode_id(text) for text in json.loads(execution["target_ids"])]
        marks = ", ".join("?" for _ in ids) or "NULL"
        filters = [
            Filter("scope_id = ?", (scope_id,)),
            Filter(f"id IN ({marks})", tuple(ids)),
        ]
        page = fetch_page(db, TARGETS, filters, query)
    items = [target_json(row) for row in page.rows]

    return json_response(list_result("jobTargetListResult", items, page))


async def target_executions(call: Call) -> web.StreamResponse:
    """GET .../targets/{targetId}/executions: the runs a target took part in."""
    scope_id = call.scope_id()
    job_id, target_id = call.path_id("jobId"), call.path_id("targetId")
    call.require("job", "read", scope_id)
    query = _paging(call)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
        if find_in_job(db, "job_targets", job_id, target_id) is None:
            raise entity_not_found("jobTarget", target_id)
        filters = [
            Filter("job_id = ?", (job_id,)),
            Filter(
                "EXISTS (SELECT 1 FROM json_each(target_ids) WHERE value = ?)",
                (compact(target_id),),
            ),
        ]
        page = fetch_page(db, EXECUTIONS, filters, query)
    items = [execution_json(row) for row in page.rows]

    return json_response(list_result("jobExecutionListResult", items, page))


def _start_options(body: Mapping[str, Any]) -> StartOptions:
    sublist: object = body.get("targetIdSublist") or []
    if not is_list(sublist):
        raise EmptyError(400)
    target_ids: list[int] = []
    for text in sublist:
        value = decode_id(text) if isinstance(text, str) else None
        if value is None:
            raise EmptyError(400)
        target_ids.append(value)
    reset = body.get("resetStepIndex", False)
    enqueue = body.get("enqueue", False)
    from_index = body.get("fromStepIndex", 0)
    if not isinstance(reset, bool) or not isinstance(enqueue, bool):
        raise EmptyError(400)
    if isinstance(from_index, bool) or not isinstance(from_index, int | None):
        raise EmptyError(400)
    if from_index is not None and from_index < 0:
        raise illegal_argument("jobStartOptions.fromStepIndex", str(from_index))

    return StartOptions(
        target_ids=tuple(target_ids),
        reset_step_index=reset,
        from_step_index=from_index or 0,
        enqueue=enqueue,
    )


async def start_job(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/_start: 204; the execution follows."""
    scope_id = call.scope_id()
    job_id = call.path_id("jobId")
    options = _start_options(await call.json_body(allow_empty=True))
    call.require("job", "execute", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
    call.context.jobs.start(scope_id, job_id, options, call.session.user_id)

    return web.Response(status=204)


async def stop_job(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/_stop: 202, running or not."""
    scope_id = call.scope_id()
    job_id = call.path_id("jobId")
    call.require("job", "execute", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
    call.context.jobs.stop_job(job_id)

    return web.Response(status=202)


async def is_running(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs/{jobId}/_isRunning."""
    scope_id = call.scope_id()
    job_id = call.path_id("jobId")
    call.require("job", "read", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
    running = call.context.jobs.is_running(job_id)

    return json_response(
        {"type": "isJobRunningResponse", "jobId": compact(job_id), "isRunning": running}
    )


async def are_running(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/_isRunning: an entry per id; unknown ones lack isRunning."""
    scope_id = call.scope_id()
    body = await call.json_body(allow_empty=True)
    texts: object = body.get("jobIds") or []
    if not is_list(texts) or not all(isinstance(t, str) for t in texts):
        raise EmptyError(400)
    call.require("job", "read", scope_id)
    entries: list[dict[str, Any]] = []
    with call.context.store.transaction() as db:
        for text in texts:
            job_id = decode_id(text)
            if job_id is None:
                raise EmptyError(400)
            entry: dict[str, Any] = {"type": "isJobRunningResponse", "jobId": text}
            if db.execute(
                "SELECT 1 FROM jobs WHERE id = ? AND scope_id = ?", (job_id, scope_id)
            ).fetchone():
                entry["isRunning"] = call.context.jobs.is_running(job_id)
            entries.append(entry)

    return json_response({"type": "isJobRunningMultipleResponse", "list": entries})


async def stop_execution(call: Call) -> web.StreamResponse:
    """POST .../executions/{executionId}/_stop: 202 (also when not running)."""
    call.require("job", "execute", call.scope_id())
    with call.context.store.transaction() as db:
        execution = _execution(call, db)
    call.context.jobs.stop_execution(execution["job_id"], execution["id"])

    return web.Response(status=202)


async def resume_execution(call: Call) -> web.StreamResponse:
    """POST .../executions/{executionId}/_resume: 204 for a stopped execution."""
    scope_id = call.scope_id()
    call.require("job", "execute", scope_id)
    with call.context.store.transaction() as db:
        execution = _execution(call, db)
    call.context.jobs.resume(
        scope_id, execution["job_id"], execution["id"], call.session.user_id
    )

    return web.Response(status=204)


_JOB = "/{scopeId}/jobs/{jobId}"
_EXECUTION = _JOB + "/executions/{executionId}"

ROUTES = (
    Route("POST", "/{scopeId}/jobs/_isRunning", are_running),
    Route("POST", _JOB + "/_start", start_job),
    Route("POST", _JOB + "/_stop", stop_job),
    Route("GET", _JOB + "/_isRunning", is_running),
    Route("GET", _JOB + "/executions", list_executions),
    Route("POST", _JOB + "/executions/_query", query_executions),
    Route("POST", _JOB + "/executions/_count", count_executions),
    Route("GET", _EXECUTION, get_execution),
    Route("GET", _EXECUTION + "/targets", execution_targets),
    Route("POST", _EXECUTION + "/_stop", stop_execution),
    Route("POST", _EXECUTION + "/_resume", resume_execution),
    Route("GET", _JOB + "/targets/{targetId}/executions", target_executions),
)
