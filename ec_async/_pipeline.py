"""The request pipeline: small stages from an operation call to decoded JSON.

``render`` (pure) → ``retrying`` → ``authorized`` → ``throttled`` (when a
rate limit is set) → ``HttpSession.send`` → ``decode`` (pure). Each stage is
a short function so that later concerns (tracing) slot in between without
touching the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import attrs

from ._convert import parse_json
from ._errors import (
    APIError,
    ConfigurationError,
    DecodeError,
    ECError,
    RequestTimeout,
    TransportError,
    error_from_response,
)
from ._http import HttpSession, RawResponse, Timeouts
from ._ratelimit import RateLimiter

__all__ = [
    "Bearer",
    "Call",
    "Operation",
    "Pipeline",
    "RetryPolicy",
    "query_params",
    "render_path",
]

logger = logging.getLogger("ec_async.pipeline")

QueryValue = str | int | bool | Sequence[str] | None


@attrs.frozen
class Operation:
    """One operation of the spec: its operationId, method, path template, safety.

    ``safe`` operations may be sent again after a failure: reads, the read-only
    ``_query``/``_count`` POSTs and idempotent deletes. Creates and device
    actions are not, so a reset connection never makes them happen twice.
    """

    id: str
    method: str
    path: str
    safe: bool
    authenticated: bool = True


@attrs.frozen
class Bearer:
    """The access token one request is sent with, and its generation."""

    value: str = attrs.field(repr=False)
    generation: int


@attrs.frozen
class Call:
    """An operation with its arguments, ready to be rendered and sent."""

    operation: Operation
    path_params: Mapping[str, str] = attrs.field(factory=dict)
    query: Sequence[tuple[str, str]] = ()
    body: Any = None
    secret_body: bool = False
    bearer: Bearer | None = None
    safe: bool | None = None
    timeouts: Timeouts | None = None
    read_timeout: float | None = None

    @property
    def retry_safe(self) -> bool:
        """Whether a failed attempt may be sent again."""
        return self.operation.safe if self.safe is None else self.safe


def render_path(template: str, params: Mapping[str, str]) -> str:
    """Fill a path template, percent-encoding every value as one path segment."""
    try:
        return template.format_map(
            {name: quote(value, safe="") for name, value in params.items()}
        )
    except KeyError as exc:
        msg = f"path {template!r} needs the parameter {exc.args[0]!r}"
        raise ConfigurationError(msg) from None


def query_params(**values: QueryValue) -> list[tuple[str, str]]:
    """Turn keyword filters into query pairs: ``None`` is left out, lists repeat."""
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        elif isinstance(value, str | int):
            pairs.append((name, str(value)))
        else:
            pairs.extend((name, str(item)) for item in value)
    return pairs


@attrs.frozen
class RetryPolicy:
    """How failed attempts of safe operations are sent again.

    Connection failures and 429, 502, 503 and 504 answers are retried with
    exponential backoff and full jitter; ``Retry-After`` is honoured up to
    ``max_delay``.
    """

    attempts: int = 3
    initial_delay: float = 0.25
    max_delay: float = 8.0
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1:
            msg = f"RetryPolicy.attempts must be at least 1, got {self.attempts}"
            raise ConfigurationError(msg)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt number ``attempt + 1``."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        ceiling = min(self.initial_delay * 2 ** (attempt - 1), self.max_delay)
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not cryptography.


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Read ``Retry-After`` in its seconds or HTTP-date form."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() - time.time()


BearerSource = Callable[[], Awaitable[Bearer]]
RejectionHandler = Callable[[int], Awaitable[None]]


class Pipeline:
    """Sends calls through the stages; shared by a client and its scope views."""

    def __init__(
        self,
        *,
        base_url: str,
        http: HttpSession,
        timeouts: Timeouts,
        retry: RetryPolicy,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = http
        self._timeouts = timeouts
        self._retry = retry
        self._rate_limiter = rate_limiter
        self._bearer: BearerSource | None = None
        self._on_rejected: RejectionHandler | None = None

    def attach_tokens(
        self, bearer: BearerSource, on_rejected: RejectionHandler
    ) -> None:
        """Connect the token manager: where bearers come from, who hears of 401s."""
        self._bearer = bearer
        self._on_rejected = on_rejected

    async def send(self, call: Call) -> Any:
        """Send a call and return its decoded JSON body (``None`` when empty)."""
        path = render_path(call.operation.path, call.path_params)
        timeouts = call.timeouts or self._timeouts
        try:
            async with asyncio.timeout(timeouts.total):
                response = await self._retrying(call, path, timeouts)
        except TimeoutError as exc:
            msg = (
                f"{call.operation.method} {path} did not finish within "
                f"{timeouts.total} s, retries and token refreshes included"
            )
            raise RequestTimeout(msg) from exc

        return decode(call, path, response)

    async def _retrying(self, call: Call, path: str, timeouts: Timeouts) -> RawResponse:
        attempt = 1
        replayed = False
        while True:
            # Outside the try: a login's own failures are not retried again here.
            bearer = await self._bearer_for(call)
            try:
                response = await self._attempt(call, path, bearer, timeouts)
            except (TransportError, RequestTimeout) as exc:
                if not self._may_retry(call, attempt):
                    raise
                await self._pause(call, path, attempt, None, exc)
                attempt += 1
                continue

            if (
                response.status == 401
                and self._renewable(call, bearer)
                and not replayed
            ):
                # A 401 on the current generation renews the token once; on an
                # older one someone renewed already. Either way, replay once.
                assert bearer is not None  # _renewable checked it.
                replayed = True
                await self._rejected(bearer.generation)
                continue
            if response.status in self._retry.retry_statuses and self._may_retry(
                call, attempt
            ):
                await self._pause(call, path, attempt, response, None)
                attempt += 1
                continue
            return response

    def _may_retry(self, call: Call, attempt: int) -> bool:
        return call.retry_safe and attempt < self._retry.attempts

    def _renewable(self, call: Call, bearer: Bearer | None) -> bool:
        return bearer is not None and call.bearer is None

    async def _bearer_for(self, call: Call) -> Bearer | None:
        if call.bearer is not None or not call.operation.authenticated:
            return call.bearer
        if self._bearer is None:
            msg = "the pipeline has no token manager attached"
            raise ConfigurationError(msg)
        return await self._bearer()

    async def _rejected(self, generation: int) -> None:
        if self._on_rejected is not None:
            await self._on_rejected(generation)

    async def _pause(
        self,
        call: Call,
        path: str,
        attempt: int,
        response: RawResponse | None,
        error: ECError | None,
    ) -> None:
        retry_after = (
            None if response is None else retry_after_seconds(response.headers)
        )
        delay = self._retry.delay(attempt, retry_after)
        reason = error if response is None else f"status {response.status}"
        logger.warning(
            "retrying %s %s in %.2f s after attempt %d failed: %s",
            call.operation.method,
            path,
            delay,
            attempt,
            reason,
            extra={"ec_operation": call.operation.id, "ec_attempt": attempt},
        )
        await asyncio.sleep(delay)

    async def _attempt(
        self, call: Call, path: str, bearer: Bearer | None, timeouts: Timeouts
    ) -> RawResponse:
        headers = {"Accept": "application/json"}
        body = None
        if call.body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(call.body, separators=(",", ":")).encode()
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer.value}"

        url = self.base_url + path + _encode_query(call.query)
        await self._throttled()
        started = time.perf_counter()
        response = await self._http.send(
            call.operation.method,
            url,
            headers=headers,
            body=body,
            timeouts=timeouts,
            read_timeout=call.read_timeout,
        )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d in %.1f ms",
                call.operation.method,
                path,
                response.status,
                (time.perf_counter() - started) * 1000,
                extra={"ec_operation": call.operation.id, "ec_status": response.status},
            )
        return response

    async def _throttled(self) -> None:
        # Every attempt takes a slot, retries and logins included, so the rate
        # holds for everything the client sends; the wait counts against the
        # call's total timeout.
        if self._rate_limiter is not None:
            await self._rate_limiter.wait()


def _encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    encoded = "&".join(
        f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs
    )
    return f"?{encoded}" if encoded else ""


def decode(call: Call, path: str, response: RawResponse) -> Any:
    """Map an error status to its typed error; decode a success body as JSON."""
    method = call.operation.method
    if response.status >= 400:
        raise error_from_response(
            method=method,
            path=path,
            status=response.status,
            content_type=response.content_type,
            body=response.body,
        )
    if response.status >= 300:
        msg = (
            f"{method} {path} answered a redirect ({response.status}); ec-client "
            "does not follow redirects, so check base_url"
        )
        raise APIError(
            method=method,
            path=path,
            status=response.status,
            error_code=None,
            server_message=msg,
            body=None,
        )
    if not response.body:
        return None
    if "json" not in response.content_type:
        msg = (
            f"{method} {path}: expected JSON but got {response.content_type or 'no content type'};"
            " a proxy may be answering instead of the EC server"
        )
        raise DecodeError(msg)

    return parse_json(
        response.body, context=f"{method} {path}", secret=call.secret_body
    )
