"""Bundles started and stopped; packages installed and removed through operations."""

from __future__ import annotations

import pytest

import ec_async
from ec_async import OperationStatus, PackageDownload
from ec_async.emulator import Emulator
from tests.sync.facades import Facade

from .conftest import admin_client, new_gateway

HEATER = PackageDownload(
    uri="https://download.eclipse.org/kura/releases/5.4.1/org.eclipse.kura.demo.heater_1.0.500.dp",
    name="org.eclipse.kura.demo.heater",
    version="1.0.500",
)


class TestDeviceBundles:
    """ec.device(id).bundles through both facades."""

    def test_stop_then_start_a_bundle(self, facade: Facade, emulator: Emulator) -> None:
        """A stopped bundle lists as RESOLVED, and as ACTIVE once started again."""
        device_id = new_gateway(emulator, "t-bundle")

        with admin_client(facade, emulator) as ec:
            bundles = ec.device(device_id).bundles
            listed = facade.run(bundles.list())
            target = next(b for b in listed if b.state == "ACTIVE" and b.id != 0)
            facade.run(bundles.stop(target.id))
            stopped = {b.id: b.state for b in facade.run(bundles.list())}
            facade.run(bundles.start(target.id))
            started = {b.id: b.state for b in facade.run(bundles.list())}

        assert "RESOLVED" == stopped[target.id]
        assert "ACTIVE" == started[target.id]

    def test_bundles_sort_by_name_descending(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """sort_by and sort_dir order the device's bundle list."""
        device_id = new_gateway(emulator, "t-bundle-sort")

        with admin_client(facade, emulator) as ec:
            listed = facade.run(
                ec.device(device_id).bundles.list(sort_by="name", sort_dir="descending")
            )

        names = [bundle.name or "" for bundle in listed]
        assert sorted(names, reverse=True) == names

    def test_an_unknown_bundle_is_refused_by_the_device(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Starting a bundle id the device lacks raises DeviceResponseError NOT_FOUND."""
        device_id = new_gateway(emulator, "t-bundle-none")

        with (
            admin_client(facade, emulator) as ec,
            pytest.raises(ec_async.DeviceResponseError) as refused,
        ):
            facade.run(ec.device(device_id).bundles.start(9999))

        assert "NOT_FOUND" == refused.value.response_code
        assert "9999" in (refused.value.device_message or "")


class TestDevicePackages:
    """Package installs recorded as operations with notifications."""

    def test_install_creates_an_operation_with_notifications(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """An install runs as an operation whose notifications end COMPLETED at 100%."""
        device_id = new_gateway(emulator, "t-pkg-install")

        with admin_client(facade, emulator) as ec:
            device = ec.device(device_id)
            started = facade.run(device.packages.download(HEATER))
            assert started is not None
            finished = facade.run(
                device.operations.wait(started.id, poll_interval=0.05)
            )
            notifications = facade.collect(
                device.operations.notifications(started.id).iter()
            )
            packages = facade.run(device.packages.list())
            listed = facade.run(device.operations.list())

        assert OperationStatus.RUNNING == started.status
        assert (OperationStatus.COMPLETED, "download") == (
            finished.status,
            finished.resource,
        )
        assert finished.ended_on is not None
        assert finished.started_on is not None
        assert finished.ended_on >= finished.started_on
        assert [started.id] == [operation.id for operation in listed]
        ordered = sorted(notifications, key=lambda n: (n.sent_on, n.progress or 0))
        assert {"download", "install"} == {n.resource for n in ordered}
        assert (OperationStatus.COMPLETED, 100) == (
            ordered[-1].status,
            ordered[-1].progress,
        )
        assert (HEATER.name, HEATER.version) in {(p.name, p.version) for p in packages}

    def test_uninstall_removes_the_package(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """An uninstall operation, once completed, leaves the package gone."""
        device_id = new_gateway(emulator, "t-pkg-remove")

        with admin_client(facade, emulator) as ec:
            device = ec.device(device_id)
            installed = facade.run(device.packages.list())
            victim = installed[0]
            assert victim.version is not None
            operation = facade.run(
                device.packages.uninstall(victim.name, victim.version)
            )
            assert operation is not None
            finished = facade.run(
                device.operations.wait(operation.id, poll_interval=0.05)
            )
            remaining = facade.run(device.packages.list())

        assert (OperationStatus.COMPLETED, "uninstall") == (
            finished.status,
            finished.resource,
        )
        assert victim.name not in {package.name for package in remaining}
        assert len(installed) - 1 == len(remaining)

    def test_a_download_that_fails_fails_its_operation(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A URI the device cannot fetch ends the operation FAILED, nothing installed."""
        device_id = new_gateway(emulator, "t-pkg-fail")
        broken = PackageDownload(uri="ftp://nowhere/x.dp", name="x", version="1")

        with admin_client(facade, emulator) as ec:
            device = ec.device(device_id)
            started = facade.run(device.packages.download(broken))
            assert started is not None
            finished = facade.run(
                device.operations.wait(started.id, poll_interval=0.05)
            )
            last = facade.run(
                device.operations.notifications(started.id).list(
                    sort_by="sentOn", sort_dir="DESCENDING", limit=1
                )
            )
            packages = facade.run(device.packages.list())

        assert OperationStatus.FAILED == finished.status
        assert [OperationStatus.FAILED] == [n.status for n in last]
        assert "x" not in {package.name for package in packages}


class TestDeviceOperations:
    """The operation registry: get, count, query, delete, and notification reads."""

    def test_registry_reads_and_deletes(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """An operation and its notifications are read, counted, then deleted."""
        device_id = new_gateway(emulator, "t-ops")

        with admin_client(facade, emulator) as ec:
            operations = ec.device(device_id).operations
            started = facade.run(ec.device(device_id).packages.download(HEATER))
            assert started is not None
            facade.run(operations.wait(started.id, poll_interval=0.05))
            notifications = operations.notifications(started.id)
            every = facade.run(notifications.list()).items
            first = facade.run(notifications.list(limit=1)).items[0]
            fetched = facade.run(notifications.get(first.id))
            counts = (
                facade.run(operations.count()),
                facade.run(notifications.count()),
                facade.run(notifications.query(limit=None)).size,
                facade.run(operations.query()).size,
                facade.run(operations.list(resource="download")).size,
            )
            facade.run(notifications.delete(first.id))
            after_delete = facade.run(notifications.count())
            facade.run(operations.delete(started.id))
            with pytest.raises(ec_async.NotFound):
                facade.run(operations.get(started.id))

        assert first == fetched
        assert every[0] == first
        assert (1, len(every), len(every), 1, 1) == counts
        assert len(every) - 1 == after_delete
