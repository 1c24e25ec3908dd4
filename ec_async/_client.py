"""The async client: configuration, lifecycle, and the resources of a scope."""

from __future__ import annotations

import ipaddress
import ssl
import traceback
import warnings
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from ._accounts import Accounts
from ._auth import AuthCalls
from ._credentials import ApiKey, Credentials, CredentialsProvider, UsernamePassword
from ._devices import Devices
from ._errors import ClientClosed, ConfigurationError
from ._http import HttpSession, Timeouts
from ._models import AccessToken
from ._pipeline import Pipeline, RetryPolicy
from ._ratelimit import RateLimit, RateLimiter
from ._resources import OWN_SCOPE, ScopeBinding
from ._tokens import TokenManager, TokenState

__all__ = ["Client", "Scope"]

_DEFAULT_MAX_BODY = 64 * 1024 * 1024


class _Resources:
    """The resource collections of one scope; shared by ``Client`` and ``Scope``."""

    _binding: ScopeBinding

    @property
    def accounts(self) -> Accounts:
        """Child accounts of this scope, and account lookups."""
        return Accounts(self._binding)

    @property
    def devices(self) -> Devices:
        """The devices of this scope."""
        return Devices(self._binding)


class Scope(_Resources):
    """A view of the client whose calls all act in one explicit account.

    Made by ``Client.scope(scope_id)``; it shares the client's session, so it
    needs no closing of its own.
    """

    def __init__(self, binding: ScopeBinding) -> None:
        self._binding = binding

    @property
    def scope_id(self) -> str:
        """The account id every call of this view uses."""
        return self._binding.scope_id

    def scope(self, scope_id: str) -> Scope:
        """A view acting in another account (a descendant of the caller's)."""
        return Scope(_rebind(self._binding, scope_id))

    def __repr__(self) -> str:
        return f"<Scope {self.scope_id}>"


class Client(_Resources):
    """An async client for one EC server, logged in as one user or API key.

    Use it as ``async with Client(...) as ec:``; it logs in on entry (or on the
    first call) and logs out on exit. ``base_url`` includes the version
    prefix, for example ``https://api.example.com/v1``. ``rate_limit`` caps
    the requests per second of everything the client sends (a number, or a
    ``RateLimit`` with a burst); ``max_connections`` caps those in flight.
    """

    base_url: str

    def __init__(
        self,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        credentials_provider: CredentialsProvider | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | float | None = None,
        refresh_margin: float | None = None,
        max_connections: int = 100,
        max_body_size: int = _DEFAULT_MAX_BODY,
        ssl_context: ssl.SSLContext | None = None,
        allow_insecure_http: bool = False,
        verify_key: str | Mapping[str, Any] | None = None,
    ) -> None:
        _check_base_url(base_url, allow_insecure_http)
        credentials = _credentials_from(
            username, password, api_key, credentials_provider
        )
        if max_connections < 1:
            msg = f"max_connections must be at least 1, got {max_connections}"
            raise ConfigurationError(msg)

        self.base_url = base_url.rstrip("/")
        self._http = HttpSession(
            max_connections=max_connections,
            max_body_size=max_body_size,
            ssl_context=ssl_context if ssl_context is not None else True,
        )
        pipeline = Pipeline(
            base_url=self.base_url,
            http=self._http,
            timeouts=timeouts or Timeouts(),
            retry=retry or RetryPolicy(),
            rate_limiter=_rate_limiter(rate_limit),
        )
        self._tokens = TokenManager(
            AuthCalls(pipeline),
            credentials=credentials,
            credentials_provider=credentials_provider,
            refresh_margin=refresh_margin,
            verify_key=verify_key,
        )
        pipeline.attach_tokens(self._tokens.bearer, self._tokens.rejected)
        self._binding = ScopeBinding(pipeline, self._tokens, OWN_SCOPE)
        self._closed = False
        self._created_at = "".join(traceback.format_stack(limit=6)[:-1])

    async def __aenter__(self) -> Self:
        try:
            await self.login()
        except BaseException:
            # The block never runs, so __aexit__ never will: close here.
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def login(self) -> None:
        """Log in now (calls also log in lazily); after ``logout()``, start again."""
        self._check_open()
        await self._tokens.login()

    async def logout(self) -> None:
        """End the session on the server; later calls raise ``NotAuthenticated``."""
        await self._tokens.logout()

    async def close(self) -> None:
        """Log out and close the connections; calling it twice is harmless."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._tokens.logout()
        finally:
            await self._http.close()

    def scope(self, scope_id: str) -> Scope:
        """A view whose calls act in the account ``scope_id`` instead of the caller's."""
        self._check_open()
        return Scope(_rebind(self._binding, scope_id))

    @property
    def scope_id(self) -> str | None:
        """The caller's own account id, once logged in."""
        token = self._tokens.token
        return None if token is None else token.scope_id

    @property
    def user_id(self) -> str | None:
        """The caller's user id, once logged in."""
        token = self._tokens.token
        return None if token is None else token.user_id

    @property
    def access_token(self) -> AccessToken | None:
        """The current access token (its secrets never show in a repr)."""
        return self._tokens.token

    @property
    def token_state(self) -> TokenState:
        """Whether the session is fresh, refreshing, expired or logged out."""
        return self._tokens.state

    def _check_open(self) -> None:
        if self._closed:
            msg = "this client is closed; create a new Client"
            raise ClientClosed(msg)

    def __repr__(self) -> str:
        return f"<Client {self.base_url} {self.token_state.value}>"

    def __del__(self, _warn: Any = warnings.warn) -> None:
        # A client dropped without close() leaks its connections and its
        # server-side session; say where it was made so the leak can be found.
        if getattr(self, "_closed", True):
            return
        if getattr(self._http, "_session", None) is None:
            return
        _warn(
            f"ec_async.Client was not closed; it was created at:\n{self._created_at}",
            ResourceWarning,
            source=self,
            stacklevel=2,
        )


def _rebind(binding: ScopeBinding, scope_id: str) -> ScopeBinding:
    given: object = scope_id  # checked at run time: callers may pass anything.
    if not isinstance(given, str) or not given:
        msg = f"scope_id must be an account id string, got {scope_id!r}"
        raise ConfigurationError(msg)
    return ScopeBinding(binding.pipeline, binding.tokens, scope_id)


def _rate_limiter(rate_limit: RateLimit | float | None) -> RateLimiter | None:
    if rate_limit is None:
        return None
    if not isinstance(rate_limit, RateLimit):
        rate_limit = RateLimit(per_second=rate_limit)
    return RateLimiter(rate_limit)


def _credentials_from(
    username: str | None,
    password: str | None,
    api_key: str | None,
    provider: CredentialsProvider | None,
) -> Credentials | None:
    given = [
        username is not None or password is not None,
        api_key is not None,
        provider is not None,
    ]
    if sum(given) > 1:
        msg = (
            "pass exactly one of: username and password, api_key, credentials_provider"
        )
        raise ConfigurationError(msg)
    if (username is None) != (password is None):
        msg = "username and password go together; pass both"
        raise ConfigurationError(msg)
    if username is not None and password is not None:
        return UsernamePassword(username, password)
    if api_key is not None:
        return ApiKey(api_key)
    return None


def _check_base_url(base_url: str, allow_insecure_http: bool) -> None:
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        msg = f"base_url must be an http(s) URL with a host, like https://host/v1; got {base_url!r}"
        raise ConfigurationError(msg)
    if (
        parts.scheme == "http"
        and not allow_insecure_http
        and not _is_loopback(parts.hostname)
    ):
        msg = (
            f"refusing to send tokens over plain http to {parts.hostname}; use https, "
            "or pass allow_insecure_http=True if the network is trusted"
        )
        raise ConfigurationError(msg)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
