"""The generic collection layer that every resource declares itself on.

A resource is a class of short methods, each naming the spec operation it
implements with ``@operation``; paging, scoping, decoding and errors live here
once.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Generic, TypeVar

import attrs

from ._convert import request_body, structure
from ._errors import ConfigurationError, DecodeError, PagingError
from ._ids import decode_compact_id
from ._models import ListResult
from ._pipeline import Call, Operation, Pipeline, query_params
from ._tokens import TokenManager

__all__ = [
    "Collection",
    "ScopeBinding",
    "check_id",
    "decode_page",
    "operation",
    "operations_of",
]

ModelT = TypeVar("ModelT")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

OWN_SCOPE = "_"
DEFAULT_PAGE_SIZE = 100
MAX_PAGES = 100_000


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


# For resources that check ids of their own (nested collections, actions).
check_id = _check_id


def decode_page(document: Any, model: type[T]) -> ListResult[T]:
    """Decode a list envelope whose items are ``model``s."""
    if not isinstance(document, dict) or not isinstance(
        document.get("items", []), list
    ):
        msg = f"expected a list result for {model.__name__}"
        raise DecodeError(msg)
    items = [structure(item, model) for item in document.get("items", [])]
    size = document.get("size", len(items))
    return ListResult(
        items=items,
        size=size if isinstance(size, int) else len(items),
        limit_exceeded=bool(document.get("limitExceeded", False)),
        total_count=document.get("totalCount"),
    )


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
    # Path parameters a nested collection adds below the scope (e.g. jobId).
    _parent: dict[str, str]

    def __init__(self, binding: ScopeBinding) -> None:
        self._binding = binding
        self._parent = {}

    @property
    def scope_id(self) -> str:
        """The scope id this collection's calls use (``_`` is the caller's own)."""
        return self._binding.scope_id

    def _nest(self, **parent: str) -> None:
        """Place the collection below parent entities, e.g. ``jobId`` for steps."""
        for name, value in parent.items():
            _check_id(name, value)
        self._parent = dict(parent)

    async def _send(self, op: Operation, **kwargs: Any) -> Any:
        path_params = {
            "scopeId": self._binding.scope_id,
            **self._parent,
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

    async def _delete(
        self,
        op: Operation,
        path_params: dict[str, str],
        query: Sequence[tuple[str, str]] = (),
    ) -> None:
        for name, value in path_params.items():
            _check_id(name, value)
        await self._send(op, path_params=path_params, query=query)

    def _page_from(self, document: Any) -> ListResult[ModelT]:
        return decode_page(document, self._model)

    async def _iterate(
        self,
        op: Operation,
        filters: Sequence[tuple[str, str]],
        *,
        page_size: int,
    ) -> AsyncIterator[ModelT]:
        """Yield every item of a listing once, page by page, sorted by id.

        Neither ``limitExceeded`` nor ``totalCount`` is trusted: the listing
        ends on an empty or short page. Sorting by id lets a page that shifted
        under concurrent inserts be recognised, so no id is yielded twice.
        """
        if page_size < 1:
            msg = f"page_size must be at least 1, got {page_size}"
            raise ConfigurationError(msg)

        last_id = -1
        offset = 0
        for _ in range(MAX_PAGES):
            paging = paging_params(
                offset=offset,
                limit=page_size,
                sort_by="id",
                sort_dir="ASCENDING",
                ask_total_count=False,
            )
            page = await self._fetch_page(op, [*filters, *paging])
            for item in page.items:
                numeric_id = decode_compact_id(item.id)  # type: ignore[attr-defined]
                if numeric_id > last_id:
                    last_id = numeric_id
                    yield item
            if len(page.items) < page_size:
                return
            offset += len(page.items)

        msg = (
            f"{op.method} {op.path} did not end within {MAX_PAGES} pages of {page_size}"
        )
        raise PagingError(msg)

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
        if page_size < 1:
            msg = f"page_size must be at least 1, got {page_size}"
            raise ConfigurationError(msg)

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
