"""``ec_sync.bulk``: blocking operations over many items on worker threads."""

from __future__ import annotations

import contextvars
import itertools
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import ec_async
import ec_sync
from ec_async.emulator import DEMO_PASSWORD, Emulator
from ec_sync import bulk

# Ids no device has: the emulator answers 404 for them.
UNKNOWN = ["AQ", "Ag"]


@pytest.fixture
def ec(served: Emulator) -> Iterator[ec_sync.Client]:
    """A sync client logged in to the served "minimal" emulator as acme's admin."""
    with ec_sync.Client(
        served.base_url, username="acme-admin", password=DEMO_PASSWORD
    ) as client:
        yield client


def _device_ids(ec: ec_sync.Client) -> list[str]:
    return [device.id for device in ec.devices.iter()]


class TestRun:
    """bulk.run: every item's result, in item order."""

    def test_failures_are_collected_not_raised(self, ec: ec_sync.Client) -> None:
        """Two unknown ids among ten devices fail alone; the others succeed in order."""
        ids = _device_ids(ec)
        items = [*ids[:3], UNKNOWN[0], *ids[3:], UNKNOWN[1]]
        seen: list[bulk.Progress] = []

        report = bulk.run(ec.devices.get, items, concurrency=4, progress=seen.append)

        assert items == [result.item for result in report]
        assert ids == [device.id for device in report.values]
        assert UNKNOWN == [result.item for result in report.failed]
        assert all(isinstance(r.error, ec_async.NotFound) for r in report.failed)
        assert list(range(1, 13)) == [progress.completed for progress in seen]
        assert (12, 2, 10) == (seen[-1].total, seen[-1].failed, seen[-1].succeeded)

    def test_fail_fast_raises_the_first_error(self, ec: ec_sync.Client) -> None:
        """With fail_fast, the item's own NotFound is raised, naming the item."""
        ids = _device_ids(ec)

        with pytest.raises(ec_async.NotFound) as caught:
            bulk.run(ec.devices.get, [*ids[:2], UNKNOWN[0]], fail_fast=True)

        assert any("bulk item 2: 'AQ'" in note for note in caught.value.__notes__)

    def test_a_bug_in_the_operation_is_not_an_outcome(self, ec: ec_sync.Client) -> None:
        """An exception that is not an ECError stops the run and is raised as is."""

        def broken(device_id: str) -> None:
            raise KeyError(device_id)

        with pytest.raises(KeyError):
            bulk.run(broken, _device_ids(ec))

    def test_never_more_than_the_limit_at_once(self, ec: ec_sync.Client) -> None:
        """With concurrency 3, exactly three operations are ever in flight together."""
        lock = threading.Lock()
        in_flight = most = 0
        three_in = threading.Barrier(3, timeout=10)

        def read(device_id: str) -> ec_async.Device:
            nonlocal in_flight, most
            with lock:
                in_flight += 1
                most = max(most, in_flight)
            try:
                three_in.wait()
                return ec.devices.get(device_id)
            finally:
                with lock:
                    in_flight -= 1

        report = bulk.run(read, _device_ids(ec)[:9], concurrency=3)

        assert 3 == most
        assert 9 == len(report.succeeded)

    def test_operations_run_in_the_callers_context(self) -> None:
        """A context variable set by the caller is seen by every operation."""
        current = contextvars.ContextVar("current", default="unset")
        current.set("the caller's")

        report = bulk.run(lambda _: current.get(), range(5), concurrency=3)

        assert ["the caller's"] * 5 == report.values

    def test_an_async_operation_is_refused(self, ec: ec_sync.Client) -> None:
        """An async function would never be awaited here, so it is refused up front."""

        async def read(device_id: str) -> None:
            return None

        with pytest.raises(ec_async.ConfigurationError, match=r"ec_async\.bulk"):
            bulk.run(read, ["AQ"])

    @pytest.mark.parametrize("concurrency", [0, -1, True, 2.5, 1001])
    def test_a_bad_concurrency_is_refused(
        self, ec: ec_sync.Client, concurrency: int
    ) -> None:
        """Concurrency must be a positive int."""
        with pytest.raises(ec_async.ConfigurationError, match="concurrency"):
            bulk.run(ec.devices.get, ["AQ"], concurrency=concurrency)


class TestStream:
    """bulk.stream: results as they complete, items read only as workers free up."""

    def test_items_are_pulled_lazily(self, ec: ec_sync.Client) -> None:
        """Reading the first result has taken no more than the running items, plus one."""
        ids = _device_ids(ec)
        pulled: list[str] = []

        def items() -> Iterator[str]:
            for device_id in itertools.cycle(ids):
                pulled.append(device_id)
                yield device_id

        results = bulk.stream(ec.devices.get, items(), concurrency=2)
        first = next(results)
        results.close()

        assert first.ok
        assert 3 >= len(pulled)

    def test_every_item_once(self, ec: ec_sync.Client) -> None:
        """Every item yields exactly one result; the total is unknown for a generator."""
        ids = _device_ids(ec)
        totals: set[int | None] = set()

        results = list(
            bulk.stream(
                ec.devices.get,
                (device_id for device_id in ids),
                concurrency=4,
                progress=lambda progress: totals.add(progress.total),
            )
        )

        assert sorted(ids) == sorted(result.item for result in results)
        assert sorted(range(10)) == sorted(result.index for result in results)
        assert {None} == totals


def test_the_docs_example_prints_what_the_page_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The sync example of docs/bulk.md runs and prints the output shown under it."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "bulk.md").read_text()
    section = page.split("## From sync code", 1)[1]
    source, shown = re.findall(r"```(?:python|text)\n(.*?)```", section, re.DOTALL)[:2]

    exec(compile(source, "docs/bulk.md", "exec"), {})  # noqa: S102 - our own docs.

    assert shown == capsys.readouterr().out


def test_an_operation_returning_an_awaitable_is_a_bug_named() -> None:
    """A lambda returning a coroutine is refused with a TypeError naming ec_async.bulk."""

    async def read(item: int) -> int:
        return item

    with pytest.raises(TypeError, match=r"ec_async\.bulk"):
        bulk.run(lambda item: read(item), [1])
