"""Cancelling calls anywhere (waiting for a connection, an answer, a retry or a
refresh) leaks no connection, task or lock."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

import ec_async
from ec_async import RetryPolicy, Timeouts, TokenState
from ec_async.emulator import Emulator, EmulatorConfig, Fault

from .conftest import client_of

pytestmark = pytest.mark.anyio

ROUNDS = 80
# Slow, failing answers and slow refreshes, so that a cancellation at a random
# moment lands in each of them: in a request, in a retry's pause, in a refresh.
FAULTS = (
    Fault(path="/authentication/refresh", slow=1.0, delay=0.03),
    Fault(path="/*/devices*", statuses={503: 0.3}, reset=0.1, slow=0.5, delay=0.02),
)


@pytest.fixture
def faulty() -> Iterator[Emulator]:
    """An emulator on its own thread, so the test's loop holds only client tasks."""
    config = EmulatorConfig(failed_login_delay=0.0, faults=FAULTS, fault_seed=5)
    with Emulator.in_thread(seed="minimal", config=config) as emulator:
        yield emulator


def _operations(
    ec: ec_async.Client,
) -> list[Callable[[], Coroutine[Any, Any, object]]]:
    async def iterate() -> object:
        return [device async for device in ec.devices.iter(page_size=3)]

    return [
        lambda: ec.devices.count(),
        lambda: ec.devices.list(limit=5),
        lambda: ec.devices.get("AQ"),
        iterate,
    ]


async def test_random_cancellations_leak_nothing(faulty: Emulator) -> None:
    """80 calls cancelled at random moments; then one connection still serves,
    the session renews, and closing leaves no task behind."""
    before = asyncio.all_tasks()
    draw = random.Random(8)
    policy = RetryPolicy(attempts=4, initial_delay=0.01, max_delay=0.02)
    # One connection: a slot leaked by a cancelled call would starve the rest.
    client = client_of(faulty, retry=policy, max_connections=1)
    async with client as ec:
        operations = _operations(ec)
        for round_number in range(ROUNDS):
            if round_number % 10 == 0:
                # A server that refuses the token makes the next call refresh.
                faulty.admin.advance_clock(3600)
            task = asyncio.create_task(draw.choice(operations)())
            await asyncio.sleep(draw.uniform(0.0, 0.06))
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ec_async.ECError):
                await task

        faulty.faults.clear()
        patient = ec.with_options(timeouts=Timeouts(total=5.0))
        counts = [await patient.devices.count() for _ in range(3)]
        state = ec.token_state
    await asyncio.sleep(0)

    assert [10, 10, 10] == counts
    assert TokenState.FRESH is state
    assert asyncio.all_tasks() <= before
    # The rounds did meet every hazard they were meant to be cancelled in.
    assert faulty.counters.refreshes >= 3
    assert {"503", "reset", "slow"} <= set(faulty.faults.injected)
