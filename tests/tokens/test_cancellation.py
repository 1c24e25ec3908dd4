"""Cancelled and failed renewals: the others carry on, and nothing stays locked."""

from __future__ import annotations

import asyncio

import pytest

import ec_async
from ec_async import RetryPolicy, TokenState
from tests.conformance import SpecObserver

from ._support import Gate, serve

pytestmark = pytest.mark.anyio

EXPIRED = 31 * 60


class TestCancellation:
    """Calls cancelled while a refresh is on the wire."""

    async def test_cancelling_half_of_500_waiters_leaves_the_client_working(
        self, spec_observer: SpecObserver
    ) -> None:
        """The refresh completes for the 250 left; later refreshes still happen."""
        async with (
            serve(spec_observer) as served,
            Gate(served.base_url) as gate,
            served.client(gate.base_url) as ec,
        ):
            held = gate.hold("/authentication/refresh")
            served.emulator.admin.advance_clock(EXPIRED)
            first = asyncio.ensure_future(ec.accounts.current())
            await held.arrived.wait()
            waiters = [asyncio.ensure_future(ec.devices.count()) for _ in range(500)]
            await asyncio.sleep(0.05)
            state = ec.token_state
            for waiter in waiters[::2]:
                waiter.cancel()
            held.release()
            outcomes = await asyncio.gather(*waiters, return_exceptions=True)
            account = await first

            served.emulator.admin.advance_clock(EXPIRED)
            again = await ec.accounts.current()

        assert TokenState.REFRESHING is state
        assert [asyncio.CancelledError] * 250 == [
            type(outcome) for outcome in outcomes[::2]
        ]
        assert [10] * 250 == outcomes[1::2]
        assert "acme" == account.name == again.name
        assert (1, 2) == (
            served.emulator.counters.logins,
            served.emulator.counters.refreshes,
        )
        # The waiters never sent anything with the old token: they waited.
        assert 250 == served.sent("POST", "/devices/_count")

    async def test_a_failed_renewal_wakes_every_waiter_and_the_next_call_retries(
        self, spec_observer: SpecObserver
    ) -> None:
        """Every waiter gets the renewal's error; the next call renews again."""
        async with (
            serve(spec_observer) as served,
            Gate(served.base_url) as gate,
            served.client(gate.base_url, retry=RetryPolicy(attempts=1)) as ec,
        ):
            refresh = gate.hold("/authentication/refresh", drop=True)
            login = gate.drop("/authentication/user")
            served.emulator.admin.advance_clock(EXPIRED)
            calls = asyncio.gather(
                *(ec.accounts.current() for _ in range(50)), return_exceptions=True
            )
            await refresh.arrived.wait()
            await served.wait_for(lambda: served.sent("GET", "/account") == 50)
            # Let the client read the last 401s, so every call waits on the refresh.
            await asyncio.sleep(0.1)
            refresh.release()
            outcomes = await calls
            gate.remove(refresh)
            gate.remove(login)
            account = await ec.accounts.current()

        counters = served.emulator.counters
        assert [ec_async.TransportError] * 50 == [type(item) for item in outcomes]
        assert "acme" == account.name
        # One renewal for all 50: a refresh whose answer was lost, then a login
        # that failed. The refresh token is never sent again, so the next call
        # logs in instead.
        assert (1, 1) == (refresh.arrivals, login.arrivals)
        assert (2, 0, 0) == (
            counters.logins,
            counters.refreshes,
            counters.failed_refreshes,
        )
