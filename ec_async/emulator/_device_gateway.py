"""Carrying management requests to simulated devices, as Kapua's broker path does.

A request is checked (permission, device, connection), counted, handed to
the device, and answered after the device's delay; a device that does not
answer within the request's ``timeout`` gets Kapua's timeout error. Each
answer is recorded as a device event, as Kapua does.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from ec_async.emulator._call import Call
from ec_async.emulator._context import EmulatorContext
from ec_async.emulator._errors import (
    device_not_connected,
    device_refused,
    device_timeout,
    entity_not_found,
    illegal_argument,
)
from ec_async.emulator._records.device_management import (
    add_event,
    event_row,
    find_operation,
    insert_notification,
    insert_operation,
    load_contents,
    save_contents,
    update_operation,
)
from ec_async.emulator._records.devices import find_device
from ec_async.emulator._simulated_device import DeviceRefusal, SimulatedDevice
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import compact

__all__ = [
    "Answer",
    "DeviceRequest",
    "OperationStep",
    "exchange",
    "start_operation",
    "timeout_param",
]

DEFAULT_TIMEOUT_MS = 30_000


@attrs.frozen
class DeviceRequest:
    """What a request asks of a device, as Kapua records it and checks it.

    ``application`` and ``action`` become the device event's ``resource`` and
    ``action``; ``permission`` is the ``device_management`` action required.
    """

    application: str
    action: str
    permission: str


@attrs.frozen
class Answer:
    """What the device sends back: a document, its display form, its busy time."""

    document: Any = None
    summary: str | None = None
    busy_seconds: float = 0.0


def timeout_param(call: Call) -> int:
    """Read the ``timeout`` query parameter (milliseconds, default 30000)."""
    text = call.query.get("timeout")
    if text is None or text == "":
        return DEFAULT_TIMEOUT_MS
    try:
        value = int(text)
    except ValueError:
        raise illegal_argument("timeout", None) from None
    if value < 1:
        raise illegal_argument("timeout", text)

    return value


def _connection_status(db: sqlite3.Connection, device: sqlite3.Row) -> str | None:
    if device["connection_id"] is None:
        return None
    row = db.execute(
        "SELECT status FROM device_connections WHERE id = ?", (device["connection_id"],)
    ).fetchone()

    return None if row is None else str(row["status"])


def _reach(call: Call, request: DeviceRequest) -> sqlite3.Row:
    """Return the device the call names, once it may be managed now."""
    scope_id = call.scope_id()
    device_id = call.path_id("deviceId")
    call.require("device_management", request.permission, scope_id)
    with call.context.store.transaction() as db:
        device = find_device(db, scope_id, device_id)
        if device is None:
            raise entity_not_found("device", device_id)
        status = _connection_status(db, device)
    if status != "CONNECTED":
        raise device_not_connected(device_id, status)

    return device


def load_device(
    db: sqlite3.Connection, device: sqlite3.Row, now: int
) -> SimulatedDevice:
    """Return the simulated device behind a registry row, fresh on first use."""
    contents = load_contents(db, device["id"])
    if contents is None:
        return SimulatedDevice.fresh(dict(device), now)

    return SimulatedDevice(contents, dict(device))


def _delay(context: EmulatorContext, device_id: int) -> float:
    delay = context.fleet.behaviour(device_id).delay

    return context.config.device_response_delay if delay is None else delay


def _record_event(
    call: Call,
    device: sqlite3.Row,
    request: DeviceRequest,
    response_code: str,
    message: str | None,
) -> None:
    with call.context.store.transaction() as db:
        row = event_row(
            event_id=new_id(db, "device_events"),
            scope_id=device["scope_id"],
            device_id=device["id"],
            received_on=call.now_ms(),
            resource=request.application,
            action=request.action,
            response_code=response_code,
            event_message=message,
            created_by=call.session.user_id,
        )
        add_event(db, row)


async def exchange(
    call: Call,
    request: DeviceRequest,
    act: Callable[[SimulatedDevice, int], Answer],
    *,
    timeout_ms: int,
) -> Any:
    """Send a request to the device the call names and return its answer's document.

    The device acts as soon as it gets the request, so a change it makes stays
    made even when its answer comes too late or is lost on the way back.
    """
    device = _reach(call, request)
    context = call.context
    device_id = int(device["id"])
    context.counters.device_request(str(compact(device_id)))
    limit = timeout_ms / 1000
    if context.fleet.behaviour(device_id).unresponsive:
        await asyncio.sleep(limit)
        raise device_timeout(timeout_ms)

    now = call.now_ms()
    refusal: DeviceRefusal | None = None
    answer = Answer()
    with context.store.transaction() as db:
        simulated = load_device(db, device, now)
        try:
            answer = act(simulated, now)
        except DeviceRefusal as refused:
            refusal = refused
        save_contents(db, device_id, simulated.contents)

    delay = _delay(context, device_id) + answer.busy_seconds
    if delay > limit:
        await asyncio.sleep(limit)
        raise device_timeout(timeout_ms)
    await asyncio.sleep(delay)

    if refusal is not None:
        _record_event(call, device, request, refusal.response_code, refusal.message)
        raise device_refused(refusal.response_code, refusal.message)
    _record_event(call, device, request, "ACCEPTED", answer.summary)
    if context.fleet.take_dropped_answer(device_id) and call.request.transport:
        # The device acted; the caller's connection breaks before the answer.
        call.request.transport.abort()

    return answer.document


@attrs.frozen
class OperationStep:
    """One progress notification a device sends while an operation runs."""

    resource: str
    status: str
    progress: int


async def _run_operation(
    context: EmulatorContext,
    operation: sqlite3.Row,
    steps: Sequence[OperationStep],
    finish: Callable[[SimulatedDevice, int], str],
) -> None:
    """Send the steps' notifications one delay apart, then finish the operation."""
    device_id = int(operation["device_id"])
    for step in steps:
        await asyncio.sleep(_delay(context, device_id))
        with context.store.transaction() as db:
            insert_notification(
                db,
                notification_id=new_id(db, "device_notifications"),
                operation=operation,
                resource=step.resource,
                status=step.status,
                progress=step.progress,
                now=context.clock.now_ms(),
            )

    failed = steps[-1].status == "FAILED"
    now = context.clock.now_ms()
    with context.store.transaction() as db:
        device = find_device(db, operation["scope_id"], device_id)
        if device is None:
            return
        simulated = load_device(db, device, now)
        log = f"{steps[-1].resource} failed" if failed else finish(simulated, now)
        save_contents(db, device_id, simulated.contents)
        update_operation(
            db, operation["id"], "FAILED" if failed else "COMPLETED", now, log
        )


def start_operation(
    call: Call,
    *,
    resource: str,
    properties: Sequence[tuple[str, str, str]],
    steps: Sequence[OperationStep],
    finish: Callable[[SimulatedDevice, int], str],
) -> sqlite3.Row:
    """Record a running DEPLOY operation and let the device work on it in the background.

    ``finish`` applies the outcome to the device and returns the log line.
    """
    scope_id = call.scope_id()
    device_id = call.path_id("deviceId")
    now = call.now_ms()
    with call.context.store.transaction() as db:
        operation_row_id = new_id(db, "device_operations")
        insert_operation(
            db,
            operation_row_id=operation_row_id,
            operation_id=new_id(db, "device_operations"),
            scope_id=scope_id,
            device_id=device_id,
            resource=resource,
            properties=[
                {"name": name, "propertyType": kind, "propertyValue": value}
                for name, kind, value in properties
            ],
            now=now,
            created_by=call.session.user_id,
        )
        operation = find_operation(db, scope_id, device_id, operation_row_id)
    assert operation is not None  # inserted just above, in this transaction.
    call.context.fleet.spawn(_run_operation(call.context, operation, steps, finish))

    return operation
