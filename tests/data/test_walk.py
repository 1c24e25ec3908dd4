"""The time-sliced walk, against an in-memory datastore that keeps the window rule.

The fake orders equal timestamps differently on every request, the worst a
real Elasticsearch could do, so a walk that relied on a stable tie order
would lose or repeat messages here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import anyio
import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ec_async import PagingError
from ec_async._windowed import Slice, walk_by_time

pytestmark = pytest.mark.anyio

BASE = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


@attrs.frozen
class Stored:
    """A stored message as the walk sees it."""

    datastore_id: str
    timestamp: dt.datetime


class Datastore:
    """Messages sorted by timestamp, ties in a new random order each request."""

    def __init__(self, messages: Sequence[Stored], window: int, seed: int) -> None:
        self.messages = list(messages)
        self.window = window
        self.random = random.Random(seed)
        self.requests: list[Slice] = []

    async def fetch(
        self, part: Slice, *, newest_first: bool = True
    ) -> Sequence[Stored]:
        """Answer one slice; like the server, refuse one past the window."""
        self.requests.append(part)
        if part.limit > self.window:
            msg = f"limit + offset {part.limit} is past the window"
            raise AssertionError(msg)
        if part.bound is None:
            chosen = list(self.messages)
        elif newest_first:
            chosen = [m for m in self.messages if m.timestamp <= part.bound]
        else:
            chosen = [m for m in self.messages if m.timestamp >= part.bound]
        self.random.shuffle(chosen)
        chosen.sort(key=lambda m: m.timestamp, reverse=newest_first)

        return chosen[: part.limit]


def _messages(seconds: Sequence[int]) -> list[Stored]:
    return [
        Stored(f"m{index:05d}", BASE + dt.timedelta(milliseconds=ms))
        for index, ms in enumerate(seconds)
    ]


async def _walk(
    store: Datastore,
    *,
    newest_first: bool = True,
    page_size: int,
    bound: dt.datetime | None = None,
) -> list[Stored]:
    async def fetch(part: Slice) -> Sequence[Stored]:
        return await store.fetch(part, newest_first=newest_first)

    return [
        item
        async for item in walk_by_time(
            fetch,
            newest_first=newest_first,
            page_size=page_size,
            window=store.window,
            bound=bound,
        )
    ]


class TestWalkByTime:
    """walk_by_time: every message once, never a request past the window."""

    async def test_ties_across_pages_are_neither_lost_nor_repeated(self) -> None:
        """300 messages, 30 per millisecond, read 7 at a time: all 300, once each."""
        store = Datastore(_messages([i // 30 for i in range(300)]), window=50, seed=1)

        read = await _walk(store, page_size=7)

        assert sorted(m.datastore_id for m in store.messages) == sorted(
            m.datastore_id for m in read
        )
        assert len(read) == len({m.datastore_id for m in read})

    async def test_yields_newest_first(self) -> None:
        """Timestamps never increase along a newest-first walk."""
        store = Datastore(_messages([i % 17 for i in range(120)]), window=40, seed=2)

        read = await _walk(store, page_size=9)

        stamps = [m.timestamp for m in read]
        assert sorted(stamps, reverse=True) == stamps

    async def test_oldest_first_from_a_start(self) -> None:
        """Oldest first from a start bound: the messages at or after it, ascending."""
        store = Datastore(_messages([i // 4 for i in range(80)]), window=16, seed=3)
        start = BASE + dt.timedelta(milliseconds=5)

        read = await _walk(store, newest_first=False, page_size=5, bound=start)

        expected = sorted(
            m.datastore_id for m in store.messages if m.timestamp >= start
        )
        assert expected == sorted(m.datastore_id for m in read)
        assert sorted(m.timestamp for m in read) == [m.timestamp for m in read]

    async def test_requests_stay_inside_the_window(self) -> None:
        """No request asks for more than the window, however long the walk."""
        store = Datastore(_messages(list(range(1000))), window=100, seed=4)

        await _walk(store, page_size=60)

        assert max(part.limit for part in store.requests) <= 100

    async def test_a_window_of_one_timestamp_is_refused(self) -> None:
        """More messages at one millisecond than the window holds raise PagingError."""
        store = Datastore(_messages([5] * 30 + [4] * 3), window=20, seed=5)

        with pytest.raises(PagingError, match="share the timestamp"):
            await _walk(store, page_size=8)

    async def test_an_empty_store_needs_one_request(self) -> None:
        """With nothing stored, one request answers and nothing is yielded."""
        store = Datastore([], window=10, seed=6)

        assert [] == await _walk(store, page_size=5)
        assert 1 == len(store.requests)

    @settings(max_examples=60, deadline=None)
    @given(
        seconds=st.lists(st.integers(min_value=0, max_value=40), max_size=150),
        page_size=st.integers(min_value=1, max_value=30),
        seed=st.integers(min_value=0, max_value=1000),
        newest_first=st.booleans(),
    )
    def test_any_history_is_read_once(
        self, seconds: list[int], page_size: int, seed: int, newest_first: bool
    ) -> None:
        """For any timestamps and page size, the walk yields each message exactly once.

        The window is made just big enough for the largest tie group, the
        tightest the walk can work with.
        """
        ties = max((seconds.count(s) for s in set(seconds)), default=0)
        store = Datastore(_messages(seconds), window=ties + page_size, seed=seed)

        read = anyio.run(
            lambda: _walk(store, newest_first=newest_first, page_size=page_size)
        )

        assert sorted(m.datastore_id for m in store.messages) == sorted(
            m.datastore_id for m in read
        )
