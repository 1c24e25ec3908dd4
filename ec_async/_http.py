"""The one place aiohttp is touched: send bytes, get bytes, translate failures."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ssl
from collections.abc import Mapping, Sequence

import aiohttp
import attrs

from ._errors import (
    ClientClosed,
    ConfigurationError,
    DecodeError,
    ECError,
    RequestTimeout,
    TLSError,
    TransportError,
)

__all__ = ["HttpSession", "RawResponse", "Timeouts", "translate_failure"]


@attrs.frozen
class Timeouts:
    """Seconds to wait: to connect, between bytes read, and for a whole call.

    ``total`` covers every attempt, retry and token refresh of one call;
    ``None`` means no overall limit. Give them to a ``Client``, or to some
    calls with ``with_options(timeouts=...)``.
    """

    connect: float = 10.0
    read: float = 60.0
    total: float | None = 300.0

    def __attrs_post_init__(self) -> None:
        for name in ("connect", "read", "total"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                msg = f"Timeouts.{name} must be positive, got {value!r}"
                raise ConfigurationError(msg)


@attrs.frozen
class RawResponse:
    """A response read whole: status, headers and body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type, lower case, without parameters."""
        value = self.headers.get("Content-Type", "")
        return value.split(";", 1)[0].strip().lower()


class HttpSession:
    """An aiohttp session created lazily inside the running loop.

    Creating it lazily keeps a client constructible outside a loop (and on the
    sync facade's private loop) without "attached to a different loop" errors.
    """

    def __init__(
        self,
        *,
        max_connections: int,
        max_body_size: int,
        ssl_context: ssl.SSLContext | bool,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        self._max_connections = max_connections
        self._max_body_size = max_body_size
        self._ssl = ssl_context
        self._trace_configs = list(trace_configs)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    @property
    def opened(self) -> bool:
        """Whether a session with connections to close exists."""
        return self._session is not None and not self._session.closed

    def check_open(self) -> None:
        """Raise ``ClientClosed`` once ``close()`` was called."""
        if self._closed:
            msg = "this client is closed; create a new Client"
            raise ClientClosed(msg)

    def _ensure_session(self) -> aiohttp.ClientSession:
        self.check_open()
        if self._session is None or self._session.closed:
            self._loop = asyncio.get_running_loop()
            connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl)
            session = aiohttp.ClientSession(
                connector=connector,
                trace_configs=self._trace_configs or None,
                auto_decompress=True,
            )
            # aiohttp silently sends GET, PUT and DELETE a second time when a
            # pooled connection drops. A PUT that changes a device must not go
            # twice, and retries must all be counted and logged in one place:
            # the pipeline's, which knows which operations are safe.
            session._retry_connection = False
            self._session = session
        return self._session

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        timeouts: Timeouts,
        read_timeout: float | None = None,
        label: str | None = None,
    ) -> RawResponse:
        """Send one request and read the whole response, or raise an ``ECError``.

        ``label`` names the request in error messages (the URL's path without
        its query when not given).
        """
        request = label or f"{method} {_path_of(url)}"
        error: ECError
        cause: BaseException | None
        session = self._ensure_session()
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=timeouts.connect,
            sock_read=read_timeout if read_timeout is not None else timeouts.read,
        )
        try:
            async with session.request(
                method,
                url,
                headers=headers,
                data=body,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                payload = await self._read_body(response, request)
                # The headers are immutable and case-insensitive: kept, not copied.
                return RawResponse(response.status, response.headers, payload)
        except (TimeoutError, aiohttp.ClientError) as exc:
            error = translate_failure(exc, request, timeouts)
            # A ClientResponseError carries the request's headers, bearer
            # included, in its repr: it must not ride along as the cause.
            cause = None if isinstance(exc, aiohttp.ClientResponseError) else exc
        except ECError:
            raise
        except ValueError as exc:
            # aiohttp refused to build the request, a header value with a
            # control character say; its message quotes no value.
            msg = f"{request}: the request could not be built ({exc})"
            error, cause = ConfigurationError(msg), exc
        raise error from cause

    async def _read_body(self, response: aiohttp.ClientResponse, request: str) -> bytes:
        declared = response.content_length
        if declared is not None and declared > self._max_body_size:
            raise _too_large(request, self._max_body_size)
        if declared is not None and "Content-Encoding" not in response.headers:
            # The length is known, allowed and final: one read, no bookkeeping.
            return await response.read()

        chunks: list[bytes] = []
        received = 0
        async for chunk in response.content.iter_chunked(1 << 16):
            received += len(chunk)
            if received > self._max_body_size:
                raise _too_large(request, self._max_body_size)
            chunks.append(chunk)

        return b"".join(chunks)

    async def close(self) -> None:
        """Close the session and its connections; safe to call twice."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()
            # Give aiohttp's transports a loop turn to finish closing, so no
            # ResourceWarning about unclosed transports reaches the caller.
            await asyncio.sleep(0)

    def abandon(self) -> None:
        """Drop the connections without awaiting, for a client no one closed.

        Nothing can be closed through a loop that is already closed; the
        sockets are then left to the interpreter's own finalizers.
        """
        self._closed = True
        session, self._session = self._session, None
        loop = self._loop
        if session is None or session.closed or loop is None or loop.is_closed():
            return
        connector = session.connector
        session.detach()
        if connector is None:
            return
        # The synchronous close that aiohttp's own finalizer uses; it must run
        # on the loop's thread, and a finalizer may run on any thread.
        close_now = connector._close
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            close_now()
        else:
            with contextlib.suppress(RuntimeError):  # The loop closed meanwhile.
                loop.call_soon_threadsafe(close_now)


def translate_failure(
    exc: TimeoutError | aiohttp.ClientError, request: str, timeouts: Timeouts
) -> TransportError | RequestTimeout:
    """The ``ECError`` for an aiohttp failure; pure, so tests need no socket."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        msg = (
            f"{request}: could not connect within {timeouts.connect} s; nothing was "
            "sent. Check base_url and the network, or raise Timeouts.connect"
        )
        return RequestTimeout(msg, request_sent=False)
    if isinstance(exc, TimeoutError):
        msg = (
            f"{request}: the server sent nothing for {timeouts.read} s; it may be "
            "overloaded. Raise Timeouts.read if the operation is slow by nature"
        )
        return RequestTimeout(msg)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        msg = (
            f"{request}: the server's TLS certificate was refused "
            f"({exc.certificate_error}); nothing was sent. If the server uses a "
            "private certificate authority, pass ca_bundle= with its certificate"
        )
        return TLSError(msg, request_sent=False)
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        msg = (
            f"{request}: the TLS handshake failed ({_describe(exc)}); nothing was "
            "sent. Check the URL's port and scheme, and client_cert= if the server "
            "asks for a client certificate"
        )
        return TLSError(msg, request_sent=False)
    if isinstance(exc, aiohttp.ClientConnectorError):
        msg = (
            f"{request}: could not connect to {exc.host}:{exc.port} "
            f"({_describe(exc.os_error)}); nothing was sent. Check base_url and "
            "that the server is reachable"
        )
        return TransportError(msg, request_sent=False)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        msg = (
            f"{request}: the server closed the connection without answering; "
            "the request may or may not have been carried out"
        )
        return TransportError(msg)
    if isinstance(exc, aiohttp.ClientPayloadError):
        msg = (
            f"{request}: the response body was cut short or could not be decoded "
            f"({_describe(exc)}); a proxy or the network dropped the connection"
        )
        return TransportError(msg)
    if isinstance(exc, aiohttp.ClientOSError):
        msg = (
            f"{request}: the connection failed ({_describe(exc)}); the request "
            "may or may not have been carried out"
        )
        if exc.errno == errno.ECONNRESET:
            msg += (
                ". If every call to an https server ends so, it may require a "
                "client certificate: pass client_cert="
            )
        return TransportError(msg)
    if isinstance(exc, aiohttp.ClientResponseError):
        msg = (
            f"{request}: the answer is not valid HTTP ({exc.message}); something "
            "between ec-client and the server garbled it"
        )
        return TransportError(msg)
    msg = f"{request} could not complete: {_describe(exc)}"
    return TransportError(msg)


def _too_large(request: str, limit: int) -> DecodeError:
    msg = (
        f"{request}: the response body is larger than the configured limit of "
        f"{limit} bytes; raise max_body_size if it is expected"
    )
    return DecodeError(msg)


def _path_of(url: str) -> str:
    # Error messages carry the path only: never a query that could hold data,
    # and the host is already known to the caller.
    without_query = url.split("?", 1)[0]
    scheme_end = without_query.find("://")
    if scheme_end == -1:
        return without_query
    path_start = without_query.find("/", scheme_end + 3)
    return without_query[path_start:] if path_start != -1 else "/"


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
