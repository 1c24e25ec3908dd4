"""Inventory, keystores, assets and raw requests of a connected gateway (async client)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import ec_async
from ec_async import StoreEnablementPolicy
from ec_async.emulator import DEMO_PASSWORD, Emulator

from .conftest import ADMIN

pytestmark = pytest.mark.anyio


@pytest.fixture
async def device(local_emulator: Emulator) -> AsyncIterator[ec_async.ManagedDevice]:
    """A connected gateway of acme, managed by acme's admin."""
    admin = local_emulator.admin
    device_id = admin.create_device(admin.account_id("acme"), "t-app", connected=True)
    async with ec_async.Client(
        local_emulator.base_url, username=ADMIN, password=DEMO_PASSWORD
    ) as ec:
        yield ec.device(device_id)


class TestDeviceInventory:
    """device.inventory: what is installed, and starting or stopping it."""

    async def test_the_inventory_covers_every_kind(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """The full inventory lists each bundle, package and container by kind."""
        items = await device.inventory.list()
        bundles = await device.inventory.bundles()
        packages = await device.inventory.deployment_packages()
        system = await device.inventory.system_packages()
        containers = await device.inventory.containers()

        by_kind = {
            kind: sorted(item.name or "" for item in items if item.item_type == kind)
            for kind in {item.item_type for item in items}
        }
        assert sorted(b.name or "" for b in bundles) == by_kind["BUNDLE"]
        assert sorted(p.name or "" for p in packages) == by_kind["DP"]
        assert len(items) == len(bundles) + len(packages) + len(system) + len(
            containers
        )
        bundle_ids = {b.id for b in bundles}
        for package in packages:
            assert {b.id for b in package.package_bundles} <= bundle_ids

    async def test_stop_and_start_through_the_inventory(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """A bundle and a container stop and start through their inventory entries."""
        bundle = next(b for b in await device.inventory.bundles() if b.id != "0")
        container = (await device.inventory.containers())[0]

        await device.inventory.stop_bundle(bundle)
        await device.inventory.stop_container(container)
        stopped = (
            {b.id: b.status for b in await device.inventory.bundles()}[bundle.id],
            {c.name: c.state for c in await device.inventory.containers()}[
                container.name
            ],
        )
        await device.inventory.start_bundle(bundle)
        await device.inventory.start_container(container)
        started = (
            {b.id: b.status for b in await device.inventory.bundles()}[bundle.id],
            {c.name: c.state for c in await device.inventory.containers()}[
                container.name
            ],
        )

        assert ("RESOLVED", "INSTALLED") == stopped
        assert ("ACTIVE", "ACTIVE") == started


class TestDeviceKeystores:
    """device.keystores: keys and certificates."""

    async def test_sizes_match_the_items(self, device: ec_async.ManagedDevice) -> None:
        """Each keystore's size is the number of items it lists."""
        keystores = await device.keystores.list()

        for keystore in keystores:
            items = await device.keystores.items(keystore_id=keystore.id)
            assert keystore.size == len(items)
            assert {keystore.id} == {item.keystore_id for item in items}

    async def test_keypair_csr_certificate_and_delete(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """A new key pair yields a CSR; certificates are added; items are deleted."""
        keystores = device.keystores
        await keystores.create_keypair(
            "HttpsKeystore", "gateway", attributes="CN=gateway,O=Example"
        )
        key = await keystores.item("HttpsKeystore", "gateway")
        csr = await keystores.create_csr(
            "HttpsKeystore", "gateway", attributes="CN=gateway"
        )
        pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        await keystores.add_certificate("SSLKeystore", "ca-example", pem)
        await keystores.add_certificate_info("SSLKeystore", "ca-info", "AQ")
        trusted = await keystores.items(keystore_id="SSLKeystore")
        await keystores.delete_item("SSLKeystore", "ca-example")
        after = await keystores.items(alias="ca-example")

        assert ("PRIVATE_KEY", "CN=gateway,O=Example") == (
            key.item_type,
            key.subject_dn,
        )
        assert csr.startswith("-----BEGIN CERTIFICATE REQUEST-----")
        assert {"ca-example", "ca-info"} <= {item.alias for item in trusted}
        added = next(item for item in trusted if item.alias == "ca-example")
        assert (pem, "TRUSTED_CERTIFICATE") == (added.certificate, added.item_type)
        assert [] == after

    async def test_a_certificate_that_is_not_pem_is_refused(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """The device refuses certificate text that is not PEM (BAD_REQUEST)."""
        with pytest.raises(ec_async.DeviceResponseError) as refused:
            await device.keystores.add_certificate("SSLKeystore", "x", "not a cert")

        assert "BAD_REQUEST" == refused.value.response_code

    async def test_empty_keystore_arguments_are_refused(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """An empty alias raises ConfigurationError before anything is sent."""
        with pytest.raises(ec_async.ConfigurationError, match="alias"):
            await device.keystores.item("HttpsKeystore", "")


class TestDeviceAssets:
    """device.assets: definitions, reads, writes and the store settings."""

    async def test_definitions_all_and_filtered(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """list() gives every asset, list(names) only those named."""
        everything = await device.assets.list()
        one = await device.assets.list([everything[0].name])

        assert [everything[0].name] == [asset.name for asset in one]
        assert everything[0].channels == one[0].channels
        assert all(channel.mode for asset in everything for channel in asset.channels)

    async def test_read_modify_write_a_channel(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """A value written to a read-write channel is what the next read returns."""
        assets = await device.assets.list()
        asset = next(
            a for a in assets if any(c.mode == "READ_WRITE" for c in a.channels)
        )
        channel = next(
            c
            for c in asset.channels
            if c.mode == "READ_WRITE" and c.value_type in {"double", "float"}
        )
        written = await device.assets.write([asset.with_values({channel.name: 17.25})])
        (read,) = await device.assets.read({asset.name: [channel.name]})

        assert [(channel.name, None)] == [
            (c.name, c.error) for c in written[0].channels
        ]
        assert {channel.name: 17.25} == read.values

    async def test_writing_a_read_only_channel_reports_an_error(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """The answer to a write carries an error for a channel that cannot be written."""
        assets = await device.assets.list()
        asset = next(a for a in assets if any(c.mode == "READ" for c in a.channels))
        channel = next(c for c in asset.channels if c.mode == "READ")
        value = {"boolean": True, "string": "x"}.get(channel.value_type or "", 1)
        if channel.value_type in {"double", "float"}:
            value = 1.0

        (answer,) = await device.assets.write(
            [asset.with_values({channel.name: value})]
        )
        (read,) = await device.assets.read({asset.name: [channel.name]})

        assert answer.channels[0].error is not None
        assert read.channels[0].value != answer.channels[0].value

    async def test_reading_everything_skips_write_only_channels(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """A read of all assets returns the readable channels of each."""
        definitions = await device.assets.list()
        values = await device.assets.read()

        readable = {
            (asset.name, channel.name)
            for asset in definitions
            for channel in asset.channels
            if channel.mode in {"READ", "READ_WRITE"}
        }
        assert readable == {
            (asset.name, channel.name) for asset in values for channel in asset.channels
        }

    async def test_store_settings(self, device: ec_async.ManagedDevice) -> None:
        """The asset store policy reads back as it was set."""
        await device.assets.update_settings(StoreEnablementPolicy.ENABLED)
        settings = await device.assets.settings()

        assert "ENABLED" == settings.enablement_policy

    async def test_an_unknown_policy_is_refused_before_sending(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """A policy name the API does not know raises ConfigurationError."""
        sometimes: Any = "SOMETIMES"

        with pytest.raises(ec_async.ConfigurationError, match="INHERITED"):
            await device.assets.update_settings(sometimes)


class TestDeviceRequests:
    """device.requests: the raw request form."""

    async def test_a_command_as_a_raw_request(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """A CMD EXECUTE request answers with the command's typed metrics."""
        response = await device.requests.send(
            "CMD",
            "execute",
            ["command"],
            metrics={"command.command": "echo", "command.argument": "raw request"},
        )

        assert "CMD" == (response.channel.app_name if response.channel else None)
        assert "raw request\n" == response.metrics["command.stdout"]
        assert (0, False) == (
            response.metrics["command.exit.code"],
            response.metrics["command.timedout"],
        )
        assert device.device_id == response.device_id

    async def test_an_unknown_application_is_refused(
        self, device: ec_async.ManagedDevice
    ) -> None:
        """A request to an application the device lacks raises DeviceResponseError."""
        with pytest.raises(ec_async.DeviceResponseError) as refused:
            await device.requests.send("NOPE", "READ", ["anything"])

        assert "NOT_FOUND" == refused.value.response_code
