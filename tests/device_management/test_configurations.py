"""Configurations of a connected device: read, change a copy, write it back."""

from __future__ import annotations

import pytest

import ec_async
from ec_async import StoreEnablementPolicy
from ec_async.emulator import Emulator
from tests.sync.facades import Facade

from .conftest import admin_client, new_gateway

CLOCK = "org.eclipse.kura.clock.ClockService"


class TestDeviceConfigurations:
    """ec.device(id).configurations through both facades."""

    def test_read_modify_write(self, facade: Facade, emulator: Emulator) -> None:
        """A changed copy written back is what the next read returns."""
        device_id = new_gateway(emulator, "t-conf-rmw")

        with admin_client(facade, emulator) as ec:
            configurations = ec.device(device_id).configurations
            before = facade.run(configurations.get(CLOCK))
            changed = before.with_values({"clock.ntp.port": 1123, "enabled": False})
            facade.run(configurations.update(changed))
            after = facade.run(configurations.get(CLOCK))

        assert (1123, False) == (after.get("clock.ntp.port"), after.get("enabled"))
        assert (1123, False) != (before.get("clock.ntp.port"), before.get("enabled"))
        untouched = {"clock.ntp.port", "enabled"}
        assert {k: v for k, v in before.values.items() if k not in untouched} == {
            k: v for k, v in after.values.items() if k not in untouched
        }

    def test_every_component_carries_its_metatype(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Each component lists attribute definitions matching its properties' types."""
        device_id = new_gateway(emulator, "t-conf-all")

        with admin_client(facade, emulator) as ec:
            components = facade.run(ec.device(device_id).configurations.list())

        assert CLOCK in {component.id for component in components}
        for component in components:
            assert component.definition is not None
            for ad in component.definition.attributes:
                prop = next(p for p in component.properties if p.name == ad.id)
                assert ad.type == prop.type

    def test_a_wrong_type_is_refused_before_sending(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Text for an Integer property raises ConfigurationError, nothing is sent."""
        device_id = new_gateway(emulator, "t-conf-type")

        with admin_client(facade, emulator) as ec:
            component = facade.run(ec.device(device_id).configurations.get(CLOCK))
            sent = emulator.counters.device_requests[device_id]
            with pytest.raises(ec_async.ConfigurationError, match=r"clock\.ntp\.port"):
                component.with_values({"clock.ntp.port": "abc"})

        assert sent == emulator.counters.device_requests[device_id]

    def test_the_device_refuses_a_value_outside_the_metatype(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A port above the metatype's max is refused by the device and not applied."""
        device_id = new_gateway(emulator, "t-conf-range")

        with admin_client(facade, emulator) as ec:
            configurations = ec.device(device_id).configurations
            component = facade.run(configurations.get(CLOCK))
            with pytest.raises(ec_async.DeviceResponseError) as refused:
                facade.run(
                    configurations.update(
                        component.with_values({"clock.ntp.port": 70000})
                    )
                )
            after = facade.run(configurations.get(CLOCK))

        assert "BAD_REQUEST" == refused.value.response_code
        assert 500 == refused.value.status
        assert component.get("clock.ntp.port") == after.get("clock.ntp.port")

    def test_update_all_writes_several_components(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """update_all applies every component's changes in one request."""
        device_id = new_gateway(emulator, "t-conf-many")
        watchdog = "org.eclipse.kura.watchdog.WatchdogService"

        with admin_client(facade, emulator) as ec:
            configurations = ec.device(device_id).configurations
            clock = facade.run(configurations.get(CLOCK))
            dog = facade.run(configurations.get(watchdog))
            facade.run(
                configurations.update_all(
                    [
                        clock.with_values({"clock.ntp.host": "ntp.example.org"}),
                        dog.with_values({"pingInterval": 5000}),
                    ]
                )
            )
            values = {c.id: c.values for c in facade.run(configurations.list())}

        assert "ntp.example.org" == values[CLOCK]["clock.ntp.host"]
        assert 5000 == values[watchdog]["pingInterval"]

    def test_store_settings(self, facade: Facade, emulator: Emulator) -> None:
        """The configuration store policy reads back as it was set."""
        device_id = new_gateway(emulator, "t-conf-store")

        with admin_client(facade, emulator) as ec:
            configurations = ec.device(device_id).configurations
            facade.run(configurations.update_settings(StoreEnablementPolicy.DISABLED))
            settings = facade.run(configurations.settings())

        assert (device_id, "DISABLED") == (
            settings.device_id,
            settings.enablement_policy,
        )


class TestDeviceSnapshots:
    """Snapshots taken by configuration writes, and rolling back to one."""

    def test_a_write_takes_a_snapshot_that_rolls_back(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Rolling back to the snapshot before a write restores the old values."""
        device_id = new_gateway(emulator, "t-snap")

        with admin_client(facade, emulator) as ec:
            device = ec.device(device_id)
            before = facade.run(device.snapshots.list())
            component = facade.run(device.configurations.get(CLOCK))
            facade.run(
                device.configurations.update(
                    component.with_values({"clock.ntp.host": "ntp.example.org"})
                )
            )
            after = facade.run(device.snapshots.list())
            saved = facade.run(device.snapshots.get(before[-1].id))
            facade.run(device.snapshots.rollback(before[-1].id))
            restored = facade.run(device.configurations.get(CLOCK))

        assert len(before) + 1 == len(after)
        saved_clock = next(c for c in saved if c.id == CLOCK)
        assert component.get("clock.ntp.host") == saved_clock.get("clock.ntp.host")
        assert saved_clock.definition is None
        assert component.get("clock.ntp.host") == restored.get("clock.ntp.host")
        assert "ntp.example.org" != restored.get("clock.ntp.host")
