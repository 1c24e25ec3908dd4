"""The client-wide rate limit: slots handed out on a clock, honoured by every request."""

from __future__ import annotations

import time

import anyio
import pytest

import ec_async
from ec_async import RateLimit, bulk
from ec_async._ratelimit import RateLimiter
from ec_async.emulator import Emulator, Exchange

from ._support import client

Recorded = tuple[Emulator, list[Exchange]]


class FakeClock:
    """A clock that stands still; sleeping on it only notes when the sleeper would wake."""

    def __init__(self) -> None:
        self.now = 100.0
        self.wakeups: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.wakeups.append(self.now + seconds)


class TestRateLimiter:
    """Slot reservation on a fake clock: exact start times, no waiting."""

    def test_even_spacing_without_burst(self) -> None:
        """Four requests at once start 0, 0.1, 0.2 and 0.3 s later at 10 a second."""
        clock = FakeClock()
        limiter = RateLimiter(RateLimit(per_second=10), clock=clock)

        delays = [limiter.reserve() for _ in range(4)]

        assert [0.0, 0.1, 0.2, 0.3] == pytest.approx(delays)

    def test_a_burst_starts_together_then_spaces_out(self) -> None:
        """With a burst of 3, three start now and the rest follow at the rate."""
        clock = FakeClock()
        limiter = RateLimiter(RateLimit(per_second=4, burst=3), clock=clock)

        delays = [limiter.reserve() for _ in range(5)]

        assert [0.0, 0.0, 0.0, 0.25, 0.5] == pytest.approx(delays)

    def test_a_quiet_spell_refills_the_burst(self) -> None:
        """After a pause longer than the burst takes to earn, a burst is allowed again."""
        clock = FakeClock()
        limiter = RateLimiter(RateLimit(per_second=2, burst=2), clock=clock)
        for _ in range(4):
            limiter.reserve()

        clock.now += 60
        delays = [limiter.reserve() for _ in range(3)]

        assert [0.0, 0.0, 0.5] == pytest.approx(delays)

    @pytest.mark.anyio
    async def test_waiters_are_woken_on_their_slots(self) -> None:
        """Six concurrent waiters at 2 a second: one goes now, five wake 0.5 s apart."""
        clock = FakeClock()
        limiter = RateLimiter(RateLimit(per_second=2), clock=clock, sleep=clock.sleep)

        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(limiter.wait)

        assert [100.5, 101.0, 101.5, 102.0, 102.5] == pytest.approx(
            sorted(clock.wakeups)
        )

    @pytest.mark.parametrize(
        ("per_second", "burst"), [(0, 1), (-1, 1), (float("inf"), 1), (5, 0)]
    )
    def test_nonsense_limits_are_refused(self, per_second: float, burst: int) -> None:
        """A rate that is not positive and finite, or a burst below 1, is refused."""
        with pytest.raises(ec_async.ConfigurationError):
            RateLimit(per_second=per_second, burst=burst)


class TestClientRateLimit:
    """Client(rate_limit=...): one rate for everything the client sends."""

    @pytest.mark.anyio
    async def test_every_request_waits_its_turn(self, recorded: Recorded) -> None:
        """Bulk reads and a listing side by side take at least (n - 1) / rate seconds.

        Only a lower bound is asserted: a slow machine lengthens the run, it
        cannot shorten it, so the assertion cannot flake.
        """
        emulator, exchanges = recorded
        rate = 25.0
        started = time.monotonic()
        async with client(emulator.base_url, rate_limit=rate) as ec:
            ids = [device.id async for device in ec.devices.iter(page_size=4)]
            async with anyio.create_task_group() as group:
                group.start_soon(bulk.run, ec.devices.get, ids)
                group.start_soon(ec.accounts.list)
            elapsed = time.monotonic() - started
            sent = len(exchanges)

        # Login, 3 pages, 10 reads and one listing: at least 15 requests.
        assert sent >= 15
        assert elapsed >= (sent - 1) / rate - 0.01

    @pytest.mark.anyio
    async def test_a_plain_number_means_no_burst(self, recorded: Recorded) -> None:
        """rate_limit=2.0 is RateLimit(per_second=2.0): a second request waits ~0.5 s."""
        emulator, _ = recorded
        started = time.monotonic()
        async with client(emulator.base_url, rate_limit=2.0) as ec:
            await ec.devices.count()
            elapsed = time.monotonic() - started

        # The login took the first slot, so the count waited for the second.
        assert elapsed >= 0.5 - 0.01
