"""``ec_async.bulk``: many items, limited concurrency, per-item outcomes, clean cancel."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import anyio
import pytest

import ec_async
from ec_async import bulk
from ec_async._demo import summarise_fleet
from ec_async.emulator import Emulator, Exchange

from ._support import client

pytestmark = pytest.mark.anyio

Recorded = tuple[Emulator, list[Exchange]]
# Ids no device has: the emulator answers 404 for them.
UNKNOWN = ["AQ", "Ag"]


async def _device_ids(ec: ec_async.Client) -> list[str]:
    return [device.id async for device in ec.devices.iter()]


class TestRun:
    """bulk.run: every item's result, in item order."""

    async def test_failures_are_collected_not_raised(self, recorded: Recorded) -> None:
        """Two unknown ids among ten devices fail alone; the others succeed in order."""
        emulator, _ = recorded
        seen: list[bulk.Progress] = []
        async with client(emulator.base_url) as ec:
            ids = await _device_ids(ec)
            items = [*ids[:3], UNKNOWN[0], *ids[3:], UNKNOWN[1]]
            report = await bulk.run(
                ec.devices.get, items, concurrency=4, progress=seen.append
            )

        assert items == [result.item for result in report]
        assert list(range(12)) == [result.index for result in report]
        assert ids == [device.id for device in report.values]
        assert UNKNOWN == [result.item for result in report.failed]
        assert all(isinstance(r.error, ec_async.NotFound) for r in report.failed)
        assert list(range(1, 13)) == [progress.completed for progress in seen]
        assert (12, 2, 10) == (seen[-1].total, seen[-1].failed, seen[-1].succeeded)

    async def test_fail_fast_raises_the_first_error(self, recorded: Recorded) -> None:
        """With fail_fast, the item's own NotFound is raised, naming the item."""
        emulator, _ = recorded
        async with client(emulator.base_url) as ec:
            ids = await _device_ids(ec)
            with pytest.raises(ec_async.NotFound) as caught:
                await bulk.run(
                    ec.devices.get, [*ids[:2], UNKNOWN[0], *ids[2:]], fail_fast=True
                )

        assert any("bulk item 2: 'AQ'" in note for note in caught.value.__notes__)

    async def test_a_bug_in_the_operation_is_not_an_outcome(
        self, recorded: Recorded
    ) -> None:
        """An exception that is not an ECError stops the run and is raised as is."""
        emulator, _ = recorded

        async def broken(device_id: str) -> None:
            raise KeyError(device_id)

        async with client(emulator.base_url) as ec:
            with pytest.raises(KeyError):
                await bulk.run(broken, await _device_ids(ec))

    async def test_never_more_than_the_limit_at_once(self, recorded: Recorded) -> None:
        """With concurrency 3, exactly three operations are ever in flight together."""
        emulator, _ = recorded
        in_flight = 0
        most = 0
        three_in = anyio.Event()

        async with client(emulator.base_url) as ec:

            async def read(device_id: str) -> ec_async.Device:
                nonlocal in_flight, most
                in_flight += 1
                most = max(most, in_flight)
                if in_flight == 3:
                    three_in.set()
                with anyio.fail_after(10):
                    await three_in.wait()
                try:
                    return await ec.devices.get(device_id)
                finally:
                    in_flight -= 1

            report = await bulk.run(read, await _device_ids(ec), concurrency=3)

        assert 3 == most
        assert 10 == len(report.succeeded)

    async def test_items_may_stream_in(self, recorded: Recorded) -> None:
        """An async iterator of ids works, one pull at a time; the total is unknown."""
        emulator, _ = recorded
        totals: set[int | None] = set()
        async with client(emulator.base_url) as ec:
            ids = (device.id async for device in ec.devices.iter(page_size=3))
            report = await bulk.run(
                ec.devices.get,
                ids,
                concurrency=4,
                progress=lambda progress: totals.add(progress.total),
            )
            expected = await _device_ids(ec)

        assert expected == [device.id for device in report.values]
        assert {None} == totals

    async def test_unwrap_gives_the_value_or_raises(self, recorded: Recorded) -> None:
        """Result.unwrap() returns a success's value and raises a failure's error."""
        emulator, _ = recorded
        async with client(emulator.base_url) as ec:
            ids = await _device_ids(ec)
            good, bad = (await bulk.run(ec.devices.get, [ids[0], UNKNOWN[0]])).results

        assert ids[0] == good.unwrap().id
        with pytest.raises(ec_async.NotFound):
            bad.unwrap()

    async def test_a_blocking_operation_is_a_bug_named(self) -> None:
        """A plain function's value cannot be awaited: a TypeError says what to use."""
        with pytest.raises(TypeError, match=r"ec_sync\.bulk"):
            await bulk.run(lambda item: item, [1])  # type: ignore[arg-type, return-value]

    async def test_no_more_workers_than_items(self) -> None:
        """Three items at concurrency 1,000 run in three workers, not a thousand."""
        tasks_seen: list[int] = []

        async def note(item: int) -> int:
            tasks_seen.append(len(asyncio.all_tasks()))
            return item

        before = len(asyncio.all_tasks())
        report = await bulk.run(note, [1, 2, 3], concurrency=1000)

        assert [1, 2, 3] == report.values
        assert before + 3 >= max(tasks_seen)

    @pytest.mark.parametrize("concurrency", [0, -1, True, 2.5, 1001, 10**6])
    async def test_a_bad_limit_is_refused(self, concurrency: Any) -> None:
        """A concurrency that is not an int from 1 to 1,000 raises ConfigurationError."""

        async def nothing(item: int) -> int:
            return item

        with pytest.raises(ec_async.ConfigurationError, match="concurrency"):
            await bulk.run(nothing, [1], concurrency=concurrency)
        with pytest.raises(ec_async.ConfigurationError, match="concurrency"):
            bulk.stream(nothing, [1], concurrency=concurrency)


class TestStream:
    """bulk.stream: results as they complete."""

    async def test_every_item_once(self, recorded: Recorded) -> None:
        """Each index comes exactly once, whatever the order of completion."""
        emulator, _ = recorded
        async with client(emulator.base_url) as ec:
            ids = [*await _device_ids(ec), UNKNOWN[0]]
            results = [
                result
                async for result in bulk.stream(ec.devices.get, ids, concurrency=4)
            ]

        assert list(range(11)) == sorted(result.index for result in results)
        assert [UNKNOWN[0]] == [result.item for result in results if not result.ok]

    async def test_fail_fast_ends_the_stream_with_the_error(
        self, recorded: Recorded
    ) -> None:
        """A failed item under fail_fast is raised from the loop, not yielded."""
        emulator, _ = recorded
        async with client(emulator.base_url) as ec:
            items = [UNKNOWN[0], *await _device_ids(ec)]
            results = bulk.stream(ec.devices.get, items, concurrency=1, fail_fast=True)
            with pytest.raises(ec_async.NotFound):
                await anext(results)


class _Hangs:
    """An operation that reads a device, then waits forever; counts starts and ends."""

    def __init__(self, ec: ec_async.Client, wanted: int) -> None:
        self.ec = ec
        self.wanted = wanted
        self.started = 0
        self.ended = 0
        self.all_waiting = anyio.Event()

    async def __call__(self, device_id: str) -> None:
        self.started += 1
        try:
            await self.ec.devices.get(device_id)
            if self.started - self.ended == self.wanted:
                self.all_waiting.set()
            await anyio.sleep_forever()
        finally:
            self.ended += 1


async def _cancelled_once_waiting(
    hangs: _Hangs, work: Callable[[], Coroutine[Any, Any, object]]
) -> None:
    """Run ``work`` until every worker is waiting, then cancel it."""
    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            group.start_soon(work)
            await hangs.all_waiting.wait()
            group.cancel_scope.cancel()


class TestCancellation:
    """Cancelling a bulk run stops every operation and leaves nothing behind.

    The emulator runs on its own thread here, so every task left on the test's
    loop would be the client's.
    """

    async def test_cancelling_run(self, served: Emulator) -> None:
        """All four workers are cancelled, no task outlives them, the client works on."""
        async with client(served.base_url) as ec:
            ids = await _device_ids(ec)
            tasks_before = asyncio.all_tasks()
            hangs = _Hangs(ec, wanted=4)

            await _cancelled_once_waiting(
                hangs, lambda: bulk.run(hangs, ids, concurrency=4)
            )

            left = asyncio.all_tasks() - tasks_before
            count = await ec.devices.count()

        assert (4, 4) == (hangs.started, hangs.ended)
        assert set() == left
        assert 10 == count

    async def test_cancelling_a_stream_reader(self, served: Emulator) -> None:
        """A reader cancelled mid-stream takes the producer and its workers down."""
        async with client(served.base_url) as ec:
            ids = await _device_ids(ec)
            tasks_before = asyncio.all_tasks()
            hangs = _Hangs(ec, wanted=3)

            async def read_all() -> None:
                async for _ in bulk.stream(hangs, ids, concurrency=3):
                    pass

            await _cancelled_once_waiting(hangs, read_all)
            left = asyncio.all_tasks() - tasks_before

        assert (3, 3) == (hangs.started, hangs.ended)
        assert set() == left

    async def test_leaving_a_stream_early(self, served: Emulator) -> None:
        """Closing the stream after the first result cancels the rest at once."""
        async with client(served.base_url) as ec:
            ids = await _device_ids(ec)
            tasks_before = asyncio.all_tasks()
            started = ended = 0

            async def read(device_id: str) -> ec_async.Device:
                nonlocal started, ended
                started += 1
                try:
                    device = await ec.devices.get(device_id)
                    if device_id != ids[0]:
                        await anyio.sleep_forever()
                    return device
                finally:
                    ended += 1

            results: AsyncIterator[bulk.Result[str, ec_async.Device]]
            async with contextlib.aclosing(
                bulk.stream(read, ids, concurrency=3)  # type: ignore[type-var]
            ) as results:
                first = await anext(results)

            left = asyncio.all_tasks() - tasks_before

        assert ids[0] == first.item
        assert started == ended
        assert set() == left


class TestSummariseFleet:
    """The demo's main job, on the bulk helpers."""

    async def test_every_account_counted_parents_first(
        self, local_emulator: Emulator
    ) -> None:
        """acme and its three descendants, 10 devices each, each below its parent."""
        async with client(local_emulator.base_url) as ec:
            summaries = await summarise_fleet(ec, concurrency=2)

        names = [summary.account.name for summary in summaries]
        assert "acme" == names[0]
        assert names.index("acme-north") < names.index("acme-north-plant")
        assert {"acme": 0, "acme-north": 1, "acme-north-plant": 2, "acme-south": 1} == {
            summary.account.name: summary.depth for summary in summaries
        }
        assert [10] * 4 == [summary.devices for summary in summaries]
        assert all(s.connected + s.offline == s.devices for s in summaries)
