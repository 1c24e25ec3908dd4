"""Fixtures for the user and credential tests; ``facade`` comes from the root conftest."""

from __future__ import annotations

import pytest

from ec_async.emulator import Emulator

__all__ = ["emulator"]


@pytest.fixture
def emulator(served: Emulator) -> Emulator:
    """A fresh "minimal" emulator on its own thread, every exchange spec-checked."""
    return served
