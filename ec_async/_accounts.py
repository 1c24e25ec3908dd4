"""Accounts: the caller's own, and the child accounts below a scope."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Sequence

import attrs

from . import _bulk
from ._errors import ConfigurationError
from ._models import Account, ListResult
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation, paging_params

__all__ = ["AccountNode", "Accounts"]

_PATH = "/{scopeId}/accounts"

LIST = Operation("accountList", "GET", _PATH, safe=True)
QUERY = Operation("accountQuery", "POST", _PATH + "/_query", safe=True)
COUNT = Operation("accountCount", "POST", _PATH + "/_count", safe=True)
GET = Operation("accountGet", "GET", "/accounts/{accountId}", safe=True)
CURRENT = Operation("getCurrentAccount", "GET", "/account", safe=True)


def _filters(name: str | None, match_term: str | None) -> list[tuple[str, str]]:
    return query_params(name=name, matchTerm=match_term)


@attrs.frozen
class AccountNode:
    """An account that ``walk()`` reached, and how far below the walk's scope.

    ``depth`` is 1 for a direct child of the scope, 2 for a grandchild, and so on.
    """

    account: Account
    depth: int


def _unseen(groups: list[list[Account]], seen: set[str]) -> list[Account]:
    # A server that lists an account twice must not make a walk loop forever.
    fresh: list[Account] = []
    for account in (account for group in groups for account in group):
        if account.id not in seen:
            seen.add(account.id)
            fresh.append(account)
    return fresh


class Accounts(Collection[Account]):
    """The child accounts of one scope, and lookups by id."""

    _model = Account

    @operation(LIST)
    async def list(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[Account]:
        """One page of the scope's direct child accounts."""
        paging = paging_params(
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )
        return await self._fetch_page(LIST, [*_filters(name, match_term), *paging])

    @operation(LIST)
    async def descendants(self) -> Sequence[Account]:
        """Every account below the scope, at any depth, in one call.

        The server ignores paging for a recursive listing and returns all.
        """
        page = await self._fetch_page(LIST, query_params(recursive=True))
        return page.items

    @operation(LIST)
    def iter(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        concurrency: int = 1,
    ) -> AsyncIterator[Account]:
        """Every direct child account once, fetched page by page, in id order.

        ``concurrency`` above 1 fetches up to that many pages at once, in order.
        """
        return self._iterate(
            LIST,
            _filters(name, match_term),
            page_size=page_size,
            concurrency=concurrency,
        )

    @operation(LIST)
    def iter_pages(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        concurrency: int = 1,
    ) -> AsyncIterator[Sequence[Account]]:
        """The accounts of ``iter()``, a page at a time (never an empty one)."""
        return self._iterate_pages(
            LIST,
            _filters(name, match_term),
            page_size=page_size,
            concurrency=concurrency,
        )

    @operation(LIST)
    def walk(
        self,
        *,
        max_depth: int | None = None,
        concurrency: int = 8,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[AccountNode]:
        """Every account below the scope, breadth first, with its depth.

        Each level is listed concurrently, up to ``concurrency`` accounts at a
        time, and yielded once complete: children in the order of their
        parents, each parent's children in id order. ``max_depth=1`` stops at
        the direct children. Unlike ``descendants()``, it pages, and it needs
        only the right to list each account's children.
        """
        if max_depth is not None and max_depth < 1:
            msg = f"max_depth must be at least 1, got {max_depth}"
            raise ConfigurationError(msg)
        _bulk.check_concurrency(concurrency)

        return self._walk(max_depth, concurrency, page_size)

    async def _walk(
        self, max_depth: int | None, concurrency: int, page_size: int
    ) -> AsyncGenerator[AccountNode, None]:
        async def children_of(scope_id: str) -> list[Account]:
            below = Accounts(attrs.evolve(self._binding, scope_id=scope_id))
            return [account async for account in below.iter(page_size=page_size)]

        parents = [self.scope_id]
        seen: set[str] = set()
        depth = 1
        while parents and (max_depth is None or depth <= max_depth):
            report = await _bulk.run(
                children_of, parents, concurrency=concurrency, fail_fast=True
            )
            level = _unseen(report.values, seen)
            for account in level:
                yield AccountNode(account=account, depth=depth)
            parents = [account.id for account in level]
            depth += 1

    @operation(GET)
    async def get(self, account_id: str) -> Account:
        """One account by id; the caller must be allowed to read it."""
        return await self._fetch_one(GET, {"accountId": account_id})

    @operation(CURRENT)
    async def current(self) -> Account:
        """The caller's own account, whatever this collection's scope."""
        return await self._fetch_one(CURRENT, {})

    @operation(QUERY)
    async def query(
        self,
        *,
        offset: int = 0,
        limit: int | None = 50,
        ask_total_count: bool = False,
    ) -> ListResult[Account]:
        """Child accounts by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(COUNT)
    async def count(self) -> int:
        """How many direct child accounts the scope has."""
        return await self._count(COUNT)
