"""Stored data: messages, the channel, client and metric registries, and streams.

The datastore pages only up to a result window (``offset + limit`` at most
10,000); ``DataMessages.iter`` walks any time range by slicing it by time.
Datastore ids are opaque strings, not compact Kapua ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any

import attrs

from ._convert import format_datetime, request_body
from ._data_models import (
    ChannelInfo,
    ClientInfo,
    DataMessage,
    MetricInfo,
    MetricValue,
    metric_text,
    metric_type_of,
)
from ._errors import ConfigurationError, DecodeError
from ._guards import is_dict
from ._models import ListResult
from ._pipeline import Operation, query_params
from ._resources import Collection, operation, paging_params
from ._windowed import Slice, walk_by_time

__all__ = ["DataChannels", "DataClients", "DataMessages", "DataMetrics", "Streams"]

# datastore.max_result_window, the Elasticsearch default Kapua keeps (§7).
RESULT_WINDOW = 10_000
DATA_PAGE_SIZE = 1_000

_MESSAGES = "/{scopeId}/data/messages"
_CHANNELS = "/{scopeId}/data/channels"
_CLIENTS = "/{scopeId}/data/clients"
_METRICS = "/{scopeId}/data/metrics"

MESSAGE_LIST = Operation("dataMessageQuery", "GET", _MESSAGES, safe=True)
MESSAGE_STORE = Operation("dataMessageStore", "POST", _MESSAGES, safe=False)
MESSAGE_COUNT = Operation("dataMessageCount", "POST", _MESSAGES + "/_count", safe=True)
MESSAGE_QUERY = Operation(
    "dataMessageBodyQuery", "POST", _MESSAGES + "/_query", safe=True
)
MESSAGE_GET = Operation(
    "dataMessageGet", "GET", _MESSAGES + "/{datastoreMessageId}", safe=True
)

CHANNEL_LIST = Operation("dataChannelQuery", "GET", _CHANNELS, safe=True)
CHANNEL_COUNT = Operation("dataChannelCount", "POST", _CHANNELS + "/_count", safe=True)
CHANNEL_QUERY = Operation(
    "dataChannelBodyQuery", "POST", _CHANNELS + "/_query", safe=True
)
CHANNEL_GET = Operation(
    "channelInfoGet", "GET", _CHANNELS + "/{channelInfoId}", safe=True
)

CLIENT_LIST = Operation("dataClientQuery", "GET", _CLIENTS, safe=True)
CLIENT_COUNT = Operation("dataClientCount", "POST", _CLIENTS + "/_count", safe=True)
CLIENT_QUERY = Operation("dataClientBodyQuery", "POST", _CLIENTS + "/_query", safe=True)
CLIENT_GET = Operation("clientInfoGet", "GET", _CLIENTS + "/{clientInfoId}", safe=True)

METRIC_LIST = Operation("dataMetricQuery", "GET", _METRICS, safe=True)
METRIC_COUNT = Operation("dataMetricCount", "POST", _METRICS + "/_count", safe=True)
METRIC_QUERY = Operation("dataMetricBodyQuery", "POST", _METRICS + "/_query", safe=True)
METRIC_GET = Operation("metricInfoGet", "GET", _METRICS + "/{metricInfoId}", safe=True)

STREAM_PUBLISH = Operation(
    "streamMessage", "POST", "/{scopeId}/streams/messages", safe=False
)

# A stream publish waits up to its `timeout` on the server; read a bit longer.
_READ_MARGIN = 10.0


def _date(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        msg = f"{name} must be a datetime, got {value!r}"
        raise ConfigurationError(msg)
    return format_datetime(value)


def _metric_filter(
    name: str | None,
    value_type: str | None,
    minimum: MetricValue | None,
    maximum: MetricValue | None,
) -> list[tuple[str, str]]:
    """The metric query pairs; a bound needs a type, inferred from it if left out."""
    if name is None:
        if value_type is not None or minimum is not None or maximum is not None:
            msg = "metric_type, metric_min and metric_max need metric_name"
            raise ConfigurationError(msg)
        return []
    bound = minimum if minimum is not None else maximum
    if value_type is None and bound is not None:
        value_type = metric_type_of(bound)

    return query_params(
        metricName=name,
        metricType=value_type,
        metricMin=None if minimum is None else metric_text(minimum, str(value_type)),
        metricMax=None if maximum is None else metric_text(maximum, str(value_type)),
    )


def message_filters(
    *,
    client_id: str | None = None,
    channel: str | None = None,
    strict_channel: bool = False,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    metric_name: str | None = None,
    metric_type: str | None = None,
    metric_min: MetricValue | None = None,
    metric_max: MetricValue | None = None,
) -> list[tuple[str, str]]:
    """The query pairs of a message listing; dates go out in UTC with ``Z``."""
    if start is not None and end is not None and start > end:
        msg = f"start ({start}) is after end ({end})"
        raise ConfigurationError(msg)

    return [
        *query_params(
            clientId=client_id,
            channel=channel,
            strictChannel=True if strict_channel else None,
            startDate=_date("start", start),
            endDate=_date("end", end),
        ),
        *_metric_filter(metric_name, metric_type, metric_min, metric_max),
    ]


def _window_params(offset: int, limit: int) -> list[tuple[str, str]]:
    if offset < 0:
        msg = f"offset must not be negative, got {offset}"
        raise ConfigurationError(msg)
    if limit < 1:
        msg = f"limit must be at least 1, got {limit}"
        raise ConfigurationError(msg)
    return query_params(offset=offset, limit=limit)


def _sort_dir(newest_first: bool) -> list[tuple[str, str]]:
    return query_params(sortDir="DESC" if newest_first else "ASC")


class DataMessages(Collection[DataMessage]):
    """The messages a scope's devices have sent, as the datastore keeps them.

    Listings are sorted by ``timestamp``, newest first unless
    ``newest_first=False``; ``start`` and ``end`` are inclusive.
    """

    _model = DataMessage

    @operation(MESSAGE_LIST)
    async def list(
        self,
        *,
        client_id: str | None = None,
        channel: str | None = None,
        strict_channel: bool = False,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        metric_name: str | None = None,
        metric_type: str | None = None,
        metric_min: MetricValue | None = None,
        metric_max: MetricValue | None = None,
        newest_first: bool = True,
        offset: int = 0,
        limit: int = 50,
    ) -> ListResult[DataMessage]:
        """One page of messages; past the result window the server answers 400.

        ``channel`` matches the channel and its sub-channels unless
        ``strict_channel``; a metric filter needs ``metric_name``, and bounds
        (``metric_min``, ``metric_max``) are compared as ``metric_type``.
        """
        filters = message_filters(
            client_id=client_id,
            channel=channel,
            strict_channel=strict_channel,
            start=start,
            end=end,
            metric_name=metric_name,
            metric_type=metric_type,
            metric_min=metric_min,
            metric_max=metric_max,
        )
        query = [*filters, *_sort_dir(newest_first), *_window_params(offset, limit)]

        return await self._fetch_page(MESSAGE_LIST, query)

    @operation(MESSAGE_LIST)
    def iter(
        self,
        *,
        client_id: str | None = None,
        channel: str | None = None,
        strict_channel: bool = False,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        metric_name: str | None = None,
        metric_type: str | None = None,
        metric_min: MetricValue | None = None,
        metric_max: MetricValue | None = None,
        newest_first: bool = True,
        page_size: int = DATA_PAGE_SIZE,
        window: int = RESULT_WINDOW,
    ) -> AsyncIterator[DataMessage]:
        """Every matching message once, over any time range.

        Requests never page by offset, so the server's ``window`` is never
        passed: each starts at the last timestamp read, and messages sharing
        it are told apart by their datastore id. ``PagingError`` means
        ``window`` messages share one millisecond.
        """
        if start is not None and end is not None and start > end:
            msg = f"start ({start}) is after end ({end})"
            raise ConfigurationError(msg)
        filters = message_filters(
            client_id=client_id,
            channel=channel,
            strict_channel=strict_channel,
            metric_name=metric_name,
            metric_type=metric_type,
            metric_min=metric_min,
            metric_max=metric_max,
        )
        # One end of the range stays put; the other follows the walk.
        fixed = query_params(
            **{"startDate": _date("start", start)}
            if newest_first
            else {"endDate": _date("end", end)}
        )
        moving = "endDate" if newest_first else "startDate"

        async def fetch(part: Slice) -> Sequence[DataMessage]:
            query = [
                *filters,
                *fixed,
                *query_params(**{moving: _date(moving, part.bound)}),
                *_sort_dir(newest_first),
                *_window_params(0, part.limit),
            ]
            page = await self._fetch_page(MESSAGE_LIST, query)
            return page.items

        return walk_by_time(
            fetch,
            newest_first=newest_first,
            page_size=page_size,
            window=window,
            bound=end if newest_first else start,
        )

    @operation(MESSAGE_GET)
    async def get(self, datastore_id: str) -> DataMessage:
        """One stored message by its datastore id."""
        return await self._fetch_one(MESSAGE_GET, {"datastoreMessageId": datastore_id})

    @operation(MESSAGE_QUERY)
    async def query(
        self,
        *,
        offset: int = 0,
        limit: int | None = 50,
        ask_total_count: bool = False,
        newest_first: bool = True,
    ) -> ListResult[DataMessage]:
        """Messages by ``_query`` (no filters can be sent), sorted by timestamp."""
        body: dict[str, Any] = {
            "offset": offset,
            "askTotalCount": ask_total_count,
            "sortFields": [
                {"field": "timestamp", "direction": "DESC" if newest_first else "ASC"}
            ],
        }
        if limit is not None:
            body["limit"] = limit
        document = await self._send(MESSAGE_QUERY, body=body)

        return self._page_from(document)

    @operation(MESSAGE_COUNT)
    async def count(self) -> int:
        """How many messages the scope has stored."""
        return await self._count(MESSAGE_COUNT)

    @operation(MESSAGE_STORE)
    async def store(self, message: DataMessage) -> str:
        """Store a message without sending it to the broker; its new datastore id.

        The server requires ``received_on``; left out, it is now. Never
        retried: a reset connection must not store it twice.
        """
        if message.received_on is None:
            message = attrs.evolve(message, received_on=dt.datetime.now(dt.UTC))
        document = await self._send(MESSAGE_STORE, body=request_body(message))
        new_id = document.get("id") if is_dict(document) else None
        if not isinstance(new_id, str):
            msg = f"{MESSAGE_STORE.path}: expected the new message id in the answer"
            raise DecodeError(msg)

        return new_id


def _info_paging(
    offset: int,
    limit: int,
    sort_by: str | None = None,
    sort_dir: str | None = None,
) -> list[tuple[str, str]]:
    return paging_params(
        offset=offset,
        limit=limit,
        sort_by=sort_by,
        sort_dir=sort_dir,
        ask_total_count=False,
    )


class DataChannels(Collection[ChannelInfo]):
    """The channels a scope's clients have published on."""

    _model = ChannelInfo

    @operation(CHANNEL_LIST)
    async def list(
        self,
        *,
        client_id: str | None = None,
        name: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
    ) -> ListResult[ChannelInfo]:
        """One page of channel infos; ``name`` may end in ``/#`` for a subtree."""
        query = query_params(clientId=client_id, name=name)

        return await self._fetch_page(
            CHANNEL_LIST, [*query, *_info_paging(offset, limit, sort_by, sort_dir)]
        )

    @operation(CHANNEL_LIST)
    def iter(
        self,
        *,
        client_id: str | None = None,
        name: str | None = None,
        page_size: int = DATA_PAGE_SIZE,
    ) -> AsyncIterator[ChannelInfo]:
        """Every matching channel info once (up to the result window)."""
        query = query_params(clientId=client_id, name=name)

        return self._iterate_offsets(
            CHANNEL_LIST, query, page_size=page_size, window=RESULT_WINDOW
        )

    @operation(CHANNEL_GET)
    async def get(self, channel_info_id: str) -> ChannelInfo:
        """One channel info by id."""
        return await self._fetch_one(CHANNEL_GET, {"channelInfoId": channel_info_id})

    @operation(CHANNEL_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[ChannelInfo]:
        """Channel infos by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            CHANNEL_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(CHANNEL_COUNT)
    async def count(self) -> int:
        """How many channel infos the scope has."""
        return await self._count(CHANNEL_COUNT)


class DataClients(Collection[ClientInfo]):
    """The client ids that have sent data in a scope."""

    _model = ClientInfo

    @operation(CLIENT_LIST)
    async def list(
        self, *, client_id: str | None = None, offset: int = 0, limit: int = 50
    ) -> ListResult[ClientInfo]:
        """One page of client infos."""
        query = query_params(clientId=client_id)

        return await self._fetch_page(
            CLIENT_LIST, [*query, *_info_paging(offset, limit)]
        )

    @operation(CLIENT_LIST)
    def iter(
        self, *, client_id: str | None = None, page_size: int = DATA_PAGE_SIZE
    ) -> AsyncIterator[ClientInfo]:
        """Every matching client info once (up to the result window)."""
        return self._iterate_offsets(
            CLIENT_LIST,
            query_params(clientId=client_id),
            page_size=page_size,
            window=RESULT_WINDOW,
        )

    @operation(CLIENT_GET)
    async def get(self, client_info_id: str) -> ClientInfo:
        """One client info by id."""
        return await self._fetch_one(CLIENT_GET, {"clientInfoId": client_info_id})

    @operation(CLIENT_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[ClientInfo]:
        """Client infos by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            CLIENT_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(CLIENT_COUNT)
    async def count(self) -> int:
        """How many client infos the scope has."""
        return await self._count(CLIENT_COUNT)


class DataMetrics(Collection[MetricInfo]):
    """The metrics seen on a scope's channels, with their types."""

    _model = MetricInfo

    @operation(METRIC_LIST)
    async def list(
        self,
        *,
        client_id: str | None = None,
        channel: str | None = None,
        name: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> ListResult[MetricInfo]:
        """One page of metric infos; ``channel`` may end in ``/#`` for a subtree."""
        query = query_params(clientId=client_id, channel=channel, name=name)

        return await self._fetch_page(
            METRIC_LIST, [*query, *_info_paging(offset, limit)]
        )

    @operation(METRIC_LIST)
    def iter(
        self,
        *,
        client_id: str | None = None,
        channel: str | None = None,
        name: str | None = None,
        page_size: int = DATA_PAGE_SIZE,
    ) -> AsyncIterator[MetricInfo]:
        """Every matching metric info once (up to the result window)."""
        query = query_params(clientId=client_id, channel=channel, name=name)

        return self._iterate_offsets(
            METRIC_LIST, query, page_size=page_size, window=RESULT_WINDOW
        )

    @operation(METRIC_GET)
    async def get(self, metric_info_id: str) -> MetricInfo:
        """One metric info by id."""
        return await self._fetch_one(METRIC_GET, {"metricInfoId": metric_info_id})

    @operation(METRIC_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[MetricInfo]:
        """Metric infos by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            METRIC_QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(METRIC_COUNT)
    async def count(self) -> int:
        """How many metric infos the scope has."""
        return await self._count(METRIC_COUNT)


class Streams(Collection[DataMessage]):
    """Publishing messages to the broker on a device's behalf."""

    _model = DataMessage

    @operation(STREAM_PUBLISH)
    async def publish(
        self,
        message: DataMessage,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the server's own wait.
    ) -> None:
        """Publish ``message`` through the broker; never retried.

        ``timeout`` (seconds) is how long the server waits for the broker; the
        read timeout of this call extends past it.
        """
        query: list[tuple[str, str]] = []
        read_timeout = None
        if timeout is not None:
            if timeout <= 0:
                msg = f"timeout must be positive, got {timeout}"
                raise ConfigurationError(msg)
            query = query_params(timeout=round(timeout * 1000))
            read_timeout = timeout + _READ_MARGIN
        await self._send(
            STREAM_PUBLISH,
            query=query,
            body=request_body(message),
            read_timeout=read_timeout,
        )
