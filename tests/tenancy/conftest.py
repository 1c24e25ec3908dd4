"""Fixtures for the tenancy tests; ``facade`` and ``served`` come from the root."""

from __future__ import annotations

import pytest

from ec_async.emulator import Emulator


@pytest.fixture
def emulator(served: Emulator) -> Emulator:
    """A fresh "minimal" emulator on its own thread, every exchange spec-checked."""
    return served
