"""The bulk engine: one async operation over many items, with per-item outcomes.

A fixed pool of ``concurrency`` workers pulls items (from any iterable, even
an async one, so items can stream in while results stream out) and records a
``Result`` per item: its value, or the ``ECError`` it raised. Other exceptions
are bugs, not outcomes: they stop the run and propagate, as does the first
``ECError`` under ``fail_fast``.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sized,
)
from typing import Any, Generic, TypeVar, cast

import anyio
import attrs
from anyio.abc import TaskGroup

from ._errors import ConfigurationError, ECError

__all__ = ["Progress", "Report", "Result", "run", "stream"]

ItemT = TypeVar("ItemT")
ValueT = TypeVar("ValueT")

DEFAULT_CONCURRENCY = 16
# Far above what any server lets one client run at once, and low enough that
# a typo (one more zero) cannot start a million workers.
MAX_CONCURRENCY = 1000


@attrs.frozen
class Result(Generic[ItemT, ValueT]):
    """The outcome for one item: the operation's value, or the ``ECError`` it raised.

    ``index`` is the item's position among the items given.
    """

    index: int
    item: ItemT
    value: ValueT | None = None
    error: ECError | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the operation succeeded for this item."""
        return self.error is None

    def unwrap(self) -> ValueT:
        """The value; raise the item's error if the operation failed."""
        if self.error is not None:
            raise self.error
        return cast("ValueT", self.value)


@attrs.frozen
class Progress:
    """How far a run has come; ``total`` is ``None`` for items without a length."""

    completed: int
    failed: int
    total: int | None
    elapsed: float

    @property
    def succeeded(self) -> int:
        """How many items have completed without an error."""
        return self.completed - self.failed


@attrs.frozen
class Report(Generic[ItemT, ValueT]):
    """Every item's ``Result``, in the order the items were given."""

    results: list[Result[ItemT, ValueT]]
    elapsed: float

    @property
    def succeeded(self) -> list[Result[ItemT, ValueT]]:
        """The results of the items whose operation succeeded."""
        return [result for result in self.results if result.ok]

    @property
    def failed(self) -> list[Result[ItemT, ValueT]]:
        """The results of the items whose operation raised an ``ECError``."""
        return [result for result in self.results if not result.ok]

    @property
    def values(self) -> list[ValueT]:
        """The values of the items that succeeded, in item order."""
        return [cast("ValueT", result.value) for result in self.results if result.ok]

    def __iter__(self) -> Iterator[Result[ItemT, ValueT]]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)


async def run(
    operation: Callable[[ItemT], Awaitable[ValueT]],
    items: Iterable[ItemT] | AsyncIterable[ItemT],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    fail_fast: bool = False,
    progress: Callable[[Progress], object] | None = None,
) -> Report[ItemT, ValueT]:
    """Await ``operation(item)`` for every item, ``concurrency`` at a time.

    Returns a ``Report`` once every item is done. An ``ECError`` becomes the
    item's result and the others go on, unless ``fail_fast``: then the first
    one cancels the rest and is raised. ``progress`` is called after each
    item. Cancelling the call cancels every operation in flight.
    """
    check_concurrency(concurrency)
    started = time.perf_counter()
    results: list[Result[ItemT, ValueT]] = []

    async def keep(result: Result[ItemT, ValueT]) -> None:
        results.append(result)

    await _execute(operation, items, concurrency, fail_fast, progress, keep)
    results.sort(key=lambda result: result.index)

    return Report(results=results, elapsed=time.perf_counter() - started)


def stream(
    operation: Callable[[ItemT], Awaitable[ValueT]],
    items: Iterable[ItemT] | AsyncIterable[ItemT],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    fail_fast: bool = False,
    progress: Callable[[Progress], object] | None = None,
) -> AsyncIterator[Result[ItemT, ValueT]]:
    """Like ``run``, but yield each item's ``Result`` as soon as it completes.

    Results come in completion order; at most ``concurrency`` wait unread, so
    a slow reader slows the work instead of piling results up. Leaving the
    loop early (close it, or use ``contextlib.aclosing``) cancels the rest.
    """
    check_concurrency(concurrency)
    return _stream(operation, items, concurrency, fail_fast, progress)


async def _stream(
    operation: Callable[[ItemT], Awaitable[ValueT]],
    items: Iterable[ItemT] | AsyncIterable[ItemT],
    concurrency: int,
    fail_fast: bool,
    progress: Callable[[Progress], object] | None,
) -> AsyncGenerator[Result[ItemT, ValueT], None]:
    send, receive = anyio.create_memory_object_stream[Result[ItemT, ValueT]](
        max_buffer_size=concurrency
    )

    async def produce() -> None:
        async with send:
            await _execute(
                operation, items, concurrency, fail_fast, progress, send.send
            )

    # A plain task rather than a task group: each step of a generator may run
    # in a different task (the sync facade's do), and a task group must not.
    producer = asyncio.ensure_future(produce())
    try:
        async with receive:
            async for result in receive:
                yield result
        await producer
    finally:
        # Stop the work if the reader left early, and collect the producer's
        # outcome in every case, so no exception is left unretrieved.
        producer.cancel()
        await asyncio.gather(producer, return_exceptions=True)
        send.close()  # In case the producer was cancelled before it began.


def check_concurrency(concurrency: object) -> None:
    """Refuse a concurrency that is not an int from 1 to 1,000, before anything is sent."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        msg = f"concurrency must be an int, got {concurrency!r}"
        raise ConfigurationError(msg)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        msg = f"concurrency must be from 1 to {MAX_CONCURRENCY}, got {concurrency}"
        raise ConfigurationError(msg)


class _Source(Generic[ItemT]):
    """Hands out items with their index, one at a time, to any number of workers."""

    def __init__(self, items: Iterable[ItemT] | AsyncIterable[ItemT]) -> None:
        self.total = len(items) if isinstance(items, Sized) else None
        self._sync: Iterator[ItemT] | None = None
        self._async: AsyncIterator[ItemT] | None = None
        if isinstance(items, AsyncIterable):
            self._async = aiter(items)
        else:
            self._sync = iter(items)
        # An async iterator must not be advanced by two workers at once.
        self._lock = anyio.Lock()
        self._taken = 0

    async def take(self) -> tuple[int, ItemT] | None:
        """The next item and its index, or ``None`` when there are no more."""
        if self._sync is not None:
            item = next(self._sync, _END)
        else:
            assert self._async is not None
            async with self._lock:
                item = await anext(self._async, _END)
        if item is _END:
            return None

        index = self._taken
        self._taken += 1
        return index, cast("ItemT", item)


_END: Any = object()


async def _execute(
    operation: Callable[[ItemT], Awaitable[ValueT]],
    items: Iterable[ItemT] | AsyncIterable[ItemT],
    concurrency: int,
    fail_fast: bool,
    progress: Callable[[Progress], object] | None,
    deliver: Callable[[Result[ItemT, ValueT]], Awaitable[None]],
) -> None:
    """Run the workers; raise the first exception that stopped them, unwrapped."""
    source = _Source(items)
    started = time.perf_counter()
    completed = failed = 0
    stopped_by: list[BaseException] = []

    async def work(group: TaskGroup) -> None:
        nonlocal completed, failed
        try:
            while (taken := await source.take()) is not None:
                result = await _attempt(operation, *taken)
                if result.error is not None and fail_fast:
                    raise _noted(result)
                completed += 1
                failed += result.error is not None
                if progress is not None:
                    progress(
                        Progress(
                            completed=completed,
                            failed=failed,
                            total=source.total,
                            elapsed=time.perf_counter() - started,
                        )
                    )
                await deliver(result)
        except Exception as exc:  # noqa: BLE001 - raised below, once all stopped.
            # Unwrapped, rather than in the task group's ExceptionGroup, so a
            # caller catches the ECError it expects.
            stopped_by.append(exc)
            group.cancel_scope.cancel()

    # No more workers than items, when their number is known.
    workers = concurrency if source.total is None else min(concurrency, source.total)
    async with anyio.create_task_group() as group:
        for _ in range(workers):
            group.start_soon(work, group)

    if stopped_by:
        raise stopped_by[0]


async def _attempt(
    operation: Callable[[ItemT], Awaitable[ValueT]], index: int, item: ItemT
) -> Result[ItemT, ValueT]:
    started = time.perf_counter()
    try:
        value = await _awaitable(operation(item))
    except ECError as error:
        return Result(
            index=index,
            item=item,
            error=error,
            elapsed=time.perf_counter() - started,
        )
    return Result(
        index=index, item=item, value=value, elapsed=time.perf_counter() - started
    )


def _noted(result: Result[Any, Any]) -> ECError:
    assert result.error is not None
    shown = repr(result.item)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    result.error.add_note(f"raised for bulk item {result.index}: {shown}")
    return result.error


def _awaitable(value: Awaitable[ValueT]) -> Awaitable[ValueT]:
    # A blocking function's value would fail at the await with a TypeError
    # that names neither the cause nor the fix.
    if not inspect.isawaitable(value):
        msg = (
            f"the bulk operation returned {type(value).__name__}, not an awaitable: "
            "pass an async function, or use ec_sync.bulk for blocking ones"
        )
        raise TypeError(msg)
    return value
