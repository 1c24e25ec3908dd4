"""What the client shows of its session: state, expiry times, logs, verification."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk

import ec_async
from ec_async import TokenState
from ec_async.emulator import Emulator
from tests.conformance import SpecObserver
from tests.sync.facades import Facade

from ._support import PASSWORD, Gate, serve

pytestmark = pytest.mark.anyio


def _other_public_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )


class TestTokenState:
    """Client.token_state through a session's life."""

    async def test_states_from_login_to_logout(
        self, spec_observer: SpecObserver
    ) -> None:
        """Logged out, fresh, refreshing while a refresh is out, fresh, logged out."""
        async with serve(spec_observer) as served, Gate(served.base_url) as gate:
            ec = served.client(gate.base_url)
            states = [ec.token_state]
            await ec.login()
            states.append(ec.token_state)

            held = gate.hold("/authentication/refresh")
            served.emulator.admin.advance_clock(31 * 60)
            call = asyncio.ensure_future(ec.accounts.current())
            await held.arrived.wait()
            states.append(ec.token_state)
            held.release()
            await call
            states.append(ec.token_state)

            await ec.close()
            states.append(ec.token_state)

        assert [
            TokenState.LOGGED_OUT,
            TokenState.FRESH,
            TokenState.REFRESHING,
            TokenState.FRESH,
            TokenState.LOGGED_OUT,
        ] == states


class TestExpiryTimes:
    """Client.token_expires_on and refresh_expires_on."""

    async def test_both_expiry_times_are_the_servers(
        self, spec_observer: SpecObserver
    ) -> None:
        """The properties give the expiresOn and refreshExpiresOn the server sent."""
        async with serve(spec_observer) as served, served.client() as ec:
            expires_on, refresh_expires_on = ec.token_expires_on, ec.refresh_expires_on
            _, token = served.issued()[0]
        logged_out = (ec.token_expires_on, ec.refresh_expires_on)

        assert dt.datetime.fromisoformat(token["expiresOn"]) == expires_on
        assert (
            dt.datetime.fromisoformat(token["refreshExpiresOn"]) == refresh_expires_on
        )
        assert (None, None) == logged_out


class TestLogs:
    """Lifecycle events at INFO, with expiry times and never a secret."""

    async def test_lifecycle_events_are_logged_without_secrets(
        self, spec_observer: SpecObserver, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Login, refresh, re-login and logout each log their expiry times at INFO."""
        caplog.set_level(logging.DEBUG, logger="ec_async")
        async with serve(spec_observer) as served, served.client() as ec:
            served.emulator.admin.advance_clock(31 * 60)
            await ec.accounts.current()
            served.emulator.admin.advance_clock(5 * 3600 + 60)
            await ec.accounts.current()

        issued = [token for _, token in served.issued()]
        lifecycle = [
            record.getMessage()
            for record in caplog.records
            if record.name == "ec_async.tokens" and record.levelno == logging.INFO
        ]
        events = [
            message.split(":")[0]
            for message in lifecycle
            if "expires on" in message or message.startswith("logged out")
        ]
        assert [
            "logged in",
            "refreshed the access token",
            "logged in again",
            "logged out; both tokens dropped",
        ] == events
        for token in issued:
            stamp = dt.datetime.fromisoformat(token["expiresOn"]).isoformat()
            assert any(stamp in message for message in lifecycle)
        secrets = {PASSWORD} | {
            token[name] for token in issued for name in ("tokenId", "refreshToken")
        }
        texts = [record.getMessage() for record in caplog.records]
        texts += [str(record.args) for record in caplog.records]
        assert [] == [text for text in texts if any(s in text for s in secrets)]


class TestVerifyKey:
    """Optional verification of the JWT signature with the caller's public key."""

    async def test_the_servers_key_as_pem_or_jwk_passes(
        self, spec_observer: SpecObserver
    ) -> None:
        """The emulator's own public key, in either form, verifies its tokens."""
        async with serve(spec_observer) as served:
            pem = served.emulator.public_key_pem
            as_jwk = jwk.construct(pem, "RS256").to_dict()
            for key in (pem, as_jwk):
                async with served.client(verify_key=key) as ec:
                    served.emulator.admin.advance_clock(31 * 60)
                    account = await ec.accounts.current()
                assert "acme" == account.name

        assert (2, 2) == (
            served.emulator.counters.logins,
            served.emulator.counters.refreshes,
        )

    async def test_a_wrong_key_refuses_the_token(
        self, spec_observer: SpecObserver
    ) -> None:
        """A token signed by another key raises TokenVerificationError, unused."""
        async with serve(spec_observer) as served:
            ec = served.client(verify_key=_other_public_key())
            with pytest.raises(ec_async.TokenVerificationError):
                await ec.login()
            state = ec.token_state
            await ec.close()

        assert TokenState.LOGGED_OUT is state
        assert 1 == len(served.exchanges)

    def test_a_key_that_is_not_a_key_is_a_configuration_error(self) -> None:
        """Text that is no RSA key is refused before anything is sent."""
        with pytest.raises(ec_async.ConfigurationError, match="verify_key"):
            ec_async.Client(
                "http://127.0.0.1:9/v1",
                username="acme-admin",
                password=PASSWORD,
                verify_key="not a key",
            )


class TestRefreshMargin:
    """The refresh_margin setting."""

    @pytest.mark.parametrize("margin", [-1.0, float("nan")])
    def test_a_negative_margin_is_refused(self, margin: float) -> None:
        """A margin that is not a number of seconds >= 0 is a ConfigurationError."""
        with pytest.raises(ec_async.ConfigurationError, match="refresh_margin"):
            ec_async.Client(
                "http://127.0.0.1:9/v1",
                username="acme-admin",
                password=PASSWORD,
                refresh_margin=margin,
            )


class TestBothFacades:
    """The session API is the same through ec_async and ec_sync."""

    def test_login_with_credentials_kept_by_no_one(
        self, facade: Facade, served: Emulator
    ) -> None:
        """A client without credentials logs in with login(credentials) and works."""
        with facade.client(served.base_url) as ec:
            before = (ec.token_state, ec.token_expires_on)
            facade.run(ec.login(ec_async.UsernamePassword("acme-admin", PASSWORD)))
            account = facade.run(ec.accounts.current())
            expires_on = ec.token_expires_on
            refresh_expires_on = ec.refresh_expires_on

        assert (TokenState.LOGGED_OUT, None) == before
        assert "acme" == account.name
        assert expires_on is not None
        assert refresh_expires_on is not None
        # Kapua's lifetimes, 5 hours and 30 minutes, from the same moment.
        assert dt.timedelta(hours=4, minutes=30) == refresh_expires_on - expires_on
