"""All 100,000 devices of 100 accounts, 10 ms away: against the ideal, and one by one.

The emulator runs the "fleet" seed in a process of its own, holding every
request 10 ms. The concurrent job walks the account tree and reads every
account's devices in pages of 100 with at most 32 requests in flight
(``max_connections=32``; each account pages 10 at a time, all accounts at
once). Its time is compared with the ideal ``pages * latency / 32`` for the
1,000 pages of devices, and with a sequential loop (one account after the
other, one page after the other), measured on 10 accounts and scaled to 100.
"""

from __future__ import annotations

import asyncio
import time

import attrs

import ec_async
from ec_async import bulk
from ec_async.emulator import DEMO_PASSWORD

from ._processes import cpu_seconds, emulator_command, served

__all__ = ["Figures", "measure", "run"]

USERNAME = "fleet-admin"
LATENCY = 0.010
CONCURRENCY = 32
PAGE_SIZE = 100
DEVICES = 100_000
SAMPLE_ACCOUNTS = 10


@attrs.frozen
class Figures:
    """Seconds for the concurrent job and the sequential sample, and CPU spent."""

    concurrent: float
    sequential_sample: float
    sample_accounts: int
    accounts: int
    devices: int
    client_cpu: float
    server_cpu: float

    @property
    def ideal(self) -> float:
        """The device pages times the latency, over the requests in flight."""
        return (self.devices / PAGE_SIZE) * LATENCY / CONCURRENCY

    @property
    def sequential(self) -> float:
        """The sequential loop over every account, scaled up from the sample."""
        return self.sequential_sample * self.accounts / self.sample_accounts

    def ratios(self) -> dict[str, float]:
        """Concurrent time over the ideal (target 1.4 at most), sequential over it."""
        return {
            "100k devices, 32 at once: time / ideal": self.concurrent / self.ideal,
            "100k devices: sequential loop / 32 at once": self.sequential
            / self.concurrent,
        }


def run() -> dict[str, float]:
    """Measure against a fresh fleet emulator and return the ratios."""
    return measure().ratios()


def measure() -> Figures:
    """Start the emulator in another process, then time both ways of reading."""
    with served(emulator_command("fleet", latency_ms=LATENCY * 1000)) as (
        process,
        words,
    ):
        base_url = words[3]
        return asyncio.run(_measure(base_url, process.pid))


async def _measure(base_url: str, server_pid: int) -> Figures:
    async with ec_async.Client(
        base_url,
        username=USERNAME,
        password=DEMO_PASSWORD,
        max_connections=CONCURRENCY,
    ) as ec:
        await _read_everything(ec, limit=1)  # Warm up: connections, hooks, caches.

        server_started = cpu_seconds(server_pid)
        client_started = time.process_time()
        started = time.perf_counter()
        accounts, devices = await _read_everything(ec)
        concurrent = time.perf_counter() - started
        client_cpu = time.process_time() - client_started
        server_cpu = cpu_seconds(server_pid) - server_started

        sample = accounts[:SAMPLE_ACCOUNTS]
        started = time.perf_counter()
        sampled = 0
        for account in sample:
            async for _ in ec.scope(account.id).devices.iter(page_size=PAGE_SIZE):
                sampled += 1
        sequential_sample = time.perf_counter() - started

    if devices != DEVICES or sampled != DEVICES // len(accounts) * len(sample):
        msg = f"read {devices} devices ({sampled} in the sample): the seed changed?"
        raise RuntimeError(msg)
    return Figures(
        concurrent=concurrent,
        sequential_sample=sequential_sample,
        sample_accounts=len(sample),
        accounts=len(accounts),
        devices=devices,
        client_cpu=client_cpu,
        server_cpu=server_cpu,
    )


async def _read_everything(
    ec: ec_async.Client, limit: int | None = None
) -> tuple[list[ec_async.Account], int]:
    """The main job: every account of the tree, every device of every account."""
    own = await ec.accounts.current()
    accounts = [own, *[node.account async for node in ec.accounts.walk()]][:limit]

    async def count(account: ec_async.Account) -> int:
        pages = ec.scope(account.id).devices.iter_pages(
            page_size=PAGE_SIZE, concurrency=10
        )
        return sum([len(page) async for page in pages])

    report = await bulk.run(count, accounts, concurrency=len(accounts), fail_fast=True)
    return accounts, sum(report.values)


if __name__ == "__main__":
    figures = measure()
    pages = figures.devices // PAGE_SIZE
    print(
        f"concurrent {figures.concurrent:.2f} s, ideal {figures.ideal:.3f} s, "
        f"sequential {figures.sequential:.2f} s (from {figures.sample_accounts} "
        f"of {figures.accounts} accounts in {figures.sequential_sample:.2f} s)"
    )
    print(
        f"CPU during the concurrent run: client {figures.client_cpu:.2f} s "
        f"({figures.client_cpu / pages * 1000:.2f} ms per page), server "
        f"{figures.server_cpu:.2f} s ({figures.server_cpu / pages * 1000:.2f} ms per page)"
    )
    for name, ratio in figures.ratios().items():
        print(f"{name}: {ratio:.2f}")
