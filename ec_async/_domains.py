"""Domains: the areas permissions are granted in, with their actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import attrs

from ._models import ListResult, _extra, _read_only
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation

__all__ = ["Domain", "Domains"]


@attrs.frozen(kw_only=True)
class Domain:
    """A permission domain (``device``, ``user``, ...) and the actions it has.

    ``groupable`` domains take a group id in their permissions; the others
    ignore it.
    """

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    name: str
    actions: list[str] = attrs.field(factory=list[str])
    groupable: bool = False
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    extra: dict[str, Any] = _extra()


_PATH = "/{scopeId}/domains"

LIST = Operation("domainList", "GET", _PATH, safe=True)
GET = Operation("domainGet", "GET", _PATH + "/{domainId}", safe=True)
COUNT = Operation("domainCount", "POST", _PATH + "/_count", safe=True)
QUERY = Operation("domainQuery", "POST", _PATH + "/_query", safe=True)


class Domains(Collection[Domain]):
    """The domains the server knows; the same in every scope.

    The listing takes a name filter and paging, but no sort.
    """

    _model = Domain

    @operation(LIST)
    async def list(
        self, *, name: str | None = None, offset: int = 0, limit: int = 50
    ) -> ListResult[Domain]:
        """One page of domains, by name."""
        return await self._list(
            LIST, query_params(name=name), offset=offset, limit=limit
        )

    @operation(LIST)
    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> AsyncIterator[Domain]:
        """Every domain once, fetched page by page."""
        return self._iterate(LIST, (), page_size=page_size, sortable=False)

    @operation(GET)
    async def get(self, domain_id: str) -> Domain:
        """One domain by id."""
        return await self._fetch_one(GET, {"domainId": domain_id})

    @operation(QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[Domain]:
        """Domains by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            QUERY, offset=offset, limit=limit, ask_total_count=ask_total_count
        )

    @operation(COUNT)
    async def count(self) -> int:
        """How many domains there are."""
        return await self._count(COUNT)
