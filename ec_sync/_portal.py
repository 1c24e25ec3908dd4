"""The hand-written runtime under the generated facade: a private event loop per client.

The generated classes call only ``Portal``: ``start``, ``call``, ``iterate``,
``iterate_pages``, ``enter`` and ``close``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import enum
import functools
import logging
import os
import sys
import threading
import warnings
import weakref
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Sequence,
)
from concurrent.futures import Future
from typing import NoReturn, ParamSpec, Protocol, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

from ec_async import ClientClosed

__all__ = ["Portal"]

logger = logging.getLogger("ec_sync")

P = ParamSpec("P")
T = TypeVar("T")

_EXIT_GRACE = 5.0
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class _AsyncCore(Protocol):
    """What the facade needs of an async client: a way to close it."""

    def close(self) -> Awaitable[None]: ...


CoreT = TypeVar("CoreT", bound=_AsyncCore)


class _State(enum.Enum):
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


class Portal:
    """One client's way onto its private event loop, shared by the client's views.

    Each client owns its loop, in a daemon thread of its own, rather than sharing
    one per process: closing a client then stops exactly its thread, with no
    reference counting between clients; a blocking credentials provider or a
    slow decode in one client cannot stall another's calls; and exit and fork
    handling concern one client at a time. The price is one mostly idle thread
    per open client, and clients are meant to be few and long-lived: other
    accounts are reached with ``scope()``, which shares the client's loop.

    Every call waits in the caller's thread for a task on that loop, so any
    number of threads may share one client, and a caller whose own thread runs
    an event loop is never asked to run a second one. A client dropped without
    ``close()`` warns where it was created and is closed in the background; one
    still open at interpreter exit is closed then. After ``os.fork()`` the
    child cannot reach the parent's loop thread, so every call raises
    ``ClientClosed`` there instead of waiting forever.
    """

    def __init__(self, owner: str) -> None:
        self._loop = _LoopThread(owner, _creation_site())
        self._finalizer = weakref.finalize(self, self._loop.abandon)
        # Interpreter exit is handled by _close_all_at_exit, which can wait.
        self._finalizer.atexit = False

    def start(
        self, factory: Callable[P, CoreT], /, *args: P.args, **kwargs: P.kwargs
    ) -> CoreT:
        """Build the async client on the loop thread, where its session will live."""

        async def build() -> CoreT:
            return factory(*args, **kwargs)

        try:
            core = self._loop.run(build)
        except BaseException:
            self._finalizer.detach()
            self._loop.close(_nothing)
            raise

        self._loop.close_core = core.close
        return core

    def call(
        self, func: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Await ``func(*args, **kwargs)`` on the loop and return its result here."""
        return self._loop.run(functools.partial(func, *args, **kwargs))

    def iterate(
        self, func: Callable[P, AsyncIterator[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> Iterator[T]:
        """A lazy iterator that fetches one item on the loop whenever the caller asks.

        Items cross one at a time, so pages are fetched exactly when the async
        iterator would fetch them, and the listing is never held whole.
        """
        return self._iterate(functools.partial(func, *args, **kwargs))

    def iterate_pages(
        self,
        func: Callable[P, AsyncIterator[Sequence[T]]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> Iterator[T]:
        """The items of a page iterator, crossing to the loop once per page.

        A page is fetched when the caller takes an item past the previous
        page, just when the async item iterator would fetch it.
        """
        pages = self._iterate(functools.partial(func, *args, **kwargs))
        with contextlib.closing(pages):
            for page in pages:
                for item in page:
                    # As when items crossed one by one: none after close().
                    self._loop.check_open()
                    yield item

    def _iterate(
        self, make: Callable[[], AsyncIterator[T]]
    ) -> Generator[T, None, None]:
        async def begin() -> AsyncIterator[T]:
            return make()

        iterator = self._loop.run(begin)
        finished = False
        try:
            while True:
                try:
                    item = self._loop.run(iterator.__anext__)
                except StopAsyncIteration:
                    finished = True
                    return
                yield item
        finally:
            if not finished:
                self._loop.close_iterator(iterator)

    def enter(self, func: Callable[[], Awaitable[object]]) -> None:
        """Await an ``__aenter__``; if it fails, close the client, as no exit follows."""
        try:
            self.call(func)
        except BaseException:
            self.close(self._loop.close_core)
            raise

    def close(
        self, func: Callable[P, Awaitable[object]], /, *args: P.args, **kwargs: P.kwargs
    ) -> None:
        """Let calls in flight end, await ``func`` on the loop, then stop the loop."""
        self._finalizer.detach()
        self._loop.close(functools.partial(func, *args, **kwargs))

    def __reduce__(self) -> NoReturn:
        msg = "an ec_sync client cannot be pickled; create one in each process"
        raise TypeError(msg)


class _LoopThread:
    """A daemon thread running an event loop, and the state of the client on it."""

    def __init__(self, owner: str, created_at: tuple[str, int]) -> None:
        self.owner = owner
        self.created_at = created_at
        self.close_core: Callable[[], Awaitable[object]] = _nothing
        self._pid = os.getpid()
        self._state = _State.OPEN
        self._in_flight = 0
        self._changed = threading.Condition()
        self._closer: asyncio.Task[None] | None = None

        started: Future[tuple[BlockingPortal, asyncio.AbstractEventLoop]] = Future()
        self._thread = threading.Thread(
            target=_serve, args=(started,), name=f"{owner} event loop", daemon=True
        )
        self._thread.start()
        self._portal, self._event_loop = started.result()
        _open_loops.add(self)

    def run(self, func: Callable[[], Awaitable[T]]) -> T:
        """Await ``func()`` in a task on the loop; wait here for its outcome."""
        self._admit()
        try:
            return _result(self._portal.start_task_soon(func))
        finally:
            self._release()

    def close(
        self, close_core: Callable[[], Awaitable[object]], timeout: float | None = None
    ) -> None:
        """Refuse new calls, let those in flight end, close the core, stop the loop."""
        if os.getpid() != self._pid:
            # The loop thread did not survive the fork, and the session it holds
            # is the parent's to end; the lock may even have been held at fork.
            self._state = _State.CLOSED
            return
        self._check_not_loop_thread()

        with self._changed:
            if self._state is _State.CLOSING:
                self._changed.wait_for(lambda: self._state is _State.CLOSED, timeout)
            if self._state is not _State.OPEN:
                return
            self._state = _State.CLOSING
            self._changed.wait_for(lambda: self._in_flight == 0, timeout)

        try:
            _result(self._portal.start_task_soon(close_core), timeout)
        finally:
            self._stop(timeout)

    def close_iterator(self, iterator: AsyncIterator[object]) -> None:
        """Close an async iterator the caller abandoned, if its loop still runs."""
        aclose = getattr(iterator, "aclose", None)
        if aclose is None or not self._usable():
            # The loop's own shutdown closes async generators still open.
            return
        with contextlib.suppress(ClientClosed):
            self.run(aclose)

    def abandon(self) -> None:
        """The client was dropped unclosed: close it in the background, and say so."""
        if os.getpid() != self._pid:
            return
        with self._changed:
            if self._state is not _State.OPEN:
                return
            self._state = _State.CLOSING

        try:
            self._event_loop.call_soon_threadsafe(self._close_in_background)
        except RuntimeError:
            return  # The loop is gone already; there is nothing left to close.
        _warn_unclosed(self, "it is being closed now, in the background")

    def close_at_exit(self) -> bool:
        """Close the client within a grace period; whether it was still open."""
        if os.getpid() != self._pid:
            return False
        with self._changed:
            state = self._state
        if state is _State.CLOSING:
            self._thread.join(_EXIT_GRACE)
        if state is not _State.OPEN:
            return False

        try:
            self.close(self.close_core, timeout=_EXIT_GRACE)
        except Exception:
            logger.warning("closing %s at exit failed", self.owner, exc_info=True)
        return True

    def _close_in_background(self) -> None:
        self._closer = asyncio.get_running_loop().create_task(self._close_here())

    async def _close_here(self) -> None:
        try:
            await self.close_core()
        except Exception:
            logger.warning("closing an abandoned %s failed", self.owner, exc_info=True)
        finally:
            await self._portal.stop(cancel_remaining=True)
            self._closed()

    def check_open(self) -> None:
        """Raise ``ClientClosed`` if a call now would be refused."""
        if os.getpid() != self._pid:
            msg = (
                f"this {self.owner} was created in process {self._pid} and cannot "
                "be used after os.fork(); create a new client in the child process"
            )
            raise ClientClosed(msg)
        if self._state is not _State.OPEN:
            msg = f"this {self.owner} is closed; create a new one"
            raise ClientClosed(msg)

    def _admit(self) -> None:
        self.check_open()
        self._check_not_loop_thread()

        with self._changed:
            if self._state is not _State.OPEN:
                msg = f"this {self.owner} is closed; create a new one"
                raise ClientClosed(msg)
            self._in_flight += 1

    def _release(self) -> None:
        with self._changed:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._changed.notify_all()

    def _usable(self) -> bool:
        return (
            os.getpid() == self._pid
            and threading.get_ident() != self._thread.ident
            and self._state is _State.OPEN
        )

    def _check_not_loop_thread(self) -> None:
        if threading.get_ident() == self._thread.ident:
            msg = (
                f"{self.owner} was called from its own event loop thread (from a "
                "credentials provider, say), which would wait forever; use ec_async there"
            )
            raise RuntimeError(msg)

    def _stop(self, timeout: float | None) -> None:
        try:
            _result(self._portal.start_task_soon(self._portal.stop, True), timeout)
        except RuntimeError:
            pass  # The portal had stopped already.
        finally:
            self._thread.join(timeout)
            self._closed()

    def _closed(self) -> None:
        with self._changed:
            self._state = _State.CLOSED
            self._changed.notify_all()
        _open_loops.discard(self)


def _serve(started: Future[tuple[BlockingPortal, asyncio.AbstractEventLoop]]) -> None:
    """The loop thread's body: run a portal until it is told to stop."""

    async def serve() -> None:
        async with BlockingPortal() as portal:
            started.set_result((portal, asyncio.get_running_loop()))
            await portal.sleep_until_stopped()

    try:
        anyio.run(serve)
    except BaseException as exc:
        if not started.done():
            started.set_exception(exc)
            return
        raise


def _result(future: Future[T], timeout: float | None = None) -> T:
    """Wait for a call on the loop; an interrupt while waiting cancels the call."""
    try:
        return future.result(timeout)
    except BaseException:
        # A timeout, or a KeyboardInterrupt while waiting: the task must not run
        # on unobserved. Cancelling a future that has finished does nothing.
        future.cancel()
        raise


async def _nothing() -> None:
    """The close of a client whose core was never built."""


def _creation_site() -> tuple[str, int]:
    """The file and line outside ec_sync that is creating a client."""
    frame = sys._getframe(1)
    while (
        frame.f_back is not None
        and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR
    ):
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno


def _warn_unclosed(loop: _LoopThread, what: str) -> None:
    filename, lineno = loop.created_at
    message = (
        f"{loop.owner} was not closed: {what}. Call close() or use a with block; "
        "it was created here."
    )
    warnings.warn_explicit(message, ResourceWarning, filename, lineno)


_open_loops: set[_LoopThread] = set()


@atexit.register
def _close_all_at_exit() -> None:
    # Close every client before warning, so that a warnings filter of "error"
    # cannot leave a client open.
    left_open = [loop for loop in list(_open_loops) if loop.close_at_exit()]
    for loop in left_open:
        _warn_unclosed(loop, "it was closed at interpreter exit")
