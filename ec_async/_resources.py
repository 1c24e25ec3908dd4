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
    Mapping,
    Sequence,
)
from typing import Any, Generic, TypeGuard, TypeVar

import attrs

from ._convert import expect_model, request_body, structure
from ._errors import ConfigurationError, DecodeError, PagingError
from ._guards import is_dict, is_list
from ._ids import decode_compact_id
from ._models import ListResult
from ._pipeline import Call, CallOptions, Operation, Pipeline, query_params, render_path
from ._tokens import TokenManager

__all__ = [
    "Collection",
    "ScopeBinding",
    "check_id",
    "operation",
    "operations_of",
    "paging_params",
    "sort_params",
]

ModelT = TypeVar("ModelT")
OtherT = TypeVar("OtherT")
F = TypeVar("F", bound=Callable[..., Any])

OWN_SCOPE = "_"
DEFAULT_PAGE_SIZE = 100
MAX_PAGES = 100_000
# Full pages in a row without a new item before a listing is declared stuck.
_MAX_STALLED_PAGES = 3
# Times a page that does not continue from its predecessor is read again.
_MAX_REWINDS = 3
# The attribute on a method that lists the operations it implements.
_OPERATIONS = "__ec_operations__"


def operation(op: Operation) -> Callable[[F], F]:
    """Mark a method as implementing ``op``, so coverage can be read off the code."""

    def mark(method: F) -> F:
        setattr(method, _OPERATIONS, (*getattr(method, _OPERATIONS, ()), op))
        return method

    return mark


def operations_of(cls: type) -> list[Operation]:
    """Every operation the public methods of ``cls`` declare, in definition order."""
    found: list[Operation] = []
    for name in dir(cls):
        if not name.startswith("_"):
            found.extend(getattr(getattr(cls, name), _OPERATIONS, ()))
    return found


@attrs.frozen
class ScopeBinding:
    """What a resource needs: pipeline, tokens, the scope it acts in, call options."""

    pipeline: Pipeline
    tokens: TokenManager
    scope_id: str = OWN_SCOPE
    options: CallOptions = CallOptions()


def check_id(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        # Name the argument as the caller wrote it: device_id, not deviceId.
        argument = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        msg = f"{argument} must be a non-empty id string, got {value!r}"
        raise ConfigurationError(msg)
    return value


def sort_params(sort_by: str | None, sort_dir: str | None) -> list[tuple[str, str]]:
    """The query pairs of a sort, after checking the direction."""
    if sort_dir is not None and sort_dir.upper() not in {"ASCENDING", "DESCENDING"}:
        msg = f"sort_dir must be 'ASCENDING' or 'DESCENDING', got {sort_dir!r}"
        raise ConfigurationError(msg)

    return query_params(
        sortParam=sort_by, sortDir=None if sort_dir is None else sort_dir.upper()
    )


# Kapua reads paging values into Java ints.
_JAVA_INT_MAX = 2**31 - 1


def check_count(
    name: str, value: object, minimum: int, maximum: int = _JAVA_INT_MAX
) -> int:
    """A whole number from ``minimum`` to ``maximum`` (Java's int limit), or ConfigurationError."""
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name} must be a whole number, got {value!r}"
        raise ConfigurationError(msg)
    if not minimum <= value <= maximum:
        msg = f"{name} must be from {minimum} to {maximum}, got {value}"
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
    check_count("offset", offset, 0)
    check_count("limit", limit, 1)

    return [
        *query_params(offset=offset, limit=limit),
        *sort_params(sort_by, sort_dir),
        *query_params(askTotalCount=ask_total_count or None),
    ]


class Collection(Generic[ModelT]):
    """The shared behaviour of a resource collection in one scope.

    ``parent_ids`` fill the path parameters of a collection nested under an
    entity, such as ``deviceId`` for a device's events.
    """

    _model: type[ModelT]
    # Path parameters a nested collection adds below the scope (e.g. jobId).

    def __init__(
        self, binding: ScopeBinding, parent_ids: Mapping[str, str] | None = None
    ) -> None:
        # A nested collection (a role's permissions) carries its parent's ids.
        self._binding = binding
        self._parent_ids = {
            name: check_id(name, value) for name, value in (parent_ids or {}).items()
        }

    @property
    def scope_id(self) -> str:
        """The scope id this collection's calls use (``_`` is the caller's own)."""
        return self._binding.scope_id

    async def _send(self, op: Operation, **kwargs: Any) -> Any:
        path_params = {
            "scopeId": self._binding.scope_id,
            **self._parent_ids,
            **kwargs.pop("path_params", {}),
        }
        call = Call(op, path_params=path_params, **kwargs)
        return await self._binding.pipeline.send(
            call.with_options(self._binding.options)
        )

    async def _caller_scope_id(self) -> str:
        """The caller's own account id, logging in first if need be."""
        await self._binding.tokens.bearer()
        token = self._binding.tokens.token
        if token is None:  # bearer() either logs in or raises.
            msg = "no session after logging in"
            raise ConfigurationError(msg)
        return token.scope_id

    async def _perform(
        self,
        op: Operation,
        path_params: dict[str, str],
        body: Any = None,
        *,
        secret: bool = False,
    ) -> Any:
        """Send an operation beyond plain CRUD and return its decoded body, if any.

        ``secret`` marks a body that carries or returns a password or key, so
        that no error message ever quotes it.
        """
        for name, value in path_params.items():
            check_id(name, value)
        return await self._send(
            op, path_params=path_params, body=body, secret_body=secret
        )

    async def _fetch_one(
        self, op: Operation, path_params: dict[str, str], **kwargs: Any
    ) -> ModelT:
        for name, value in path_params.items():
            check_id(name, value)
        document = await self._send(op, path_params=path_params, **kwargs)
        return structure(document, self._model, context=_named(op))

    async def _fetch_optional(
        self, op: Operation, path_params: dict[str, str]
    ) -> ModelT | None:
        """One entity, or ``None`` when the server answers without a body."""
        for name, value in path_params.items():
            check_id(name, value)
        document = await self._send(op, path_params=path_params)
        return None if document is None else structure(document, self._model)

    async def _fetch_page(
        self, op: Operation, query: Sequence[tuple[str, str]]
    ) -> ListResult[ModelT]:
        document = await self._send(op, query=query)
        return self._page_from(document, op)

    async def _list(
        self,
        op: Operation,
        filters: Sequence[tuple[str, str]],
        *,
        offset: int,
        limit: int,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[ModelT]:
        """One page of a GET listing: the resource's filters, then paging."""
        paging = paging_params(
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )
        return await self._fetch_page(op, [*filters, *paging])

    async def _fetch_page_of(
        self,
        op: Operation,
        path_params: dict[str, str],
        query: Sequence[tuple[str, str]],
        model: type[OtherT],
    ) -> ListResult[OtherT]:
        """A page of another model than the collection's (a role's users)."""
        for name, value in path_params.items():
            check_id(name, value)
        document = await self._send(op, path_params=path_params, query=query)
        return page_from(document, model, op)

    async def _query_page(
        self,
        op: Operation,
        *,
        offset: int,
        limit: int | None,
        ask_total_count: bool,
        fetch_attributes: Sequence[str] = (),
        query: Sequence[tuple[str, str]] = (),
    ) -> ListResult[ModelT]:
        check_count("offset", offset, 0)
        body: dict[str, Any] = {"offset": offset, "askTotalCount": ask_total_count}
        # Kapua returns every row of a _query without a limit; callers must opt in.
        if limit is not None:
            body["limit"] = check_count("limit", limit, 1)
        if fetch_attributes:
            body["fetchAttributeName"] = list(fetch_attributes)
        document = await self._send(op, body=body, query=query)
        return self._page_from(document, op)

    async def _count(self, op: Operation, query: Sequence[tuple[str, str]] = ()) -> int:
        document = await self._send(op, body={}, query=query)
        count = document.get("count") if is_dict(document) else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            msg = (
                f"{_named(op)}: expected a countResult with a count of zero or "
                f"more, got {_shape(document)}"
            )
            raise DecodeError(msg)
        return count

    async def _create(self, op: Operation, creator: Any) -> ModelT:
        # The scope comes from the path; Kapua's creators declare no scopeId.
        return await self._create_from(op, request_body(creator))

    async def _create_from(self, op: Operation, body: dict[str, Any]) -> ModelT:
        """Create from a body already built (one whose permissions were resolved)."""
        document = await self._send(op, body=body)
        return structure(document, self._model, context=_named(op))

    def _checked(self, entity: object) -> ModelT:
        """``entity`` itself when it is this collection's model."""
        return expect_model(entity, self._model)

    async def _update(
        self, op: Operation, path_params: dict[str, str], entity: Any
    ) -> ModelT:
        return await self._put(op, path_params, request_body(entity))

    async def _put(
        self, op: Operation, path_params: dict[str, str], body: dict[str, Any]
    ) -> ModelT:
        """Replace an entity with a body already built (an account's update request)."""
        for name, value in path_params.items():
            check_id(name, value)
        document = await self._send(op, path_params=path_params, body=body)
        return structure(document, self._model, context=_named(op))

    async def _delete(
        self,
        op: Operation,
        path_params: dict[str, str],
        query: Sequence[tuple[str, str]] = (),
    ) -> None:
        for name, value in path_params.items():
            check_id(name, value)
        await self._send(op, path_params=path_params, query=query)

    def _page_from(
        self, document: Any, op: Operation | None = None
    ) -> ListResult[ModelT]:
        return page_from(document, self._model, op)

    def _iterate(
        self,
        op: Operation,
        filters: Sequence[tuple[str, str]],
        *,
        page_size: int,
        concurrency: int = 1,
        sortable: bool = True,
    ) -> AsyncIterator[ModelT]:
        """Every item of a listing once, in id order; see ``_iterate_pages``.

        A listing that takes no sort (``sortable=False``: domains, access
        infos) keeps the server's order instead.
        """
        if not sortable:
            return self._iterate_unsorted(op, filters, page_size=page_size)
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
        # Each page asks for one item more, the peek, which must fit too.
        check_count("page_size", page_size, 1, _JAVA_INT_MAX - 1)
        check_count("concurrency", concurrency, 1)

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

        listing = f"{op.method} {render_path(op.path, {'scopeId': self.scope_id, **self._parent_ids})}"
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

    async def _iterate_offsets(
        self,
        op: Operation,
        query: Sequence[tuple[str, str]],
        *,
        page_size: int,
        window: int | None = None,
    ) -> AsyncIterator[ModelT]:
        """Yield every item of a listing that cannot be sorted by id, page by page.

        Items are told apart by their ``id``, so a row that shifted into the
        next page is not yielded twice. ``window`` is the server's cap on
        ``offset + limit``; a listing longer than that raises ``PagingError``
        instead of failing half-way with a 400.
        """
        check_count("page_size", page_size, 1)

        seen: set[object] = set()
        offset = 0
        for _ in range(MAX_PAGES):
            limit = page_size if window is None else min(page_size, window - offset)
            page = await self._fetch_page(
                op, [*query, *query_params(offset=offset, limit=limit)]
            )
            for item in page.items:
                key = getattr(item, "id", None)
                if key is None or key not in seen:
                    seen.add(key)
                    yield item
            if len(page.items) < limit:
                return
            offset += len(page.items)
            if window is not None and offset >= window:
                # The window is used up; only the server's flag tells if more follow.
                if not page.limit_exceeded:
                    return
                msg = (
                    f"{op.method} {op.path} has more than {window} results, the "
                    "most the server pages through; narrow the filters"
                )
                raise PagingError(msg)

        msg = f"{op.method} {op.path} did not end within {MAX_PAGES} pages"
        raise PagingError(msg)

    async def _iterate_unsorted(
        self,
        op: Operation,
        filters: Sequence[tuple[str, str]],
        *,
        page_size: int,
    ) -> AsyncIterator[ModelT]:
        """Every item of a listing that takes no sort, in the server's order.

        Ids already yielded are skipped, so an item pushed onto the next page
        by an insert comes once; the listing ends on a short page.
        """
        check_count("page_size", page_size, 1)

        seen: set[int] = set()
        offset = 0
        for _ in range(MAX_PAGES):
            page = await self._fetch_page(
                op, [*filters, *query_params(offset=offset, limit=page_size)]
            )
            for item in page.items:
                numeric_id = _numeric_id(op, item)
                if numeric_id not in seen:
                    seen.add(numeric_id)
                    yield item
            if len(page.items) < page_size:
                return
            offset += len(page.items)

        msg = f"{op.method} {op.path} did not end within {MAX_PAGES} pages"
        raise PagingError(msg)


def page_from(
    document: Any, model: type[OtherT], op: Operation | None = None
) -> ListResult[OtherT]:
    """Decode a list envelope, naming every item that does not fit ``model``."""
    name = model.__name__
    where = "" if op is None else f"{_named(op)}: "
    items = document.get("items", []) if is_dict(document) else None
    if not is_list(items):
        msg = f"{where}expected a list result of {name} items, got {_shape(document)}"
        raise DecodeError(msg)
    # Every item is decoded before failing, so one error names every problem.
    decoded: list[OtherT] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        try:
            decoded.append(structure(item, model))
        except DecodeError as exc:
            found = exc.problems or (str(exc),)
            problems += [f"items[{index}]: {problem}" for problem in found]
    if problems:
        msg = (
            f"{where}the server's list result does not fit {name}; this server "
            "may speak another version of the API, so report the problems below"
        )
        raise DecodeError(msg, tuple(problems))

    size = document.get("size")
    total_count = document.get("totalCount")
    return ListResult(
        items=decoded,
        size=size if _is_count(size) else len(decoded),
        limit_exceeded=document.get("limitExceeded") is True,
        total_count=total_count if _is_count(total_count) else None,
    )


def _numeric_id(op: Operation, item: Any) -> int:
    """The integer behind an item's compact id, which iteration orders by."""
    try:
        return decode_compact_id(item.id)
    except (TypeError, ValueError):
        msg = (
            f"{op.method} {op.path}: an item's id {item.id!r} is not a Kapua id, "
            "so the listing cannot be walked in order"
        )
        raise DecodeError(msg) from None


def _named(op: Operation) -> str:
    """How messages name an operation: its method and path template."""
    return f"{op.method} {op.path}"


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _shape(document: object) -> str:
    """How a decoded body looks, for messages, without quoting its content."""
    if is_dict(document):
        keys = ", ".join(sorted(map(str, document))[:8])
        return f"an object with keys [{keys}]"
    return "nothing" if document is None else f"a JSON {type(document).__name__}"


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
        ids = [self._id_of(item) for item in page.items]
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
            self._last_id = self._id_of(fresh[-1])
        if not rewound:
            self._check_advancing(fresh)

        return fresh

    def continues(self, page: ListResult[Any]) -> bool:
        """Whether ``page`` picks up where the last one ended: at its peek, or before."""
        if self._peek_id is None:
            return True
        for item in page.items:
            id_ = self._id_of(item)
            if id_ > self._last_id:
                return id_ <= self._peek_id
        return True  # Nothing new at all: _check_advancing judges that.

    def _id_of(self, item: Any) -> int:
        """The integer behind an item's compact id, which paging orders by."""
        try:
            return decode_compact_id(item.id)
        except (TypeError, ValueError):
            msg = (
                f"{self._listing}: an item's id {item.id!r} is not a Kapua id, "
                "so the listing cannot be walked in order"
            )
            raise DecodeError(msg) from None

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
