"""Jobs and what they are made of: steps, targets, executions and triggers.

A job runs its steps, in ``step_index`` order, against its targets (devices);
each start makes an execution. Step and trigger definitions are the catalogue
the server ships.
"""

from __future__ import annotations

import collections
import datetime as dt
import enum
from collections.abc import Sequence
from typing import Any

import attrs

from ._models import _extra, _read_only

__all__ = [
    "ExecutionProgress",
    "FiredTrigger",
    "Job",
    "JobCreator",
    "JobExecution",
    "JobStartOptions",
    "JobStep",
    "JobStepCreator",
    "JobStepDefinition",
    "JobTarget",
    "JobTargetCreator",
    "JobTargetStatus",
    "JobTrigger",
    "JobTriggerCreator",
    "StepDefinitionProperty",
    "StepProperty",
    "TriggerDefinition",
    "TriggerProperty",
]


class JobTargetStatus(enum.StrEnum):
    """Where a target stands in its job: waiting, done, failed."""

    PROCESS_AWAITING = "PROCESS_AWAITING"
    PROCESS_OK = "PROCESS_OK"
    PROCESS_FAILED = "PROCESS_FAILED"
    AWAITING_COMPLETION = "AWAITING_COMPLETION"
    NOTIFIED_COMPLETION = "NOTIFIED_COMPLETION"


@attrs.frozen(kw_only=True)
class Job:
    """A job: a named list of steps to run against a set of targets."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    name: str
    description: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class JobCreator:
    """What it takes to create a job; names are unique in a scope."""

    name: str
    description: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class StepProperty:
    """One property of a step, its value as text (XML for structured ones)."""

    name: str
    property_type: str | None = None
    property_value: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class JobStep:
    """One step of a job: a step definition applied with these properties."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    job_id: str | None = None
    name: str
    description: str | None = None
    job_step_definition_id: str | None = None
    step_index: int | None = None
    step_properties: list[StepProperty] = attrs.field(factory=list[StepProperty])
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()

    def property_value(self, name: str) -> str | None:
        """The value of the step property ``name``, if it has one."""
        for prop in self.step_properties:
            if prop.name == name:
                return prop.property_value
        return None


@attrs.frozen(kw_only=True)
class JobStepCreator:
    """A new step; ``step_index`` left out appends it after the others."""

    name: str
    job_step_definition_id: str
    description: str | None = None
    step_index: int | None = None
    step_properties: list[StepProperty] = attrs.field(factory=list[StepProperty])
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class StepDefinitionProperty:
    """A property a step definition takes: its type, default and rules."""

    name: str
    property_type: str | None = None
    property_value: str | None = None
    required: bool | None = None
    secret: bool | None = None
    example_value: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_value: str | None = None
    max_value: str | None = None
    validation_regex: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class JobStepDefinition:
    """A kind of step the server can run, such as ``Command Execution``."""

    id: str
    scope_id: str | None = None
    name: str
    description: str | None = None
    step_type: str | None = None
    processor_name: str | None = None
    reader_name: str | None = None
    writer_name: str | None = None
    step_properties: list[StepDefinitionProperty] = attrs.field(
        factory=list[StepDefinitionProperty]
    )
    created_on: dt.datetime | None = None
    created_by: str | None = None
    modified_on: dt.datetime | None = None
    modified_by: str | None = None
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class JobTarget:
    """A device a job runs on, with how far it got (``step_index``, ``status``)."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    job_id: str | None = None
    job_target_id: str | None = None
    status: str | None = None
    step_index: int | None = None
    status_message: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class JobTargetCreator:
    """A new target: ``job_target_id`` is the id of the device to run on."""

    job_target_id: str
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class JobExecution:
    """One run of a job; ``ended_on`` is set once it is over."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    job_id: str | None = None
    started_on: dt.datetime | None = None
    ended_on: dt.datetime | None = None
    log: str | None = None
    target_ids: list[str] = attrs.field(factory=list[str])
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()

    @property
    def finished(self) -> bool:
        """Whether the execution is over (stopped ones included)."""
        return self.ended_on is not None


@attrs.frozen(kw_only=True)
class JobStartOptions:
    """How to start a job: which targets, and from which step.

    ``target_ids`` (target ids, not device ids) limits the run to those
    targets; ``reset_step_index`` with ``from_step_index`` starts them again
    from that step; ``enqueue`` queues the start if the job is running.
    """

    target_ids: list[str] = attrs.field(
        factory=list[str], metadata={"wire": "targetIdSublist"}
    )
    reset_step_index: bool | None = None
    from_step_index: int | None = None
    enqueue: bool | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class TriggerProperty:
    """One property of a trigger, such as an ``interval`` in seconds."""

    name: str
    property_type: str | None = None
    property_value: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class JobTrigger:
    """A schedule that starts a job: a trigger definition with properties."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    name: str
    description: str | None = None
    starts_on: dt.datetime | None = None
    ends_on: dt.datetime | None = None
    trigger_definition_id: str | None = None
    trigger_properties: list[TriggerProperty] = attrs.field(
        factory=list[TriggerProperty]
    )
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class JobTriggerCreator:
    """A new trigger; the server adds the ``jobId`` and ``scopeId`` properties."""

    name: str
    trigger_definition_id: str
    starts_on: dt.datetime
    ends_on: dt.datetime | None = None
    description: str | None = None
    trigger_properties: list[TriggerProperty] = attrs.field(
        factory=list[TriggerProperty]
    )
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class TriggerDefinition:
    """A kind of trigger the server offers: a timer (cron, interval) or an event."""

    id: str
    scope_id: str | None = None
    name: str
    description: str | None = None
    trigger_type: str | None = None
    processor_name: str | None = None
    trigger_properties: list[TriggerProperty] = attrs.field(
        factory=list[TriggerProperty]
    )
    created_on: dt.datetime | None = None
    created_by: str | None = None
    modified_on: dt.datetime | None = None
    modified_by: str | None = None
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class FiredTrigger:
    """One firing of a trigger: when, and whether the job start succeeded."""

    id: str
    scope_id: str | None = None
    trigger_id: str | None = None
    fired_on: dt.datetime | None = None
    status: str | None = None
    message: str | None = None
    created_on: dt.datetime | None = None
    created_by: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ExecutionProgress:
    """A snapshot of a running (or finished) execution and its targets."""

    execution: JobExecution
    targets: Sequence[JobTarget]

    @property
    def finished(self) -> bool:
        """Whether the execution is over."""
        return self.execution.finished

    @property
    def counts(self) -> dict[str, int]:
        """How many targets are in each status, e.g. ``{"PROCESS_OK": 49}``."""
        return dict(collections.Counter(str(t.status) for t in self.targets))
