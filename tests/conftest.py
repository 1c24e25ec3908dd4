"""Fixtures shared by the whole suite: the anyio backend, spec-checked emulators."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from ec_async.emulator import Emulator, EmulatorConfig

from .conformance import SpecObserver

pytest_plugins = [
    "ec_async.testing",
    "tests.conformance.plugin",
    "tests.sync.facades",
]

# The real server's settings, minus the random pause after a failed login.
FAST = EmulatorConfig(failed_login_delay=0.0)


@pytest.fixture(autouse=True, scope="session")
def _no_profile_of_the_tester(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """No test reads the ``ec`` profiles of whoever runs the suite, or selects one.

    A test of profiles sets ``EC_CONFIG_FILE`` itself, with monkeypatch.
    """
    with pytest.MonkeyPatch.context() as patch:
        empty = tmp_path_factory.mktemp("no-profiles") / "config.toml"
        patch.setenv("EC_CONFIG_FILE", str(empty))
        patch.delenv("EC_PROFILE", raising=False)
        yield


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio, which aiohttp needs."""
    return "asyncio"


@pytest.fixture
def served(spec_observer: SpecObserver) -> Iterator[Emulator]:
    """A "minimal" emulator on its own thread, every exchange checked against the spec.

    On a thread, so that sync-facade calls from the test's thread can reach it.
    """
    with Emulator.in_thread(
        seed="minimal", config=FAST, observers=[spec_observer]
    ) as emulator:
        yield emulator


@pytest.fixture
async def local_emulator(spec_observer: SpecObserver) -> AsyncIterator[Emulator]:
    """A "minimal" emulator on the test's own loop, every exchange spec-checked."""
    async with Emulator(
        seed="minimal", config=FAST, observers=[spec_observer]
    ) as emulator:
        yield emulator
