"""The token manager: one valid access token at all times, renewed in one flight.

Kapua rotates the pair on every refresh and invalidates the old one, so each
request carries the *generation* of the token it was sent with: a 401 on an
older generation is replayed with the current token, never refreshed again.
Lifetimes come from the server's own timestamps and run on the monotonic
clock, so a wrong local clock changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import inspect
import logging
import time
from collections.abc import Mapping
from typing import Any

import attrs

from ._auth import AuthCalls, IssuedToken
from ._credentials import Credentials, CredentialsProvider
from ._errors import (
    AuthenticationError,
    ConfigurationError,
    ECError,
    NotAuthenticated,
    SessionExpired,
    TokenVerificationError,
)
from ._models import AccessToken
from ._pipeline import Bearer

__all__ = ["TokenManager", "TokenState"]

logger = logging.getLogger("ec_async.tokens")

_DEFAULT_MARGIN = 300.0
_RETRY_CEILING = 30.0


class TokenState(enum.Enum):
    """Where the session stands."""

    LOGGED_OUT = "logged_out"
    FRESH = "fresh"
    REFRESHING = "refreshing"
    EXPIRED = "expired"


@attrs.define
class _Session:
    token: AccessToken
    generation: int
    expires_at: float
    refresh_expires_at: float
    refresh_due_at: float
    refresh_used: bool = False


class TokenManager:
    """Logs in, keeps the token fresh ahead of expiry, and logs out."""

    def __init__(
        self,
        auth: AuthCalls,
        *,
        credentials: Credentials | None,
        credentials_provider: CredentialsProvider | None,
        refresh_margin: float | None,
        verify_key: str | Mapping[str, Any] | None,
    ) -> None:
        if refresh_margin is not None and refresh_margin < 0:
            msg = f"refresh_margin must not be negative, got {refresh_margin!r}"
            raise ConfigurationError(msg)
        self._auth = auth
        self._credentials = credentials
        self._provider = credentials_provider
        self._margin = refresh_margin
        self._verify_key = verify_key
        self._session: _Session | None = None
        self._generation = 0
        self._inflight: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._logged_out = False
        self._expired: str | None = None

    @property
    def state(self) -> TokenState:
        """Fresh, refreshing, expired or logged out."""
        if self._inflight is not None and self._session is not None:
            return TokenState.REFRESHING
        if self._expired is not None:
            return TokenState.EXPIRED
        if self._session is None:
            return TokenState.LOGGED_OUT
        if time.monotonic() >= self._session.expires_at:
            return TokenState.EXPIRED
        return TokenState.FRESH

    @property
    def token(self) -> AccessToken | None:
        """The current access token, or ``None`` without a session."""
        return None if self._session is None else self._session.token

    @property
    def can_log_in(self) -> bool:
        """Whether the client holds credentials or a provider of them."""
        return self._credentials is not None or self._provider is not None

    async def bearer(self) -> Bearer:
        """The token to send now, logging in or renewing first when needed."""
        for _ in range(3):
            self._check_usable()
            if self._inflight is not None:
                await self._join()
                continue
            session = self._session
            if session is None:
                await self._renew(None)
            elif time.monotonic() >= session.expires_at:
                await self._renew(session.generation)
            else:
                return Bearer(session.token.token_id, session.generation)

        msg = "could not obtain an access token; the server keeps rejecting new ones"
        raise SessionExpired(msg)

    async def rejected(self, generation: int) -> None:
        """A request sent with ``generation`` got a 401: renew once, if still current."""
        session = self._session
        if session is not None and session.generation == generation:
            logger.info("the server refused the current access token; renewing it")
            await self._renew(generation)
        elif self._inflight is not None:
            await self._join()

    async def login(self) -> None:
        """Start a session now, unless one is already running."""
        self._logged_out = False
        self._expired = None
        if self._session is None:
            await self._renew(None)

    async def logout(self) -> None:
        """End the session on the server; drop both tokens whatever it answers."""
        self._logged_out = True
        await self._stop_keeper()
        if self._inflight is not None:
            with contextlib.suppress(ECError):
                await self._join()

        session, self._session = self._session, None
        if session is None:
            return
        try:
            await self._auth.logout(session.token)
        except ECError as exc:
            logger.info(
                "logout was not confirmed by the server (%s); tokens dropped",
                type(exc).__name__,
            )
        else:
            logger.info("logged out")

    def _check_usable(self) -> None:
        if self._logged_out:
            msg = "the client is logged out; call login() to start a new session"
            raise NotAuthenticated(msg)
        if self._expired is not None:
            raise SessionExpired(self._expired)
        if self._session is None and not self.can_log_in:
            msg = "no credentials: pass username and password, api_key, or credentials_provider"
            raise NotAuthenticated(msg)

    async def _renew(self, seen_generation: int | None) -> None:
        """Log in or refresh in a single flight that every caller joins."""
        if self._inflight is None:
            session = self._session
            if (
                session is not None
                and seen_generation is not None
                and session.generation != seen_generation
            ):
                return
            task = asyncio.get_running_loop().create_task(self._renew_now())
            task.add_done_callback(_retrieve_outcome)
            self._inflight = task
        await self._join()

    async def _join(self) -> None:
        task = self._inflight
        if task is not None:
            # Shielded: a cancelled waiter must not cancel the others' renewal.
            await asyncio.shield(task)

    async def _renew_now(self) -> None:
        try:
            session = self._session
            if session is None:
                await self._login()
            else:
                await self._refresh_or_login(session)
        finally:
            self._inflight = None

    async def _refresh_or_login(self, session: _Session) -> None:
        if not session.refresh_used and time.monotonic() < session.refresh_expires_at:
            # Marked before sending: a refresh token once sent is never sent again.
            session.refresh_used = True
            try:
                self._install(await self._auth.refresh(session.token), "refreshed")
            except ECError as exc:
                reason = exc
                logger.info("refresh failed (%s)", type(exc).__name__)
            else:
                return
        else:
            reason = None

        if not self.can_log_in:
            self._session = None
            self._expired = (
                "the session expired and the client holds no credentials to log in again; "
                "create the client with credentials or a credentials_provider"
            )
            raise SessionExpired(self._expired) from reason
        await self._login()

    async def _login(self) -> None:
        credentials = await self._current_credentials()
        try:
            issued = await self._auth.login(credentials)
        except AuthenticationError:
            logger.info("login refused")
            raise
        self._install(issued, "logged in")

    async def _current_credentials(self) -> Credentials:
        if self._provider is None:
            assert (
                self._credentials is not None
            )  # _check_usable guarantees one of them.
            return self._credentials

        provided = self._provider()
        if inspect.isawaitable(provided):
            provided = await provided
        return provided

    def _install(self, issued: IssuedToken, event: str) -> None:
        token, sent_at = issued
        self._verify(token)
        lifetime = _lifetime(token, token.expires_on)
        refresh_lifetime = _lifetime(token, token.refresh_expires_on)
        margin = (
            self._margin
            if self._margin is not None
            else min(_DEFAULT_MARGIN, lifetime / 5)
        )

        self._generation += 1
        self._session = _Session(
            token=token,
            generation=self._generation,
            expires_at=sent_at + lifetime,
            refresh_expires_at=sent_at + refresh_lifetime,
            refresh_due_at=sent_at + max(lifetime - margin, 0.0),
        )
        self._expired = None
        logger.info(
            "%s: token expires on %s, refresh token on %s",
            event,
            token.expires_on.isoformat(),
            token.refresh_expires_on.isoformat(),
            extra={"ec_scope_id": token.scope_id},
        )
        self._start_keeper()

    def _verify(self, token: AccessToken) -> None:
        if self._verify_key is None:
            return
        # python-jose (and cryptography under it) is imported only when
        # needed: it would add a third to the time `import ec_async` takes.
        from jose import JWTError, jwt

        try:
            jwt.decode(
                token.token_id,
                self._verify_key,
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False},
            )
        except JWTError as exc:
            msg = "the access token's signature does not match the verify_key given"
            raise TokenVerificationError(msg) from exc

    def _start_keeper(self) -> None:
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.get_running_loop().create_task(self._keep_fresh())

    async def _stop_keeper(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None and keeper is not asyncio.current_task():
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _keep_fresh(self) -> None:
        """Refresh ahead of expiry, so no request waits on, or fails from, expiry."""
        failures = 0
        while (session := self._session) is not None:
            delay = session.refresh_due_at - time.monotonic()
            if failures:
                delay = max(delay, min(2.0**failures, _RETRY_CEILING))
            await asyncio.sleep(max(delay, 0.0))
            if self._session is not session:
                failures = 0
                continue
            try:
                await self._renew(session.generation)
            except SessionExpired:
                return
            except ECError as exc:
                failures += 1
                logger.warning(
                    "background token refresh failed (%s); will retry",
                    type(exc).__name__,
                )
            else:
                failures = 0


def _lifetime(token: AccessToken, expires_on: dt.datetime) -> float:
    """Seconds from the token's creation to ``expires_on``, by the server's clock."""
    issued_on = token.created_on or _issued_at(token.token_id)
    if issued_on is None:
        # No server time to anchor on: fall back to the local clock, once.
        issued_on = dt.datetime.now(dt.UTC)
    return max((expires_on - issued_on).total_seconds(), 0.0)


def _issued_at(token_id: str) -> dt.datetime | None:
    from jose import JWTError, jwt

    try:
        claims = jwt.get_unverified_claims(token_id)
    except JWTError:
        return None
    issued = claims.get("iat")
    return (
        dt.datetime.fromtimestamp(issued, dt.UTC)
        if isinstance(issued, int | float)
        else None
    )


def _retrieve_outcome(task: asyncio.Task[None]) -> None:
    # Mark the renewal's exception as seen even when every waiter was cancelled.
    if not task.cancelled():
        task.exception()
