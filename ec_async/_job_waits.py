"""Following job executions to their end by polling, with backoff.

Kapua has no push channel for job progress, so the helpers poll: quickly at
first, then more slowly while nothing changes, and quickly again after a
change. A deadline that passes raises ``WaitTimeout``; the job goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable

import attrs

from ._errors import ConfigurationError, WaitTimeout
from ._job_models import ExecutionProgress

__all__ = ["Backoff", "Deadline", "poll_progress"]


@attrs.define
class Backoff:
    """Delays between polls: ``initial``, growing by ``factor`` up to ``maximum``."""

    initial: float = 0.25
    maximum: float = 5.0
    factor: float = 1.6
    _current: float = attrs.field(init=False, default=0.0)

    def __attrs_post_init__(self) -> None:
        if self.initial <= 0 or self.maximum < self.initial or self.factor < 1:
            msg = (
                "poll intervals need 0 < poll_interval <= max_poll_interval, got "
                f"{self.initial} and {self.maximum}"
            )
            raise ConfigurationError(msg)
        self._current = self.initial

    def reset(self) -> None:
        """Poll quickly again: something just changed."""
        self._current = self.initial

    def next_delay(self) -> float:
        """The delay before the next poll; each call lengthens the following one."""
        delay = self._current
        self._current = min(self._current * self.factor, self.maximum)
        return delay


class Deadline:
    """A point in loop time after which waiting stops; ``None`` waits forever."""

    def __init__(self, timeout: float | None, what: str) -> None:
        if timeout is not None and timeout <= 0:
            msg = f"timeout must be positive, got {timeout}"
            raise ConfigurationError(msg)
        loop = asyncio.get_running_loop()
        self._at = None if timeout is None else loop.time() + timeout
        self._timeout = timeout
        self._what = what

    async def sleep(self, delay: float) -> None:
        """Sleep ``delay`` seconds, or raise ``WaitTimeout`` if that passes the deadline."""
        if self._at is not None:
            remaining = self._at - asyncio.get_running_loop().time()
            if remaining <= 0:
                msg = f"{self._what} did not finish within {self._timeout} s"
                raise WaitTimeout(msg)
            delay = min(delay, remaining)
        await asyncio.sleep(delay)


def _fingerprint(progress: ExecutionProgress) -> Hashable:
    execution = progress.execution
    targets = tuple(
        sorted((t.id, t.status or "", t.step_index or 0) for t in progress.targets)
    )
    return (execution.ended_on, execution.modified_on, execution.optlock, targets)


async def poll_progress(
    snapshot: Callable[[], Awaitable[ExecutionProgress]],
    *,
    backoff: Backoff,
    deadline: Deadline,
) -> AsyncIterator[ExecutionProgress]:
    """Yield each new state ``snapshot`` reports, ending with the finished one."""
    last: Hashable = None
    while True:
        progress = await snapshot()
        fingerprint = _fingerprint(progress)
        if fingerprint != last:
            last = fingerprint
            backoff.reset()
            yield progress
        if progress.finished:
            return
        await deadline.sleep(backoff.next_delay())
