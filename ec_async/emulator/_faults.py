"""Fault injection: error statuses, resets, slowness and broken bodies, per path.

Each request draws its fate from a generator seeded with the fault seed, the
request line and how many times that same request line was seen before, so a
run replays the same faults however concurrent requests interleave.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import email.utils
import fnmatch
import http
import random
import threading
from collections.abc import Iterable, Mapping
from typing import Any, cast

import attrs
from aiohttp import web
from aiohttp.typedefs import Handler

__all__ = ["Fault", "Faults", "answer_with_faults"]

_OUTCOMES = ("reset", "truncate", "malformed", "content_type")

# What a proxy or load balancer in front of the server answers: HTML, not JSON.
_GATEWAY_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_PORTAL_PAGE = (
    "<!DOCTYPE html><html><head><title>Network access</title></head>"
    "<body><h1>Sign in to continue</h1><p>This network requires you to accept "
    "its terms before connecting.</p></body></html>"
)


def _status_rates(
    value: Mapping[int, float] | Iterable[tuple[int, float]],
) -> tuple[tuple[int, float], ...]:
    # A mapping here maps statuses to rates, as the annotation says.
    pairs = (
        cast("Mapping[int, float]", value).items()
        if isinstance(value, Mapping)
        else value
    )
    return tuple(sorted((int(status), float(rate)) for status, rate in pairs))


@attrs.frozen
class Fault:
    """What to inject into the requests whose method and path match.

    ``path`` is a glob matched against the path below ``/v1`` (``*`` matches
    slashes too), such as ``/*/devices`` or ``/authentication/*``; ``method``
    is a method or ``*``. Rates are chances per request, from 0 to 1:
    ``statuses`` maps an error status to its rate, answered with a proxy's
    HTML page before the server does anything; ``reset``, ``truncate``,
    ``malformed`` and ``content_type`` act after the server did the work, so
    its answer is lost (the connection is reset), cut short (half the body,
    then a reset), not valid JSON, or replaced by an HTML page. The chances of
    these outcomes add up to at most 1. ``slow`` is the chance that the
    answer waits ``delay`` seconds first. ``retry_after`` (seconds) is sent
    with injected 429 and 503 answers, as an HTTP date when
    ``retry_after_as_date``. With ``times``, the fault stops after breaking
    that many requests: ``Fault(statuses={503: 1}, times=2)`` fails exactly
    the next two.
    """

    path: str = "*"
    method: str = "*"
    statuses: tuple[tuple[int, float], ...] = attrs.field(
        default=(), converter=_status_rates
    )
    reset: float = 0.0
    truncate: float = 0.0
    malformed: float = 0.0
    content_type: float = 0.0
    slow: float = 0.0
    delay: float = 0.0
    retry_after: float | None = None
    retry_after_as_date: bool = False
    times: int | None = None

    def __attrs_post_init__(self) -> None:
        rates = {
            **{str(status): rate for status, rate in self.statuses},
            **{name: getattr(self, name) for name in (*_OUTCOMES, "slow")},
        }
        for name, rate in rates.items():
            if not 0.0 <= rate <= 1.0:
                msg = f"the rate of {name} must be between 0 and 1, got {rate}"
                raise ValueError(msg)
        if sum(rate for name, rate in rates.items() if name != "slow") > 1.0:
            msg = (
                "the rates of statuses, reset, truncate, malformed and "
                "content_type add up to more than 1"
            )
            raise ValueError(msg)
        for status, _ in self.statuses:
            if not 400 <= status <= 599:
                msg = f"injected statuses are errors (400 to 599), got {status}"
                raise ValueError(msg)
        if self.delay < 0 or (self.retry_after is not None and self.retry_after < 0):
            msg = "delay and retry_after are seconds, zero or more"
            raise ValueError(msg)
        if self.times is not None and self.times < 0:
            msg = f"times must be zero or more, got {self.times}"
            raise ValueError(msg)

    @classmethod
    def parse(cls, text: str) -> Fault:
        """Read ``[METHOD ]PATH:RULE,...``, the form ``ec emulator --fault`` takes.

        A rule is ``STATUS=RATE`` (``503=0.1``), ``reset=``, ``truncate=``,
        ``malformed=``, ``content-type=`` or ``slow=`` with a rate,
        ``delay=SECONDS``, ``retry-after=SECONDS`` (``retry-after-date=``
        for the HTTP-date form), or ``times=N``.
        """
        target, separator, rules = text.partition(":")
        if not separator or not target.strip():
            msg = f"a fault reads [METHOD ]PATH:RULE,..., got {text!r}"
            raise ValueError(msg)
        method, _, path = target.strip().rpartition(" ")
        settings: dict[str, Any] = {"path": path, "method": method.strip() or "*"}
        statuses: dict[int, float] = {}
        for rule in filter(None, (part.strip() for part in rules.split(","))):
            name, equals, value = rule.partition("=")
            name = name.strip().lower().replace("-", "_")
            try:
                number = float(value)
            except ValueError:
                number = -1.0
            if not equals or number < 0:
                msg = f"fault rule {rule!r} needs a number: NAME=VALUE"
                raise ValueError(msg)
            if name.isdigit():
                statuses[int(name)] = number
            elif name in {*_OUTCOMES, "slow", "delay", "retry_after"}:
                settings[name] = number
            elif name == "times":
                settings[name] = int(number)
            elif name == "retry_after_date":
                settings.update(retry_after=number, retry_after_as_date=True)
            else:
                msg = f"unknown fault rule {rule!r}"
                raise ValueError(msg)

        return cls(statuses=statuses, **settings)

    def matches(self, method: str, path: str) -> bool:
        """Whether a request to ``method path`` (below ``/v1``) is subject to this."""
        return (self.method == "*" or self.method.upper() == method) and (
            fnmatch.fnmatchcase(path, self.path)
        )


@attrs.frozen
class Injection:
    """What happens to one request: a wait, then a status or a broken answer."""

    delay: float = 0.0
    status: int | None = None
    outcome: str | None = None
    retry_after: str | None = None


class Faults:
    """The faults one emulator injects; change them at any time, from any thread.

    The first fault whose pattern matches a request applies to it.
    ``injected`` counts what was injected, by status (``"503"``) or by kind
    (``"reset"``, ``"truncate"``, ``"malformed"``, ``"content_type"``,
    ``"slow"``).
    """

    def __init__(self, faults: Iterable[Fault] = (), seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults = tuple(faults)
        self._seed = seed
        self._seen: collections.Counter[str] = collections.Counter()
        self._spent: collections.Counter[int] = collections.Counter()
        self.injected: collections.Counter[str] = collections.Counter()

    @property
    def active(self) -> tuple[Fault, ...]:
        """The faults in force, first match first."""
        return self._faults

    def set(self, *faults: Fault, seed: int | None = None) -> None:
        """Replace the faults (and the seed); the draws start over."""
        with self._lock:
            self._faults = faults
            if seed is not None:
                self._seed = seed
            self._seen.clear()
            self._spent.clear()

    def clear(self) -> None:
        """Inject nothing from now on."""
        self.set()

    def count(self, kind: str) -> None:
        """Count one fault that was injected."""
        with self._lock:
            self.injected[kind] += 1

    def choose(self, method: str, path: str, query: str, now: float) -> Injection:
        """Decide the fate of one request; ``now`` is the server's epoch time."""
        request_line = f"{method} {path}?{query}"
        with self._lock:
            index = next(
                (
                    index
                    for index, fault in enumerate(self._faults)
                    if fault.matches(method, path)
                ),
                None,
            )
            if index is None:
                return Injection()
            fault = self._faults[index]
            if fault.times is not None and self._spent[index] >= fault.times:
                return Injection()
            occurrence = self._seen[request_line]
            self._seen[request_line] += 1
            delay, picked = _draw(fault, f"{self._seed}|{request_line}|{occurrence}")
            if delay or picked is not None:
                self._spent[index] += 1

        if picked is None or not picked.isdigit():
            return Injection(delay=delay, outcome=picked)
        status = int(picked)
        return Injection(
            delay=delay,
            status=status,
            retry_after=_retry_after(fault, now) if status in {429, 503} else None,
        )


def _draw(fault: Fault, key: str) -> tuple[float, str | None]:
    """The delay and the outcome (a status or a kind) one request draws."""
    draw = random.Random(key)
    slow_roll, outcome_roll = draw.random(), draw.random()
    delay = fault.delay if slow_roll < fault.slow else 0.0

    chances = [(str(status), rate) for status, rate in fault.statuses]
    chances += [(name, getattr(fault, name)) for name in _OUTCOMES]
    for name, rate in chances:
        if outcome_roll < rate:
            return delay, name
        outcome_roll -= rate
    return delay, None


def _retry_after(fault: Fault, now: float) -> str | None:
    if fault.retry_after is None:
        return None
    if fault.retry_after_as_date:
        moment = datetime.datetime.fromtimestamp(now + fault.retry_after, datetime.UTC)
        return email.utils.format_datetime(moment, usegmt=True)
    return f"{fault.retry_after:g}"


class _Reset(web.StreamResponse):
    """An answer that never comes: the connection is reset instead."""

    async def prepare(self, request: web.BaseRequest) -> Any:
        if request.transport is not None:
            request.transport.abort()
        # aiohttp ends the exchange quietly on a ConnectionError here.
        msg = "injected connection reset"
        raise ConnectionResetError(msg)


class _Truncated(web.StreamResponse):
    """An answer that promises its whole body, sends half, then resets."""

    def __init__(self, original: web.Response) -> None:
        super().__init__(status=original.status, headers=original.headers)
        self._body_bytes = _body_of(original)
        self.content_length = len(self._body_bytes)

    async def prepare(self, request: web.BaseRequest) -> Any:
        await super().prepare(request)
        await self.write(self._body_bytes[: len(self._body_bytes) // 2])
        if request.transport is not None:
            request.transport.abort()
        msg = "injected truncated body"
        raise ConnectionResetError(msg)


def _body_of(response: web.StreamResponse) -> bytes:
    body = response.body if isinstance(response, web.Response) else None
    return body if isinstance(body, bytes) else b""


def _gateway_error(status: int, retry_after: str | None) -> web.Response:
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    response = web.Response(
        status=status,
        text=_GATEWAY_PAGE.format(status=status, reason=reason),
        content_type="text/html",
    )
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def _broken(outcome: str, response: web.StreamResponse) -> web.StreamResponse | None:
    """The response spoilt by ``outcome``; ``None`` when it has no body to spoil."""
    if outcome == "reset":
        return _Reset(status=response.status)
    body = _body_of(response)
    if not body or not isinstance(response, web.Response):
        return None
    if outcome == "truncate":
        return _Truncated(response)
    if outcome == "malformed":
        broken = web.Response(
            status=response.status, body=body[: len(body) // 2] + b"\x00}"
        )
        broken.content_type = response.content_type
        return broken
    return web.Response(
        status=response.status, text=_PORTAL_PAGE, content_type="text/html"
    )


async def answer_with_faults(
    faults: Faults, now: float, request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Answer ``request`` through ``handler``, with whatever ``faults`` draws for it.

    ``now`` is the server's time in epoch seconds, for ``Retry-After`` dates.
    """
    path = request.path.removeprefix("/v1")
    injection = faults.choose(
        request.method, path, request.rel_url.raw_query_string, now
    )
    if injection.delay:
        faults.count("slow")
        await asyncio.sleep(injection.delay)
    if injection.status is not None:
        faults.count(str(injection.status))
        return _gateway_error(injection.status, injection.retry_after)
    response = await handler(request)
    if injection.outcome is None:
        return response
    broken = _broken(injection.outcome, response)
    if broken is None:
        return response
    faults.count(injection.outcome)
    return broken
