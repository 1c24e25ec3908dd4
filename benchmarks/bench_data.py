"""What stored data costs: seeding a telemetry history, and reading it back.

``run()`` returns CPU seconds per 100,000 seeded messages (generation, insert
and registries; the CPU time is steady on a busy machine, unlike wall time)
and wall milliseconds per 1,000 messages read by ``DataMessages.iter``.
"""

from __future__ import annotations

import asyncio
import time

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator, SeedSpec
from ec_async.emulator._clock import Clock
from ec_async.emulator._seed import seed_store
from ec_async.emulator._store import Store

__all__ = ["run"]

DEVICES = 200
HOURS = 24.0
READ_HOURS = 6.0
PAGE_SIZE = 2_000


def _spec(hours: float) -> SeedSpec:
    return SeedSpec(
        tenants=("bench",),
        child_accounts=0,
        devices_per_account=DEVICES,
        operators=False,
        telemetry_hours=hours,
    )


def seed_cpu_per_100k() -> float:
    """CPU seconds to seed 100,000 telemetry messages."""
    store = Store()
    try:
        started = time.process_time()
        seed_store(store, _spec(HOURS), Clock().now_ms())
        spent = time.process_time() - started
        with store.transaction() as db:
            count = int(db.execute("SELECT COUNT(*) FROM data_messages").fetchone()[0])
    finally:
        store.close()
    return spent / count * 100_000


async def _read_ms_per_1000() -> float:
    async with (
        Emulator(seed=_spec(READ_HOURS)) as emulator,
        ec_async.Client(
            emulator.base_url, username="bench-admin", password=DEMO_PASSWORD
        ) as ec,
    ):
        started = time.perf_counter()
        count = 0
        async for _ in ec.data_messages.iter(page_size=PAGE_SIZE):
            count += 1
        return (time.perf_counter() - started) / count * 1000 * 1000


def run() -> dict[str, float]:
    """The figures, keyed by what they measure."""
    return {
        "telemetry seed, CPU s per 100k messages": seed_cpu_per_100k(),
        "iter() read, wall ms per 1000 messages": asyncio.run(_read_ms_per_1000()),
    }
