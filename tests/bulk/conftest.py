"""Fixtures of the bulk tests: a spec-checked emulator that records every exchange."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ec_async.emulator import Emulator, Exchange
from tests.conformance import SpecObserver

from ._support import FAST


@pytest.fixture
async def recorded(
    spec_observer: SpecObserver,
) -> AsyncIterator[tuple[Emulator, list[Exchange]]]:
    """A spec-checked "minimal" emulator on the test's loop, and its exchanges."""
    exchanges: list[Exchange] = []
    async with Emulator(
        seed="minimal", config=FAST, observers=[spec_observer, exchanges.append]
    ) as emulator:
        yield emulator, exchanges
