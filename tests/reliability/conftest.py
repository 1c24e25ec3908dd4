"""Fixtures for reliability tests: an emulator that records what it received."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator, Exchange
from tests.conftest import FAST

from ._certificates import Pki, make_pki

__all__ = ["ADMIN", "NO_WAIT", "Recorded", "client_of"]

ADMIN = "acme-admin"

# Retries without pauses, so that tests of retries run in milliseconds.
NO_WAIT = ec_async.RetryPolicy(attempts=3, initial_delay=0.0, max_delay=0.0)


@attrs.frozen
class Recorded:
    """An emulator (not spec-checked: injected faults break the spec on purpose)
    and every exchange it served."""

    emulator: Emulator
    exchanges: list[Exchange]

    def received(self, method: str, path: str) -> int:
        """How many requests to ``method path`` (below ``/v1``) arrived."""
        return sum(
            1
            for exchange in self.exchanges
            if exchange.method == method and exchange.path == "/v1" + path
        )


def client_of(emulator: Emulator, **options: object) -> ec_async.Client:
    """A client of the tenant admin, retrying without pauses unless told."""
    options.setdefault("retry", NO_WAIT)
    return ec_async.Client(
        emulator.base_url,
        username=ADMIN,
        password=DEMO_PASSWORD,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
async def recorded() -> AsyncIterator[Recorded]:
    """A "minimal" emulator on the test's loop, recording every exchange."""
    exchanges: list[Exchange] = []
    async with Emulator(
        seed="minimal", config=FAST, observers=[exchanges.append]
    ) as emulator:
        yield Recorded(emulator, exchanges)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A private CA with server and client certificates, made for this run."""
    directory: Path = tmp_path_factory.mktemp("pki")
    return make_pki(directory)
