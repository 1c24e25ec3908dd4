"""The token manager: one valid access token at all times, renewed in one flight.

Kapua rotates the pair on every refresh and invalidates the old one, so each
request carries the *generation* of the token it was sent with: a 401 on an
older generation is replayed with the current token, never refreshed again.
Lifetimes come from the server's own timestamps and run on the monotonic
clock, so a wrong local clock changes nothing.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import datetime as dt
import enum
import inspect
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

import attrs

from ._auth import AuthCalls, IssuedToken
from ._credentials import (
    ApiKey,
    Credentials,
    CredentialsProvider,
    OpenIdConnectTokens,
    UsernamePassword,
)
from ._errors import (
    AuthenticationError,
    ConfigurationError,
    ECError,
    NotAuthenticated,
    RateLimited,
    RequestTimeout,
    ServerError,
    SessionExpired,
    TokenVerificationError,
    TransportError,
)
from ._guards import is_mapping
from ._models import AccessToken
from ._pipeline import Bearer

__all__ = ["TokenManager", "TokenState"]

logger = logging.getLogger("ec_async.tokens")

_DEFAULT_MARGIN = 300.0
_RETRY_CEILING = 30.0
# The longest a refresh ahead of expiry waits for the answers to requests
# already sent with the old token, which the refresh would invalidate.
_DRAIN_CEILING = 1.0
# Failures the keeper retries in the background; any other is left to the next
# call, so that refused credentials are not tried again until a lockout.
_TRANSIENT = (TransportError, RequestTimeout, ServerError, RateLimited)


class TokenState(enum.Enum):
    """Where the session stands."""

    LOGGED_OUT = "logged_out"
    FRESH = "fresh"
    REFRESHING = "refreshing"
    EXPIRED = "expired"


@attrs.define
class _Session:
    """One token pair and, on the monotonic clock, when it stops working."""

    token: AccessToken
    generation: int
    expires_at: float
    refresh_expires_at: float
    refresh_due_at: float
    refresh_used: bool = False
    ahead_failures: int = 0

    def expired(self, now: float) -> bool:
        """Whether the access token has reached the end of its lifetime."""
        return now >= self.expires_at

    def refreshable(self, now: float) -> bool:
        """Whether the refresh token may still be sent: unused and unexpired."""
        return not self.refresh_used and now < self.refresh_expires_at


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
        if refresh_margin is not None and not refresh_margin >= 0:
            msg = f"refresh_margin must be a number of seconds >= 0, got {refresh_margin!r}"
            raise ConfigurationError(msg)
        if verify_key is not None:
            _check_verify_key(verify_key)
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
        # Requests on the wire, by the generation of the token they carry.
        self._sent: collections.Counter[int] = collections.Counter()
        self._answered: asyncio.Event | None = None

    @property
    def state(self) -> TokenState:
        """Fresh, refreshing, expired or logged out."""
        if self._logged_out:
            return TokenState.LOGGED_OUT
        if self._inflight is not None and self._session is not None:
            return TokenState.REFRESHING
        if self._expired is not None:
            return TokenState.EXPIRED
        if self._session is None:
            return TokenState.LOGGED_OUT
        if self._session.expired(time.monotonic()):
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
        """The token to send now, logging in or renewing first when needed.

        Every bearer handed out must be given back to ``release`` once its
        request is answered or abandoned.
        """
        for _ in range(4):
            self._check_usable()
            session = self._session
            if session is not None and not self._needs_renewal(session):
                self._sent[session.generation] += 1
                token = session.token
                return Bearer(token.token_id, session.generation, token.scope_id)
            try:
                if session is None:
                    await self._renew(None)
                else:
                    ahead = not session.expired(time.monotonic())
                    await self._renew(session.generation, ahead=ahead)
            except Exception:
                # A refresh ahead of expiry failed (the failure is logged): the
                # current token still serves, and the next try is scheduled.
                if session is None or not self._still_serves(session):
                    raise

        msg = "could not obtain an access token; the server keeps rejecting new ones"
        raise SessionExpired(msg)

    def _needs_renewal(self, session: _Session) -> bool:
        if self._inflight is not None:
            return True
        now = time.monotonic()
        if session.expired(now):
            return True
        return now >= session.refresh_due_at and self._can_renew(session)

    def _still_serves(self, session: _Session) -> bool:
        return self._session is session and not session.expired(time.monotonic())

    def release(self, bearer: Bearer) -> None:
        """The request sent with ``bearer`` was answered, failed or was cancelled."""
        self._sent[bearer.generation] -= 1
        if self._sent[bearer.generation] <= 0:
            del self._sent[bearer.generation]
        if self._answered is not None:
            self._answered.set()

    async def rejected(self, generation: int) -> None:
        """A request sent with ``generation`` got a 401: renew once, if still current."""
        session = self._session
        if session is not None and session.generation == generation:
            logger.info("the server refused the current access token; renewing it")
            await self._renew(generation)
        elif self._inflight is not None:
            await self._join()

    async def login(self, credentials: Credentials | None = None) -> None:
        """Start a session now, unless one is already running.

        ``credentials`` given here serve for this login only and are not kept:
        when the refresh token runs out, the session ends with ``SessionExpired``.
        """
        if credentials is not None and not isinstance(
            credentials, UsernamePassword | ApiKey
        ):
            msg = f"credentials must be UsernamePassword or ApiKey, got {type(credentials).__name__}"
            raise ConfigurationError(msg)
        self._logged_out = False
        self._expired = None
        while self._inflight is not None:
            # A renewal already running: its result may do, and if it failed
            # this login is the next try.
            with contextlib.suppress(ECError):
                await self._join()
        if self._session is not None:
            if credentials is not None:
                msg = "already logged in; call logout() before logging in with other credentials"
                raise ConfigurationError(msg)
            return
        if credentials is None and not self.can_log_in:
            raise NotAuthenticated(_NO_CREDENTIALS)
        await self._renew(None, credentials=credentials)

    async def logout(self) -> None:
        """End the session on the server; drop both tokens whatever it answers."""
        self._logged_out = True
        self._expired = None
        await self._stop_keeper()
        try:
            if self._inflight is not None:
                with contextlib.suppress(ECError):
                    await self._join()
        finally:
            session, self._session = self._session, None
        # The renewal just joined may have started a keeper of its own.
        await self._stop_keeper()
        if session is None:
            return

        try:
            await self._auth.logout(session.token)
        except ECError as exc:
            logger.info(
                "logged out; the server did not confirm it (%s), both tokens dropped",
                type(exc).__name__,
            )
        else:
            logger.info("logged out; both tokens dropped")

    def abandon(self) -> None:
        """Stop the background refresh without awaiting, for a dropped client."""
        self._logged_out = True
        for task in (self._keeper, self._inflight):
            if task is not None and not task.done():
                # Thread-safe: a finalizer may run on any thread.
                task.get_loop().call_soon_threadsafe(task.cancel)

    def _check_usable(self) -> None:
        if self._logged_out:
            msg = "the client is logged out; call login() to start a new session"
            raise NotAuthenticated(msg)
        if self._expired is not None:
            raise SessionExpired(self._expired)
        if self._session is None and not self.can_log_in:
            raise NotAuthenticated(_NO_CREDENTIALS)

    async def _renew(
        self,
        seen_generation: int | None,
        *,
        ahead: bool = False,
        credentials: Credentials | None = None,
    ) -> None:
        """Log in or refresh in a single flight that every caller joins."""
        if self._inflight is None:
            session = self._session
            if (
                session is not None
                and seen_generation is not None
                and session.generation != seen_generation
            ):
                return
            task = asyncio.get_running_loop().create_task(
                self._renew_now(ahead, credentials)
            )
            task.add_done_callback(_retrieve_outcome)
            self._inflight = task
        await self._join()

    async def _join(self) -> None:
        task = self._inflight
        if task is not None:
            # Shielded: a cancelled waiter must not cancel the others' renewal.
            await asyncio.shield(task)

    async def _renew_now(self, ahead: bool, credentials: Credentials | None) -> None:
        try:
            session = self._session
            if session is None:
                await self._login(credentials, again=False)
                return
            if ahead and not session.expired(time.monotonic()):
                await self._drain(session)
            try:
                await self._refresh_or_login(session)
            except SessionExpired:
                raise
            except Exception as exc:
                if ahead:
                    self._postpone(session, exc)
                raise
        finally:
            self._inflight = None

    def _postpone(self, session: _Session, error: Exception) -> None:
        """After a failed refresh ahead of expiry, say when to try again."""
        if isinstance(error, _TRANSIENT):
            session.ahead_failures += 1
            delay = min(2.0**session.ahead_failures, _RETRY_CEILING)
            session.refresh_due_at = time.monotonic() + delay
            logger.warning(
                "refreshing the token ahead of expiry failed (%s); next try in %.0f s",
                type(error).__name__,
                delay,
            )
        else:
            # Refused credentials are not tried again in the background, where
            # repeated failures would lock the account; the next call after
            # expiry tries once more and reports what happens.
            session.refresh_due_at = session.expires_at
            logger.warning(
                "refreshing the token ahead of expiry failed (%s); "
                "the current token serves until it expires",
                type(error).__name__,
            )

    async def _drain(self, session: _Session) -> None:
        """Wait a little for answers to requests sent with the token about to go.

        Kapua invalidates a token the moment it is refreshed, so a request still
        on its way with it would be refused; new requests already wait for
        this renewal, so the ones in flight finish first and none sees a 401.
        """
        patience = min(_DRAIN_CEILING, (session.expires_at - time.monotonic()) / 2)
        if patience <= 0 or not self._sent[session.generation]:
            return
        self._answered = asyncio.Event()
        try:
            async with asyncio.timeout(patience):
                while self._sent[session.generation]:
                    self._answered.clear()
                    await self._answered.wait()
        except TimeoutError:
            logger.debug(
                "refreshing with requests still in flight; they may be replayed"
            )
        finally:
            self._answered = None

    async def _refresh_or_login(self, session: _Session) -> None:
        cause: ECError | None = None
        if session.refreshable(time.monotonic()):
            # Marked before sending: a refresh token once sent is never sent
            # again, even when the answer is lost, since the server may have
            # rotated the pair already.
            session.refresh_used = True
            try:
                issued = await self._auth.refresh(session.token)
            except AuthenticationError as exc:
                logger.info("the server refused the refresh (%s)", exc.server_message)
                cause = exc
            except ECError as exc:
                if not self.can_log_in:
                    # The old token may still work until it expires; say why
                    # this renewal failed rather than end the session now.
                    raise
                logger.info("the refresh failed (%s)", type(exc).__name__)
                cause = exc
            else:
                self._install(issued, "refreshed the access token")
                return

        if not self.can_log_in:
            self._session = None
            self._expired = (
                "the session expired and the client holds no credentials to log in "
                "again; call login(credentials), or create the client with "
                "credentials or a credentials_provider"
            )
            logger.info("session expired; no credentials to log in again")
            raise SessionExpired(self._expired) from cause
        await self._login(None, again=True)

    async def _login(self, credentials: Credentials | None, *, again: bool) -> None:
        if credentials is None:
            credentials = await self._current_credentials()
        try:
            issued = await self._auth.login(credentials)
        except AuthenticationError:
            logger.info("login refused")
            raise
        self._install(issued, "logged in again" if again else "logged in")

    async def _current_credentials(self) -> Credentials:
        provider = self._provider
        if provider is None:
            if self._credentials is None:
                raise NotAuthenticated(_NO_CREDENTIALS)
            return self._credentials

        # Called on this loop, like the rest of the client; what it raises is
        # the application's own error and reaches the call unchanged.
        provided = provider()
        if inspect.isawaitable(provided):
            provided = await provided
        return _checked_credentials(provided)

    def _install(self, issued: IssuedToken, event: str) -> None:
        token, sent_at = issued
        self._verify(token)
        lifetime, refresh_lifetime = _lifetimes(token)
        margin = self._margin_for(lifetime)

        # The request was sent no later than the token was made, so counting
        # from the send never overestimates what is left.
        self._generation += 1
        self._session = _Session(
            token=token,
            generation=self._generation,
            expires_at=sent_at + lifetime,
            refresh_expires_at=sent_at + refresh_lifetime,
            refresh_due_at=sent_at + lifetime - margin,
        )
        self._expired = None
        logger.info(
            "%s: the access token expires on %s, the refresh token on %s",
            event,
            token.expires_on.isoformat(),
            token.refresh_expires_on.isoformat(),
            extra={"ec_scope_id": token.scope_id},
        )
        self._start_keeper()

    def _margin_for(self, lifetime: float) -> float:
        margin = (
            min(_DEFAULT_MARGIN, lifetime / 5) if self._margin is None else self._margin
        )
        # More than half the lifetime would refresh a short-lived token in a loop.
        return min(margin, lifetime / 2)

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
        if self._logged_out:
            return
        if self._keeper is None or self._keeper.done():
            # A context of its own: the keeper outlives the call that started
            # it, so its refreshes must not show up inside that call's trace.
            self._keeper = asyncio.get_running_loop().create_task(
                self._keep_fresh(), context=contextvars.Context()
            )
            self._keeper.add_done_callback(_report_keeper_crash)

    async def _stop_keeper(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None and keeper is not asyncio.current_task():
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    def _can_renew(self, session: _Session) -> bool:
        return session.refreshable(time.monotonic()) or self.can_log_in

    async def _keep_fresh(self) -> None:
        """Refresh ahead of expiry, so no request waits on, or fails from, expiry."""
        while (session := self._session) is not None:
            if not math.isfinite(session.refresh_due_at):
                return  # No known lifetime: renew only when the server refuses.
            await asyncio.sleep(max(session.refresh_due_at - time.monotonic(), 0.0))
            if self._session is not session:
                continue
            if time.monotonic() < session.refresh_due_at:
                continue  # Postponed meanwhile.
            if not self._can_renew(session):
                return  # The token lives out its life; then calls see SessionExpired.
            try:
                await self._renew(session.generation, ahead=True)
            except _TRANSIENT:
                # The next try is scheduled by _postpone; a renewal joined from
                # elsewhere was not, so wait a moment before starting one.
                await asyncio.sleep(0.1)
            except Exception:  # noqa: BLE001 - a credentials provider may raise anything.
                return  # Logged by _postpone; the next call tries again.


_NO_CREDENTIALS = (
    "no credentials: pass username and password, api_key or credentials_provider "
    "to the client, or call login(credentials)"
)


def _check_verify_key(key: str | Mapping[str, Any]) -> None:
    from jose import jwk
    from jose.exceptions import JOSEError

    try:
        jwk.construct(dict(key) if isinstance(key, Mapping) else key, "RS256")
    except (JOSEError, ValueError, TypeError) as exc:
        msg = "verify_key must be an RSA public key, as PEM text or a JWK dict"
        raise ConfigurationError(msg) from exc


def _lifetimes(token: AccessToken) -> tuple[float, float]:
    """Seconds the access token and the refresh token live, by the server's clock.

    The JWT's ``exp`` counts whole seconds, and the server rejects the token
    from then on, up to a second before ``expiresOn``: the earlier one counts.
    Without any creation time (neither ``createdOn`` nor ``iat``) the lifetime
    is unknown, and the token is renewed only when the server refuses it.
    """
    claims = _claims(token.token_id)
    issued_on = token.created_on
    if issued_on is None:
        issued_at = _claim_time(claims, "iat")
        # ``iat`` is rounded down: the token was made up to a second later.
        issued_on = None if issued_at is None else issued_at + dt.timedelta(seconds=1)
    if issued_on is None:
        return math.inf, math.inf

    expires_on = token.expires_on
    expires_at = _claim_time(claims, "exp")
    if expires_at is not None:
        expires_on = min(expires_on, expires_at)

    return (
        max((expires_on - issued_on).total_seconds(), 0.0),
        max((token.refresh_expires_on - issued_on).total_seconds(), 0.0),
    )


def _checked_credentials(provided: object) -> Credentials:
    """What a credentials provider returned, refused unless it is credentials."""
    if not isinstance(provided, UsernamePassword | ApiKey | OpenIdConnectTokens):
        msg = (
            "the credentials_provider must return UsernamePassword, ApiKey or "
            f"OpenIdConnectTokens, got {type(provided).__name__}"
        )
        raise ConfigurationError(msg)
    return provided


def _claims(token_id: str) -> Mapping[str, Any]:
    # python-jose is slow to import; only a login needs it.
    from jose import JWTError, jwt

    try:
        claims = jwt.get_unverified_claims(token_id)
    except JWTError:
        return {}
    return claims if is_mapping(claims) else {}


def _claim_time(claims: Mapping[str, Any], name: str) -> dt.datetime | None:
    value = claims.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None  # A claim no clock can hold is no anchor either.


def _retrieve_outcome(task: asyncio.Task[None]) -> None:
    # Mark the renewal's exception as seen even when every waiter was cancelled.
    if not task.cancelled():
        task.exception()


def _report_keeper_crash(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        logger.error("the token keeper stopped on an unexpected error", exc_info=error)
