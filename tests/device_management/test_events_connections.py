"""Device events as devices connect and are managed; device connections."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import ec_async
from ec_async.emulator import Emulator
from tests.sync._support import fleet
from tests.sync.facades import Facade

from .conftest import admin_client, new_gateway


class TestDeviceEvents:
    """ec.device(id).events through both facades."""

    def test_events_are_listed_newest_first(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """After connecting and two commands, the last command's event comes first."""
        device_id = new_gateway(emulator, "t-ev-order")

        with admin_client(facade, emulator) as ec:
            device = ec.device(device_id)
            facade.run(device.commands.execute("true"))
            facade.run(device.commands.execute("false"))
            events = facade.run(device.events.list()).items

        assert ["CMD", "CMD", "BIRTH"] == [event.resource for event in events]
        received = [event.received_on for event in events]
        assert sorted(received, reverse=True) == received  # type: ignore[type-var]
        assert ("EXECUTE", "ACCEPTED") == (events[0].action, events[0].response_code)
        assert "command.exit.code=1" in (events[0].event_message or "")

    def test_filters_by_resource_and_time(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """resource= and a received-on window narrow the events."""
        device_id = new_gateway(emulator, "t-ev-filter")

        with admin_client(facade, emulator) as ec:
            device = ec.device(device_id)
            facade.run(device.bundles.list())
            everything = facade.run(device.events.list()).items
            birth = next(e for e in everything if e.resource == "BIRTH")
            assert birth.received_on is not None
            deploys = facade.run(device.events.list(resource="DEPLOY")).items
            before_birth = facade.run(
                device.events.list(end_date=birth.received_on - dt.timedelta(seconds=1))
            ).items
            since_birth = facade.run(device.events.list(start_date=birth.received_on))

        assert [("DEPLOY", "READ")] == [(e.resource, e.action) for e in deploys]
        assert [] == before_birth
        assert len(everything) == since_birth.size

    def test_a_refused_request_is_an_event_too(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A request the device refused leaves an event with its response code."""
        device_id = new_gateway(emulator, "t-ev-refused")

        with admin_client(facade, emulator) as ec:
            device = ec.device(device_id)
            with pytest.raises(ec_async.DeviceResponseError):
                facade.run(device.bundles.stop(424242))
            latest = facade.run(device.events.list(limit=1)).items[0]

        assert ("DEPLOY", "NOT_FOUND") == (latest.resource, latest.response_code)

    def test_get_count_query_delete(self, facade: Facade, emulator: Emulator) -> None:
        """An event reads back by id, counts, and is gone once deleted."""
        device_id = new_gateway(emulator, "t-ev-crud")

        with admin_client(facade, emulator) as ec:
            events = ec.device(device_id).events
            listed = facade.collect(events.iter(page_size=1))
            fetched = facade.run(events.get(listed[0].id))
            counted = facade.run(events.count())
            queried = facade.run(events.query(limit=None))
            facade.run(events.delete(listed[0].id))
            with pytest.raises(ec_async.NotFound):
                facade.run(events.get(listed[0].id))

        assert listed[0] == fetched
        assert (len(listed), len(listed)) == (counted, queried.size)

    def test_the_device_points_at_its_last_event(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A device's lastEventId is its newest event, and it can be updated after."""
        device_id = new_gateway(emulator, "t-ev-last")

        with admin_client(facade, emulator) as ec:
            facade.run(ec.device(device_id).commands.execute("true"))
            newest = facade.run(ec.device(device_id).events.list(limit=1)).items[0]
            device = facade.run(ec.devices.get(device_id))
            renamed = facade.run(
                ec.devices.update(attrs.evolve(device, display_name="gateway"))
            )

        assert newest.id == device.last_event_id
        assert ("gateway", newest.id) == (renamed.display_name, renamed.last_event_id)


class TestDeviceConnections:
    """ec.device_connections through both facades."""

    def test_listing_filters(self, facade: Facade, emulator: Emulator) -> None:
        """status=, client_id= and protocol= filter the connections of a scope."""
        scope_id, client_ids = fleet(emulator, "t-conn", 6)

        with admin_client(facade, emulator) as ec:
            connections = ec.scope(scope_id).device_connections
            connected = facade.run(connections.list(status="CONNECTED"))
            one = facade.run(connections.list(client_id=client_ids[1]))
            mqtt = facade.collect(connections.iter(protocol="MQTT", page_size=4))
            counted = facade.run(connections.count())

        assert sorted(client_ids[::2]) == [c.client_id for c in connected]
        assert [(client_ids[1], "DISCONNECTED")] == [
            (c.client_id, c.status) for c in one
        ]
        assert sorted(client_ids) == sorted(c.client_id or "" for c in mqtt)
        assert 6 == counted

    def test_disconnect_leaves_a_death_event(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Disconnecting a connection makes it DISCONNECTED and the device report DEATH."""
        device_id = new_gateway(emulator, "t-conn-drop")

        with admin_client(facade, emulator) as ec:
            device = facade.run(ec.devices.get(device_id))
            assert device.connection_id is not None
            facade.run(ec.device_connections.disconnect(device.connection_id))
            connection = facade.run(ec.device_connections.get(device.connection_id))
            latest = facade.run(ec.device(device_id).events.list(limit=1)).items[0]
            with pytest.raises(ec_async.DeviceNotConnected):
                facade.run(ec.device(device_id).bundles.list())

        assert "DISCONNECTED" == connection.status
        assert "DEATH" == latest.resource

    def test_options_read_modify_write(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Options change through a copy; a stale copy is refused."""
        device_id = new_gateway(emulator, "t-conn-opts")

        with admin_client(facade, emulator) as ec:
            connections = ec.device_connections
            device = facade.run(ec.devices.get(device_id))
            assert device.connection_id is not None
            options = facade.run(connections.options(device.connection_id))
            updated = facade.run(
                connections.update_options(
                    attrs.evolve(
                        options, allow_user_change=True, user_coupling_mode="LOOSE"
                    )
                )
            )
            with pytest.raises(ec_async.OptimisticLockError):
                facade.run(connections.update_options(options))
            kinds = facade.run(connections.authentication_types())
            queried = facade.run(connections.query(limit=None))

        assert (True, "LOOSE") == (
            updated.allow_user_change,
            updated.user_coupling_mode,
        )
        assert options.optlock is not None
        assert options.optlock + 1 == updated.optlock
        assert options.authentication_type in kinds
        assert device.connection_id in {c.id for c in queried}
