"""Refreshing the access token: ahead of expiry, in one flight, on the server's clock."""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time

import pytest

import ec_async
import ec_sync
from ec_async import TokenState
from ec_async.emulator import Emulator
from tests.conformance import SpecObserver

from ._support import ADMIN, PASSWORD, Gate, Served, lifetime_of, serve

pytestmark = pytest.mark.anyio

# Kapua's default margin: the smaller of five minutes and a fifth of the lifetime.
FIFTH = 0.2


class TestSingleFlight:
    """However many calls need a new token at once, one renewal goes on the wire."""

    async def test_a_storm_across_a_server_side_expiry(
        self, spec_observer: SpecObserver
    ) -> None:
        """1,000 calls spanning the token's expiry cause one refresh and all succeed."""
        async with serve(spec_observer) as served, served.client() as ec:
            storm = asyncio.gather(*(ec.accounts.current() for _ in range(1000)))
            await served.wait_for(lambda: served.sent("GET", "/account") >= 300)
            served.emulator.admin.advance_clock(31 * 60)
            accounts = await storm

        counters = served.emulator.counters
        assert ["acme"] * 1000 == [account.name for account in accounts]
        assert (1, 1, 0) == (
            counters.logins,
            counters.refreshes,
            counters.failed_refreshes,
        )
        # Every refusal was the expiry, and each refused call was replayed once.
        assert {"expired"} == set(counters.rejected)
        assert counters.rejected["expired"] > 0
        assert 1000 + counters.rejected["expired"] == served.sent("GET", "/account")

    async def test_a_storm_across_the_refresh_ahead(
        self, spec_observer: SpecObserver
    ) -> None:
        """1,000 calls spread over the moment of refresh see one refresh, no 401."""
        async with (
            serve(spec_observer, access_token_ttl=4) as served,
            served.client() as ec,
        ):
            logged_in, token = served.issued()[0]
            due = logged_in + lifetime_of(token) * (1 - FIFTH)

            async def call_near_due() -> ec_async.Account:
                await asyncio.sleep(due - time.monotonic() + random.uniform(-0.3, 0.3))
                return await ec.accounts.current()

            accounts = await asyncio.gather(*(call_near_due() for _ in range(1000)))

        counters = served.emulator.counters
        assert ["acme"] * 1000 == [account.name for account in accounts]
        assert (1, 1) == (counters.logins, counters.refreshes)
        assert {} == dict(counters.rejected)

    def test_threads_sharing_a_sync_client(self, served: Emulator) -> None:
        """Threads of one sync client crossing an expiry share one refresh."""
        barrier = threading.Barrier(17)
        failures: list[BaseException] = []

        with ec_sync.Client(served.base_url, username=ADMIN, password=PASSWORD) as ec:

            def work() -> None:
                try:
                    ec.accounts.current()
                    barrier.wait()
                    barrier.wait()
                    for _ in range(5):
                        ec.accounts.current()
                except BaseException as exc:  # noqa: BLE001 - reported below.
                    failures.append(exc)

            threads = [threading.Thread(target=work) for _ in range(16)]
            for thread in threads:
                thread.start()
            barrier.wait()
            served.admin.advance_clock(31 * 60)
            barrier.wait()
            for thread in threads:
                thread.join()

        assert [] == failures
        assert (1, 1) == (served.counters.logins, served.counters.refreshes)


class TestReplay:
    """A 401 is answered by one replay, and by a refresh only for the current token."""

    async def test_an_old_token_refused_after_a_refresh_is_replayed(
        self, spec_observer: SpecObserver
    ) -> None:
        """A call sent before a refresh is replayed with the new token, no refresh."""
        async with (
            serve(spec_observer) as served,
            Gate(served.base_url) as gate,
            served.client(gate.base_url) as ec,
        ):
            held = gate.hold("limit=7")
            early = asyncio.ensure_future(ec.devices.list(limit=7))
            await held.arrived.wait()
            first = ec.access_token

            served.emulator.admin.advance_clock(31 * 60)
            await ec.accounts.current()
            second = ec.access_token
            held.release()
            devices = await early

        assert first is not None
        assert second is not None
        assert 7 == len(devices.items)
        assert (1, 1) == (
            served.emulator.counters.logins,
            served.emulator.counters.refreshes,
        )
        sent = [
            (exchange.status, exchange.request_headers["Authorization"])
            for exchange in served.exchanges
            if "limit=7" in str(exchange.query) or ("limit", "7") in exchange.query
        ]
        assert [
            (401, f"Bearer {first.token_id}"),
            (200, f"Bearer {second.token_id}"),
        ] == sent

    async def test_a_second_401_is_raised(self, spec_observer: SpecObserver) -> None:
        """A call refused again after the renewal raises, after one refresh only."""
        async with (
            serve(spec_observer) as served,
            Gate(served.base_url) as gate,
            served.client(gate.base_url) as ec,
        ):
            refused = gate.answer("GET /v1/account ", 401)
            with pytest.raises(ec_async.AuthenticationError):
                await ec.accounts.current()

        assert 2 == refused.arrivals
        assert (1, 1) == (
            served.emulator.counters.logins,
            served.emulator.counters.refreshes,
        )


class TestRefreshAhead:
    """The token is refreshed before it expires, counted on the monotonic clock."""

    async def test_a_steady_stream_sees_one_refresh_per_lifetime_and_no_401(
        self, spec_observer: SpecObserver, wall_clock_reads: list[str]
    ) -> None:
        """Across several lifetimes: no 401, one refresh per lifetime, whatever the clock.

        Three streams run at once against three servers: one whose clock agrees
        with ours, one an hour behind (our clock is an hour fast) and one an
        hour ahead (ours is an hour slow). The token code reads no wall clock.
        """
        streams = await asyncio.gather(
            *(
                _stream(spec_observer, server_offset=offset, seconds=3.5)
                for offset in (0.0, -3600.0, 3600.0)
            )
        )

        for served in streams:
            _assert_one_refresh_per_lifetime(served, at_least=2)
        assert [] == wall_clock_reads

    async def test_a_refresh_waits_for_calls_sent_with_the_old_token(
        self, spec_observer: SpecObserver
    ) -> None:
        """A call on the wire when the refresh is due is answered before the refresh."""
        async with (
            serve(spec_observer, access_token_ttl=3) as served,
            Gate(served.base_url) as gate,
            served.client(gate.base_url) as ec,
        ):
            logged_in, token = served.issued()[0]
            due = logged_in + lifetime_of(token) * (1 - FIFTH)
            held = gate.hold("limit=7")
            await asyncio.sleep(due - 0.2 - time.monotonic())
            call = asyncio.ensure_future(ec.devices.list(limit=7))
            await held.arrived.wait()
            for _ in range(100):
                if ec.token_state is TokenState.REFRESHING:
                    break
                await asyncio.sleep(0.01)
            refreshing = ec.token_state
            # Long enough for a refresh sent at once to be answered first.
            await asyncio.sleep(0.05)
            held.release()
            devices = await call
            await served.wait_for(lambda: served.emulator.counters.refreshes == 1)

        answered = [
            exchange.path.rsplit("/", 1)[-1]
            for exchange in served.exchanges
            if exchange.path.endswith(("/devices", "/authentication/refresh"))
        ]
        assert TokenState.REFRESHING is refreshing
        assert 7 == len(devices.items)
        assert ["devices", "refresh"] == answered
        assert {} == dict(served.emulator.counters.rejected)

    @pytest.mark.parametrize(
        ("refresh_margin", "share"),
        [(1.0, None), (3600.0, 0.5)],
        ids=["one second", "capped at half the lifetime"],
    )
    async def test_the_margin_is_configurable(
        self, spec_observer: SpecObserver, refresh_margin: float, share: float | None
    ) -> None:
        """A given margin moves the refresh; one longer than half the lifetime is capped."""
        async with (
            serve(spec_observer, access_token_ttl=3) as served,
            served.client(refresh_margin=refresh_margin) as ec,
        ):
            await served.wait_for(lambda: served.emulator.counters.refreshes > 0)
            await ec.accounts.current()

        (answered, token), (renewed, _) = served.issued()[:2]
        lifetime = lifetime_of(token)
        margin = refresh_margin if share is None else lifetime * share
        # The default margin, a fifth of 2 to 3 s, would refresh 0.4 s later.
        due = lifetime - margin
        assert due - 0.2 <= renewed - answered <= due + 0.35
        assert {} == dict(served.emulator.counters.rejected)


async def _stream(
    spec_observer: SpecObserver, *, server_offset: float, seconds: float
) -> Served:
    """One call every 10 ms for ``seconds``, with 2-second tokens."""
    async with (
        serve(spec_observer, access_token_ttl=2, clock_offset=server_offset) as served,
        served.client() as ec,
    ):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert "acme" == (await ec.accounts.current()).name
            await asyncio.sleep(0.01)

    return served


def _assert_one_refresh_per_lifetime(served: Served, *, at_least: int) -> None:
    """No 401, one login, and each refresh when a fifth of its token's life was left."""
    counters = served.emulator.counters
    issued = served.issued()
    assert {} == dict(counters.rejected)
    assert (1, 0) == (counters.logins, counters.failed_refreshes)
    assert len(issued) - 1 == counters.refreshes >= at_least
    # Answer times, not send times: each side is off by one round trip.
    for (answered, token), (renewed, _) in itertools.pairwise(issued):
        due = lifetime_of(token) * (1 - FIFTH)
        assert due - 0.2 <= renewed - answered <= due + 0.5
