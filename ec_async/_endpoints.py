"""Endpoint infos: where devices and browsers reach the platform, per account.

An account without endpoint infos of a type uses its parent's, up the tree;
``resource`` endpoints (brokers) are written by the system administrator,
``cors`` endpoints (allowed browser origins) by each account.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import AsyncIterator
from typing import Any

import attrs

from ._models import ListResult, _extra, _read_only
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation

__all__ = [
    "EndpointInfo",
    "EndpointInfoCreator",
    "EndpointInfos",
    "EndpointType",
    "EndpointUsage",
]


class EndpointType(enum.StrEnum):
    """What an endpoint info describes: a service to connect to, or a CORS origin."""

    RESOURCE = "resource"
    CORS = "cors"


@attrs.frozen(kw_only=True)
class EndpointUsage:
    """What an endpoint is used for, e.g. ``MESSAGE_BROKER``."""

    name: str
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class EndpointInfo:
    """An endpoint: ``schema://dns:port``, whether it is secure, and its usages."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    schema: str | None = None
    dns: str | None = None
    port: int | None = None
    secure: bool | None = None
    usages: list[EndpointUsage] = attrs.field(factory=list[EndpointUsage])
    endpoint_type: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class EndpointInfoCreator:
    """A new endpoint; ``schema``, ``dns`` and ``port`` must be unique in the account."""

    schema: str
    dns: str
    port: int
    secure: bool = False
    usages: list[EndpointUsage] = attrs.field(factory=list[EndpointUsage])
    endpoint_type: str = EndpointType.RESOURCE
    extra: dict[str, Any] = _extra()


_PATH = "/{scopeId}/endpointInfos"
_ITEM = _PATH + "/{endpointInfoId}"

LIST = Operation("endpointInfoList", "GET", _PATH, safe=True)
CREATE = Operation("endpointInfoCreate", "POST", _PATH, safe=False)
GET = Operation("endpointInfoGet", "GET", _ITEM, safe=True)
UPDATE = Operation("endpointInfoUpdate", "PUT", _ITEM, safe=False)
DELETE = Operation("endpointInfoDelete", "DELETE", _ITEM, safe=True)
COUNT = Operation("endpointInfoCount", "POST", _PATH + "/_count", safe=True)
QUERY = Operation("endpointInfoQuery", "POST", _PATH + "/_query", safe=True)


def _filters(
    usage: str | None, endpoint_type: str | None, match_term: str | None
) -> list[tuple[str, str]]:
    return query_params(usage=usage, endpointType=endpoint_type, matchTerm=match_term)


class EndpointInfos(Collection[EndpointInfo]):
    """The endpoint infos an account uses: its own, or the nearest ancestor's.

    ``endpoint_type`` picks ``resource`` (the server's default) or ``cors``.
    """

    _model = EndpointInfo

    @operation(LIST)
    async def list(
        self,
        *,
        usage: str | None = None,
        endpoint_type: str | None = None,
        match_term: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[EndpointInfo]:
        """One page of the endpoint infos the scope uses."""
        return await self._list(
            LIST,
            _filters(usage, endpoint_type, match_term),
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )

    @operation(LIST)
    def iter(
        self,
        *,
        usage: str | None = None,
        endpoint_type: str | None = None,
        match_term: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[EndpointInfo]:
        """Every endpoint info the scope uses, once, page by page."""
        filters = _filters(usage, endpoint_type, match_term)
        return self._iterate(LIST, filters, page_size=page_size)

    @operation(GET)
    async def get(self, endpoint_info_id: str) -> EndpointInfo:
        """One endpoint info the scope uses, its own or an ancestor's."""
        return await self._fetch_one(GET, {"endpointInfoId": endpoint_info_id})

    @operation(CREATE)
    async def create(self, creator: EndpointInfoCreator) -> EndpointInfo:
        """Add an endpoint; the same schema, dns and port twice raises ``DuplicateName``."""
        return await self._create(CREATE, creator)

    @operation(UPDATE)
    async def update(self, endpoint_info: EndpointInfo) -> EndpointInfo:
        """Replace an endpoint info; its ``optlock`` must match the server's."""
        return await self._update(
            UPDATE, {"endpointInfoId": self._checked(endpoint_info).id}, endpoint_info
        )

    @operation(DELETE)
    async def delete(self, endpoint_info_id: str) -> None:
        """Remove an endpoint info of this scope."""
        await self._delete(DELETE, {"endpointInfoId": endpoint_info_id})

    @operation(QUERY)
    async def query(
        self,
        *,
        endpoint_type: str | None = None,
        offset: int = 0,
        limit: int | None = 50,
        ask_total_count: bool = False,
    ) -> ListResult[EndpointInfo]:
        """Endpoint infos by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            query=query_params(endpointType=endpoint_type),
        )

    @operation(COUNT)
    async def count(self, *, endpoint_type: str | None = None) -> int:
        """How many endpoint infos of a type the scope uses."""
        return await self._count(COUNT, query_params(endpointType=endpoint_type))
