"""Fixtures for observability tests: emulators to break, and what records calls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import pytest

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator
from tests.conftest import FAST

__all__ = ["ADMIN", "NO_WAIT", "Recorder", "client_of", "new_gateway"]

ADMIN = "acme-admin"

# Retries without pauses, so that tests of retries run in milliseconds.
NO_WAIT = ec_async.RetryPolicy(attempts=3, initial_delay=0.0, max_delay=0.0)


@attrs.define
class Recorder:
    """A call observer that keeps every call it saw end, and what it was told."""

    started: list[str] = attrs.field(factory=list)
    ended: list[ec_async.ObservedCall] = attrs.field(factory=list)
    states: list[object] = attrs.field(factory=list)

    def call_started(self, call: ec_async.ObservedCall) -> object:
        """Note the operation, and hand back a state of this call's own."""
        self.started.append(call.operation_id)
        return ("state of", call.operation_id, len(self.started))

    def call_ended(self, call: ec_async.ObservedCall, state: object) -> None:
        """Keep the finished call and the state its start returned."""
        self.ended.append(call)
        self.states.append(state)

    def only(self, operation_id: str) -> ec_async.ObservedCall:
        """The one ended call of ``operation_id``."""
        calls = [call for call in self.ended if call.operation_id == operation_id]
        assert 1 == len(calls), [call.operation_id for call in self.ended]
        return calls[0]


def client_of(emulator: Emulator, **options: Any) -> ec_async.Client:
    """acme's admin on ``emulator``, retrying without pauses unless told."""
    options.setdefault("retry", NO_WAIT)
    return ec_async.Client(
        emulator.base_url, username=ADMIN, password=DEMO_PASSWORD, **options
    )


def new_gateway(emulator: Emulator, client_id: str) -> str:
    """A new gateway in acme that has connected and announced itself."""
    admin = emulator.admin
    device_id = admin.create_device(admin.account_id("acme"), client_id, connected=None)
    admin.connect_device(device_id)

    return device_id


@pytest.fixture
async def breakable() -> AsyncIterator[Emulator]:
    """A "minimal" emulator on the test's loop, not spec-checked: faults break it."""
    async with Emulator(seed="minimal", config=FAST) as emulator:
        yield emulator


@pytest.fixture
def breakable_in_thread() -> Iterator[Emulator]:
    """The same on a thread of its own, for tests run through both facades."""
    with Emulator.in_thread(seed="minimal", config=FAST) as emulator:
        yield emulator
