"""Logging in again when the refresh token is gone, or ending the session clearly."""

from __future__ import annotations

import pytest

import ec_async
from ec_async import TokenState, UsernamePassword
from tests.conformance import SpecObserver

from ._support import ADMIN, PASSWORD, serve

pytestmark = pytest.mark.anyio

# Past Kapua's refresh-token lifetime (5 hours), so both tokens have expired.
PAST_REFRESH = 5 * 3600 + 60
REFRESH_EXPIRED = "The provided refresh token is expired"


class TestRelogin:
    """A refresh token that no longer works leads to one new login."""

    async def test_a_refresh_refused_as_expired_logs_in_again(
        self, spec_observer: SpecObserver
    ) -> None:
        """The server refuses the expired refresh token; one login and the call succeeds."""
        async with serve(spec_observer) as served, served.client() as ec:
            served.emulator.admin.advance_clock(PAST_REFRESH)
            account = await ec.accounts.current()

        counters = served.emulator.counters
        assert "acme" == account.name
        assert (2, 0, 1) == (
            counters.logins,
            counters.refreshes,
            counters.failed_refreshes,
        )
        refusals = [
            exchange.response_body
            for exchange in served.exchanges
            if exchange.path.endswith("/authentication/refresh")
        ]
        assert 1 == len(refusals)
        assert REFRESH_EXPIRED.encode() in refusals[0]

    async def test_a_refresh_token_known_to_be_expired_is_not_sent(
        self, spec_observer: SpecObserver
    ) -> None:
        """When the refresh token ran out first, the client logs in without trying it."""
        async with (
            serve(spec_observer, access_token_ttl=2, refresh_token_ttl=0.5) as served,
            served.client() as ec,
        ):
            await served.wait_for(lambda: served.emulator.counters.logins == 2)
            account = await ec.accounts.current()

        counters = served.emulator.counters
        assert "acme" == account.name
        assert (0, 0) == (counters.refreshes, counters.failed_refreshes)
        assert {} == dict(counters.rejected)


class TestSessionExpired:
    """Without credentials to log in again, the session ends with SessionExpired."""

    async def test_nothing_is_retried_once_the_session_expired(
        self, spec_observer: SpecObserver
    ) -> None:
        """The refused refresh raises SessionExpired; later calls send nothing."""
        async with (
            serve(spec_observer) as served,
            ec_async.Client(served.base_url) as ec,
        ):
            await ec.login(UsernamePassword(ADMIN, PASSWORD))
            served.emulator.admin.advance_clock(PAST_REFRESH)
            with pytest.raises(ec_async.SessionExpired, match="credentials"):
                await ec.accounts.current()
            sent = len(served.exchanges)
            with pytest.raises(ec_async.SessionExpired):
                await ec.devices.count()
            state = ec.token_state
            unsent = len(served.exchanges) - sent

        counters = served.emulator.counters
        assert TokenState.EXPIRED is state
        assert 0 == unsent
        assert 1 == served.sent("GET", "/account")
        assert (1, 1) == (counters.logins, counters.failed_refreshes)

    async def test_login_starts_a_new_session_after_expiry(
        self, spec_observer: SpecObserver
    ) -> None:
        """After SessionExpired, login(credentials) makes the client work again."""
        async with (
            serve(spec_observer) as served,
            ec_async.Client(served.base_url) as ec,
        ):
            await ec.login(UsernamePassword(ADMIN, PASSWORD))
            served.emulator.admin.advance_clock(PAST_REFRESH)
            with pytest.raises(ec_async.SessionExpired):
                await ec.accounts.current()
            await ec.login(UsernamePassword(ADMIN, PASSWORD))
            account = await ec.accounts.current()

        assert "acme" == account.name
        assert 2 == served.emulator.counters.logins

    async def test_a_client_without_credentials_sends_nothing(
        self, spec_observer: SpecObserver
    ) -> None:
        """Calls before any login raise NotAuthenticated without a request."""
        async with (
            serve(spec_observer) as served,
            ec_async.Client(served.base_url) as ec,
        ):
            with pytest.raises(ec_async.NotAuthenticated, match="login"):
                await ec.accounts.current()
            with pytest.raises(ec_async.NotAuthenticated):
                await ec.login()

        assert [] == served.exchanges


class TestCredentialsProvider:
    """A callable the client asks for credentials each time it must log in."""

    async def test_a_sync_provider_is_asked_at_each_login(
        self, spec_observer: SpecObserver
    ) -> None:
        """A plain function is called for the first login and for the re-login."""
        calls = 0

        def provide() -> UsernamePassword:
            nonlocal calls
            calls += 1
            return UsernamePassword(ADMIN, PASSWORD)

        async with (
            serve(spec_observer) as served,
            served.client(credentials_provider=provide) as ec,
        ):
            served.emulator.admin.advance_clock(PAST_REFRESH)
            account = await ec.accounts.current()

        assert "acme" == account.name
        assert 2 == calls
        assert 2 == served.emulator.counters.logins

    async def test_an_async_provider_is_awaited_at_each_login(
        self, spec_observer: SpecObserver
    ) -> None:
        """A coroutine function is awaited for the login and the re-login."""
        calls = 0

        async def provide() -> UsernamePassword:
            nonlocal calls
            calls += 1
            return UsernamePassword(ADMIN, PASSWORD)

        async with (
            serve(spec_observer) as served,
            served.client(credentials_provider=provide) as ec,
        ):
            served.emulator.admin.advance_clock(PAST_REFRESH)
            account = await ec.accounts.current()

        assert "acme" == account.name
        assert 2 == calls
        assert 2 == served.emulator.counters.logins

    async def test_a_failing_provider_is_asked_again_by_the_next_call(
        self, spec_observer: SpecObserver
    ) -> None:
        """A provider's own error reaches the call unchanged; the next call asks again."""
        answers: list[UsernamePassword | Exception] = [
            KeyError("vault unreachable"),
            UsernamePassword(ADMIN, PASSWORD),
        ]

        def provide() -> UsernamePassword:
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

        async with serve(spec_observer) as served:
            ec = served.client(credentials_provider=provide)
            try:
                with pytest.raises(KeyError, match="vault"):
                    await ec.accounts.current()
                account = await ec.accounts.current()
            finally:
                await ec.close()

        assert "acme" == account.name
        assert 1 == served.emulator.counters.logins

    async def test_a_provider_returning_something_else_is_a_configuration_error(
        self, spec_observer: SpecObserver
    ) -> None:
        """A provider must return UsernamePassword or ApiKey; anything else sends nothing."""

        def provide() -> object:
            return (ADMIN, PASSWORD)

        async with serve(spec_observer) as served:
            ec = served.client(credentials_provider=provide)
            try:
                with pytest.raises(
                    ec_async.ConfigurationError, match="UsernamePassword"
                ):
                    await ec.login()
            finally:
                await ec.close()

        assert [] == served.exchanges
