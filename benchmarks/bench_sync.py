"""What the sync facade costs against the async client, on the embedded emulator.

``run()`` returns ratios of sync over async: per-call time of the same sequential
calls, throughput of 8 threads on one sync client against 8 tasks on one async
client, and time per item of one long iteration.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time

import attrs

import ec_async
import ec_sync
from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig

__all__ = ["Figures", "measure", "run"]

USERNAME = "acme-admin"
ROUNDS = 5
SEQUENTIAL_CALLS = 200
WORKERS = 8
CALLS_PER_WORKER = 100
DEVICES = 600
PAGE_SIZE = 100


@attrs.frozen
class Figures:
    """Raw measurements: seconds per call or item, and calls per second."""

    async_call: float
    sync_call: float
    async_throughput: float
    sync_throughput: float
    async_item: float
    sync_item: float

    def ratios(self) -> dict[str, float]:
        """Sync over async for each measurement; above 1 the sync facade costs more."""
        return {
            "per-call time, sync / async": self.sync_call / self.async_call,
            "8-way throughput, sync / async": self.sync_throughput
            / self.async_throughput,
            "iteration time per item, sync / async": self.sync_item / self.async_item,
        }


def run() -> dict[str, float]:
    """Measure on a fresh emulator and return the ratios."""
    return measure().ratios()


def measure() -> Figures:
    """Both clients against one emulator on its own thread, rounds interleaved."""
    config = EmulatorConfig(failed_login_delay=0)
    with Emulator.in_thread(seed="minimal", config=config) as emulator:
        scope_id = _fleet(emulator)
        # The async client runs on this thread's loop; the sync client is made and
        # called from inside it too, the way a notebook or an async app would.
        return asyncio.run(_compare(emulator.base_url, scope_id))


async def _compare(base_url: str, scope_id: str) -> Figures:
    async with ec_async.Client(
        base_url, username=USERNAME, password=DEMO_PASSWORD
    ) as async_client:
        with ec_sync.Client(
            base_url, username=USERNAME, password=DEMO_PASSWORD
        ) as sync_client:
            for _ in range(20):
                await async_client.accounts.current()
                sync_client.accounts.current()

            async_calls: list[float] = []
            sync_calls: list[float] = []
            for _ in range(ROUNDS):
                async_calls.append(await _sequential_async(async_client))
                sync_calls.append(_sequential_sync(sync_client))

            async_throughput = await _concurrent_async(async_client)
            sync_throughput = _concurrent_sync(sync_client)
            async_item = await _iterate_async(async_client.scope(scope_id))
            sync_item = _iterate_sync(sync_client.scope(scope_id))

    return Figures(
        async_call=statistics.median(async_calls),
        sync_call=statistics.median(sync_calls),
        async_throughput=async_throughput,
        sync_throughput=sync_throughput,
        async_item=async_item,
        sync_item=sync_item,
    )


async def _sequential_async(ec: ec_async.Client) -> float:
    started = time.perf_counter()
    for _ in range(SEQUENTIAL_CALLS):
        await ec.accounts.current()
    return (time.perf_counter() - started) / SEQUENTIAL_CALLS


def _sequential_sync(ec: ec_sync.Client) -> float:
    started = time.perf_counter()
    for _ in range(SEQUENTIAL_CALLS):
        ec.accounts.current()
    return (time.perf_counter() - started) / SEQUENTIAL_CALLS


async def _concurrent_async(ec: ec_async.Client) -> float:
    async def worker() -> None:
        for _ in range(CALLS_PER_WORKER):
            await ec.accounts.current()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return WORKERS * CALLS_PER_WORKER / (time.perf_counter() - started)


def _concurrent_sync(ec: ec_sync.Client) -> float:
    def worker() -> None:
        for _ in range(CALLS_PER_WORKER):
            ec.accounts.current()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return WORKERS * CALLS_PER_WORKER / (time.perf_counter() - started)


async def _iterate_async(scope: ec_async.Scope) -> float:
    started = time.perf_counter()
    count = 0
    async for _ in scope.devices.iter(page_size=PAGE_SIZE):
        count += 1
    return (time.perf_counter() - started) / count


def _iterate_sync(scope: ec_sync.Scope) -> float:
    started = time.perf_counter()
    count = sum(1 for _ in scope.devices.iter(page_size=PAGE_SIZE))
    return (time.perf_counter() - started) / count


def _fleet(emulator: Emulator) -> str:
    """A child account of acme with DEVICES devices, for the iteration figure."""
    admin = emulator.admin
    scope_id = admin.create_account(admin.account_id("acme"), "bench-fleet")
    for index in range(DEVICES):
        admin.create_device(scope_id, f"bench-{index:04d}", connected=index % 2 == 0)
    return scope_id


if __name__ == "__main__":
    figures = measure()
    print(figures)
    for name, ratio in figures.ratios().items():
        print(f"{name}: {ratio:.2f}")
