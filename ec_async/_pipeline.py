"""The request pipeline: small stages from an operation call to decoded JSON.

``render`` (pure) → ``observed`` (when the client has call observers) →
``retrying`` → ``authorized`` → ``throttled`` (when a rate limit is set) →
``HttpSession.send`` → ``decode`` (pure). Each stage is a short function so
that later concerns slot in between without touching the others.

Every record logged about a request carries the same ``extra`` fields:
``ec_operation``, ``ec_scope_id``, ``ec_device_id``, ``ec_attempt``,
``ec_status``, ``ec_error`` and ``ec_elapsed`` (see ``_fields``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import math
import random
import time
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import quote

import attrs

from ._convert import parse_json
from ._errors import (
    APIError,
    ConfigurationError,
    DecodeError,
    ECError,
    RequestTimeout,
    TLSError,
    TransportError,
    error_from_response,
)
from ._http import HttpSession, RawResponse, Timeouts
from ._observe import CallObserver, ObservedCall, ended, started
from ._ratelimit import RateLimiter

__all__ = [
    "Bearer",
    "Call",
    "CallOptions",
    "Operation",
    "Pipeline",
    "RetryPolicy",
    "TokenSource",
    "query_params",
    "render_path",
]

logger = logging.getLogger("ec_async.pipeline")

# The scopeId that stands for the caller's own account.
_OWN_SCOPE = "_"

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
    """The access token one request is sent with, its generation and its account."""

    value: str = attrs.field(repr=False)
    generation: int
    scope_id: str | None = None


@attrs.frozen
class CallOptions:
    """What a caller changed for the calls of one view: time limits, retries, safety.

    ``None`` keeps the client's setting; ``idempotent=True`` lets operations
    that are not safe to repeat be retried, ``False`` stops even reads from
    being retried.
    """

    timeouts: Timeouts | None = None
    retry: RetryPolicy | None = None
    idempotent: bool | None = None

    def merged(
        self,
        *,
        timeouts: Timeouts | None,
        retry: RetryPolicy | None,
        idempotent: bool | None,
    ) -> CallOptions:
        """These options with every given (not ``None``) value replaced."""
        return CallOptions(
            timeouts=self.timeouts if timeouts is None else timeouts,
            retry=self.retry if retry is None else retry,
            idempotent=self.idempotent if idempotent is None else idempotent,
        )


@attrs.frozen
class Call:
    """An operation with its arguments, ready to be rendered and sent."""

    operation: Operation
    path_params: Mapping[str, str] = attrs.field(factory=dict[str, str])
    query: Sequence[tuple[str, str]] = ()
    # Login and refresh bodies hold secrets: keep every body out of reprs.
    body: Any = attrs.field(default=None, repr=False)
    secret_body: bool = False
    bearer: Bearer | None = None
    safe: bool | None = None
    timeouts: Timeouts | None = None
    retry: RetryPolicy | None = None
    read_timeout: float | None = None

    @property
    def retry_safe(self) -> bool:
        """Whether a failed attempt may be sent again."""
        return self.operation.safe if self.safe is None else self.safe

    def with_options(self, options: CallOptions) -> Call:
        """This call under a view's options; what the call set itself wins."""
        return attrs.evolve(
            self,
            safe=options.idempotent if self.safe is None else self.safe,
            timeouts=self.timeouts or options.timeouts,
            retry=self.retry or options.retry,
        )


def render_path(template: str, params: Mapping[str, str]) -> str:
    """Fill a path template, percent-encoding every value as one path segment.

    ``.`` and ``..`` survive percent-encoding and would move the request to
    another path once normalised, and control characters belong in no id:
    both are refused before anything is sent.
    """
    for name, value in params.items():
        if value in {".", ".."} or any(
            ord(char) < 0x20 or char == "\x7f" for char in value
        ):
            msg = f"{name} {value!r} is not an id: dot segments and control characters are refused"
            raise ConfigurationError(msg)
        _check_text(name, value)
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
            pairs.append((name, _check_text(name, str(value))))
        else:
            pairs.extend((name, _check_text(name, str(item))) for item in value)
    return pairs


def _check_text(name: str, value: str) -> str:
    # Lone surrogates (undecodable bytes from a command line, say) have no
    # UTF-8 form, so no URL can carry them.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        msg = f"{name} {value!r} is not valid text: it holds undecodable bytes"
        raise ConfigurationError(msg) from None
    return value


@attrs.frozen
class RetryPolicy:
    """How failed attempts are sent again.

    Connection failures and 429, 502, 503 and 504 answers are retried, for
    operations that are safe to repeat, with exponential backoff and full
    jitter; ``Retry-After`` is honoured up to ``max_delay``. A connection that
    failed before anything was sent is retried for every operation.
    ``attempts`` counts the first try: ``attempts=1`` never retries.
    """

    attempts: int = 3
    initial_delay: float = 0.25
    max_delay: float = 8.0
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1:
            msg = f"RetryPolicy.attempts must be at least 1, got {self.attempts}"
            raise ConfigurationError(msg)
        for name in ("initial_delay", "max_delay"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                msg = f"RetryPolicy.{name} must be zero or more seconds, got {value!r}"
                raise ConfigurationError(msg)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt number ``attempt + 1``."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        ceiling = min(self.initial_delay * 2 ** (attempt - 1), self.max_delay)
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not cryptography.


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Read ``Retry-After`` in its seconds or HTTP-date form; ``None`` if unreadable."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) else None
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:
            # RFC 9110 dates are always GMT, whether or not they say so.
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None


@attrs.define
class _Progress:
    """What one call has done so far, for its retries, deadline and messages.

    ``attempt`` counts the tries the retry policy allows; ``sent`` every
    request, a replay after a refused token included.
    """

    started: float
    deadline: float | None = None
    attempt: int = 1
    sent: int = 0
    replayed: bool = False
    answer_lost: bool = False
    last_failure: str | None = None
    status: int | None = None
    own_scope_id: str | None = None

    def scope_id(self, call: Call) -> str | None:
        """The account the call acts in: ``_`` resolved once its token is known."""
        scope_id = call.path_params.get("scopeId")
        if scope_id == _OWN_SCOPE and self.own_scope_id is not None:
            return self.own_scope_id
        return scope_id

    def elapsed(self) -> float:
        """Seconds since the call started."""
        return time.perf_counter() - self.started

    def leaves_time_for(self, delay: float) -> bool:
        """Whether waiting ``delay`` seconds still leaves time to try again."""
        if self.deadline is None:
            return True
        return asyncio.get_running_loop().time() + delay < self.deadline


class TokenSource(Protocol):
    """Where bearers come from: the token manager, as the pipeline sees it."""

    async def bearer(self) -> Bearer:
        """The token to send now; give it back to ``release`` afterwards."""
        ...

    def release(self, bearer: Bearer) -> None:
        """The request sent with ``bearer`` was answered or abandoned."""

    async def rejected(self, generation: int) -> None:
        """A request sent with token ``generation`` was answered 401."""


class Pipeline:
    """Sends calls through the stages; shared by a client and its scope views."""

    def __init__(
        self,
        *,
        base_url: str,
        http: HttpSession,
        timeouts: Timeouts,
        retry: RetryPolicy,
        max_connections: int = 100,
        rate_limiter: RateLimiter | None = None,
        observers: Sequence[CallObserver[Any]] = (),
    ) -> None:
        self.base_url: str = base_url.rstrip("/")
        self._http = http
        self._timeouts = timeouts
        self._retry = retry
        self._tokens: TokenSource | None = None
        # A call takes a token only once a connection is free for it, so that
        # no token grows old, or is refreshed away, while its call queues.
        self._connections = asyncio.Semaphore(max_connections)
        self._rate_limiter = rate_limiter
        self._observers = tuple(observers)

    @property
    def timeouts(self) -> Timeouts:
        """The timeouts calls use unless they bring their own."""
        return self._timeouts

    def attach_tokens(self, tokens: TokenSource) -> None:
        """Connect the token manager: where bearers come from, who hears of 401s."""
        self._tokens = tokens

    def send(self, call: Call) -> Coroutine[Any, Any, Any]:
        """Send a call; awaiting it gives the decoded JSON body (``None`` when empty).

        Not itself a coroutine, so that a client without observers pays for no
        extra one on every call.
        """
        progress = _Progress(started=time.perf_counter())
        if self._observers:
            return self._observed(call, progress)
        return self._answered(call, progress)

    async def _observed(self, call: Call, progress: _Progress) -> Any:
        """The call between its observers' ``call_started`` and ``call_ended``."""
        operation = call.operation
        observed = ObservedCall(
            operation_id=operation.id,
            method=operation.method,
            path_template=operation.path,
            base_url=self.base_url,
            scope_id=call.path_params.get("scopeId"),
            device_id=call.path_params.get("deviceId"),
        )
        states = started(self._observers, observed)
        try:
            return await self._answered(call, progress)
        except BaseException as exc:
            observed.error = exc
            raise
        finally:
            observed.elapsed = progress.elapsed()
            observed.attempts = progress.sent
            observed.status = progress.status
            observed.scope_id = progress.scope_id(call)
            ended(self._observers, observed, states)

    async def _answered(self, call: Call, progress: _Progress) -> Any:
        """The decoded answer, after every retry the deadline leaves time for."""
        self._http.check_open()
        path = render_path(call.operation.path, call.path_params)
        timeouts = call.timeouts or self._timeouts
        retry = call.retry or self._retry
        if timeouts.total is not None:
            progress.deadline = asyncio.get_running_loop().time() + timeouts.total
        deadline = asyncio.timeout_at(progress.deadline)
        try:
            async with deadline:
                response = await self._retrying(call, path, timeouts, retry, progress)
        except TimeoutError as exc:
            if not deadline.expired():
                raise  # A connect or read timeout of one attempt, already typed.
            raise _deadline_passed(call, path, timeouts, progress) from exc

        return decode(call, path, response)

    async def _retrying(
        self,
        call: Call,
        path: str,
        timeouts: Timeouts,
        retry: RetryPolicy,
        progress: _Progress,
    ) -> RawResponse:
        while True:
            # Outside the try: a login's own failures are not retried again here.
            bearer = await self._bearer_for(call)
            if bearer is not None:
                progress.own_scope_id = bearer.scope_id
            progress.sent += 1
            try:
                response = await self._leased_attempt(
                    call, path, bearer, timeouts, progress
                )
            except (TransportError, RequestTimeout) as exc:
                if await self._retried(call, path, retry, progress, exc):
                    continue
                raise

            if (
                response.status == 401
                and self._renewable(call, bearer)
                and not progress.replayed
            ):
                # A 401 on the current generation renews the token once; on an
                # older one someone renewed already. Either way, replay once.
                assert bearer is not None  # _renewable checked it.
                progress.replayed = True
                await self._rejected(bearer.generation)
                continue
            if response.status in retry.retry_statuses and await self._retried(
                call, path, retry, progress, response
            ):
                continue
            return _settled(call, path, response, progress)

    async def _retried(
        self,
        call: Call,
        path: str,
        retry: RetryPolicy,
        progress: _Progress,
        failure: TransportError | RequestTimeout | RawResponse,
    ) -> bool:
        """Wait before the next attempt and say so, or say there is none."""
        status = None
        if isinstance(failure, RawResponse):
            error = None
            status = failure.status
            reason = f"status {failure.status}"
            delay = retry.delay(progress.attempt, retry_after_seconds(failure.headers))
        else:
            error = failure
            reason = str(failure)
            delay = retry.delay(progress.attempt, None)
        progress.last_failure = reason
        if not (
            self._may_retry(call, retry, progress.attempt, error)
            and progress.leaves_time_for(delay)
        ):
            return False

        logger.warning(
            "retrying %s %s in %.2f s after attempt %d failed: %s",
            call.operation.method,
            path,
            delay,
            progress.sent,
            reason,
            extra=_fields(call, progress, status, error),
        )
        await asyncio.sleep(delay)
        progress.attempt += 1
        progress.answer_lost = progress.answer_lost or (
            error is not None and error.request_sent
        )
        return True

    def _may_retry(
        self,
        call: Call,
        retry: RetryPolicy,
        attempt: int,
        error: TransportError | RequestTimeout | None,
    ) -> bool:
        if attempt >= retry.attempts or isinstance(error, TLSError):
            return False
        if call.retry_safe:
            return True
        # Nothing of the request left this machine, so the server cannot have
        # acted on it: sending it again cannot make anything happen twice.
        return error is not None and not error.request_sent

    def _renewable(self, call: Call, bearer: Bearer | None) -> bool:
        return bearer is not None and call.bearer is None

    async def _bearer_for(self, call: Call) -> Bearer | None:
        """The call's token, leased with a connection slot until ``_leased_attempt``."""
        if call.bearer is not None or not call.operation.authenticated:
            return call.bearer
        if self._tokens is None:
            msg = "the pipeline has no token manager attached"
            raise ConfigurationError(msg)
        await self._connections.acquire()
        try:
            return await self._tokens.bearer()
        except BaseException:
            self._connections.release()
            raise

    async def _leased_attempt(
        self,
        call: Call,
        path: str,
        bearer: Bearer | None,
        timeouts: Timeouts,
        progress: _Progress,
    ) -> RawResponse:
        try:
            return await self._attempt(call, path, bearer, timeouts, progress)
        finally:
            # Answered, failed or cancelled: a refresh waiting for the requests
            # sent with this token need not wait for this one any more.
            if self._renewable(call, bearer) and self._tokens is not None:
                assert bearer is not None  # _renewable checked it.
                self._tokens.release(bearer)
                self._connections.release()

    async def _rejected(self, generation: int) -> None:
        if self._tokens is not None:
            await self._tokens.rejected(generation)

    async def _attempt(
        self,
        call: Call,
        path: str,
        bearer: Bearer | None,
        timeouts: Timeouts,
        progress: _Progress,
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
        try:
            response = await self._http.send(
                call.operation.method,
                url,
                headers=headers,
                body=body,
                timeouts=timeouts,
                read_timeout=call.read_timeout,
                label=f"{call.operation.method} {path}",
            )
        except ECError as exc:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s failed after %.1f ms: %s",
                    call.operation.method,
                    path,
                    (time.perf_counter() - started) * 1000,
                    type(exc).__name__,
                    extra=_fields(call, progress, None, exc),
                )
            raise

        progress.status = response.status
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d in %.1f ms",
                call.operation.method,
                path,
                response.status,
                (time.perf_counter() - started) * 1000,
                extra=_fields(call, progress, response.status, None),
            )
        return response

    async def _throttled(self) -> None:
        # Every attempt takes a slot, retries and logins included, so the rate
        # holds for everything the client sends; the wait counts against the
        # call's total timeout.
        if self._rate_limiter is not None:
            await self._rate_limiter.wait()


def _fields(
    call: Call,
    progress: _Progress,
    status: int | None,
    error: BaseException | None,
) -> dict[str, Any]:
    """The ``extra`` fields of a record about one request of a call.

    Every such record carries all of them, ``None`` where one does not apply,
    so a formatter may name any: the operation id, the account (``_``
    resolved), the device the path names, which request of the call this is
    (from 1), its HTTP status, the name of the error it failed with, and the
    seconds since the call started. None of them can hold a secret.
    """
    return {
        "ec_operation": call.operation.id,
        "ec_scope_id": progress.scope_id(call),
        "ec_device_id": call.path_params.get("deviceId"),
        "ec_attempt": progress.sent,
        "ec_status": status,
        "ec_error": None if error is None else type(error).__name__,
        "ec_elapsed": progress.elapsed(),
    }


def _encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    encoded = "&".join(
        f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs
    )
    return f"?{encoded}" if encoded else ""


def _settled(
    call: Call, path: str, response: RawResponse, progress: _Progress
) -> RawResponse:
    """The final answer; a delete gone on retry after a lost answer succeeded."""
    if (
        progress.answer_lost
        and response.status == 404
        and call.operation.method == "DELETE"
    ):
        # The earlier attempt reached the server and deleted the entity, but
        # its answer was lost on the way back.
        logger.info(
            "%s %s: gone on retry, so the attempt whose answer was lost deleted it",
            call.operation.method,
            path,
            extra=_fields(call, progress, response.status, None),
        )
        return RawResponse(204, {}, b"")
    return response


def _deadline_passed(
    call: Call, path: str, timeouts: Timeouts, progress: _Progress
) -> RequestTimeout:
    attempts = f"{progress.sent} attempt{'s' if progress.sent != 1 else ''}"
    last = (
        f"; the last failure: {progress.last_failure}" if progress.last_failure else ""
    )
    msg = (
        f"{call.operation.method} {path} did not finish within {timeouts.total} s "
        f"({attempts}{last}). The deadline covers every retry and token refresh; "
        "raise Timeouts.total, for one call with with_options(timeouts=...)"
    )
    return RequestTimeout(msg)


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
        raise _redirected(method, path, response)
    if not response.body:
        return None
    if "json" not in response.content_type:
        shown = response.content_type or "no content type"
        msg = (
            f"{method} {path}: expected JSON but got {shown}; a proxy, captive "
            "portal or load balancer may be answering instead of the EC server, "
            "so check base_url and the network path"
        )
        raise DecodeError(msg)

    return parse_json(
        response.body, context=f"{method} {path}", secret=call.secret_body
    )


def _redirected(method: str, path: str, response: RawResponse) -> APIError:
    location = response.headers.get("Location", "")
    # Only the target's origin and path: a query could carry data.
    target = location.split("?", 1)[0].split("#", 1)[0][:200] or "nowhere"
    msg = (
        f"the server redirected to {target}; ec-client never follows redirects, "
        "so that no token reaches another host. Set base_url to the final "
        "address (https rather than http, say)"
    )
    return APIError(
        method=method,
        path=path,
        status=response.status,
        error_code=None,
        server_message=msg,
        body=None,
    )
