"""Logging out: the server is told, both tokens are dropped whatever it answers."""

from __future__ import annotations

import pytest

import ec_async
from ec_async import TokenState
from tests.conformance import SpecObserver

from ._support import Gate, serve

pytestmark = pytest.mark.anyio


class TestLogout:
    """Client.logout() and what calls do afterwards."""

    async def test_calls_after_logout_send_nothing(
        self, spec_observer: SpecObserver
    ) -> None:
        """After logout every call raises NotAuthenticated before any request."""
        async with serve(spec_observer) as served, served.client() as ec:
            await ec.logout()
            sent = len(served.exchanges)
            with pytest.raises(ec_async.NotAuthenticated, match="login"):
                await ec.accounts.current()
            with pytest.raises(ec_async.NotAuthenticated):
                await ec.devices.count()
            unsent = len(served.exchanges) - sent
            state, token = ec.token_state, ec.access_token

        assert 0 == unsent
        assert TokenState.LOGGED_OUT is state
        assert token is None
        assert 1 == served.emulator.counters.logouts

    async def test_logging_out_twice_is_harmless(
        self, spec_observer: SpecObserver
    ) -> None:
        """A second logout, and the one on closing, send nothing more."""
        async with serve(spec_observer) as served, served.client() as ec:
            await ec.logout()
            await ec.logout()

        assert 1 == served.sent("POST", "/authentication/logout")

    async def test_login_after_logout_starts_a_new_session(
        self, spec_observer: SpecObserver
    ) -> None:
        """login() after logout() logs in anew and calls work again."""
        async with serve(spec_observer) as served, served.client() as ec:
            first = ec.access_token
            await ec.logout()
            await ec.login()
            account = await ec.accounts.current()
            second = ec.access_token

        assert first is not None
        assert second is not None
        assert first.token_id != second.token_id
        assert "acme" == account.name
        assert (2, 2) == (
            served.emulator.counters.logins,
            served.emulator.counters.logouts,
        )

    async def test_a_refused_logout_still_drops_the_tokens(
        self, spec_observer: SpecObserver
    ) -> None:
        """A logout answered 401 raises nothing, renews nothing, and ends the session."""
        async with serve(spec_observer) as served, served.client() as ec:
            served.emulator.admin.advance_clock(31 * 60)
            await ec.logout()
            state, token = ec.token_state, ec.access_token
            with pytest.raises(ec_async.NotAuthenticated):
                await ec.accounts.current()

        counters = served.emulator.counters
        assert TokenState.LOGGED_OUT is state
        assert token is None
        assert {"expired": 1} == dict(counters.rejected)
        assert (0, 0) == (counters.refreshes, counters.failed_refreshes)

    async def test_a_logout_lost_on_the_network_still_drops_the_tokens(
        self, spec_observer: SpecObserver
    ) -> None:
        """A logout whose connection breaks raises nothing and ends the session."""
        async with (
            serve(spec_observer) as served,
            Gate(served.base_url) as gate,
            served.client(gate.base_url) as ec,
        ):
            cut = gate.drop("/authentication/logout")
            await ec.logout()
            state = ec.token_state

        assert 1 == cut.arrivals
        assert TokenState.LOGGED_OUT is state
        assert 0 == served.emulator.counters.logouts

    async def test_logout_before_login_sends_nothing(
        self, spec_observer: SpecObserver
    ) -> None:
        """A client never logged in has nothing to log out."""
        async with serve(spec_observer) as served:
            ec = served.client()
            await ec.logout()
            await ec.close()

        assert [] == served.exchanges
