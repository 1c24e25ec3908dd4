"""pytest fixtures for testing code that uses ec-client, against the embedded emulator.

Enable them in a ``conftest.py``::

    pytest_plugins = ["ec_async.testing"]

Each test gets a fresh emulator holding the seed that the ``ec_emulator_seed``
fixture names ("minimal" unless overridden), logged-in clients for it, and
the admin credentials of the seed's first tenant. The emulator serves from a
thread of its own, so sync code under test can block while it answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

from ec_async._client import Client
from ec_async._credentials import UsernamePassword
from ec_async.emulator import (
    NAMED_SEEDS,
    SYSTEM_PASSWORD,
    SYSTEM_USERNAME,
    Emulator,
    EmulatorConfig,
    SeedSpec,
)

if TYPE_CHECKING:
    import ec_sync

__all__ = [
    "ec_async_client",
    "ec_client",
    "ec_credentials",
    "ec_emulator",
    "ec_emulator_seed",
]

# The real server's rules, minus its random pause after a failed login.
_TEST_CONFIG = EmulatorConfig(failed_login_delay=0.0)


@pytest.fixture
def ec_emulator_seed() -> str | SeedSpec:
    """The seed each test's emulator starts with; override to choose another."""
    return "minimal"


@pytest.fixture
def ec_emulator(ec_emulator_seed: str | SeedSpec) -> Iterator[Emulator]:
    """A fresh emulator for this test, serving from its own thread."""
    with Emulator.in_thread(seed=ec_emulator_seed, config=_TEST_CONFIG) as emulator:
        yield emulator


@pytest.fixture
def ec_credentials(ec_emulator_seed: str | SeedSpec) -> UsernamePassword:
    """The seed's first tenant administrator; kapua-sys when it has no tenant."""
    spec = (
        NAMED_SEEDS[ec_emulator_seed]
        if isinstance(ec_emulator_seed, str)
        else ec_emulator_seed
    )
    if not spec.tenants:
        return UsernamePassword(SYSTEM_USERNAME, SYSTEM_PASSWORD)
    return UsernamePassword(f"{spec.tenants[0]}-admin", spec.admin_password)


@pytest.fixture
def ec_client(
    ec_emulator: Emulator, ec_credentials: UsernamePassword
) -> Iterator[ec_sync.Client]:
    """An ``ec_sync.Client`` logged in as the tenant administrator."""
    import ec_sync  # Here, so only sync users pay for importing the facade.

    with ec_sync.Client(
        ec_emulator.base_url,
        username=ec_credentials.username,
        password=ec_credentials.password,
    ) as client:
        yield client


@pytest.fixture
async def ec_async_client(
    ec_emulator: Emulator, ec_credentials: UsernamePassword
) -> AsyncIterator[Client]:
    """An ``ec_async.Client`` logged in as the tenant administrator.

    Needs an async test runner: anyio's pytest plugin or pytest-asyncio.
    """
    async with Client(
        ec_emulator.base_url,
        username=ec_credentials.username,
        password=ec_credentials.password,
    ) as client:
        yield client
