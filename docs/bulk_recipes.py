"""Recipes for bulk work at fleet scale, shown in docs/bulk.md and run by the tests.

``python docs/bulk_recipes.py`` runs all three against the demo emulator.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence

import ec_async
from ec_async import bulk
from ec_async.emulator import DEMO_PASSWORD, DEMO_USERNAME, Emulator


async def every_device_in_every_child_account(
    ec: ec_async.Client,
) -> dict[str, list[ec_async.Device]]:
    """Every device of every account below the caller's, by account name."""
    accounts = [node.account async for node in ec.accounts.walk()]

    async def devices_of(account: ec_async.Account) -> list[ec_async.Device]:
        devices = ec.scope(account.id).devices
        return [device async for device in devices.iter(concurrency=4)]

    report = await bulk.run(devices_of, accounts, concurrency=8)
    for failure in report.failed:
        print(f"could not list {failure.item.name}: {failure.error}")

    return {result.item.name: result.unwrap() for result in report.succeeded}


async def count_devices_by_status(ec: ec_async.Client) -> dict[str, Counter[str]]:
    """Per account (the caller's and all below it): devices by connection status."""
    own = await ec.accounts.current()
    accounts = [own, *[node.account async for node in ec.accounts.walk()]]

    async def count(account: ec_async.Account) -> Counter[str]:
        statuses: Counter[str] = Counter()
        devices = ec.scope(account.id).devices
        async for page in devices.iter_pages(fetch_attributes=["connection"]):
            for device in page:
                connection = device.connection
                statuses[(connection and connection.status) or "NULL"] += 1
        return statuses

    report = await bulk.run(count, accounts, concurrency=16)

    return {result.item.name: result.unwrap() for result in report.succeeded}


async def read_many_configurations(
    ec: ec_async.Client, limit: int = 10_000
) -> bulk.Report[ec_async.Device, Sequence[ec_async.ComponentConfiguration]]:
    """Read the configuration of up to ``limit`` connected devices, 32 at a time.

    Devices are read as the walk finds them; a device that fails (it went
    offline, say) is one failed result, and the others go on.
    """

    async def connected_devices() -> AsyncIterator[ec_async.Device]:
        found = 0
        async for node in ec.accounts.walk():
            devices = ec.scope(node.account.id).devices
            async for device in devices.iter(status="CONNECTED"):
                if found == limit:
                    return
                found += 1
                yield device

    async def read(
        device: ec_async.Device,
    ) -> Sequence[ec_async.ComponentConfiguration]:
        managed = ec.scope(device.scope_id).device(device.id)
        return await managed.configurations.list()

    def show(progress: bulk.Progress) -> None:
        if progress.completed % 1000 == 0:
            print(f"{progress.completed} read, {progress.failed} failed")

    return await bulk.run(read, connected_devices(), concurrency=32, progress=show)


async def main() -> None:
    """Run the three recipes against the demo emulator, at most 2,000 requests a second."""
    async with (
        Emulator(seed="demo") as emulator,
        ec_async.Client(
            emulator.base_url,
            username=DEMO_USERNAME,
            password=DEMO_PASSWORD,
            rate_limit=2000,
        ) as ec,
    ):
        devices = await every_device_in_every_child_account(ec)
        print(sum(map(len, devices.values())), "devices in", len(devices), "accounts")

        for name, statuses in (await count_devices_by_status(ec)).items():
            print(f"{name:28} {dict(statuses)}")

        report = await read_many_configurations(ec)
        print(len(report.succeeded), "read,", len(report.failed), "failed")


if __name__ == "__main__":
    asyncio.run(main())
