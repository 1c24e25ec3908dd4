"""The one place aiohttp is touched: send bytes, get bytes, translate failures."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping, Sequence

import aiohttp
import attrs

from ._errors import ConfigurationError, DecodeError, RequestTimeout, TransportError

__all__ = ["HttpSession", "RawResponse", "Timeouts"]


@attrs.frozen
class Timeouts:
    """Seconds to wait: to connect, between bytes read, and for a whole call.

    ``total`` covers every attempt, retry and token refresh of one call;
    ``None`` means no overall limit.
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

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl)
            self._session = aiohttp.ClientSession(
                connector=connector,
                trace_configs=self._trace_configs or None,
                auto_decompress=True,
            )
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
    ) -> RawResponse:
        """Send one request and read the whole response, or raise an ``ECError``."""
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
                payload = await self._read_body(response, method, url)
                # The headers are immutable and case-insensitive: kept, not copied.
                return RawResponse(response.status, response.headers, payload)
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            msg = f"{method} {_path_of(url)} timed out; the server may be slow or unreachable"
            raise RequestTimeout(msg) from exc
        except aiohttp.ClientPayloadError as exc:
            msg = f"{method} {_path_of(url)}: the response body was cut short ({exc})"
            raise TransportError(msg) from exc
        except aiohttp.ClientError as exc:
            msg = f"{method} {_path_of(url)} could not complete: {_describe(exc)}"
            raise TransportError(msg) from exc

    async def _read_body(
        self, response: aiohttp.ClientResponse, method: str, url: str
    ) -> bytes:
        declared = response.content_length
        if declared is not None and declared > self._max_body_size:
            raise _too_large(method, url, self._max_body_size)
        if declared is not None:
            # The length is known and allowed: one read, no chunk bookkeeping.
            return await response.read()

        chunks: list[bytes] = []
        received = 0
        async for chunk in response.content.iter_chunked(1 << 16):
            received += len(chunk)
            if received > self._max_body_size:
                raise _too_large(method, url, self._max_body_size)
            chunks.append(chunk)

        return b"".join(chunks)

    async def close(self) -> None:
        """Close the session and its connections; safe to call twice."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()
            # Give aiohttp's transports a loop turn to finish closing, so no
            # ResourceWarning about unclosed transports reaches the caller.
            await asyncio.sleep(0)


def _too_large(method: str, url: str, limit: int) -> DecodeError:
    msg = (
        f"{method} {_path_of(url)}: the response body is larger than the "
        f"configured limit of {limit} bytes; raise max_body_size if it is expected"
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


def _describe(exc: aiohttp.ClientError) -> str:
    return str(exc) or type(exc).__name__
