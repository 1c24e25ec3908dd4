"""Device events: what a device reported (lifecycle messages, management answers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any

import attrs

from ._convert import unstructure
from ._models import ListResult, Position, _extra, _read_only
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation, paging_params

__all__ = ["DeviceEvent", "DeviceEvents"]

_PATH = "/{scopeId}/devices/{deviceId}/events"
_ITEM = _PATH + "/{deviceEventId}"

LIST = Operation("deviceEventList", "GET", _PATH, safe=True)
GET = Operation("deviceEventGet", "GET", _ITEM, safe=True)
DELETE = Operation("deviceEventDelete", "DELETE", _ITEM, safe=True)
COUNT = Operation("deviceEventCount", "POST", _PATH + "/_count", safe=True)
QUERY = Operation("deviceEventQuery", "POST", _PATH + "/_query", safe=True)


@attrs.frozen(kw_only=True)
class DeviceEvent:
    """One event of a device: a lifecycle message or a management answer.

    ``resource`` names what it was about (``BIRTH``, ``DEATH``, ``MISSING``,
    or the management application, such as ``CMD`` or ``DEPLOY``); ``action``
    is the request's method and ``response_code`` the device's answer.
    """

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    device_id: str | None = None
    sent_on: dt.datetime | None = None
    received_on: dt.datetime | None = None
    position: Position | None = None
    resource: str | None = None
    action: str | None = None
    response_code: str | None = None
    event_message: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    extra: dict[str, Any] = _extra()


def _filters(
    resource: str | None, start_date: dt.datetime | None, end_date: dt.datetime | None
) -> list[tuple[str, str]]:
    return query_params(
        resource=resource,
        startDate=None if start_date is None else unstructure(start_date),
        endDate=None if end_date is None else unstructure(end_date),
    )


class DeviceEvents(Collection[DeviceEvent]):
    """The events of one device; the server lists them newest first."""

    _model = DeviceEvent

    @property
    def device_id(self) -> str:
        """The device whose events these are."""
        return self._parent_ids["deviceId"]

    @operation(LIST)
    async def list(
        self,
        *,
        resource: str | None = None,
        start_date: dt.datetime | None = None,
        end_date: dt.datetime | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[DeviceEvent]:
        """One page of events, newest first unless sorted otherwise.

        ``start_date`` and ``end_date`` bound ``received_on`` (naive times are UTC).
        """
        paging = paging_params(
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )
        return await self._fetch_page(
            LIST, [*_filters(resource, start_date, end_date), *paging]
        )

    @operation(LIST)
    def iter(
        self,
        *,
        resource: str | None = None,
        start_date: dt.datetime | None = None,
        end_date: dt.datetime | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[DeviceEvent]:
        """Every matching event once, fetched page by page in id order."""
        filters = _filters(resource, start_date, end_date)
        return self._iterate(LIST, filters, page_size=page_size)

    @operation(GET)
    async def get(self, event_id: str) -> DeviceEvent:
        """One event by id."""
        return await self._fetch_one(GET, {"deviceEventId": event_id})

    @operation(DELETE)
    async def delete(self, event_id: str) -> None:
        """Remove an event."""
        await self._delete(DELETE, {"deviceEventId": event_id})

    @operation(QUERY)
    async def query(
        self,
        *,
        offset: int = 0,
        limit: int | None = 50,
        ask_total_count: bool = False,
        fetch_attributes: Sequence[str] = (),
    ) -> ListResult[DeviceEvent]:
        """Events by ``_query``; ``limit=None`` asks for every row at once."""
        return await self._query_page(
            QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=fetch_attributes,
        )

    @operation(COUNT)
    async def count(self) -> int:
        """How many events the device has."""
        return await self._count(COUNT)
