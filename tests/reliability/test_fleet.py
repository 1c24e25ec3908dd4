"""Iterating a fleet through a faulty network yields every device exactly once."""

from __future__ import annotations

import pytest

import ec_async
from ec_async import RetryPolicy
from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig, Fault, SeedSpec

pytestmark = pytest.mark.anyio

FLEET = 10_000
FLEET_SEED = SeedSpec(
    tenants=("fleet",),
    child_accounts=0,
    devices_per_account=FLEET,
    operators=False,
    random_seed=3,
)
# 10 % 503, 5 % connection resets and 2 % truncated bodies on every page.
NETWORK = Fault(
    path="/_/devices", method="GET", statuses={503: 0.10}, reset=0.05, truncate=0.02
)


async def test_ten_thousand_devices_through_faults_arrive_once_each() -> None:
    """17 % of page requests fail; retries without pauses still bring every
    device once. At 12 attempts a page is lost with chance 0.17**12, about
    6e-10, and the fault seed makes the run the same every time."""
    config = EmulatorConfig(failed_login_delay=0.0)
    policy = RetryPolicy(attempts=12, initial_delay=0.0, max_delay=0.0)
    async with Emulator(seed=FLEET_SEED, config=config) as emulator:
        fleet = emulator.admin.account_id("fleet")
        async with ec_async.Client(
            emulator.base_url,
            username="fleet-admin",
            password=DEMO_PASSWORD,
            retry=policy,
        ) as ec:
            total = await ec.devices.count()
            emulator.faults.set(NETWORK, seed=11)
            seen = [device async for device in ec.devices.iter(page_size=100)]
        injected = dict(emulator.faults.injected)

    ids = [device.id for device in seen]
    # 10,000 distinct ids, all of the fleet's 10,000 devices: each exactly once.
    assert FLEET == total
    assert FLEET == len(set(ids)) == len(ids)
    assert {fleet} == {device.scope_id for device in seen}
    # The run did meet all three faults, many times over.
    assert injected["503"] >= 3
    assert injected["reset"] >= 2
    assert injected["truncate"] >= 1
