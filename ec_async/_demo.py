"""The main job, end to end on the embedded emulator: ``make demo`` or ``ec demo``.

Starts the emulator with the demo seed, logs in, walks the account tree, reads
every account's devices concurrently with the bulk helper, prints a summary and
cleans up.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

import attrs

from . import bulk
from ._accounts import AccountNode
from ._client import Client
from ._models import Account, ConnectionStatus

__all__ = ["AccountSummary", "run_demo", "summarise_fleet"]


@attrs.frozen
class AccountSummary:
    """How many devices one account has, by connection status."""

    account: Account
    depth: int
    devices: int
    connected: int
    # Not connected now: disconnected, missing, or never connected at all.
    offline: int


async def summarise_fleet(ec: Client, *, concurrency: int = 16) -> list[AccountSummary]:
    """Walk the caller's account tree and count every account's devices, concurrently."""
    own = await ec.accounts.current()
    nodes = [AccountNode(account=own, depth=0)]
    nodes += [node async for node in ec.accounts.walk(concurrency=concurrency)]

    async def summarise(node: AccountNode) -> AccountSummary:
        statuses: Counter[str] = Counter()
        async for device in ec.scope(node.account.id).devices.iter(
            fetch_attributes=["connection"]
        ):
            status = device.connection.status if device.connection else None
            statuses[status or ConnectionStatus.NULL] += 1
        total = sum(statuses.values())
        return AccountSummary(
            account=node.account,
            depth=node.depth,
            devices=total,
            connected=statuses[ConnectionStatus.CONNECTED],
            offline=total - statuses[ConnectionStatus.CONNECTED],
        )

    report = await bulk.run(summarise, nodes, concurrency=concurrency, fail_fast=True)
    summaries = {summary.account.id: summary for summary in report.values}

    return [summaries[node.account.id] for node in _tree_order(nodes)]


def _tree_order(nodes: list[AccountNode]) -> list[AccountNode]:
    # parentAccountPath is "/1/<parent>/.../<self>" in decimal ids, so sorting
    # by its numeric segments puts every child right after its parent.
    def path_key(node: AccountNode) -> list[int]:
        path = node.account.parent_account_path or ""
        return [int(part) for part in path.split("/") if part]

    return sorted(nodes, key=path_key)


def print_summary(summaries: list[AccountSummary], elapsed: float, out: TextIO) -> None:
    """Print the fleet summary as an indented tree with totals."""
    width = max(len("account"), *(len(s.account.name) + 2 * s.depth for s in summaries))
    out.write(
        f"{'account'.ljust(width)}  {'devices':>8}  {'connected':>9}  {'offline':>8}\n"
    )
    for summary in summaries:
        name = "  " * summary.depth + summary.account.name
        out.write(
            f"{name.ljust(width)}  {summary.devices:>8}  {summary.connected:>9}  {summary.offline:>8}\n"
        )
    total = sum(s.devices for s in summaries)
    connected = sum(s.connected for s in summaries)
    out.write(
        f"\n{len(summaries)} accounts, {total} devices: {connected} connected, "
        f"{total - connected} not connected; read in {elapsed:.2f} s\n"
    )


async def run_demo(*, out: TextIO | None = None, concurrency: int = 16) -> int:
    """Run the main job on a fresh demo emulator; return the exit code."""
    from .emulator import DEMO_PASSWORD, DEMO_USERNAME, Emulator, EmulatorConfig

    stream = out or sys.stdout
    async with Emulator(
        seed="demo", config=EmulatorConfig(failed_login_delay=0.0)
    ) as emu:
        stream.write(f"Emulator running at {emu.base_url}\n")
        async with Client(
            emu.base_url, username=DEMO_USERNAME, password=DEMO_PASSWORD
        ) as ec:
            stream.write(f"Logged in as {DEMO_USERNAME} (account {ec.scope_id})\n\n")
            started = time.perf_counter()
            summaries = await summarise_fleet(ec, concurrency=concurrency)
            elapsed = time.perf_counter() - started
            print_summary(summaries, elapsed, stream)
        stream.write("\nLogged out.\n")
    stream.write("Emulator stopped.\n")
    return 0
