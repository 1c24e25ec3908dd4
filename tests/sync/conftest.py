"""Fixtures for the sync facade's tests; ``facade`` comes from the root conftest."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ec_async.emulator import Emulator

__all__ = ["emulator"]

# scripts/ is not a package, so the generator is imported by its file name.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))


@pytest.fixture
def emulator(served: Emulator) -> Emulator:
    """A fresh "minimal" emulator on its own thread, every exchange spec-checked."""
    return served
