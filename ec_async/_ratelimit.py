"""A client-wide request rate: every request the pipeline sends waits for its slot.

The limiter hands out start times spaced ``1 / per_second`` apart, letting up
to ``burst`` requests start at once after a quiet spell (the generic cell rate
algorithm). Slots are reserved without awaiting, so no lock is needed on the
client's one event loop.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

import attrs

from ._errors import ConfigurationError

__all__ = ["RateLimit", "RateLimiter"]


@attrs.frozen
class RateLimit:
    """At most ``per_second`` requests a second, shared by everything a client sends.

    ``burst`` requests may start together after a pause; the default of 1
    spaces every request evenly. Retries, token refreshes and logins count too.
    """

    per_second: float
    burst: int = 1

    def __attrs_post_init__(self) -> None:
        if not math.isfinite(self.per_second) or self.per_second <= 0:
            msg = f"RateLimit.per_second must be a positive number, got {self.per_second!r}"
            raise ConfigurationError(msg)
        if self.burst < 1:
            msg = f"RateLimit.burst must be at least 1, got {self.burst!r}"
            raise ConfigurationError(msg)


class RateLimiter:
    """Reserves each request's start time under one ``RateLimit``."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self._interval = 1.0 / limit.per_second
        self._tolerance = (limit.burst - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        # The theoretical arrival time: when the next request would be due if
        # requests came exactly at the limit.
        self._due = -math.inf

    def reserve(self) -> float:
        """Take the next slot; return how many seconds to wait before sending."""
        now = self._clock()
        due = max(self._due, now)
        start = max(now, due - self._tolerance)
        self._due = due + self._interval

        return start - now

    async def wait(self) -> None:
        """Wait for this request's slot; a cancelled wait gives its slot up unused."""
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)
