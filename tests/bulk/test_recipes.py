"""The recipes of docs/bulk.md: shown as they are, and right against the emulator."""

from __future__ import annotations

import importlib.util
import inspect
import re
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from ec_async import ConnectionStatus
from ec_async.emulator import Emulator

from ._support import client

pytestmark = pytest.mark.anyio

DOCS = Path(__file__).resolve().parents[2] / "docs"
RECIPES = (
    "every_device_in_every_child_account",
    "count_devices_by_status",
    "read_many_configurations",
    "main",
)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bulk_recipes", DOCS / "bulk_recipes.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recipes = _load()


@pytest.mark.parametrize("name", RECIPES)
def test_the_page_shows_each_recipe_as_it_is(name: str) -> None:
    """docs/bulk.md holds each recipe's source, verbatim, in a python block."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "bulk.md").read_text(), re.S)

    assert inspect.getsource(getattr(recipes, name)) in blocks


async def test_every_device_in_every_child_account(local_emulator: Emulator) -> None:
    """Each account below acme maps to exactly the devices a plain list shows."""
    async with client(local_emulator.base_url) as ec:
        found = await recipes.every_device_in_every_child_account(ec)
        expected = {}
        for account in await ec.accounts.descendants():
            page = await ec.scope(account.id).devices.list(limit=1000)
            expected[account.name] = sorted(device.id for device in page)

    assert expected == {
        name: sorted(device.id for device in devices) for name, devices in found.items()
    }


async def test_count_devices_by_status(local_emulator: Emulator) -> None:
    """The counts match the server's own status filter, account by account."""
    async with client(local_emulator.base_url) as ec:
        counted = await recipes.count_devices_by_status(ec)
        accounts = [await ec.accounts.current(), *await ec.accounts.descendants()]
        expected: dict[str, Counter[str]] = {}
        for account in accounts:
            devices = ec.scope(account.id).devices
            statuses: Counter[str] = Counter()
            for status in ("CONNECTED", "DISCONNECTED", "MISSING"):
                page = await devices.list(status=status, limit=1, ask_total_count=True)
                statuses[status] = page.total_count or 0
            statuses[ConnectionStatus.NULL] = await devices.count() - sum(
                statuses.values()
            )
            expected[account.name] = +statuses

    assert expected == {name: +statuses for name, statuses in counted.items()}


async def test_read_many_configurations_stops_at_the_limit(
    local_emulator: Emulator,
) -> None:
    """With a limit of 10, ten connected devices of the walk are read, each once."""
    async with client(local_emulator.base_url) as ec:
        report = await recipes.read_many_configurations(ec, limit=10)
        below = await ec.accounts.descendants()
        every = {
            device.id
            for account in below
            for device in await ec.scope(account.id).devices.list(
                limit=1000, status="CONNECTED"
            )
        }

    ids = [result.item.id for result in report.succeeded]
    assert all(result.unwrap() for result in report.succeeded)
    assert (10, 0) == (len(report.succeeded), len(report.failed))
    assert len(ids) == len(set(ids))
    assert set(ids) <= every
    assert [result.item.id for result in report] == ids
