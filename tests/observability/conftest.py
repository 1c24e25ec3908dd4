"""Fixtures for observability tests: emulators to break, and clients of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator
from tests.conftest import FAST

__all__ = ["ADMIN", "NO_WAIT", "client_of"]

ADMIN = "acme-admin"

# Retries without pauses, so that tests of retries run in milliseconds.
NO_WAIT = ec_async.RetryPolicy(attempts=3, initial_delay=0.0, max_delay=0.0)


def client_of(emulator: Emulator, **options: Any) -> ec_async.Client:
    """acme's admin on ``emulator``, retrying without pauses unless told."""
    options.setdefault("retry", NO_WAIT)
    return ec_async.Client(
        emulator.base_url, username=ADMIN, password=DEMO_PASSWORD, **options
    )


@pytest.fixture
async def breakable() -> AsyncIterator[Emulator]:
    """A "minimal" emulator on the test's loop, not spec-checked: faults break it."""
    async with Emulator(seed="minimal", config=FAST) as emulator:
        yield emulator
