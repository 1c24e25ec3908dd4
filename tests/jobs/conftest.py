"""Fixtures for the job tests: an emulator whose jobs take visible time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ec_async.emulator import Emulator
from tests.conformance import SpecObserver

from ._support import SLOW


@pytest.fixture
def slow_served(spec_observer: SpecObserver) -> Iterator[Emulator]:
    """A spec-checked minimal emulator whose job steps take 50 ms per target."""
    with Emulator.in_thread(
        seed="minimal", config=SLOW, observers=[spec_observer]
    ) as emulator:
        yield emulator
