"""Devices in the registry: list, iterate, get, count, create, update, delete."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from ._models import Device, DeviceCreator, ListResult
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation, paging_params

__all__ = ["Devices"]

_PATH = "/{scopeId}/devices"
_ITEM = _PATH + "/{deviceId}"

LIST = Operation("deviceList", "GET", _PATH, safe=True)
GET = Operation("deviceGet", "GET", _ITEM, safe=True)
QUERY = Operation("deviceQuery", "POST", _PATH + "/_query", safe=True)
COUNT = Operation("deviceCount", "POST", _PATH + "/_count", safe=True)
CREATE = Operation("deviceCreate", "POST", _PATH, safe=False)
UPDATE = Operation("deviceUpdate", "PUT", _ITEM, safe=False)
DELETE = Operation("deviceDelete", "DELETE", _ITEM, safe=True)


def _filters(
    client_id: str | None,
    status: str | None,
    tag_id: str | None,
    match_term: str | None,
    fetch_attributes: Sequence[str],
) -> list[tuple[str, str]]:
    return query_params(
        clientId=client_id,
        status=status,
        tagId=tag_id,
        matchTerm=match_term,
        fetchAttributes=list(fetch_attributes),
    )


class Devices(Collection[Device]):
    """The devices of one scope.

    ``status`` filters by *connection* status (``CONNECTED``, ``DISCONNECTED``,
    ``MISSING``), as the server does; ``fetch_attributes=["connection"]``
    embeds each device's connection.
    """

    _model = Device

    @operation(LIST)
    async def list(
        self,
        *,
        client_id: str | None = None,
        status: str | None = None,
        tag_id: str | None = None,
        match_term: str | None = None,
        fetch_attributes: Sequence[str] = (),
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[Device]:
        """One page of devices; ``total_count`` is set when ``ask_total_count``."""
        filters = _filters(client_id, status, tag_id, match_term, fetch_attributes)
        paging = paging_params(
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )
        return await self._fetch_page(LIST, [*filters, *paging])

    @operation(LIST)
    def iter(
        self,
        *,
        client_id: str | None = None,
        status: str | None = None,
        tag_id: str | None = None,
        match_term: str | None = None,
        fetch_attributes: Sequence[str] = (),
        page_size: int = DEFAULT_PAGE_SIZE,
        concurrency: int = 1,
    ) -> AsyncIterator[Device]:
        """Every matching device once, fetched page by page, in id order.

        With ``concurrency`` above 1, up to that many pages are fetched at
        once (the first page tells how many there are); items still come in
        order, and no more than ``concurrency`` pages are held ahead.
        """
        filters = _filters(client_id, status, tag_id, match_term, fetch_attributes)
        return self._iterate(
            LIST, filters, page_size=page_size, concurrency=concurrency
        )

    @operation(LIST)
    def iter_pages(
        self,
        *,
        client_id: str | None = None,
        status: str | None = None,
        tag_id: str | None = None,
        match_term: str | None = None,
        fetch_attributes: Sequence[str] = (),
        page_size: int = DEFAULT_PAGE_SIZE,
        concurrency: int = 1,
    ) -> AsyncIterator[Sequence[Device]]:
        """The devices of ``iter()``, a page at a time (never an empty one)."""
        filters = _filters(client_id, status, tag_id, match_term, fetch_attributes)
        return self._iterate_pages(
            LIST, filters, page_size=page_size, concurrency=concurrency
        )

    @operation(GET)
    async def get(self, device_id: str) -> Device:
        """One device by id."""
        return await self._fetch_one(GET, {"deviceId": device_id})

    @operation(QUERY)
    async def query(
        self,
        *,
        offset: int = 0,
        limit: int | None = 50,
        ask_total_count: bool = False,
        fetch_attributes: Sequence[str] = (),
    ) -> ListResult[Device]:
        """Devices by ``_query``; ``limit=None`` asks for every row at once."""
        return await self._query_page(
            QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=fetch_attributes,
        )

    @operation(COUNT)
    async def count(self) -> int:
        """How many devices the scope has."""
        return await self._count(COUNT)

    @operation(CREATE)
    async def create(self, creator: DeviceCreator) -> Device:
        """Register a device; never retried, so a reset cannot create it twice."""
        return await self._create(CREATE, creator)

    @operation(UPDATE)
    async def update(self, device: Device) -> Device:
        """Replace a device whole; its ``optlock`` must match the server's.

        Read, change a copy with ``attrs.evolve``, then update; an
        ``OptimisticLockError`` means someone else changed it in between.
        """
        return await self._update(
            UPDATE, {"deviceId": self._checked(device).id}, device
        )

    @operation(DELETE)
    async def delete(self, device_id: str) -> None:
        """Remove a device from the registry."""
        await self._delete(DELETE, {"deviceId": device_id})
