"""Jobs: their steps, targets, triggers and executions, and the job engine.

Starting, stopping, resuming and restarting are actions, never sent twice by
the retry logic. ``Jobs.run`` starts a job and waits for the execution it
made; ``Jobs.follow`` yields each change of an execution until it ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any, TypeVar

from ._convert import format_datetime, request_body, structure
from ._errors import ConfigurationError, DecodeError
from ._guards import is_dict, is_list
from ._job_models import (
    ExecutionProgress,
    FiredTrigger,
    Job,
    JobCreator,
    JobExecution,
    JobStartOptions,
    JobStep,
    JobStepCreator,
    JobStepDefinition,
    JobTarget,
    JobTargetCreator,
    JobTrigger,
    JobTriggerCreator,
    TriggerDefinition,
)
from ._job_waits import Backoff, Deadline, poll_progress
from ._models import ListResult
from ._pipeline import Operation, query_params
from ._resources import (
    DEFAULT_PAGE_SIZE,
    Collection,
    ScopeBinding,
    check_id,
    operation,
    page_from,
    paging_params,
)

__all__ = [
    "FiredTriggers",
    "JobExecutions",
    "JobStepDefinitions",
    "JobSteps",
    "JobTargets",
    "JobTriggers",
    "Jobs",
    "TriggerDefinitions",
]

_JOBS = "/{scopeId}/jobs"
_JOB = _JOBS + "/{jobId}"
_STEPS = _JOB + "/steps"
_TARGETS = _JOB + "/targets"
_EXECUTIONS = _JOB + "/executions"
_EXECUTION = _EXECUTIONS + "/{executionId}"
_TRIGGERS = _JOB + "/triggers"
_FIRED = _TRIGGERS + "/{triggerId}/fired"
_STEP_DEFINITIONS = "/{scopeId}/jobStepDefinitions"
_TRIGGER_DEFINITIONS = "/{scopeId}/triggerDefinitions"

JOB_LIST = Operation("jobList", "GET", _JOBS, safe=True)
JOB_CREATE = Operation("jobCreate", "POST", _JOBS, safe=False)
JOB_GET = Operation("jobGet", "GET", _JOB, safe=True)
JOB_UPDATE = Operation("jobUpdate", "PUT", _JOB, safe=False)
JOB_DELETE = Operation("jobDelete", "DELETE", _JOB, safe=True)
JOB_COUNT = Operation("jobCount", "POST", _JOBS + "/_count", safe=True)
JOB_QUERY = Operation("jobQuery", "POST", _JOBS + "/_query", safe=True)

JOB_START = Operation("jobStart", "POST", _JOB + "/_start", safe=False)
JOB_STOP = Operation("jobStop", "POST", _JOB + "/_stop", safe=False)
JOBS_RUNNING = Operation("multipleJobIsRunning", "POST", _JOBS + "/_isRunning", True)
JOB_RUNNING = Operation("jobIsRunning", "GET", _JOB + "/_isRunning", safe=True)
EXECUTION_RESUME = Operation(
    "jobResumeExecution", "POST", _EXECUTION + "/_resume", safe=False
)
EXECUTION_STOP = Operation("jobStopExecution", "POST", _EXECUTION + "/_stop", False)

EXECUTION_LIST = Operation("jobExecutionList", "GET", _EXECUTIONS, safe=True)
EXECUTION_GET = Operation("jobExecutionGet", "GET", _EXECUTION, safe=True)
EXECUTION_TARGETS = Operation(
    "jobExecutionListTarget", "GET", _EXECUTION + "/targets", safe=True
)
EXECUTION_COUNT = Operation(
    "jobExecutionCount", "POST", _EXECUTIONS + "/_count", safe=True
)
EXECUTION_QUERY = Operation(
    "jobExecutionQuery", "POST", _EXECUTIONS + "/_query", safe=True
)

TARGET_LIST = Operation("jobTargetList", "GET", _TARGETS, safe=True)
TARGET_CREATE = Operation("jobTargetCreate", "POST", _TARGETS, safe=False)
TARGET_GET = Operation("jobTargetGet", "GET", _TARGETS + "/{targetId}", safe=True)
TARGET_DELETE = Operation(
    "jobTargetDelete", "DELETE", _TARGETS + "/{targetId}", safe=True
)
TARGET_EXECUTIONS = Operation(
    "jobTargetListExecution", "GET", _TARGETS + "/{targetId}/executions", safe=True
)
TARGET_COUNT = Operation("jobTargetCount", "POST", _TARGETS + "/_count", safe=True)
TARGET_QUERY = Operation("jobTargetQuery", "POST", _TARGETS + "/_query", safe=True)

STEP_LIST = Operation("jobStepList", "GET", _STEPS, safe=True)
STEP_CREATE = Operation("jobStepCreate", "POST", _STEPS, safe=False)
STEP_GET = Operation("jobStepGet", "GET", _STEPS + "/{stepId}", safe=True)
STEP_UPDATE = Operation("jobStepUpdate", "PUT", _STEPS + "/{stepId}", safe=False)
STEP_DELETE = Operation("jobStepDelete", "DELETE", _STEPS + "/{stepId}", safe=True)
STEP_COUNT = Operation("jobStepCount", "POST", _STEPS + "/_count", safe=True)
STEP_QUERY = Operation("jobStepQuery", "POST", _STEPS + "/_query", safe=True)

TRIGGER_LIST = Operation("jobTriggerList", "GET", _TRIGGERS, safe=True)
TRIGGER_CREATE = Operation("jobTriggerCreate", "POST", _TRIGGERS, safe=False)
TRIGGER_GET = Operation("jobTriggerGet", "GET", _TRIGGERS + "/{triggerId}", True)
TRIGGER_UPDATE = Operation(
    "jobTriggerUpdate", "PUT", _TRIGGERS + "/{triggerId}", safe=False
)
TRIGGER_DELETE = Operation(
    "jobTriggerDelete", "DELETE", _TRIGGERS + "/{triggerId}", safe=True
)
TRIGGER_COUNT = Operation("jobTriggerCount", "POST", _TRIGGERS + "/_count", True)
TRIGGER_QUERY = Operation("jobTriggerQuery", "POST", _TRIGGERS + "/_query", True)

FIRED_LIST = Operation("jobTriggerFiredList", "GET", _FIRED, safe=True)
FIRED_COUNT = Operation("jobTriggerFiredCount", "POST", _FIRED + "/_count", True)
FIRED_QUERY = Operation("jobTriggerFiredQuery", "POST", _FIRED + "/_query", True)

STEP_DEFINITION_LIST = Operation(
    "jobStepDefinitionList", "GET", _STEP_DEFINITIONS, safe=True
)
STEP_DEFINITION_GET = Operation(
    "jobStepDefinitionGet",
    "GET",
    _STEP_DEFINITIONS + "/{jobStepDefinitionId}",
    safe=True,
)
STEP_DEFINITION_QUERY = Operation(
    "jobStepDefinitionQuery", "POST", _STEP_DEFINITIONS + "/_query", safe=True
)
STEP_DEFINITION_COUNT = Operation(
    "jobStepDefinitionCount", "POST", _STEP_DEFINITIONS + "/_count", safe=True
)

TRIGGER_DEFINITION_LIST = Operation(
    "triggerDefinitionList", "GET", _TRIGGER_DEFINITIONS, safe=True
)
TRIGGER_DEFINITION_GET = Operation(
    "triggerDefinitionGet",
    "GET",
    _TRIGGER_DEFINITIONS + "/{triggerDefinitionId}",
    safe=True,
)
TRIGGER_DEFINITION_QUERY = Operation(
    "triggerDefinitionQuery", "POST", _TRIGGER_DEFINITIONS + "/_query", safe=True
)
TRIGGER_DEFINITION_COUNT = Operation(
    "triggerDefinitionCount", "POST", _TRIGGER_DEFINITIONS + "/_count", safe=True
)

ModelT = TypeVar("ModelT")

# How many recent executions `run` looks through for the one its start made.
_RECENT = 20


def _page(
    offset: int,
    limit: int,
    sort_by: str | None = None,
    sort_dir: str | None = None,
    ask_total_count: bool = False,
) -> list[tuple[str, str]]:
    return paging_params(
        offset=offset,
        limit=limit,
        sort_by=sort_by,
        sort_dir=sort_dir,
        ask_total_count=ask_total_count,
    )


class _Nested(Collection[ModelT]):
    """A collection below one job: every path carries its ``jobId``."""

    def __init__(self, binding: ScopeBinding, job_id: str) -> None:
        super().__init__(binding, {"jobId": job_id})

    @property
    def job_id(self) -> str:
        """The job this collection belongs to."""
        return self._parent_ids["jobId"]


class JobSteps(_Nested[JobStep]):
    """The steps of one job, run in ``step_index`` order."""

    _model = JobStep

    @operation(STEP_LIST)
    async def list(
        self,
        *,
        name: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[JobStep]:
        """One page of the job's steps (by name unless ``sort_by`` says otherwise)."""
        paging = _page(offset, limit, sort_by, sort_dir, ask_total_count)

        return await self._fetch_page(STEP_LIST, [*query_params(name=name), *paging])

    @operation(STEP_LIST)
    def iter(
        self, *, name: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[JobStep]:
        """Every step once, page by page."""
        return self._iterate(STEP_LIST, query_params(name=name), page_size=page_size)

    @operation(STEP_GET)
    async def get(self, step_id: str) -> JobStep:
        """One step by id."""
        return await self._fetch_one(STEP_GET, {"stepId": step_id})

    @operation(STEP_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[JobStep]:
        """Steps by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            STEP_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(STEP_COUNT)
    async def count(self) -> int:
        """How many steps the job has."""
        return await self._count(STEP_COUNT)

    @operation(STEP_CREATE)
    async def create(self, creator: JobStepCreator) -> JobStep:
        """Add a step; never retried."""
        return await self._create(STEP_CREATE, creator)

    @operation(STEP_UPDATE)
    async def update(self, step: JobStep) -> JobStep:
        """Replace a step whole; its ``optlock`` must match the server's."""
        return await self._update(STEP_UPDATE, {"stepId": self._checked(step).id}, step)

    @operation(STEP_DELETE)
    async def delete(self, step_id: str) -> None:
        """Remove a step."""
        await self._delete(STEP_DELETE, {"stepId": step_id})


class JobTargets(_Nested[JobTarget]):
    """The targets (devices) of one job, with their progress."""

    _model = JobTarget

    @operation(TARGET_LIST)
    async def list(
        self,
        *,
        status: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[JobTarget]:
        """One page of targets, optionally only those in ``status``."""
        paging = _page(offset, limit, sort_by, sort_dir, ask_total_count)

        return await self._fetch_page(
            TARGET_LIST, [*query_params(status=status), *paging]
        )

    @operation(TARGET_LIST)
    def iter(
        self, *, status: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[JobTarget]:
        """Every target once, page by page."""
        return self._iterate(
            TARGET_LIST, query_params(status=status), page_size=page_size
        )

    @operation(TARGET_GET)
    async def get(self, target_id: str) -> JobTarget:
        """One target by id."""
        return await self._fetch_one(TARGET_GET, {"targetId": target_id})

    @operation(TARGET_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[JobTarget]:
        """Targets by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            TARGET_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(TARGET_COUNT)
    async def count(self) -> int:
        """How many targets the job has."""
        return await self._count(TARGET_COUNT)

    @operation(TARGET_CREATE)
    async def create(self, creator: JobTargetCreator) -> JobTarget:
        """Add a device as a target; never retried."""
        body = {"jobId": self.job_id, **request_body(creator)}
        document = await self._send(TARGET_CREATE, body=body)

        return structure(document, JobTarget)

    @operation(TARGET_CREATE)
    async def add_devices(self, device_ids: Sequence[str]) -> Sequence[JobTarget]:
        """Add each device as a target, one request each, in order."""
        return [
            await self.create(JobTargetCreator(job_target_id=device_id))
            for device_id in device_ids
        ]

    @operation(TARGET_DELETE)
    async def delete(self, target_id: str) -> None:
        """Remove a target."""
        await self._delete(TARGET_DELETE, {"targetId": target_id})

    @operation(TARGET_EXECUTIONS)
    async def executions(
        self, target_id: str, *, offset: int = 0, limit: int = 50
    ) -> ListResult[JobExecution]:
        """One page of the executions the target took part in."""
        document = await self._send(
            TARGET_EXECUTIONS,
            path_params={"targetId": check_id("targetId", target_id)},
            query=query_params(offset=offset, limit=limit),
        )

        return page_from(document, JobExecution)


class JobExecutions(_Nested[JobExecution]):
    """The executions (runs) of one job, newest first by default."""

    _model = JobExecution

    @operation(EXECUTION_LIST)
    async def list(
        self,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[JobExecution]:
        """One page of executions started at or after ``start``, ended by ``end``."""
        filters = query_params(
            startDate=None if start is None else format_datetime(start),
            endDate=None if end is None else format_datetime(end),
        )
        paging = _page(offset, limit, sort_by, sort_dir, ask_total_count)

        return await self._fetch_page(EXECUTION_LIST, [*filters, *paging])

    @operation(EXECUTION_LIST)
    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[JobExecution]:
        """Every execution once, page by page."""
        return self._iterate(EXECUTION_LIST, (), page_size=page_size)

    @operation(EXECUTION_GET)
    async def get(self, execution_id: str) -> JobExecution:
        """One execution by id."""
        return await self._fetch_one(EXECUTION_GET, {"executionId": execution_id})

    @operation(EXECUTION_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[JobExecution]:
        """Executions by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            EXECUTION_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(EXECUTION_COUNT)
    async def count(self) -> int:
        """How many executions the job has had."""
        return await self._count(EXECUTION_COUNT)

    @operation(EXECUTION_TARGETS)
    async def targets(
        self, execution_id: str, *, offset: int = 0, limit: int = 50
    ) -> ListResult[JobTarget]:
        """One page of the targets the execution runs on, as they stand now."""
        document = await self._send(
            EXECUTION_TARGETS,
            path_params={"executionId": check_id("executionId", execution_id)},
            query=query_params(offset=offset, limit=limit),
        )

        return page_from(document, JobTarget)

    @operation(EXECUTION_TARGETS)
    async def all_targets(
        self, execution_id: str, *, page_size: int = 500
    ) -> Sequence[JobTarget]:
        """Every target of the execution, read page by page."""
        found: dict[str, JobTarget] = {}
        offset = 0
        while True:
            page = await self.targets(execution_id, offset=offset, limit=page_size)
            for target in page.items:
                found.setdefault(target.id, target)
            if len(page.items) < page_size:
                return list(found.values())
            offset += len(page.items)

    @operation(EXECUTION_STOP)
    async def stop(self, execution_id: str) -> None:
        """Ask the engine to stop one execution; never retried."""
        await self._send(
            EXECUTION_STOP,
            path_params={"executionId": check_id("executionId", execution_id)},
        )

    @operation(EXECUTION_RESUME)
    async def resume(self, execution_id: str) -> None:
        """Resume a stopped execution; never retried."""
        await self._send(
            EXECUTION_RESUME,
            path_params={"executionId": check_id("executionId", execution_id)},
        )

    async def _progress(self, execution_id: str) -> ExecutionProgress:
        execution = await self.get(execution_id)
        targets = await self.all_targets(execution_id)

        return ExecutionProgress(execution=execution, targets=targets)

    async def _latest(self) -> JobExecution | None:
        page = await self.list(limit=1, sort_by="startedOn", sort_dir="DESCENDING")
        return page.items[0] if page.items else None


class JobTriggers(_Nested[JobTrigger]):
    """The triggers (schedules) that start one job."""

    _model = JobTrigger

    @operation(TRIGGER_LIST)
    async def list(
        self,
        *,
        name: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[JobTrigger]:
        """One page of the job's triggers."""
        paging = _page(offset, limit, sort_by, sort_dir, ask_total_count)

        return await self._fetch_page(TRIGGER_LIST, [*query_params(name=name), *paging])

    @operation(TRIGGER_LIST)
    def iter(
        self, *, name: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[JobTrigger]:
        """Every trigger once, page by page."""
        return self._iterate(TRIGGER_LIST, query_params(name=name), page_size=page_size)

    @operation(TRIGGER_GET)
    async def get(self, trigger_id: str) -> JobTrigger:
        """One trigger by id."""
        return await self._fetch_one(TRIGGER_GET, {"triggerId": trigger_id})

    @operation(TRIGGER_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[JobTrigger]:
        """Triggers by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            TRIGGER_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(TRIGGER_COUNT)
    async def count(self) -> int:
        """How many triggers the job has."""
        return await self._count(TRIGGER_COUNT)

    @operation(TRIGGER_CREATE)
    async def create(self, creator: JobTriggerCreator) -> JobTrigger:
        """Add a trigger; never retried."""
        return await self._create(TRIGGER_CREATE, creator)

    @operation(TRIGGER_UPDATE)
    async def update(self, trigger: JobTrigger) -> JobTrigger:
        """Replace a trigger whole; its ``optlock`` must match the server's."""
        return await self._update(
            TRIGGER_UPDATE, {"triggerId": self._checked(trigger).id}, trigger
        )

    @operation(TRIGGER_DELETE)
    async def delete(self, trigger_id: str) -> None:
        """Remove a trigger; it fires no more."""
        await self._delete(TRIGGER_DELETE, {"triggerId": trigger_id})

    def fired(self, trigger_id: str) -> FiredTriggers:
        """The firings of one trigger."""
        return FiredTriggers(self._binding, self.job_id, trigger_id)


class FiredTriggers(Collection[FiredTrigger]):
    """The times one trigger fired, and whether each start worked."""

    _model = FiredTrigger

    def __init__(self, binding: ScopeBinding, job_id: str, trigger_id: str) -> None:
        super().__init__(binding, {"jobId": job_id, "triggerId": trigger_id})

    @operation(FIRED_LIST)
    async def list(
        self, *, status: str | None = None, offset: int = 0, limit: int = 50
    ) -> ListResult[FiredTrigger]:
        """One page of firings, optionally only ``FIRED`` or ``FAILED`` ones."""
        query = [*query_params(status=status), *_page(offset, limit)]

        return await self._fetch_page(FIRED_LIST, query)

    @operation(FIRED_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[FiredTrigger]:
        """Firings by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            FIRED_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(FIRED_COUNT)
    async def count(self) -> int:
        """How many times the trigger fired."""
        return await self._count(FIRED_COUNT)


class JobStepDefinitions(Collection[JobStepDefinition]):
    """The kinds of steps the server can run."""

    _model = JobStepDefinition

    @operation(STEP_DEFINITION_LIST)
    async def list(
        self,
        *,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
    ) -> ListResult[JobStepDefinition]:
        """One page of step definitions, by name."""
        return await self._fetch_page(
            STEP_DEFINITION_LIST, _page(offset, limit, sort_by, sort_dir)
        )

    @operation(STEP_DEFINITION_GET)
    async def get(self, step_definition_id: str) -> JobStepDefinition:
        """One step definition by id."""
        return await self._fetch_one(
            STEP_DEFINITION_GET, {"jobStepDefinitionId": step_definition_id}
        )

    @operation(STEP_DEFINITION_LIST)
    async def find(self, name: str) -> JobStepDefinition:
        """The step definition called ``name``, e.g. ``"Command Execution"``."""
        page = await self.list(limit=1000)
        for definition in page.items:
            if definition.name == name:
                return definition
        names = sorted(definition.name for definition in page.items)
        msg = f"no step definition named {name!r}; the server has {names}"
        raise ConfigurationError(msg)

    @operation(STEP_DEFINITION_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[JobStepDefinition]:
        """Step definitions by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            STEP_DEFINITION_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(STEP_DEFINITION_COUNT)
    async def count(self) -> int:
        """How many step definitions the server has."""
        return await self._count(STEP_DEFINITION_COUNT)


class TriggerDefinitions(Collection[TriggerDefinition]):
    """The kinds of triggers the server offers (cron, interval, device connect)."""

    _model = TriggerDefinition

    @operation(TRIGGER_DEFINITION_LIST)
    async def list(
        self,
        *,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
    ) -> ListResult[TriggerDefinition]:
        """One page of trigger definitions, by name."""
        return await self._fetch_page(
            TRIGGER_DEFINITION_LIST, _page(offset, limit, sort_by, sort_dir)
        )

    @operation(TRIGGER_DEFINITION_GET)
    async def get(self, trigger_definition_id: str) -> TriggerDefinition:
        """One trigger definition by id."""
        return await self._fetch_one(
            TRIGGER_DEFINITION_GET, {"triggerDefinitionId": trigger_definition_id}
        )

    @operation(TRIGGER_DEFINITION_LIST)
    async def find(self, name: str) -> TriggerDefinition:
        """The trigger definition called ``name``, e.g. ``"Interval Job"``."""
        page = await self.list(limit=1000)
        for definition in page.items:
            if definition.name == name:
                return definition
        names = sorted(definition.name for definition in page.items)
        msg = f"no trigger definition named {name!r}; the server has {names}"
        raise ConfigurationError(msg)

    @operation(TRIGGER_DEFINITION_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[TriggerDefinition]:
        """Trigger definitions by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            TRIGGER_DEFINITION_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(TRIGGER_DEFINITION_COUNT)
    async def count(self) -> int:
        """How many trigger definitions the server has."""
        return await self._count(TRIGGER_DEFINITION_COUNT)


def _start_body(options: JobStartOptions | None) -> dict[str, Any]:
    return request_body(options if options is not None else JobStartOptions())


class Jobs(Collection[Job]):
    """The jobs of one scope, the job engine that runs them, and their parts.

    ``steps(job_id)``, ``targets(job_id)``, ``executions(job_id)`` and
    ``triggers(job_id)`` are the collections below one job.
    """

    _model = Job

    @operation(JOB_LIST)
    async def list(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[Job]:
        """One page of jobs, by name unless ``sort_by`` says otherwise."""
        filters = query_params(name=name, matchTerm=match_term)
        paging = _page(offset, limit, sort_by, sort_dir, ask_total_count)

        return await self._fetch_page(JOB_LIST, [*filters, *paging])

    @operation(JOB_LIST)
    def iter(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[Job]:
        """Every matching job once, page by page."""
        filters = query_params(name=name, matchTerm=match_term)

        return self._iterate(JOB_LIST, filters, page_size=page_size)

    @operation(JOB_GET)
    async def get(self, job_id: str) -> Job:
        """One job by id."""
        return await self._fetch_one(JOB_GET, {"jobId": job_id})

    @operation(JOB_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[Job]:
        """Jobs by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            JOB_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(JOB_COUNT)
    async def count(self) -> int:
        """How many jobs the scope has."""
        return await self._count(JOB_COUNT)

    @operation(JOB_CREATE)
    async def create(self, creator: JobCreator) -> Job:
        """Create a job (add steps and targets next); never retried."""
        return await self._create(JOB_CREATE, creator)

    @operation(JOB_UPDATE)
    async def update(self, job: Job) -> Job:
        """Replace a job whole; its ``optlock`` must match the server's."""
        return await self._update(JOB_UPDATE, {"jobId": self._checked(job).id}, job)

    @operation(JOB_DELETE)
    async def delete(self, job_id: str, *, forced: bool = False) -> None:
        """Delete a job; ``forced`` also stops it if it is running."""
        query = query_params(forced=True) if forced else []
        await self._delete(JOB_DELETE, {"jobId": job_id}, query)

    def steps(self, job_id: str) -> JobSteps:
        """The steps of one job."""
        return JobSteps(self._binding, job_id)

    def targets(self, job_id: str) -> JobTargets:
        """The targets of one job."""
        return JobTargets(self._binding, job_id)

    def executions(self, job_id: str) -> JobExecutions:
        """The executions of one job."""
        return JobExecutions(self._binding, job_id)

    def triggers(self, job_id: str) -> JobTriggers:
        """The triggers of one job."""
        return JobTriggers(self._binding, job_id)

    @operation(JOB_START)
    async def start(self, job_id: str, options: JobStartOptions | None = None) -> None:
        """Ask the engine to start the job; never retried, as a start is an action.

        The engine answers before the execution exists; ``run`` waits for it.
        """
        await self._send(
            JOB_START,
            path_params={"jobId": check_id("jobId", job_id)},
            body=_start_body(options),
        )

    @operation(JOB_START)
    async def restart(
        self,
        job_id: str,
        *,
        from_step_index: int = 0,
        target_ids: Sequence[str] = (),
    ) -> None:
        """Start the job again from ``from_step_index`` for all (or some) targets."""
        options = JobStartOptions(
            target_ids=list(target_ids),
            reset_step_index=True,
            from_step_index=from_step_index,
        )
        await self.start(job_id, options)

    @operation(JOB_STOP)
    async def stop(self, job_id: str) -> None:
        """Ask the engine to stop the job's running execution; never retried."""
        await self._send(JOB_STOP, path_params={"jobId": check_id("jobId", job_id)})

    @operation(JOB_RUNNING)
    async def is_running(self, job_id: str) -> bool:
        """Whether the job has an execution running now."""
        document = await self._send(
            JOB_RUNNING, path_params={"jobId": check_id("jobId", job_id)}
        )
        running = document.get("isRunning") if is_dict(document) else None
        if not isinstance(running, bool):
            msg = f"{JOB_RUNNING.path}: expected an isRunning boolean"
            raise DecodeError(msg)
        return running

    @operation(JOBS_RUNNING)
    async def running(self, job_ids: Sequence[str]) -> dict[str, bool | None]:
        """Whether each job is running; ``None`` where the server could not tell."""
        ids = [check_id("jobId", job_id) for job_id in job_ids]
        document = await self._send(JOBS_RUNNING, body={"jobIds": ids})
        entries = document.get("list") if is_dict(document) else None
        if not is_list(entries):
            msg = f"{JOBS_RUNNING.path}: expected a list of running states"
            raise DecodeError(msg)
        found: dict[str, bool | None] = dict.fromkeys(ids)
        for entry in entries:
            if is_dict(entry) and isinstance(entry.get("jobId"), str):
                running = entry.get("isRunning")
                found[entry["jobId"]] = running if isinstance(running, bool) else None
        return found

    @operation(EXECUTION_GET)
    def follow(
        self,
        job_id: str,
        execution_id: str,
        *,
        timeout: float | None = None,
        poll_interval: float = 0.25,
        max_poll_interval: float = 5.0,
    ) -> AsyncIterator[ExecutionProgress]:
        """Each new state of an execution and its targets, until it ends.

        Polls, more slowly while nothing changes; ``WaitTimeout`` after
        ``timeout`` seconds (the execution goes on).
        """
        executions = self.executions(job_id)
        check_id("executionId", execution_id)
        backoff = Backoff(poll_interval, max_poll_interval)

        async def states() -> AsyncIterator[ExecutionProgress]:
            deadline = Deadline(timeout, f"execution {execution_id} of job {job_id}")
            async for progress in poll_progress(
                lambda: executions._progress(execution_id),
                backoff=backoff,
                deadline=deadline,
            ):
                yield progress

        return states()

    @operation(EXECUTION_GET)
    async def wait_for_execution(
        self,
        job_id: str,
        execution_id: str | None = None,
        *,
        timeout: float | None = 300.0,  # noqa: ASYNC109 - a wait helper's deadline.
        poll_interval: float = 0.25,
        max_poll_interval: float = 5.0,
    ) -> JobExecution:
        """Wait for an execution (by default the latest) to end; return it.

        Raises ``WaitTimeout`` after ``timeout`` seconds; the job goes on.
        """
        executions = self.executions(job_id)
        backoff = Backoff(poll_interval, max_poll_interval)
        deadline = Deadline(timeout, f"job {job_id}")
        while execution_id is None:
            latest = await executions._latest()
            if latest is not None:
                execution_id = latest.id
            else:
                await deadline.sleep(backoff.next_delay())

        return await _until_ended(executions, execution_id, backoff, deadline)

    @operation(JOB_START)
    async def run(
        self,
        job_id: str,
        options: JobStartOptions | None = None,
        *,
        timeout: float | None = 300.0,  # noqa: ASYNC109 - a wait helper's deadline.
        poll_interval: float = 0.25,
        max_poll_interval: float = 5.0,
    ) -> JobExecution:
        """Start the job, wait for the execution that start made, and return it.

        The start is sent once; the wait polls. ``WaitTimeout`` after
        ``timeout`` seconds leaves the job running.
        """
        executions = self.executions(job_id)
        backoff = Backoff(poll_interval, max_poll_interval)
        deadline = Deadline(timeout, f"job {job_id}")
        known = {execution.id async for execution in executions.iter()}
        await self.start(job_id, options)

        while True:
            page = await executions.list(
                limit=_RECENT, sort_by="startedOn", sort_dir="DESCENDING"
            )
            new = [execution for execution in page.items if execution.id not in known]
            if new:
                break
            await deadline.sleep(backoff.next_delay())

        # Newest first: the oldest new execution is the one this start made.
        return await _until_ended(executions, new[-1].id, backoff, deadline)


async def _until_ended(
    executions: JobExecutions, execution_id: str, backoff: Backoff, deadline: Deadline
) -> JobExecution:
    final: JobExecution | None = None
    async for progress in poll_progress(
        lambda: executions._progress(execution_id),
        backoff=backoff,
        deadline=deadline,
    ):
        final = progress.execution
    assert final is not None  # poll_progress yields at least once.

    return final
