"""The datastore's registries: channels, clients and metrics, through both facades."""

from __future__ import annotations

import contextlib

import pytest

import ec_async
from ec_async.emulator import Emulator
from tests.sync.facades import AnyClient, Facade

from ._support import ADMIN, PASSWORD, at, devices_account, message


def _client(
    facade: Facade, emulator: Emulator
) -> contextlib.AbstractContextManager[AnyClient]:
    return facade.client(emulator.base_url, username=ADMIN, password=PASSWORD)


def _history(emulator: Emulator, name: str) -> tuple[str, list[str], list[str]]:
    """Two clients: one on two channels with two metrics, one on one channel."""
    scope_id, clients = devices_account(emulator, name, 2)
    one, two = clients
    ids = emulator.admin.store_messages(
        scope_id,
        [
            message(one, 100, {"t": 20.5, "on": True}, channel="plant/a"),
            message(one, 300, {"t": 21.0}, channel="plant/a"),
            message(one, 200, {"t": 1}, channel="plant/b"),
            message(two, 50, {"rssi": -70}, channel="diag"),
        ],
    )
    return scope_id, clients, ids


class TestChannels:
    """DataChannels: the channels each client published on, with their span."""

    def test_list_get_and_span(self, facade: Facade, served: Emulator) -> None:
        """plant/a of the first client spans its first (100 ms) and last (300 ms) message."""
        scope_id, clients, ids = _history(served, "r-chan")

        with _client(facade, served) as ec:
            channels = ec.scope(scope_id).data_channels
            page = facade.run(channels.list())
            plant_a = next(c for c in page if c.name == "plant/a")
            again = facade.run(channels.get(plant_a.id))
            count = facade.run(channels.count())

        assert sorted(
            [(clients[0], "plant/a"), (clients[0], "plant/b"), (clients[1], "diag")]
        ) == sorted((c.client_id, c.name) for c in page)
        assert (ids[0], at(100)) == (plant_a.first_message_id, plant_a.first_message_on)
        assert (ids[1], at(300)) == (plant_a.last_message_id, plant_a.last_message_on)
        assert plant_a == again
        assert 3 == count

    def test_filters_and_iteration(self, facade: Facade, served: Emulator) -> None:
        """name plant/# and client id narrow the list; iter reads every channel."""
        scope_id, clients, _ = _history(served, "r-chan-f")

        with _client(facade, served) as ec:
            channels = ec.scope(scope_id).data_channels
            plant = facade.run(channels.list(name="plant/#"))
            second = facade.run(channels.list(client_id=clients[1]))
            every = facade.collect(channels.iter(page_size=1))
            queried = facade.run(channels.query(limit=None, ask_total_count=True))

        assert ["plant/a", "plant/b"] == sorted(c.name or "" for c in plant)
        assert ["diag"] == [c.name for c in second]
        assert 3 == len(every) == len({c.id for c in every})
        assert 3 == queried.total_count

    def test_unknown_id_is_not_found(self, facade: Facade, served: Emulator) -> None:
        """An id no channel has gives NotFound, slashes in it included."""
        with _client(facade, served) as ec, pytest.raises(ec_async.NotFound):
            facade.run(ec.data_channels.get("no/such+channel="))


class TestClients:
    """DataClients: the client ids that sent data."""

    def test_clients_and_their_last_message(
        self, facade: Facade, served: Emulator
    ) -> None:
        """The first client's last message is the one at 300 ms, on any channel."""
        scope_id, clients, ids = _history(served, "r-client")

        with _client(facade, served) as ec:
            data_clients = ec.scope(scope_id).data_clients
            page = facade.run(data_clients.list())
            first = facade.run(data_clients.list(client_id=clients[0])).items[0]
            again = facade.run(data_clients.get(first.id))
            every = facade.collect(data_clients.iter())
            count = facade.run(data_clients.count())
            queried = facade.run(data_clients.query())

        assert clients == sorted(c.client_id or "" for c in page)
        assert (ids[0], ids[1]) == (first.first_message_id, first.last_message_id)
        assert first == again
        assert 2 == count == len(every) == len(queried)


class TestMetrics:
    """DataMetrics: each metric with the type it was stored with."""

    def test_metrics_by_channel_and_name(
        self, facade: Facade, served: Emulator
    ) -> None:
        """t on plant/a is a double; t on plant/b an integer; on only on plant/a."""
        scope_id, _, _ = _history(served, "r-metric")

        with _client(facade, served) as ec:
            metrics = ec.scope(scope_id).data_metrics
            page = facade.run(metrics.list())
            on_a = facade.run(metrics.list(channel="plant/a"))
            named_t = facade.run(metrics.list(name="t"))
            one = facade.run(metrics.get(on_a.items[0].id))
            every = facade.collect(metrics.iter(page_size=2))
            count = facade.run(metrics.count())
            queried = facade.run(metrics.query(limit=2))

        assert sorted(
            [
                ("plant/a", "on", "boolean"),
                ("plant/a", "t", "double"),
                ("plant/b", "t", "integer"),
                ("diag", "rssi", "integer"),
            ]
        ) == sorted((m.channel, m.name, m.metric_type) for m in page)
        assert ["on", "t"] == sorted(m.name or "" for m in on_a)
        assert ["plant/a", "plant/b"] == sorted(m.channel or "" for m in named_t)
        assert on_a.items[0] == one
        assert 4 == count == len(every)
        assert 2 == len(queried)
        assert queried.limit_exceeded
