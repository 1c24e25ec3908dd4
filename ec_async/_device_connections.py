"""Device connections: the broker sessions of a scope's devices, and their options."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any

import attrs

from ._convert import expect_model, request_body, structure
from ._errors import DecodeError
from ._guards import is_dict, is_list
from ._models import DeviceConnection, ListResult, _extra, _read_only
from ._pipeline import Operation, query_params
from ._resources import (
    DEFAULT_PAGE_SIZE,
    Collection,
    check_id,
    operation,
    paging_params,
)

__all__ = ["ConnectionOptions", "DeviceConnections"]

_PATH = "/{scopeId}/deviceconnections"
_ITEM = _PATH + "/{connectionId}"

LIST = Operation("connectionList", "GET", _PATH, safe=True)
GET = Operation("connectionGet", "GET", _ITEM, safe=True)
QUERY = Operation("connectionQuery", "POST", _PATH + "/_query", safe=True)
COUNT = Operation("connectionCount", "POST", _PATH + "/_count", safe=True)
DISCONNECT = Operation(
    "connectionDisconnect", "POST", _ITEM + "/_disconnect", safe=False
)
OPTIONS_GET = Operation("connectionOptionGet", "GET", _ITEM + "/options", safe=True)
OPTIONS_UPDATE = Operation(
    "connectionOptionUpdate", "PUT", _ITEM + "/options", safe=False
)
AVAILABLE_AUTH = Operation(
    "connectionAvailableAuth", "GET", _PATH + "/_availableAuth", safe=True
)


@attrs.frozen(kw_only=True)
class ConnectionOptions:
    """How a device may connect: user coupling and authentication.

    Read them with ``options()``, change a copy with ``attrs.evolve``, write
    it with ``update_options()``; ``optlock`` guards against lost updates.
    """

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    allow_user_change: bool | None = None
    user_coupling_mode: str | None = None
    reserved_user_id: str | None = None
    authentication_type: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


def _filters(
    client_id: str | None,
    client_ip: str | None,
    protocol: str | None,
    status: str | None,
) -> Sequence[tuple[str, str]]:
    return query_params(
        clientId=client_id, clientIp=client_ip, protocol=protocol, status=status
    )


class DeviceConnections(Collection[DeviceConnection]):
    """The device connections of one scope.

    ``status`` filters by ``CONNECTED``, ``DISCONNECTED``, ``MISSING`` or
    ``NULL``. The server sorts this listing by client id and takes no sort
    or total count, so ``list`` offers neither.
    """

    _model = DeviceConnection

    @operation(LIST)
    async def list(
        self,
        *,
        client_id: str | None = None,
        client_ip: str | None = None,
        protocol: str | None = None,
        status: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> ListResult[DeviceConnection]:
        """One page of connections, by client id."""
        paging = paging_params(
            offset=offset,
            limit=limit,
            sort_by=None,
            sort_dir=None,
            ask_total_count=False,
        )
        filters = _filters(client_id, client_ip, protocol, status)
        return await self._fetch_page(LIST, [*filters, *paging])

    @operation(LIST)
    def iter(
        self,
        *,
        client_id: str | None = None,
        client_ip: str | None = None,
        protocol: str | None = None,
        status: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[DeviceConnection]:
        """Every matching connection once, fetched page by page."""
        filters = _filters(client_id, client_ip, protocol, status)
        return self._iterate(LIST, filters, page_size=page_size, sortable=False)

    @operation(GET)
    async def get(self, connection_id: str) -> DeviceConnection:
        """One connection by id."""
        return await self._fetch_one(GET, {"connectionId": connection_id})

    @operation(QUERY)
    async def query(
        self,
        *,
        offset: int = 0,
        limit: int | None = 50,
        ask_total_count: bool = False,
        fetch_attributes: Sequence[str] = (),
    ) -> ListResult[DeviceConnection]:
        """Connections by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=fetch_attributes,
        )

    @operation(COUNT)
    async def count(self) -> int:
        """How many connections the scope has."""
        return await self._count(COUNT)

    @operation(DISCONNECT)
    async def disconnect(self, connection_id: str) -> None:
        """Ask the broker to drop a device's session; never retried."""
        check_id("connectionId", connection_id)
        await self._send(DISCONNECT, path_params={"connectionId": connection_id})

    @operation(OPTIONS_GET)
    async def options(self, connection_id: str) -> ConnectionOptions:
        """The options of a connection."""
        check_id("connectionId", connection_id)
        document = await self._send(
            OPTIONS_GET, path_params={"connectionId": connection_id}
        )
        return structure(document, ConnectionOptions)

    @operation(OPTIONS_UPDATE)
    async def update_options(self, options: ConnectionOptions) -> ConnectionOptions:
        """Replace a connection's options; ``optlock`` must match the server's."""
        options = expect_model(options, ConnectionOptions)
        check_id("connectionId", options.id)
        document = await self._send(
            OPTIONS_UPDATE,
            path_params={"connectionId": options.id},
            body=request_body(options),
        )
        return structure(document, ConnectionOptions)

    @operation(AVAILABLE_AUTH)
    async def authentication_types(self) -> Sequence[str]:
        """The authentication adapters devices of this scope may connect with."""
        document = await self._send(AVAILABLE_AUTH)
        items = document.get("items") if is_dict(document) else None
        if not is_list(items):
            msg = f"{AVAILABLE_AUTH.method} {AVAILABLE_AUTH.path}: expected a setResult"
            raise DecodeError(msg)
        return [str(item) for item in items]
