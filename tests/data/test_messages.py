"""Stored messages through both facades: listing, filters, the window, storing."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest

import ec_async
from ec_async import DataMessage, DataPayload, Metric, Position
from ec_async._data import message_filters
from ec_async.emulator import Emulator
from tests.conftest import FAST
from tests.sync.facades import AnyClient, Facade

from ._support import ADMIN, BASE, PASSWORD, at, devices_account, message, spread


def _client(
    facade: Facade, emulator: Emulator
) -> contextlib.AbstractContextManager[AnyClient]:
    return facade.client(emulator.base_url, username=ADMIN, password=PASSWORD)


class TestListing:
    """DataMessages.list: order, time range, client, channel and metric filters."""

    def test_newest_first_unless_asked(self, facade: Facade, served: Emulator) -> None:
        """The server's default order is newest first; newest_first=False reverses it."""
        scope_id, clients = devices_account(served, "d-order", 2)
        served.admin.store_messages(scope_id, spread(clients, [30, 10, 20], {"v": 1}))

        with _client(facade, served) as ec:
            data = ec.scope(scope_id).data_messages
            newest = facade.run(data.list())
            oldest = facade.run(data.list(newest_first=False))

        assert [at(30), at(20), at(10)] == [m.timestamp for m in newest]
        assert [at(10), at(20), at(30)] == [m.timestamp for m in oldest]

    def test_start_and_end_are_inclusive(
        self, facade: Facade, served: Emulator
    ) -> None:
        """Messages at 0..9 s, start=2 s and end=5 s: the four at 2, 3, 4 and 5 s."""
        scope_id, clients = devices_account(served, "d-range", 1)
        stamps = [second * 1000 for second in range(10)]
        served.admin.store_messages(scope_id, spread(clients, stamps, {"v": 1}))

        with _client(facade, served) as ec:
            page = facade.run(
                ec.scope(scope_id).data_messages.list(start=at(2000), end=at(5000))
            )

        assert [at(5000), at(4000), at(3000), at(2000)] == [m.timestamp for m in page]

    def test_client_and_channel(self, facade: Facade, served: Emulator) -> None:
        """A channel matches its sub-channels unless strict; clients filter exactly."""
        scope_id, clients = devices_account(served, "d-chan", 2)
        one, two = clients
        served.admin.store_messages(
            scope_id,
            [
                message(one, 1, {"v": 1}, channel="plant/a"),
                message(one, 2, {"v": 2}, channel="plant/a/line1"),
                message(two, 3, {"v": 3}, channel="plant/ab"),
                message(two, 4, {"v": 4}, channel="plant/a"),
            ],
        )

        with _client(facade, served) as ec:
            data = ec.scope(scope_id).data_messages
            tree = facade.run(data.list(channel="plant/a"))
            strict = facade.run(data.list(channel="plant/a", strict_channel=True))
            wildcard = facade.run(data.list(channel="plant/#"))
            by_client = facade.run(data.list(client_id=two))

        assert [4, 2, 1] == [m.metrics["v"] for m in tree]
        assert [4, 1] == [m.metrics["v"] for m in strict]
        assert [4, 3, 2, 1] == [m.metrics["v"] for m in wildcard]
        assert [4, 3] == [m.metrics["v"] for m in by_client]

    def test_metric_presence_and_bounds(self, facade: Facade, served: Emulator) -> None:
        """Temperatures 10..19 °C: at least 15.5 gives 16..19; 12 to 13.0 gives 12, 13."""
        scope_id, clients = devices_account(served, "d-metric", 1)
        readings = [
            message(clients[0], i, {"temperature": 10.0 + i}) for i in range(10)
        ]
        readings.append(message(clients[0], 50, {"door": True}))
        served.admin.store_messages(scope_id, readings)

        with _client(facade, served) as ec:
            data = ec.scope(scope_id).data_messages
            warm = facade.run(data.list(metric_name="temperature", metric_min=15.5))
            band = facade.run(
                data.list(
                    metric_name="temperature",
                    metric_type="double",
                    metric_min=12,
                    metric_max=13.0,
                )
            )
            doors = facade.run(data.list(metric_name="door"))

        assert [19.0, 18.0, 17.0, 16.0] == [m.metrics["temperature"] for m in warm]
        assert [13.0, 12.0] == [m.metrics["temperature"] for m in band]
        assert [{"door": True}] == [m.metrics for m in doors]

    def test_a_page_past_the_window_is_a_bad_request(
        self, facade: Facade, served: Emulator
    ) -> None:
        """offset 9990 with limit 50 passes the 10,000 window: the server answers 400."""
        with (
            _client(facade, served) as ec,
            pytest.raises(ec_async.BadRequest) as caught,
        ):
            facade.run(ec.data_messages.list(offset=9990, limit=50))

        assert "limit + offset" == caught.value.argument_name
        assert "10040" == caught.value.argument_value


class TestMessageFilters:
    """The query a message listing sends, checked before anything is sent."""

    def test_bounds_need_a_metric_name(self) -> None:
        """metric_min without metric_name raises ConfigurationError."""
        with pytest.raises(ec_async.ConfigurationError, match="metric_name"):
            message_filters(metric_min=1)

    def test_start_after_end_is_refused(self) -> None:
        """A range that ends before it starts raises ConfigurationError."""
        with pytest.raises(ec_async.ConfigurationError, match="after end"):
            message_filters(start=at(10), end=at(5))

    def test_bound_type_is_inferred_and_dates_are_utc(self) -> None:
        """A float bound sends metricType double; a CET date goes out in UTC with Z."""
        cet = dt.timezone(dt.timedelta(hours=1))

        pairs = message_filters(
            start=dt.datetime(2024, 3, 1, 13, 0, tzinfo=cet),
            metric_name="t",
            metric_max=20.5,
        )

        assert [
            ("startDate", "2024-03-01T12:00:00.000Z"),
            ("metricName", "t"),
            ("metricType", "double"),
            ("metricMax", "20.5"),
        ] == pairs


class TestStoreAndRead:
    """Storing a message over REST, reading it back, counting and querying."""

    def test_store_then_get_keeps_every_type(
        self, facade: Facade, served: Emulator
    ) -> None:
        """Every metric type survives the round trip with its Python type and value."""
        scope_id, clients = devices_account(served, "d-store", 1)
        captured = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.UTC)
        metrics = [
            Metric(name="i", value=-7),
            Metric(name="l", value=2**40),
            Metric(name="f", value=0.5, value_type="float"),
            Metric(name="d", value=21.25),
            Metric(name="b", value=True),
            Metric(name="s", value="hello"),
            Metric(name="bin", value=b"\x00\xff"),
        ]

        with _client(facade, served) as ec:
            data = ec.scope(scope_id).data_messages
            device = facade.run(ec.scope(scope_id).devices.list()).items[0]
            new_id = facade.run(
                data.store(
                    DataMessage(
                        client_id=clients[0],
                        device_id=device.id,
                        channel="lab/bench",
                        captured_on=captured,
                        position=Position(latitude=45.5, longitude=9.25),
                        payload=DataPayload(metrics=metrics, body=b"raw"),
                    )
                )
            )
            stored = facade.run(data.get(new_id))
            count = facade.run(data.count())

        assert new_id == stored.datastore_id
        assert {m.name: m.value for m in metrics} == stored.metrics
        assert {"i": int, "l": int, "f": float, "d": float, "b": bool, "s": str} == {
            name: type(value) for name, value in stored.metrics.items() if name != "bin"
        }
        assert [
            "integer",
            "long",
            "float",
            "double",
            "boolean",
            "string",
            "binary",
        ] == [m.value_type for m in stored.payload.metrics]
        assert b"raw" == stored.payload.body
        assert captured == stored.captured_on
        assert stored.position is not None
        assert (45.5, 9.25) == (stored.position.latitude, stored.position.longitude)
        assert stored.received_on is not None
        assert 1 == count

    def test_unknown_id_is_not_found(self, facade: Facade, served: Emulator) -> None:
        """A datastore id nobody stored gives NotFound."""
        with _client(facade, served) as ec, pytest.raises(ec_async.NotFound):
            facade.run(ec.data_messages.get("2b4bd3c2-0000-4000-8000-000000000000"))

    def test_query_sorts_and_counts_the_total(
        self, facade: Facade, served: Emulator
    ) -> None:
        """A _query body pages by timestamp and reports the total when asked."""
        scope_id, clients = devices_account(served, "d-query", 1)
        served.admin.store_messages(
            scope_id, spread(clients, [5, 1, 4, 2, 3], {"v": 0})
        )

        with _client(facade, served) as ec:
            data = ec.scope(scope_id).data_messages
            page = facade.run(data.query(limit=2, ask_total_count=True))
            oldest = facade.run(data.query(limit=2, newest_first=False))

        assert [at(5), at(4)] == [m.timestamp for m in page]
        assert 5 == page.total_count
        assert page.limit_exceeded
        assert [at(1), at(2)] == [m.timestamp for m in oldest]

    def test_publish_stores_through_the_broker(
        self, facade: Facade, served: Emulator
    ) -> None:
        """A message published on a stream lands in the datastore, received now."""
        scope_id, clients = devices_account(served, "d-stream", 1)

        with _client(facade, served) as ec:
            scope = ec.scope(scope_id)
            device = facade.run(scope.devices.list()).items[0]
            facade.run(
                scope.streams.publish(
                    DataMessage(
                        client_id=clients[0],
                        device_id=device.id,
                        channel="events",
                        payload=DataPayload.of({"alarm": "door"}),
                    ),
                    timeout=5,
                )
            )
            stored = facade.run(scope.data_messages.list())

        assert [{"alarm": "door"}] == [m.metrics for m in stored]
        assert stored.items[0].received_on is not None  # stamped by the broker


class TestWindowedIteration:
    """DataMessages.iter reads any range completely without passing the window."""

    @pytest.mark.anyio
    async def test_25000_messages_across_the_window(self) -> None:
        """25,000 messages, ten per millisecond and 3,000 at one, all read once.

        The 3,000 ties sit where a window of 10,000 would end, so offset paging
        would have to cut through them; newest first, timestamps never rise.
        Not spec-checked, and through ec_async only: judging 25,000 messages
        against the schema, or crossing them one by one into ec_sync, takes
        longer than reading them, and the smaller tests here check both.
        """
        async with Emulator(seed="minimal", config=FAST) as emulator:
            scope_id, clients = devices_account(emulator, "d-25k", 10)
            # Ten per millisecond over 0..2199 ms; 850 ms lie above 1349, so the
            # 3,000 extra at 1349 ms hold ranks 8,500 to 11,509, newest first.
            stamps = [index // 10 for index in range(22_000)] + [1_349] * 3_000
            history = spread(clients, sorted(stamps), {"n": 1})
            stored = set(emulator.admin.store_messages(scope_id, history))

            async with ec_async.Client(
                emulator.base_url, username=ADMIN, password=PASSWORD
            ) as ec:
                data = ec.scope(scope_id).data_messages
                read = [m async for m in data.iter(page_size=2_500)]

        assert 25_000 == len(stored)
        assert 25_000 == len(read)
        assert stored == {m.datastore_id for m in read}
        stamps_read = [m.timestamp or BASE for m in read]
        assert sorted(stamps_read, reverse=True) == stamps_read

    def test_oldest_first_within_bounds(self, facade: Facade, served: Emulator) -> None:
        """Oldest first from start to end: exactly the messages inside, ascending."""
        scope_id, clients = devices_account(served, "d-asc", 3)
        stamps = [index // 7 for index in range(700)]
        ids = served.admin.store_messages(scope_id, spread(clients, stamps, {"n": 1}))
        inside = {i for i, s in zip(ids, stamps, strict=True) if 20 <= s <= 80}

        with _client(facade, served) as ec:
            read = facade.collect(
                ec.scope(scope_id).data_messages.iter(
                    start=at(20),
                    end=at(80),
                    newest_first=False,
                    page_size=30,
                    window=60,
                )
            )

        assert inside == {m.datastore_id for m in read}
        assert len(inside) == len(read)
        stamps_read = [m.timestamp or BASE for m in read]
        assert sorted(stamps_read) == stamps_read

    def test_more_ties_than_the_window_are_refused(
        self, facade: Facade, served: Emulator
    ) -> None:
        """150 messages in one millisecond cannot be paged with a window of 100."""
        scope_id, clients = devices_account(served, "d-ties", 1)
        served.admin.store_messages(scope_id, spread(clients, [7] * 150, {"n": 1}))

        with _client(facade, served) as ec, pytest.raises(ec_async.PagingError):
            facade.collect(
                ec.scope(scope_id).data_messages.iter(page_size=40, window=100)
            )
