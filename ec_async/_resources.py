"""The generic collection layer that every resource declares itself on.

A resource is a class of short methods, each naming the spec operation it
implements with ``@operation``; paging, scoping, decoding and errors live here
once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Sequence,
)
from typing import Any, Generic, TypeVar

import attrs

from ._convert import request_body, structure
from ._errors import ConfigurationError, DecodeError, PagingError
from ._ids import decode_compact_id
from ._models import ListResult
from ._pipeline import Call, Operation, Pipeline, query_params, render_path
from ._tokens import TokenManager

__all__ = ["Collection", "ScopeBinding", "operation", "operations_of"]

ModelT = TypeVar("ModelT")
F = TypeVar("F", bound=Callable[..., Any])

OWN_SCOPE = "_"
DEFAULT_PAGE_SIZE = 100
MAX_PAGES = 100_000
# Full pages in a row without a new item before a listing is declared stuck.
_MAX_STALLED_PAGES = 3
# Times a page that does not continue from its predecessor is read again.
_MAX_REWINDS = 3


def operation(op: Operation) -> Callable[[F], F]:
    """Mark a method as implementing ``op``, so coverage can be read off the code."""

    def mark(method: F) -> F:
        method.__ec_operations__ = (*getattr(method, "__ec_operations__", ()), op)  # type: ignore[attr-defined]
        return method

    return mark


def operations_of(cls: type) -> list[Operation]:
    """Every operation the public methods of ``cls`` declare, in definition order."""
    found: list[Operation] = []
    for name in dir(cls):
        if not name.startswith("_"):
            found.extend(getattr(getattr(cls, name), "__ec_operations__", ()))
    return found


@attrs.frozen
class ScopeBinding:
    """What a resource needs: the pipeline, the tokens, and the scope id it acts in."""

    pipeline: Pipeline
    tokens: TokenManager
    scope_id: str = OWN_SCOPE


def _check_id(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        # Name the argument as the caller wrote it: device_id, not deviceId.
        argument = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        msg = f"{argument} must be a non-empty id string, got {value!r}"
        raise ConfigurationError(msg)
    return value


def paging_params(
    *,
    offset: int,
    limit: int,
    sort_by: str | None,
    sort_dir: str | None,
    ask_total_count: bool,
) -> list[tuple[str, str]]:
    """The query pairs every list takes, after checking them."""
    if offset < 0:
        msg = f"offset must not be negative, got {offset}"
        raise ConfigurationError(msg)
    if limit < 1:
        msg = f"limit must be at least 1, got {limit}"
        raise ConfigurationError(msg)
    if sort_dir is not None and sort_dir.upper() not in {"ASCENDING", "DESCENDING"}:
        msg = f"sort_dir must be 'ASCENDING' or 'DESCENDING', got {sort_dir!r}"
        raise ConfigurationError(msg)

    return query_params(
        offset=offset,
        limit=limit,
        sortParam=sort_by,
        sortDir=None if sort_dir is None else sort_dir.upper(),
        askTotalCount=ask_total_count or None,
    )


class Collection(Generic[ModelT]):
    """The shared behaviour of a resource collection in one scope."""

    _model: type[ModelT]

    def __init__(self, binding: ScopeBinding) -> None:
        self._binding = binding

    @property
    def scope_id(self) -> str:
        """The scope id this collection's calls use (``_`` is the caller's own)."""
        return self._binding.scope_id

    async def _send(self, op: Operation, **kwargs: Any) -> Any:
        path_params = {
            "scopeId": self._binding.scope_id,
            **kwargs.pop("path_params", {}),
        }
        call = Call(op, path_params=path_params, **kwargs)
        return await self._binding.pipeline.send(call)

    async def _fetch_one(
        self, op: Operation, path_params: dict[str, str], **kwargs: Any
    ) -> ModelT:
        for name, value in path_params.items():
            _check_id(name, value)
        document = await self._send(op, path_params=path_params, **kwargs)
        return structure(document, self._model)

    async def _fetch_page(
        self, op: Operation, query: Sequence[tuple[str, str]]
    ) -> ListResult[ModelT]:
        document = await self._send(op, query=query)
        return self._page_from(document)

    async def _query_page(
        self,
        op: Operation,
        *,
        offset: int,
        limit: int | None,
        ask_total_count: bool,
        fetch_attributes: Sequence[str],
    ) -> ListResult[ModelT]:
        body: dict[str, Any] = {"offset": offset, "askTotalCount": ask_total_count}
        # Kapua returns every row of a _query without a limit; callers must opt in.
        if limit is not None:
            body["limit"] = limit
        if fetch_attributes:
            body["fetchAttributeName"] = list(fetch_attributes)
        document = await self._send(op, body=body)
        return self._page_from(document)

    async def _count(self, op: Operation) -> int:
        document = await self._send(op, body={})
        count = document.get("count") if isinstance(document, dict) else None
        if not isinstance(count, int):
            msg = f"{op.method} {op.path}: expected a countResult with an integer count"
            raise DecodeError(msg)
        return count

    async def _create(self, op: Operation, creator: Any) -> ModelT:
        # The scope comes from the path; Kapua's creators declare no scopeId.
        document = await self._send(op, body=request_body(creator))
        return structure(document, self._model)

    async def _update(
        self, op: Operation, path_params: dict[str, str], entity: Any
    ) -> ModelT:
        for name, value in path_params.items():
            _check_id(name, value)
        document = await self._send(
            op, path_params=path_params, body=request_body(entity)
        )
        return structure(document, self._model)

    async def _delete(self, op: Operation, path_params: dict[str, str]) -> None:
        for name, value in path_params.items():
            _check_id(name, value)
        await self._send(op, path_params=path_params)

    def _page_from(self, document: Any) -> ListResult[ModelT]:
        if not isinstance(document, dict) or not isinstance(
            document.get("items", []), list
        ):
            msg = f"expected a list result for {self._model.__name__}"
            raise DecodeError(msg)
        items = [structure(item, self._model) for item in document.get("items", [])]
        size = document.get("size", len(items))
        return ListResult(
            items=items,
            size=size if isinstance(size, int) else len(items),
            limit_exceeded=bool(document.get("limitExceeded", False)),
            total_count=document.get("totalCount"),
        )

    def _iterate(
        self,
        op: Operation,
        filters: Sequence[tuple[str, str]],
        *,
        page_size: int,
        concurrency: int = 1,
    ) -> AsyncIterator[ModelT]:
        """Every item of a listing once, in id order; see ``_iterate_pages``."""
        pages = self._iterate_pages(
            op, filters, page_size=page_size, concurrency=concurrency
        )
        return _items_of(pages)

    def _iterate_pages(
        self,
        op: Operation,
        filters: Sequence[tuple[str, str]],
        *,
        page_size: int,
        concurrency: int = 1,
    ) -> AsyncGenerator[list[ModelT], None]:
        """Every page of a listing, sorted by id, each item in exactly one page.

        Each request asks for one item more than ``page_size``: that "peek"
        item is not yielded with its page but says whether another page
        follows, and which item must open it. Neither ``limitExceeded`` nor
        ``totalCount`` is trusted: the listing ends on a page without a peek.
        Sorting by id makes an item seen twice (pushed onto the next page by
        an insert) recognisable, so no id is yielded twice; a next page that
        starts past the peek (an item before it was removed, or the page was
        fetched ahead, before the change) is read again from a page earlier.
        With ``concurrency`` above 1 the first page asks for the total, and the
        pages it announces are fetched up to ``concurrency`` at a time, still
        yielded in order; past them, paging goes on one page at a time.
        """
        if page_size < 1:
            msg = f"page_size must be at least 1, got {page_size}"
            raise ConfigurationError(msg)
        if concurrency < 1:
            msg = f"concurrency must be at least 1, got {concurrency}"
            raise ConfigurationError(msg)

        return self._pages(op, list(filters), page_size, concurrency)

    async def _pages(
        self,
        op: Operation,
        filters: list[tuple[str, str]],
        page_size: int,
        concurrency: int,
    ) -> AsyncGenerator[list[ModelT], None]:
        async def fetch(
            index: int, ask_total_count: bool = False
        ) -> ListResult[ModelT]:
            paging = paging_params(
                offset=index * page_size,
                limit=page_size + 1,
                sort_by="id",
                sort_dir="ASCENDING",
                ask_total_count=ask_total_count,
            )
            return await self._fetch_page(op, [*filters, *paging])

        listing = f"{op.method} {render_path(op.path, {'scopeId': self.scope_id})}"
        cursor = ListingCursor(listing, page_size)
        page = await fetch(0, ask_total_count=concurrency > 1)
        window = _PageWindow(
            fetch, width=concurrency, announced=_announced_pages(page, page_size)
        )
        try:
            index = 0
            while True:
                fresh = cursor.advance(page)
                if fresh:
                    yield fresh
                if not cursor.more:
                    return

                index += 1
                cursor.count_page(index)
                page = await window.take(index)
                for _ in range(_MAX_REWINDS):
                    if cursor.continues(page):
                        break
                    # Read the page before again, then this one: what the
                    # listing holds now, in the order a single reader sees it.
                    fresh = cursor.advance(await fetch(index - 1), rewound=True)
                    if fresh:
                        yield fresh
                    if not cursor.more:
                        return
                    page = await fetch(index)
        finally:
            await window.aclose()


def _announced_pages(first: ListResult[Any], page_size: int) -> int:
    """How many pages the first page's total promises (at least the first)."""
    if first.total_count is None or len(first.items) <= page_size:
        return 1
    return max(1, -(-first.total_count // page_size))


async def _items_of(pages: AsyncGenerator[list[ModelT], None]) -> AsyncIterator[ModelT]:
    async with contextlib.aclosing(pages):
        async for page in pages:
            for item in page:
                yield item


class ListingCursor:
    """Where a listing stands: the last id yielded, and the peek of the last page.

    Within a page the ids must ascend, or the server ignored the sort and
    skipping "seen" ids would lose items. Full pages that bring nothing new
    mean the server ignores the offset, and the listing would never end.
    """

    def __init__(self, listing: str, page_size: int) -> None:
        self._listing = listing
        self._page_size = page_size
        self._last_id = -1
        self._peek_id: int | None = None
        self._stalled = 0

    @property
    def more(self) -> bool:
        """Whether the last page read had a peek, so that another page follows."""
        return self._peek_id is not None

    def advance(self, page: ListResult[Any], *, rewound: bool = False) -> list[Any]:
        """The items of ``page`` not yielded before; raise if paging went wrong."""
        ids = [decode_compact_id(item.id) for item in page.items]
        if any(later <= earlier for earlier, later in itertools.pairwise(ids)):
            msg = (
                f"{self._listing}: a page is not in ascending id order; the server "
                "ignored sortParam=id, so paging through it cannot be trusted"
            )
            raise PagingError(msg)

        body = page.items[: self._page_size]
        self._peek_id = ids[self._page_size] if len(ids) > self._page_size else None
        fresh = [
            item for item, id_ in zip(body, ids, strict=False) if id_ > self._last_id
        ]
        if fresh:
            self._last_id = decode_compact_id(fresh[-1].id)
        if not rewound:
            self._check_advancing(fresh)

        return fresh

    def continues(self, page: ListResult[Any]) -> bool:
        """Whether ``page`` picks up where the last one ended: at its peek, or before."""
        if self._peek_id is None:
            return True
        for item in page.items:
            id_ = decode_compact_id(item.id)
            if id_ > self._last_id:
                return id_ <= self._peek_id
        return True  # Nothing new at all: _check_advancing judges that.

    def count_page(self, index: int) -> None:
        """Refuse to read page ``index`` past the hard cap on pages."""
        if index >= MAX_PAGES:
            msg = (
                f"{self._listing} still had more after {MAX_PAGES} pages of "
                f"{self._page_size}; stopped, as it may never end. Narrow the "
                "listing with filters, or raise page_size"
            )
            raise PagingError(msg)

    def _check_advancing(self, fresh: list[Any]) -> None:
        self._stalled = 0 if fresh or not self.more else self._stalled + 1
        if self._stalled >= _MAX_STALLED_PAGES:
            msg = (
                f"{self._listing}: {self._stalled} full pages in a row brought no "
                "new item; the server seems to ignore offset, so the listing "
                "would never end"
            )
            raise PagingError(msg)


class _PageWindow(Generic[ModelT]):
    """Pages fetched ahead of the reader: at most ``width`` at once, taken in order.

    Only pages the first page announced are fetched ahead; later ones are
    fetched when taken. Plain tasks rather than a task group, because a
    generator's steps may each run in a different task (the sync facade's).
    """

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[ListResult[ModelT]]],
        *,
        width: int,
        announced: int,
    ) -> None:
        self._fetch = fetch
        self._width = width
        self._announced = announced
        self._ahead: dict[int, asyncio.Task[ListResult[ModelT]]] = {}
        self._next = 1

    async def take(self, index: int) -> ListResult[ModelT]:
        """Page ``index``, topping the fetches ahead of it up to the window's width."""
        while self._next < min(index + self._width, self._announced):
            self._ahead[self._next] = asyncio.ensure_future(self._fetch(self._next))
            self._next += 1
        task = self._ahead.pop(index, None)
        if task is None:
            return await self._fetch(index)

        return await task

    async def aclose(self) -> None:
        """Cancel the fetches no one will take, and wait until they have stopped."""
        tasks = list(self._ahead.values())
        self._ahead.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
