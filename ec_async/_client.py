"""The async client: configuration, lifecycle, and the resources of a scope."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import ssl
import traceback
import warnings
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import aiohttp
import attrs

from ._access import AccessInfos
from ._accounts import Accounts
from ._auth import (
    LOGIN_API_KEY,
    LOGIN_JWT,
    LOGIN_MFA,
    LOGIN_USER,
    LOGOUT,
    AuthCalls,
)
from ._convert import expect_model
from ._credentials import ApiKey, Credentials, CredentialsProvider, UsernamePassword
from ._data import DataChannels, DataClients, DataMessages, DataMetrics, Streams
from ._device_connections import DeviceConnections
from ._device_management import ManagedDevice
from ._devices import Devices
from ._domains import Domains
from ._endpoints import EndpointInfos
from ._errors import ClientClosed, ConfigurationError
from ._groups_tags import Groups, Tags
from ._guards import is_sequence
from ._http import HttpSession, Timeouts
from ._jobs import Jobs, JobStepDefinitions, TriggerDefinitions
from ._me import CurrentUser
from ._models import AccessToken
from ._observe import CallObserver, check_observers
from ._pipeline import Pipeline, RetryPolicy
from ._ratelimit import RateLimit, RateLimiter
from ._resources import OWN_SCOPE, ScopeBinding, operation
from ._roles import Roles
from ._service_config import ServiceConfigurations
from ._settings import Settings
from ._system import System
from ._tokens import TokenManager, TokenState
from ._urls import check_base_url
from ._user_credentials import ScopeCredentials
from ._users import Users

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

    @property
    def access_infos(self) -> AccessInfos:
        """The access infos of this scope: each user's permissions and roles."""
        return AccessInfos(self._binding)

    @property
    def roles(self) -> Roles:
        """The roles of this scope, and the permissions they grant."""
        return Roles(self._binding)

    @property
    def domains(self) -> Domains:
        """The permission domains and their actions."""
        return Domains(self._binding)

    @property
    def groups(self) -> Groups:
        """The access groups of this scope."""
        return Groups(self._binding)

    @property
    def tags(self) -> Tags:
        """The tags of this scope."""
        return Tags(self._binding)

    @property
    def endpoint_infos(self) -> EndpointInfos:
        """The endpoint infos this scope uses (its own or an ancestor's)."""
        return EndpointInfos(self._binding)

    @property
    def service_configurations(self) -> ServiceConfigurations:
        """The service configurations (and resource limits) of this scope."""
        return ServiceConfigurations(self._binding)

    @property
    def system(self) -> System:
        """What the server says about itself (its version), without a token."""
        return System(self._binding)

    @property
    def users(self) -> Users:
        """The users of this scope, with their credentials and MFA settings."""
        return Users(self._binding)

    @property
    def credentials(self) -> ScopeCredentials:
        """Every password and API key stored for the users of this scope."""
        return ScopeCredentials(self._binding)

    @property
    def me(self) -> CurrentUser:
        """The logged-in user's own profile, password, MFA and permissions.

        The same in every scope view: these calls always act on the caller.
        """
        return CurrentUser(self._binding)

    def with_options(
        self,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        idempotent: bool | None = None,
    ) -> Scope:
        """A view whose calls use other time limits, retries or retry safety.

        ``ec.with_options(timeouts=Timeouts(total=5)).devices.get(id)`` gives
        one call five seconds, retries and refreshes included.
        ``idempotent=True`` lets a call that is not safe to repeat (a create,
        a device command) be retried; pass it only when a second execution
        does no harm. ``idempotent=False`` stops even reads being retried.
        Options not given keep this view's. The view shares the client's
        session and costs nothing to make, so make one per call if needed.
        """
        options = self._binding.options.merged(
            timeouts=timeouts, retry=retry, idempotent=idempotent
        )
        return Scope(attrs.evolve(self._binding, options=options))

    @property
    def device_connections(self) -> DeviceConnections:
        """The broker connections of this scope's devices."""
        return DeviceConnections(self._binding)

    def device(self, device_id: str) -> ManagedDevice:
        """One device of this scope, to manage: configurations, commands, events, ...

        Nothing is sent until one of its applications is called.
        """
        return ManagedDevice(self._binding, device_id)

    @property
    def data_messages(self) -> DataMessages:
        """The telemetry messages stored in this scope."""
        return DataMessages(self._binding)

    @property
    def data_channels(self) -> DataChannels:
        """The channels this scope's clients have published on."""
        return DataChannels(self._binding)

    @property
    def data_clients(self) -> DataClients:
        """The client ids that have stored data in this scope."""
        return DataClients(self._binding)

    @property
    def data_metrics(self) -> DataMetrics:
        """The metrics seen in this scope's stored data."""
        return DataMetrics(self._binding)

    @property
    def streams(self) -> Streams:
        """Publishing messages through the broker."""
        return Streams(self._binding)

    @property
    def jobs(self) -> Jobs:
        """The jobs of this scope, with their steps, targets and executions."""
        return Jobs(self._binding)

    @property
    def job_step_definitions(self) -> JobStepDefinitions:
        """The kinds of job steps the server can run."""
        return JobStepDefinitions(self._binding)

    @property
    def trigger_definitions(self) -> TriggerDefinitions:
        """The kinds of job triggers the server offers."""
        return TriggerDefinitions(self._binding)


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
    first call), keeps its access token fresh ahead of expiry, and logs out
    on exit. A client made without credentials starts its session with
    ``login(credentials)``. ``base_url`` includes the version
    prefix, for example ``https://api.example.com/v1``.

    TLS certificates are always verified: ``ca_bundle`` (a PEM file) trusts a
    private certificate authority, ``client_cert`` (a PEM file holding the
    certificate, and the key unless ``client_key`` names it) answers servers
    that ask for one, and ``ssl_context`` replaces all of that. Plain http is
    refused except to loopback, unless ``allow_insecure_http`` says otherwise.

    ``rate_limit`` caps the requests per second of everything the client
    sends (a number, or a ``RateLimit`` with a burst); ``max_connections``
    caps those in flight.

    ``observers`` are told when each API call starts and ends (see
    ``CallObserver``; ``ec_async.otel`` traces calls with OpenTelemetry), and
    ``trace_configs`` are aiohttp's hooks into every HTTP request sent.
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
        ca_bundle: str | os.PathLike[str] | None = None,
        client_cert: str | os.PathLike[str] | None = None,
        client_key: str | os.PathLike[str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        allow_insecure_http: bool = False,
        verify_key: str | Mapping[str, Any] | None = None,
        observers: Sequence[CallObserver[Any]] = (),
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        check_base_url(base_url, allow_insecure_http)
        tls = _tls_context(ca_bundle, client_cert, client_key, ssl_context)
        credentials = _credentials_from(
            username, password, api_key, credentials_provider
        )
        if max_connections < 1:
            msg = f"max_connections must be at least 1, got {max_connections}"
            raise ConfigurationError(msg)
        if max_body_size < 1:
            msg = f"max_body_size must be at least 1 byte, got {max_body_size}"
            raise ConfigurationError(msg)
        watchers = check_observers(observers)
        _check_trace_configs(trace_configs)

        self.base_url = base_url.rstrip("/")
        self._http = HttpSession(
            max_connections=max_connections,
            max_body_size=max_body_size,
            ssl_context=tls,
            trace_configs=trace_configs,
        )
        pipeline = Pipeline(
            base_url=self.base_url,
            http=self._http,
            timeouts=timeouts or Timeouts(),
            retry=retry or RetryPolicy(),
            max_connections=max_connections,
            rate_limiter=_rate_limiter(rate_limit),
            observers=watchers,
        )
        self._tokens = TokenManager(
            AuthCalls(pipeline),
            credentials=credentials,
            credentials_provider=credentials_provider,
            refresh_margin=refresh_margin,
            verify_key=verify_key,
        )
        pipeline.attach_tokens(self._tokens)
        self._binding = ScopeBinding(pipeline, self._tokens, OWN_SCOPE)
        self._closed = False
        self._created_at = "".join(traceback.format_stack(limit=6)[:-1])

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        ssl_context: ssl.SSLContext | None = None,
        verify_key: str | Mapping[str, Any] | None = None,
        observers: Sequence[CallObserver[Any]] = (),
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> Self:
        """A client configured by ``settings``, such as ``Settings.resolve()`` gives.

        ``Client.from_settings(Settings.resolve())`` reads the ``EC_*``
        variables and the default profile, as the ``ec`` command does. The
        options that are objects rather than values (an SSL context, a key to
        verify tokens with, observers, trace configs) are passed here, as to
        the constructor.
        """
        settings = expect_model(settings, Settings)
        if settings.username is not None and settings.password is None:
            msg = (
                f"no password for {settings.username!r}: pass password, set "
                "EC_PASSWORD, or give the profile a password_command"
            )
            raise ConfigurationError(msg)
        return cls(
            settings.base_url,
            username=settings.username,
            password=settings.password,
            api_key=settings.api_key,
            timeouts=Timeouts(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                total=settings.timeout,
            ),
            retry=RetryPolicy(attempts=settings.retry_attempts),
            rate_limit=settings.rate_limit,
            max_connections=settings.max_connections,
            ca_bundle=settings.ca_bundle,
            client_cert=settings.client_cert,
            client_key=settings.client_key,
            allow_insecure_http=settings.allow_insecure_http,
            ssl_context=ssl_context,
            verify_key=verify_key,
            observers=observers,
            trace_configs=trace_configs,
        )

    async def __aenter__(self) -> Self:
        if not self._tokens.can_log_in:
            # No credentials yet: the caller logs in with login(credentials).
            self._check_open()
            return self
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

    @operation(LOGIN_USER)
    @operation(LOGIN_API_KEY)
    @operation(LOGIN_MFA)
    @operation(LOGIN_JWT)
    async def login(self, credentials: Credentials | None = None) -> None:
        """Log in now (calls also log in lazily); after ``logout()``, start again.

        The credentials given to the client choose the login: a password
        (with an MFA code when needed), an API key, or OpenID Connect tokens.
        ``credentials`` passed here serve for this one login and are not kept;
        a session started so ends with ``SessionExpired`` when its refresh
        token runs out, since the client cannot log in again by itself.
        """
        self._check_open()
        await self._tokens.login(credentials)

    @operation(LOGOUT)
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

    @property
    def token_expires_on(self) -> dt.datetime | None:
        """When the access token expires, by the server's clock (``expiresOn``)."""
        token = self._tokens.token
        return None if token is None else token.expires_on

    @property
    def refresh_expires_on(self) -> dt.datetime | None:
        """When the refresh token expires, by the server's clock (``refreshExpiresOn``)."""
        token = self._tokens.token
        return None if token is None else token.refresh_expires_on

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
        if not self._http.opened:
            return
        self._closed = True
        _warn(
            "ec_async.Client was not closed, so its session was never logged "
            "out; use 'async with' or call close(). It was created at:\n"
            f"{self._created_at}",
            ResourceWarning,
            source=self,
            stacklevel=2,
        )
        # Stop the background refresh and drop the connections now, so that
        # this is the only warning and nothing keeps refreshing a session
        # that no one can use.
        with contextlib.suppress(RuntimeError):
            self._tokens.abandon()
        self._http.abandon()


def _rebind(binding: ScopeBinding, scope_id: object) -> ScopeBinding:
    if not isinstance(scope_id, str) or not scope_id:
        msg = f"scope_id must be an account id string, got {scope_id!r}"
        raise ConfigurationError(msg)
    return attrs.evolve(binding, scope_id=scope_id)


def _tls_context(
    ca_bundle: str | os.PathLike[str] | None,
    client_cert: str | os.PathLike[str] | None,
    client_key: str | os.PathLike[str] | None,
    ssl_context: ssl.SSLContext | None,
) -> ssl.SSLContext | bool:
    """The TLS settings for aiohttp: ``True`` is the system's trust store."""
    if ssl_context is not None:
        if ca_bundle is not None or client_cert is not None or client_key is not None:
            msg = "pass ssl_context or ca_bundle/client_cert/client_key, not both"
            raise ConfigurationError(msg)
        return ssl_context
    if client_key is not None and client_cert is None:
        msg = "client_key needs client_cert: pass the certificate it belongs to"
        raise ConfigurationError(msg)
    if ca_bundle is None and client_cert is None:
        return True

    try:
        context = ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        msg = f"cannot read ca_bundle {os.fspath(ca_bundle or '')!r}: {exc}"
        raise ConfigurationError(msg) from exc
    if client_cert is not None:
        try:
            # An empty password, so that an encrypted key fails here instead of
            # OpenSSL prompting on the terminal of a service.
            context.load_cert_chain(client_cert, client_key, password=lambda: b"")
        except (OSError, ssl.SSLError) as exc:
            # Never quote the files: a key is a secret.
            msg = (
                f"cannot load client_cert {os.fspath(client_cert)!r}: {exc}; it must "
                "be PEM, holding the key too unless client_key names the key file; "
                "for an encrypted key, build an ssl_context with its password"
            )
            raise ConfigurationError(msg) from exc
    return context


def _check_trace_configs(trace_configs: object) -> None:
    if not is_sequence(trace_configs) or not all(
        isinstance(config, aiohttp.TraceConfig) for config in trace_configs
    ):
        msg = "trace_configs must be a list of aiohttp.TraceConfig"
        raise ConfigurationError(msg)


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
