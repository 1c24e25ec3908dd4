"""Job triggers, their firings, and the step and trigger definition catalogues.

Interval triggers fire: the job engine starts the job every ``interval``
seconds from ``startsOn`` until ``endsOn`` and records each firing. Cron and
device-connect triggers are kept but never fire in the emulator.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from ec_async._guards import is_list
from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import (
    EmptyError,
    entity_not_found,
    illegal_argument,
    illegal_null_argument,
    internal_error,
    optimistic_locking,
)
from ec_async.emulator._job_catalogue import (
    STEP_DEFINITIONS,
    TRIGGER_DEFINITIONS,
    step_definition_json,
    trigger_definition_json,
)
from ec_async.emulator._job_engine import interval_seconds
from ec_async.emulator._listing import (
    Filter,
    ListQuery,
    Page,
    Table,
    count_result,
    list_query_from_body,
    list_query_from_params,
    list_result,
)
from ec_async.emulator._records.jobs import find_in_job, insert
from ec_async.emulator._resources.jobs import (
    counting,
    existing_job,
    id_value,
    job_listing,
    optlock,
    required_name,
    text_value,
)
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import (
    Field,
    Kind,
    compact,
    json_response,
    row_fields,
    updatable_entity,
)

__all__ = ["ROUTES"]

_INTERVAL_JOB = 2
_KAPUA_ID = "org.eclipse.kapua.model.id.KapuaId"

_FIELDS: tuple[Field, ...] = (
    ("name", Kind.TEXT),
    ("description", Kind.TEXT),
    ("startsOn", Kind.DATE),
    ("endsOn", Kind.DATE),
    ("triggerDefinitionId", Kind.ID),
    ("triggerProperties", Kind.JSON),
)
TRIGGERS = Table(
    name="job_triggers",
    default_sort=("name",),
    sortable=frozenset(
        {"id", "createdOn", "modifiedOn", "optlock", "name", "startsOn", "endsOn"}
    ),
)
FIRED = Table(
    name="fired_triggers",
    default_sort=("id",),
    sortable=frozenset({"id", "createdOn", "firedOn", "status"}),
)
_FIRED_FIELDS: tuple[Field, ...] = (
    ("id", Kind.ID),
    ("scopeId", Kind.ID),
    ("createdOn", Kind.DATE),
    ("createdBy", Kind.ID),
    ("triggerId", Kind.ID),
    ("firedOn", Kind.DATE),
    ("status", Kind.TEXT),
    ("message", Kind.TEXT),
)
_TRIGGER_DEFINITIONS = {definition.id: definition for definition in TRIGGER_DEFINITIONS}


def trigger_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a Trigger (the scheduler names its type ``trigger``)."""
    return updatable_entity("trigger", row, _FIELDS)


def fired_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a FiredTrigger."""
    return {"type": "firedTrigger", **row_fields(row, _FIRED_FIELDS)}


def _date_value(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise EmptyError(400)
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise EmptyError(400) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return round(moment.timestamp() * 1000)


def _trigger_properties(
    body: Mapping[str, Any], definition_id: int, scope_id: int, job_id: int, prefix: str
) -> list[dict[str, Any]]:
    """The properties sent, less jobId and scopeId, which the server sets itself."""
    sent: object = body.get("triggerProperties") or []
    if not is_list(sent) or not all(isinstance(p, dict) for p in sent):
        raise EmptyError(400)
    properties: list[dict[str, Any]] = []
    for prop in sent:
        name = text_value(prop, "name")
        if not name:
            raise illegal_null_argument(f"{prefix}.triggerProperties[].name")
        if name in {"jobId", "scopeId"}:
            continue
        properties.append(
            {
                "name": name,
                "propertyType": text_value(prop, "propertyType") or "java.lang.String",
                "propertyValue": text_value(prop, "propertyValue") or "",
            }
        )
    if definition_id == _INTERVAL_JOB:
        interval = interval_seconds(properties)
        if interval is None or interval < 1:
            raise illegal_argument(
                f"{prefix}.triggerProperties.interval", str(interval)
            )

    return [
        *properties,
        {"name": "jobId", "propertyType": _KAPUA_ID, "propertyValue": compact(job_id)},
        {
            "name": "scopeId",
            "propertyType": _KAPUA_ID,
            "propertyValue": compact(scope_id),
        },
    ]


def _first_fire(
    definition_id: int, starts_on: int, ends_on: int | None, now: int
) -> int | None:
    """When an interval trigger fires first; the others never fire here."""
    if definition_id != _INTERVAL_JOB:
        return None
    first = max(starts_on, now)
    if ends_on is not None and first > ends_on:
        return None
    return first


def _trigger_columns(
    call: Call, body: Mapping[str, Any], scope_id: int, job_id: int, prefix: str
) -> dict[str, Any]:
    name = required_name(body, prefix)
    definition_id = id_value(body, "triggerDefinitionId")
    if definition_id is None:
        raise illegal_null_argument(f"{prefix}.triggerDefinitionId")
    if definition_id not in _TRIGGER_DEFINITIONS:
        raise entity_not_found("triggerDefinition", definition_id)
    starts_on = _date_value(body, "startsOn")
    if starts_on is None:
        raise illegal_null_argument(f"{prefix}.startsOn")
    ends_on = _date_value(body, "endsOn")
    if ends_on is not None and ends_on < starts_on:
        raise illegal_argument(f"{prefix}.endsOn", body.get("endsOn"))
    properties = _trigger_properties(body, definition_id, scope_id, job_id, prefix)

    return {
        "name": name,
        "description": text_value(body, "description"),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "trigger_definition_id": definition_id,
        "trigger_properties": json.dumps(properties),
        "next_fire_on": _first_fire(definition_id, starts_on, ends_on, call.now_ms()),
    }


def _job_filter(call: Call) -> Filter:
    return Filter("job_id = ?", (call.path_id("jobId"),))


async def list_triggers(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs/{jobId}/triggers."""
    filters = [_job_filter(call)]
    name = call.query.get("name")
    if name:
        filters.append(Filter("name = ?", (name,)))
    query = list_query_from_params(call.query)

    return job_listing(
        call,
        TRIGGERS,
        "triggerListResult",
        trigger_json,
        filters,
        query,
        domain="scheduler",
    )


async def query_triggers(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/triggers/_query."""
    query = list_query_from_body(await call.json_body(allow_empty=True))
    return job_listing(
        call,
        TRIGGERS,
        "triggerListResult",
        trigger_json,
        [_job_filter(call)],
        query,
        domain="scheduler",
    )


async def count_triggers(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/triggers/_count."""
    list_query_from_body(await call.json_body(allow_empty=True))
    return counting(call, TRIGGERS, [_job_filter(call)], domain="scheduler")


def _existing_trigger(
    db: sqlite3.Connection, scope_id: int, job_id: int, trigger_id: int
) -> sqlite3.Row:
    existing_job(db, scope_id, job_id)
    row = find_in_job(db, "job_triggers", job_id, trigger_id)
    if row is None:
        raise entity_not_found("trigger", trigger_id)
    return row


async def create_trigger(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/jobs/{jobId}/triggers: 201 with the new trigger."""
    scope_id = call.scope_id()
    job_id = call.path_id("jobId")
    body = await call.json_body()
    columns = _trigger_columns(call, body, scope_id, job_id, "triggerCreator")
    call.require("scheduler", "write", scope_id)
    with call.context.store.transaction() as db:
        existing_job(db, scope_id, job_id)
        trigger_id = new_id(db, "job_triggers")
        insert(
            db,
            "job_triggers",
            call.now_ms(),
            call.session.user_id,
            id=trigger_id,
            scope_id=scope_id,
            job_id=job_id,
            **columns,
        )
        trigger = _existing_trigger(db, scope_id, job_id, trigger_id)
    call.context.jobs.wake_scheduler()

    return json_response(trigger_json(trigger), 201)


async def get_trigger(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/jobs/{jobId}/triggers/{triggerId}."""
    scope_id = call.scope_id()
    job_id, trigger_id = call.path_id("jobId"), call.path_id("triggerId")
    call.require("scheduler", "read", scope_id)
    with call.context.store.transaction() as db:
        trigger = _existing_trigger(db, scope_id, job_id, trigger_id)

    return json_response(trigger_json(trigger))


async def update_trigger(call: Call) -> web.StreamResponse:
    """PUT /{scopeId}/jobs/{jobId}/triggers/{triggerId}: a full replace."""
    scope_id = call.scope_id()
    job_id, trigger_id = call.path_id("jobId"), call.path_id("triggerId")
    body = await call.json_body()
    columns = _trigger_columns(call, body, scope_id, job_id, "trigger")
    call.require("scheduler", "write", scope_id)
    with call.context.store.transaction() as db:
        current = _existing_trigger(db, scope_id, job_id, trigger_id)
        if optlock(body) != current["optlock"]:
            raise optimistic_locking()
        assignments = ", ".join(f"{name} = :{name}" for name in columns)
        db.execute(
            f"UPDATE job_triggers SET {assignments}, modified_on = :now,"
            " modified_by = :by, optlock = optlock + 1 WHERE id = :id",
            {
                **columns,
                "now": call.now_ms(),
                "by": call.session.user_id,
                "id": trigger_id,
            },
        )
        trigger = _existing_trigger(db, scope_id, job_id, trigger_id)
    call.context.jobs.wake_scheduler()

    return json_response(trigger_json(trigger))


async def delete_trigger(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/jobs/{jobId}/triggers/{triggerId}: it fires no more."""
    scope_id = call.scope_id()
    job_id, trigger_id = call.path_id("jobId"), call.path_id("triggerId")
    call.require("scheduler", "delete", scope_id)
    with call.context.store.transaction() as db:
        _existing_trigger(db, scope_id, job_id, trigger_id)
        db.execute("DELETE FROM fired_triggers WHERE trigger_id = ?", (trigger_id,))
        db.execute("DELETE FROM job_triggers WHERE id = ?", (trigger_id,))

    return web.Response(status=204)


def _fired_filters(call: Call) -> list[Filter]:
    scope_id = call.scope_id()
    job_id, trigger_id = call.path_id("jobId"), call.path_id("triggerId")
    with call.context.store.transaction() as db:
        _existing_trigger(db, scope_id, job_id, trigger_id)
    filters = [Filter("trigger_id = ?", (trigger_id,))]
    status = call.query.get("status")
    if status:
        if status not in {"FIRED", "FAILED"}:
            raise illegal_argument("status", None)
        filters.append(Filter("status = ?", (status,)))
    return filters


async def list_fired(call: Call) -> web.StreamResponse:
    """GET .../triggers/{triggerId}/fired, optionally by ``status``."""
    base = list_query_from_params(call.query)
    query = ListQuery(offset=base.offset, limit=base.limit)
    return job_listing(
        call,
        FIRED,
        "firedTriggerListResult",
        fired_json,
        _fired_filters(call),
        query,
        domain="scheduler",
    )


async def query_fired(call: Call) -> web.StreamResponse:
    """POST .../triggers/{triggerId}/fired/_query."""
    query = list_query_from_body(await call.json_body(allow_empty=True))
    filters = _fired_filters(call)[:1]
    return job_listing(
        call,
        FIRED,
        "firedTriggerListResult",
        fired_json,
        filters,
        query,
        domain="scheduler",
    )


async def count_fired(call: Call) -> web.StreamResponse:
    """POST .../triggers/{triggerId}/fired/_count."""
    list_query_from_body(await call.json_body(allow_empty=True))
    return counting(call, FIRED, _fired_filters(call)[:1], domain="scheduler")


# -- definitions ---------------------------------------------------------------


def _catalogue_page(
    items: Sequence[Any],
    key: Callable[[Any], Any],
    query: ListQuery,
) -> tuple[list[Any], Page]:
    if query.sort_param not in {None, "id", "name"}:
        # JPA fails on an unknown attribute; Kapua answers with a 500.
        raise internal_error(f"Unknown sort attribute {query.sort_param}")
    ordered = sorted(
        items,
        key=(lambda item: item.id) if query.sort_param == "id" else key,
        reverse=query.descending and query.sort_param is not None,
    )
    end = None if query.limit is None else query.offset + query.limit
    chosen = ordered[query.offset : end]
    exceeded = end is not None and len(ordered) > end
    total = len(ordered) if query.ask_total_count else None

    return chosen, Page([], exceeded, total)


def _catalogue(
    domain: str,
    items: Sequence[Any],
    to_json: Callable[[Any], dict[str, Any]],
    type_name: str,
    id_name: str,
    entity_type: str,
) -> tuple[Callable[[Call], Any], ...]:
    async def list_items(call: Call) -> web.StreamResponse:
        call.require(domain, "read", call.scope_id())
        chosen, page = _catalogue_page(
            items, lambda item: item.name, list_query_from_params(call.query)
        )
        return json_response(list_result(type_name, [to_json(i) for i in chosen], page))

    async def query_items(call: Call) -> web.StreamResponse:
        query = list_query_from_body(await call.json_body(allow_empty=True))
        call.require(domain, "read", call.scope_id())
        chosen, page = _catalogue_page(items, lambda item: item.name, query)
        return json_response(list_result(type_name, [to_json(i) for i in chosen], page))

    async def count_items(call: Call) -> web.StreamResponse:
        list_query_from_body(await call.json_body(allow_empty=True))
        call.require(domain, "read", call.scope_id())
        return json_response(count_result(len(items)))

    async def get_item(call: Call) -> web.StreamResponse:
        wanted = call.path_id(id_name)
        call.require(domain, "read", call.scope_id())
        for item in items:
            if item.id == wanted:
                return json_response(to_json(item))
        raise entity_not_found(entity_type, wanted)

    return list_items, query_items, count_items, get_item


_STEP_LIST, _STEP_QUERY, _STEP_COUNT, _STEP_GET = _catalogue(
    "job",
    STEP_DEFINITIONS,
    step_definition_json,
    "jobStepDefinitionListResult",
    "jobStepDefinitionId",
    "jobStepDefinition",
)
_TRIGGER_LIST, _TRIGGER_QUERY, _TRIGGER_COUNT, _TRIGGER_GET = _catalogue(
    "scheduler",
    TRIGGER_DEFINITIONS,
    trigger_definition_json,
    "triggerDefinitionListResult",
    "triggerDefinitionId",
    "triggerDefinition",
)

_TRIGGERS = "/{scopeId}/jobs/{jobId}/triggers"
_FIRED = _TRIGGERS + "/{triggerId}/fired"

ROUTES = (
    Route("GET", _TRIGGERS, list_triggers),
    Route("POST", _TRIGGERS, create_trigger),
    Route("POST", _TRIGGERS + "/_query", query_triggers),
    Route("POST", _TRIGGERS + "/_count", count_triggers),
    Route("GET", _TRIGGERS + "/{triggerId}", get_trigger),
    Route("PUT", _TRIGGERS + "/{triggerId}", update_trigger),
    Route("DELETE", _TRIGGERS + "/{triggerId}", delete_trigger),
    Route("GET", _FIRED, list_fired),
    Route("POST", _FIRED + "/_query", query_fired),
    Route("POST", _FIRED + "/_count", count_fired),
    Route("GET", "/{scopeId}/jobStepDefinitions", _STEP_LIST),
    Route("POST", "/{scopeId}/jobStepDefinitions/_query", _STEP_QUERY),
    Route("POST", "/{scopeId}/jobStepDefinitions/_count", _STEP_COUNT),
    Route("GET", "/{scopeId}/jobStepDefinitions/{jobStepDefinitionId}", _STEP_GET),
    Route("GET", "/{scopeId}/triggerDefinitions", _TRIGGER_LIST),
    Route("POST", "/{scopeId}/triggerDefinitions/_query", _TRIGGER_QUERY),
    Route("POST", "/{scopeId}/triggerDefinitions/_count", _TRIGGER_COUNT),
    Route("GET", "/{scopeId}/triggerDefinitions/{triggerDefinitionId}", _TRIGGER_GET),
)
