"""Fixtures for emulator tests: an anyio backend and a running minimal emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ec_async.emulator import Emulator

from ._support import Api, running


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio, which aiohttp needs."""
    return "asyncio"


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    """Return a client of a fresh emulator holding the "minimal" seed."""
    async with running() as client:
        yield client


@pytest.fixture
def emulator(api: Api) -> Emulator:
    """Return the emulator behind the ``api`` fixture."""
    return api.emulator
