"""Reading a time-sorted listing longer than the server's result window.

The datastore refuses ``offset + limit`` beyond its window (10,000 by
default), so the walk never pages by offset. Each request starts again at
offset 0 with its time bound moved to the last timestamp read; the bound is
inclusive, so the messages sharing that timestamp come first and are
recognised by their datastore id. The request asks for that many more than
a page, so each one moves on whatever order the server gives equal
timestamps, even a different order each time: nothing is lost or repeated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

import attrs

from ._errors import ConfigurationError, PagingError

__all__ = ["Slice", "Stamped", "walk_by_time"]


class Stamped(Protocol):
    """What the walk needs of an item: an id and the time it is sorted by."""

    @property
    def datastore_id(self) -> str | None: ...

    @property
    def timestamp(self) -> dt.datetime | None: ...


ItemT = TypeVar("ItemT", bound=Stamped)


@attrs.frozen
class Slice:
    """One request of the walk: the moving (inclusive) time bound and a limit."""

    bound: dt.datetime | None
    limit: int


Fetch = Callable[[Slice], Awaitable[Sequence[ItemT]]]


class _Edge:
    """The last timestamp yielded and the ids yielded with it."""

    def __init__(self, newest_first: bool, bound: dt.datetime | None) -> None:
        self.newest_first = newest_first
        self.timestamp = bound
        self.ids: set[str] = set()

    def seen(self, stamp: dt.datetime, key: str) -> bool:
        """Whether the item was yielded already, or lies past the edge."""
        if self.timestamp is None:
            return False
        if stamp == self.timestamp:
            return key in self.ids
        return self._beyond(self.timestamp, stamp)

    def passed(self, stamp: dt.datetime, key: str) -> None:
        """Move the edge to an item just yielded."""
        if self.timestamp is None or self._beyond(stamp, self.timestamp):
            self.timestamp, self.ids = stamp, {key}
        else:
            self.ids.add(key)

    def _beyond(self, stamp: dt.datetime, edge: dt.datetime) -> bool:
        # Whether `stamp` comes after `edge` in the walk's order.
        return stamp < edge if self.newest_first else stamp > edge


def _stamp_and_key(item: Stamped) -> tuple[dt.datetime, str]:
    if item.timestamp is None or item.datastore_id is None:
        msg = "a message without timestamp or datastore id cannot be paged by time"
        raise PagingError(msg)
    return item.timestamp, item.datastore_id


async def walk_by_time(
    fetch: Fetch[ItemT],
    *,
    newest_first: bool,
    page_size: int,
    window: int,
    bound: dt.datetime | None = None,
) -> AsyncIterator[ItemT]:
    """Yield every item once, asking ``fetch`` for slices within the window.

    ``bound`` is the caller's own end (newest first) or start (oldest first).
    ``PagingError`` means ``window`` messages share one timestamp: the server
    cannot page past them.
    """
    if page_size < 1 or window < 1:
        msg = f"page_size and window must be at least 1, got {page_size} and {window}"
        raise ConfigurationError(msg)

    edge = _Edge(newest_first, bound)
    while True:
        limit = min(len(edge.ids) + page_size, window)
        if limit <= len(edge.ids):
            msg = (
                f"{len(edge.ids)} messages share the timestamp {edge.timestamp}, "
                f"the most the server pages through is {window}; narrow the filters"
            )
            raise PagingError(msg)

        items = await fetch(Slice(edge.timestamp, limit))
        fresh = 0
        for item in items:
            stamp, key = _stamp_and_key(item)
            if edge.seen(stamp, key):
                continue
            edge.passed(stamp, key)
            fresh += 1
            yield item
        if len(items) < limit:
            return
        if not fresh:
            msg = "the server answered a full page of messages already read"
            raise PagingError(msg)
