"""The blocking bulk engine: one sync operation over many items on worker threads.

A pool of ``concurrency`` threads runs the operation; the calling thread takes
items only as workers free up, records each ``Result`` and calls ``progress``.
An ``ECError`` is the item's outcome; anything else is a bug and is raised.
"""

from __future__ import annotations

import contextvars
import inspect
import itertools
import time
from collections.abc import Callable, Generator, Iterable, Sized
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from ec_async import ConfigurationError, ECError
from ec_async._bulk import _noted, check_concurrency
from ec_async.bulk import DEFAULT_CONCURRENCY, Progress, Report, Result

__all__ = ["run", "stream"]

ItemT = TypeVar("ItemT")
ValueT = TypeVar("ValueT")


def run(
    operation: Callable[[ItemT], ValueT],
    items: Iterable[ItemT],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    fail_fast: bool = False,
    progress: Callable[[Progress], object] | None = None,
) -> Report[ItemT, ValueT]:
    """Call ``operation(item)`` for every item, ``concurrency`` at a time.

    Returns a ``Report`` once every item is done. An ``ECError`` becomes the
    item's result and the others go on, unless ``fail_fast``: then the first
    one stops the rest and is raised. ``progress`` is called after each item,
    on the calling thread.
    """
    started = time.perf_counter()
    results = sorted(
        stream(
            operation,
            items,
            concurrency=concurrency,
            fail_fast=fail_fast,
            progress=progress,
        ),
        key=lambda result: result.index,
    )
    return Report(results=results, elapsed=time.perf_counter() - started)


def stream(
    operation: Callable[[ItemT], ValueT],
    items: Iterable[ItemT],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    fail_fast: bool = False,
    progress: Callable[[Progress], object] | None = None,
) -> Generator[Result[ItemT, ValueT], None, None]:
    """Like ``run``, but yield each item's ``Result`` as soon as it completes.

    Results come in completion order, and items are taken from ``items`` only
    as workers free up, so a generator of items is never read ahead by more
    than ``concurrency``. Leaving the loop early (``close()`` the generator)
    cancels the items not yet started and waits for those already running.
    """
    check_concurrency(concurrency)
    if inspect.iscoroutinefunction(operation):
        msg = "operation is an async function; run it with ec_async.bulk instead"
        raise ConfigurationError(msg)
    return _stream(operation, items, concurrency, fail_fast, progress)


def _stream(
    operation: Callable[[ItemT], ValueT],
    items: Iterable[ItemT],
    concurrency: int,
    fail_fast: bool,
    progress: Callable[[Progress], object] | None,
) -> Generator[Result[ItemT, ValueT], None, None]:
    total = len(items) if isinstance(items, Sized) else None
    source = enumerate(items)
    started = time.perf_counter()
    completed = failed = 0
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ec-bulk")
    running: set[Future[Result[ItemT, ValueT]]] = set()

    def start(taken: Iterable[tuple[int, ItemT]]) -> None:
        for index, item in taken:
            # In a copy of the caller's context, as a direct call would run:
            # a current span, say, stays the parent of the item's calls.
            context = contextvars.copy_context()
            running.add(pool.submit(context.run, _attempt, operation, index, item))

    try:
        start(itertools.islice(source, concurrency))
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                running.discard(future)
                # A bug in the operation (not an ECError) is raised here.
                result = future.result()
                if result.error is not None and fail_fast:
                    raise _noted(result)
                completed += 1
                failed += result.error is not None
                start(itertools.islice(source, 1))
                if progress is not None:
                    progress(
                        Progress(
                            completed=completed,
                            failed=failed,
                            total=total,
                            elapsed=time.perf_counter() - started,
                        )
                    )
                yield result
    finally:
        # Items not yet started never start; running ones cannot be
        # interrupted, so wait for them rather than leave threads behind.
        pool.shutdown(wait=True, cancel_futures=True)


def _attempt(
    operation: Callable[[ItemT], ValueT], index: int, item: ItemT
) -> Result[ItemT, ValueT]:
    started = time.perf_counter()
    try:
        value = operation(item)
    except ECError as error:
        return Result(
            index=index, item=item, error=error, elapsed=time.perf_counter() - started
        )
    if inspect.isawaitable(value):
        if inspect.iscoroutine(value):
            value.close()  # Never awaited, and no warning about it either.
        msg = "the bulk operation returned an awaitable: use ec_async.bulk for it"
        raise TypeError(msg)
    return Result(
        index=index, item=item, value=value, elapsed=time.perf_counter() - started
    )
