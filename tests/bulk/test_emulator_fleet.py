"""The emulator at fleet scale: injected latency and the fleet seed."""

from __future__ import annotations

import time

import pytest

from ec_async.emulator import NAMED_SEEDS, Emulator, EmulatorConfig
from ec_async.emulator._seed import plan_accounts

from ._support import client

pytestmark = pytest.mark.anyio


class TestLatency:
    """EmulatorConfig.latency and latency_jitter."""

    async def test_every_request_is_held_at_least_the_latency(self) -> None:
        """Login and one call against 0.2 s of latency take at least 0.4 s."""
        config = EmulatorConfig(failed_login_delay=0, latency=0.2, latency_jitter=0.05)
        async with Emulator(seed="minimal", config=config) as emulator:
            started = time.monotonic()
            async with client(emulator.base_url) as ec:
                await ec.devices.count()
                elapsed = time.monotonic() - started

        assert elapsed >= 2 * 0.2 - 0.01

    @pytest.mark.parametrize("field", ["latency", "latency_jitter"])
    def test_negative_latency_is_refused(self, field: str) -> None:
        """A negative latency or jitter is a ValueError."""
        with pytest.raises(ValueError, match=field):
            EmulatorConfig(**{field: -0.1})  # type: ignore[arg-type]


class TestFleetSeed:
    """The "fleet" seed: 100 accounts of 1,000 devices."""

    def test_shape(self) -> None:
        """One tenant and 99 descendants on two levels, 1,000 devices each."""
        spec = NAMED_SEEDS["fleet"]
        planned = plan_accounts(spec.tenants[0], spec.child_accounts, spec.depth)

        assert ("fleet",) == spec.tenants
        assert 100 == 1 + len(planned)
        assert 1000 == spec.devices_per_account
        assert {"fleet"} < {parent for _, parent in planned}
        assert not spec.operators
