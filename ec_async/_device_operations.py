"""Device management operations (long-running requests) and their notifications."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
from collections.abc import AsyncIterator, Sequence
from typing import Any

import attrs

from ._errors import ConfigurationError, RequestTimeout
from ._models import ListResult, _extra, _read_only
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation, paging_params

__all__ = [
    "DeviceOperation",
    "DeviceOperations",
    "OperationNotification",
    "OperationNotifications",
    "OperationProperty",
    "OperationStatus",
]

_PATH = "/{scopeId}/devices/{deviceId}/operations"
_ITEM = _PATH + "/{operationId}"
_NOTIFICATIONS = _ITEM + "/notifications"
_NOTIFICATION = _NOTIFICATIONS + "/{notificationId}"

LIST = Operation("deviceRegistryOperationList", "GET", _PATH, safe=True)
GET = Operation("deviceRegistryOperationGet", "GET", _ITEM, safe=True)
DELETE = Operation("deviceRegistryOperationDelete", "DELETE", _ITEM, safe=True)
QUERY = Operation("deviceRegistryOperationQuery", "POST", _PATH + "/_query", safe=True)
COUNT = Operation("deviceRegistryOperationCount", "POST", _PATH + "/_count", safe=True)

NOTIFICATION_LIST = Operation(
    "deviceRegistryNotificationList", "GET", _NOTIFICATIONS, safe=True
)
NOTIFICATION_GET = Operation(
    "deviceRegistryNotificationGet", "GET", _NOTIFICATION, safe=True
)
NOTIFICATION_DELETE = Operation(
    "deviceRegistryNotificationDelete", "DELETE", _NOTIFICATION, safe=True
)
NOTIFICATION_QUERY = Operation(
    "deviceRegistryNotificationQuery", "POST", _NOTIFICATIONS + "/_query", safe=True
)
NOTIFICATION_COUNT = Operation(
    "deviceRegistryNotificationCount", "POST", _NOTIFICATIONS + "/_count", safe=True
)

_DEFAULT_POLL = 0.5


class OperationStatus(enum.StrEnum):
    """Where an operation, or one of its notifications, stands."""

    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    STALE = "STALE"


@attrs.frozen(kw_only=True)
class OperationProperty:
    """A parameter of an operation, as the platform recorded it."""

    name: str
    property_type: str | None = None
    property_value: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class DeviceOperation:
    """A long-running management request: a package download, an uninstall, ...

    ``status`` stays ``RUNNING`` until the device reports the outcome; its
    notifications tell the progress. ``operation_id`` is the id the device
    was given, ``id`` the registry's.
    """

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    device_id: str | None = None
    operation_id: str | None = None
    app_id: str | None = None
    action: str | None = None
    resource: str | None = None
    status: str | None = None
    started_on: dt.datetime | None = None
    ended_on: dt.datetime | None = None
    operation_properties: list[OperationProperty] = attrs.field(
        factory=list[OperationProperty]
    )
    log: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()

    @property
    def finished(self) -> bool:
        """Whether the device has reported how the operation ended."""
        return self.status not in {None, OperationStatus.RUNNING}


@attrs.frozen(kw_only=True)
class OperationNotification:
    """A progress report a device sent about an operation (``progress`` in %)."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    operation_id: str | None = None
    resource: str | None = None
    status: str | None = None
    progress: int | None = None
    sent_on: dt.datetime | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    extra: dict[str, Any] = _extra()


def _paging(
    offset: int,
    limit: int,
    sort_by: str | None,
    sort_dir: str | None,
    ask_total_count: bool,
) -> list[tuple[str, str]]:
    return paging_params(
        offset=offset,
        limit=limit,
        sort_by=sort_by,
        sort_dir=sort_dir,
        ask_total_count=ask_total_count,
    )


class OperationNotifications(Collection[OperationNotification]):
    """The notifications of one operation, in the order the device sent them."""

    _model = OperationNotification

    @operation(NOTIFICATION_LIST)
    async def list(
        self,
        *,
        resource: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[OperationNotification]:
        """One page of notifications, oldest first unless sorted otherwise."""
        paging = _paging(offset, limit, sort_by, sort_dir, ask_total_count)
        filters = query_params(resource=resource)
        return await self._fetch_page(NOTIFICATION_LIST, [*filters, *paging])

    @operation(NOTIFICATION_LIST)
    def iter(
        self, *, resource: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[OperationNotification]:
        """Every notification once, fetched page by page in id order."""
        filters = query_params(resource=resource)
        return self._iterate(NOTIFICATION_LIST, filters, page_size=page_size)

    @operation(NOTIFICATION_GET)
    async def get(self, notification_id: str) -> OperationNotification:
        """One notification by id."""
        return await self._fetch_one(
            NOTIFICATION_GET, {"notificationId": notification_id}
        )

    @operation(NOTIFICATION_DELETE)
    async def delete(self, notification_id: str) -> None:
        """Remove a notification."""
        await self._delete(NOTIFICATION_DELETE, {"notificationId": notification_id})

    @operation(NOTIFICATION_QUERY)
    async def query(
        self,
        *,
        offset: int = 0,
        limit: int | None = 50,
        ask_total_count: bool = False,
    ) -> ListResult[OperationNotification]:
        """Notifications by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            NOTIFICATION_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(NOTIFICATION_COUNT)
    async def count(self) -> int:
        """How many notifications the operation has."""
        return await self._count(NOTIFICATION_COUNT)


class DeviceOperations(Collection[DeviceOperation]):
    """The management operations of one device, oldest first."""

    _model = DeviceOperation

    @property
    def device_id(self) -> str:
        """The device whose operations these are."""
        return self._parent_ids["deviceId"]

    def notifications(self, operation_id: str) -> OperationNotifications:
        """The notifications of one operation."""
        return OperationNotifications(
            self._binding, {"deviceId": self.device_id, "operationId": operation_id}
        )

    @operation(LIST)
    async def list(
        self,
        *,
        resource: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[DeviceOperation]:
        """One page of operations, oldest first unless sorted otherwise."""
        paging = _paging(offset, limit, sort_by, sort_dir, ask_total_count)
        return await self._fetch_page(LIST, [*query_params(resource=resource), *paging])

    @operation(LIST)
    def iter(
        self, *, resource: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[DeviceOperation]:
        """Every operation once, fetched page by page in id order."""
        filters = query_params(resource=resource)
        return self._iterate(LIST, filters, page_size=page_size)

    @operation(GET)
    async def get(self, operation_id: str) -> DeviceOperation:
        """One operation by id."""
        return await self._fetch_one(GET, {"operationId": operation_id})

    @operation(GET)
    async def wait(
        self,
        operation_id: str,
        *,
        timeout: float | None = 300.0,
        poll_interval: float = _DEFAULT_POLL,
    ) -> DeviceOperation:
        """Poll an operation until the device reports its end; return it then.

        A failed operation is returned, not raised: check ``status``. After
        ``timeout`` seconds (``None``: no limit) ``RequestTimeout`` is raised;
        the operation goes on on the device.
        """
        if poll_interval <= 0:
            msg = f"poll_interval must be positive, got {poll_interval!r}"
            raise ConfigurationError(msg)
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                while True:
                    found = await self.get(operation_id)
                    if found.finished:
                        return found
                    await asyncio.sleep(poll_interval)
        except TimeoutError as exc:
            if not deadline.expired():
                raise  # a request of its own timed out, not the wait.
            msg = f"operation {operation_id} was still running after {timeout} s"
            raise RequestTimeout(msg) from exc

    @operation(DELETE)
    async def delete(self, operation_id: str) -> None:
        """Remove an operation from the registry (the device is not told)."""
        await self._delete(DELETE, {"operationId": operation_id})

    @operation(QUERY)
    async def query(
        self,
        *,
        offset: int = 0,
        limit: int | None = 50,
        ask_total_count: bool = False,
        fetch_attributes: Sequence[str] = (),
    ) -> ListResult[DeviceOperation]:
        """Operations by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=fetch_attributes,
        )

    @operation(COUNT)
    async def count(self) -> int:
        """How many operations the device has."""
        return await self._count(COUNT)
