"""Both facades behind one test API, so a functional test is written once and run twice.

A test takes the ``facade`` fixture and writes ``facade.run(ec.devices.get(id))``:
through ``ec_sync`` the call has already returned the device; through ``ec_async``
it returned a coroutine, which ``run`` awaits on a loop of the test's own.
Load it anywhere with ``pytest_plugins = ["tests.sync.facades"]`` in a root conftest.
"""

from __future__ import annotations

import abc
import contextlib
import inspect
from collections.abc import AsyncIterable, Awaitable, Iterable, Iterator
from typing import Any, TypeVar, cast

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

import ec_async
import ec_sync

__all__ = ["AnyClient", "AsyncFacade", "Facade", "SyncFacade", "facade"]

T = TypeVar("T")

AnyClient = ec_async.Client | ec_sync.Client


class Facade(abc.ABC):
    """One way of calling ec-client; what a test sees of the facade under test."""

    name: str

    @abc.abstractmethod
    def client(
        self, base_url: str, **options: Any
    ) -> contextlib.AbstractContextManager[AnyClient]:
        """A logged-in client of this facade, closed when the block ends."""

    @abc.abstractmethod
    def run(self, value: Awaitable[T] | T) -> T:
        """The result of a call: awaited for ec_async, as returned for ec_sync."""

    @abc.abstractmethod
    def collect(self, items: AsyncIterable[T] | Iterable[T]) -> list[T]:
        """Every item an ``iter()`` call yields, drained page by page."""

    def __repr__(self) -> str:
        return self.name


class SyncFacade(Facade):
    """ec_sync, called directly from the test's thread."""

    name = "sync"

    @contextlib.contextmanager
    def client(self, base_url: str, **options: Any) -> Iterator[AnyClient]:
        """An ``ec_sync.Client`` used as its users would, in a with block."""
        with ec_sync.Client(base_url, **options) as ec:
            yield ec

    def run(self, value: Awaitable[T] | T) -> T:
        """The value itself; an awaitable here means a coroutine leaked through."""
        if inspect.isawaitable(value):
            if inspect.iscoroutine(value):
                value.close()  # Fail on this, not on a "never awaited" warning.
            msg = f"the sync facade returned an awaitable: {value!r}"
            raise AssertionError(msg)
        return value

    def collect(self, items: AsyncIterable[T] | Iterable[T]) -> list[T]:
        """A plain ``list()`` of the iterator; an async one is a facade bug."""
        if not isinstance(items, Iterable):
            msg = f"the sync facade returned an async iterator: {items!r}"
            raise AssertionError(msg)
        return list(items)


class AsyncFacade(Facade):
    """ec_async, driven on an event loop thread owned by the test."""

    name = "async"

    def __init__(self, portal: BlockingPortal) -> None:
        self.portal = portal

    @contextlib.contextmanager
    def client(self, base_url: str, **options: Any) -> Iterator[AnyClient]:
        """An ``ec_async.Client`` made and entered on the test's loop."""

        async def build() -> ec_async.Client:
            return ec_async.Client(base_url, **options)

        ec = self.portal.call(build)
        try:
            with self.portal.wrap_async_context_manager(ec):
                yield ec
        finally:
            # ec_async.Client.__aenter__ does not close the client when its
            # login fails, so close it here; a second close does nothing.
            self.portal.call(ec.close)

    def run(self, value: Awaitable[T] | T) -> T:
        """Await the coroutine a call returned; a plain value is a facade bug."""
        if not inspect.isawaitable(value):
            msg = f"the async facade returned a value, not an awaitable: {value!r}"
            raise AssertionError(msg)
        awaitable = cast("Awaitable[T]", value)

        async def wait() -> T:
            return await awaitable

        return self.portal.call(wait)

    def collect(self, items: AsyncIterable[T] | Iterable[T]) -> list[T]:
        """Drain an async iterator on the loop; a sync one is a facade bug."""
        if not isinstance(items, AsyncIterable):
            msg = f"the async facade returned a sync iterator: {items!r}"
            raise AssertionError(msg)
        iterable = items

        async def drain() -> list[T]:
            return [item async for item in iterable]

        return self.portal.call(drain)


@pytest.fixture(params=["async", "sync"])
def facade(request: pytest.FixtureRequest) -> Iterator[Facade]:
    """Each facade in turn: ec_async on a loop thread of the test's, then ec_sync."""
    if request.param == "sync":
        yield SyncFacade()
        return
    with start_blocking_portal() as portal:
        yield AsyncFacade(portal)
