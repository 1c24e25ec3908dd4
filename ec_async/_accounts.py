"""Accounts: the caller's own, and the child accounts below a scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from ._models import Account, ListResult
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation, paging_params

__all__ = ["Accounts"]

_PATH = "/{scopeId}/accounts"

LIST = Operation("accountList", "GET", _PATH, safe=True)
QUERY = Operation("accountQuery", "POST", _PATH + "/_query", safe=True)
COUNT = Operation("accountCount", "POST", _PATH + "/_count", safe=True)
GET = Operation("accountGet", "GET", "/accounts/{accountId}", safe=True)
CURRENT = Operation("getCurrentAccount", "GET", "/account", safe=True)


def _filters(name: str | None, match_term: str | None) -> list[tuple[str, str]]:
    return query_params(name=name, matchTerm=match_term)


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
    ) -> AsyncIterator[Account]:
        """Every direct child account once, fetched page by page."""
        return self._iterate(LIST, _filters(name, match_term), page_size=page_size)

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
