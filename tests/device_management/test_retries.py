"""Device actions are sent once, even when the answer is lost; reads are retried."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

import ec_async
from ec_async import PackageDownload
from ec_async.emulator import DEMO_PASSWORD, Emulator
from tests.sync.facades import Facade

from .conftest import ADMIN, admin_client, new_gateway


class TestLostAnswers:
    """A connection reset after the device acted, through both facades."""

    def test_a_command_is_not_sent_again(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The reset surfaces as TransportError; the device got the command once."""
        device_id = new_gateway(emulator, "t-retry-cmd")
        emulator.admin.drop_device_answers(device_id)

        with (
            admin_client(facade, emulator) as ec,
            pytest.raises(ec_async.TransportError),
        ):
            facade.run(ec.device(device_id).commands.execute("echo", ["once"]))

        assert 1 == emulator.counters.device_requests[device_id]

    def test_a_read_is_sent_again(self, facade: Facade, emulator: Emulator) -> None:
        """A configuration read whose answer was lost is retried and succeeds."""
        device_id = new_gateway(emulator, "t-retry-read")
        emulator.admin.drop_device_answers(device_id)

        with admin_client(facade, emulator) as ec:
            components = facade.run(ec.device(device_id).configurations.list())

        assert components
        assert 2 == emulator.counters.device_requests[device_id]


@pytest.fixture
async def local(local_emulator: Emulator) -> AsyncIterator[ec_async.Client]:
    """acme's admin on the async client, logged in to a loop-local emulator."""
    async with ec_async.Client(
        local_emulator.base_url, username=ADMIN, password=DEMO_PASSWORD
    ) as ec:
        yield ec


Action = Callable[[], Awaitable[Any]]


async def _bundle_stop(device: ec_async.ManagedDevice) -> Action:
    return lambda: device.bundles.stop(3)


async def _bundle_start(device: ec_async.ManagedDevice) -> Action:
    return lambda: device.bundles.start(3)


async def _configuration_write(device: ec_async.ManagedDevice) -> Action:
    clock = await device.configurations.get("org.eclipse.kura.clock.ClockService")
    return lambda: device.configurations.update(clock.with_values({"enabled": False}))


async def _package_download(device: ec_async.ManagedDevice) -> Action:
    package = PackageDownload(uri="https://example.com/a.dp", name="a", version="1")
    return lambda: device.packages.download(package)


async def _asset_write(device: ec_async.ManagedDevice) -> Action:
    (plc,) = await device.assets.list(["PLC-Line-1"])
    return lambda: device.assets.write([plc.with_values({"Setpoint": 19.5})])


async def _keystore_delete(device: ec_async.ManagedDevice) -> Action:
    return lambda: device.keystores.delete_item("HttpsKeystore", "localhost")


async def _keypair(device: ec_async.ManagedDevice) -> Action:
    return lambda: device.keystores.create_keypair("SSLKeystore", "new-key")


async def _snapshot_rollback(device: ec_async.ManagedDevice) -> Action:
    snapshots = await device.snapshots.list()
    return lambda: device.snapshots.rollback(snapshots[0].id)


async def _container_stop(device: ec_async.ManagedDevice) -> Action:
    containers = await device.inventory.containers()
    return lambda: device.inventory.stop_container(containers[0])


async def _request(device: ec_async.ManagedDevice) -> Action:
    return lambda: device.requests.send(
        "CMD", "EXECUTE", ["command"], metrics={"command.command": "true"}
    )


# Each kind of action, prepared by the reads it needs (whose answers arrive).
ACTIONS: dict[str, Callable[[ec_async.ManagedDevice], Awaitable[Action]]] = {
    "asset write": _asset_write,
    "bundle start": _bundle_start,
    "bundle stop": _bundle_stop,
    "configuration write": _configuration_write,
    "container stop": _container_stop,
    "keypair": _keypair,
    "keystore delete": _keystore_delete,
    "package download": _package_download,
    "request": _request,
    "snapshot rollback": _snapshot_rollback,
}


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(ACTIONS))
async def test_no_action_is_sent_twice(
    name: str, local: ec_async.Client, local_emulator: Emulator
) -> None:
    """Every kind of device action fails on a lost answer instead of repeating."""
    admin = local_emulator.admin
    device_id = admin.create_device(admin.account_id("acme"), "t-once", connected=True)
    act = await ACTIONS[name](local.device(device_id))
    reads = local_emulator.counters.device_requests[device_id]
    admin.drop_device_answers(device_id)

    with pytest.raises(ec_async.TransportError):
        await act()

    assert reads + 1 == local_emulator.counters.device_requests[device_id]
