"""Paging that is always right: in id order, each id once, ending where it should."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from multidict import MultiDict

import ec_async
from ec_async._ids import decode_compact_id
from ec_async._models import Device, ListResult
from ec_async._resources import MAX_PAGES, ListingCursor
from ec_async.emulator import DEMO_PASSWORD, Emulator, Exchange
from tests.sync.facades import Facade

from ._support import ADMIN, client, device_offsets, fleet, rewriting_proxy

pytestmark = pytest.mark.anyio

Recorded = tuple[Emulator, list[Exchange]]


def _numeric(ids: list[str]) -> list[int]:
    return [decode_compact_id(id_) for id_ in ids]


class TestConcurrentPaging:
    """``iter(concurrency=N)``: pages fetched N at a time, yielded in order."""

    async def test_every_id_once_in_order(self, recorded: Recorded) -> None:
        """57 devices in pages of 5, 4 pages at once, match a one-by-one read."""
        emulator, exchanges = recorded
        scope = fleet(emulator, "t-conc", 57)
        async with client(emulator.base_url) as ec:
            devices = ec.scope(scope).devices
            one_by_one = [device.id async for device in devices.iter(page_size=5)]
            exchanges.clear()
            concurrent = [
                device.id async for device in devices.iter(page_size=5, concurrency=4)
            ]

        assert 57 == len(set(concurrent))
        assert one_by_one == concurrent
        assert sorted(_numeric(concurrent)) == _numeric(concurrent)
        # ceil(57 / 5) = 12 pages, each asked for exactly once.
        assert list(range(0, 60, 5)) == sorted(device_offsets(exchanges, scope))

    async def test_first_page_asks_the_total_and_peeks(
        self, recorded: Recorded
    ) -> None:
        """The first request asks for the total; every request asks one item more."""
        emulator, exchanges = recorded
        scope = fleet(emulator, "t-peek", 12)
        async with client(emulator.base_url) as ec:
            pages = ec.scope(scope).devices.iter_pages(page_size=5, concurrency=2)
            sizes = [len(page) async for page in pages]

        queries = [
            dict(exchange.query)
            for exchange in exchanges
            if exchange.path.endswith(f"/{scope}/devices")
        ]
        assert [5, 5, 2] == sizes
        assert "true" == queries[0]["askTotalCount"]
        assert {"6"} == {query["limit"] for query in queries}
        assert {("id", "ASCENDING")} == {
            (query["sortParam"], query["sortDir"]) for query in queries
        }

    async def test_no_more_than_n_pages_ahead(self, recorded: Recorded) -> None:
        """Reading two pages with concurrency 3 has asked for at most four."""
        emulator, exchanges = recorded
        scope = fleet(emulator, "t-ahead", 60)
        async with client(emulator.base_url) as ec:
            pages = ec.scope(scope).devices.iter_pages(page_size=5, concurrency=3)
            async with contextlib.aclosing(pages):  # type: ignore[type-var]
                first = await anext(pages)
                second = await anext(pages)

            asked = device_offsets(exchanges, scope)

        assert 10 == len({device.id for device in [*first, *second]})
        assert 2 <= len(asked) <= 4
        assert set(asked) <= {0, 5, 10, 15}

    def test_both_facades_yield_the_same_order(
        self, facade: Facade, served: Emulator
    ) -> None:
        """Sync and async, concurrent iter() and iter_pages() agree with each other."""
        scope = fleet(served, "t-facade", 23)

        with facade.client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            devices = ec.scope(scope).devices
            items = facade.collect(devices.iter(page_size=4, concurrency=3))
            pages = facade.collect(devices.iter_pages(page_size=4, concurrency=3))

        assert [4, 4, 4, 4, 4, 3] == [len(page) for page in pages]
        assert [device.id for page in pages for device in page] == [
            device.id for device in items
        ]
        assert sorted(_numeric([d.id for d in items])) == _numeric(
            [d.id for d in items]
        )

    async def test_bad_arguments_fail_before_any_request(
        self, recorded: Recorded
    ) -> None:
        """A page size or concurrency below 1 is refused when iter() is called."""
        emulator, _ = recorded
        async with client(emulator.base_url) as ec:
            with pytest.raises(ec_async.ConfigurationError, match="page_size"):
                ec.devices.iter(page_size=0)
            with pytest.raises(ec_async.ConfigurationError, match="concurrency"):
                ec.devices.iter(concurrency=0)


class TestChangingListings:
    """Items added or removed while a listing is read are neither lost nor repeated."""

    @pytest.mark.parametrize("concurrency", [1, 4])
    async def test_a_removal_behind_the_reader_skips_nothing(
        self, recorded: Recorded, concurrency: int
    ) -> None:
        """Deleting a device already read shifts the rest back; none is missed."""
        emulator, _ = recorded
        scope = fleet(emulator, f"t-del-{concurrency}", 40)
        async with client(emulator.base_url) as ec:
            devices = ec.scope(scope).devices
            before = [device.id async for device in devices.iter()]
            pages = devices.iter_pages(page_size=5, concurrency=concurrency)
            read = [device.id for device in await anext(pages)]
            read += [device.id for device in await anext(pages)]
            await devices.delete(read[6])
            read += [device.id async for page in pages for device in page]

        assert len(read) == len(set(read))
        assert before == read

    async def test_inserts_while_reading_concurrently(self, recorded: Recorded) -> None:
        """New devices push others onto later pages; each old one comes once, in order."""
        emulator, _ = recorded
        scope = fleet(emulator, "t-ins", 40)
        async with client(emulator.base_url) as ec:
            devices = ec.scope(scope).devices
            before = {device.id async for device in devices.iter()}
            pages = devices.iter_pages(page_size=5, concurrency=4)
            read = [device.id for device in await anext(pages)]
            read += [device.id for device in await anext(pages)]
            for index in range(12):
                emulator.admin.create_device(scope, f"t-ins-new-{index}")
            read += [device.id async for page in pages for device in page]

        assert len(read) == len(set(read))
        assert before <= set(read)
        assert sorted(_numeric(read)) == _numeric(read)


def _without(name: str) -> Any:
    def rewrite(params: MultiDict[str]) -> MultiDict[str]:
        return MultiDict((key, value) for key, value in params.items() if key != name)

    return rewrite


class TestQuirkyServers:
    """What the real server has done wrong, and what iter() makes of it."""

    @pytest.mark.parametrize("concurrency", [1, 3])
    async def test_wrong_totals_and_limit_flags_change_nothing(
        self, recorded: Recorded, concurrency: int
    ) -> None:
        """A server claiming 3 items and no more still has all 37 read."""
        emulator, _ = recorded
        scope = fleet(emulator, f"t-lies-{concurrency}", 37)

        def lie(document: Any) -> Any:
            if isinstance(document, dict) and "items" in document:
                document["limitExceeded"] = False
                if "totalCount" in document:
                    document["totalCount"] = 3
            return document

        async with (
            rewriting_proxy(emulator.base_url, body=lie) as url,
            client(url) as ec,
        ):
            devices = ec.scope(scope).devices
            read = [
                device.client_id
                async for device in devices.iter(page_size=5, concurrency=concurrency)
            ]

        assert sorted(f"t-lies-{concurrency}-{index:03d}" for index in range(37)) == (
            sorted(read)
        )

    async def test_an_inflated_total_reads_no_ghost_pages(
        self, recorded: Recorded
    ) -> None:
        """A total of 10,000 for 12 devices ends at the last real page anyway."""
        emulator, _ = recorded
        scope = fleet(emulator, "t-ghost", 12)

        def inflate(document: Any) -> Any:
            if isinstance(document, dict) and "totalCount" in document:
                document["totalCount"] = 10_000
            return document

        async with (
            rewriting_proxy(emulator.base_url, body=inflate) as url,
            client(url) as ec,
        ):
            pages = ec.scope(scope).devices.iter_pages(page_size=5, concurrency=4)
            sizes = [len(page) async for page in pages]

        assert [5, 5, 2] == sizes

    @pytest.mark.parametrize("concurrency", [1, 3])
    async def test_a_server_ignoring_offset_is_caught(
        self, recorded: Recorded, concurrency: int
    ) -> None:
        """Pages that never move on raise PagingError instead of looping."""
        emulator, _ = recorded
        scope = fleet(emulator, f"t-stuck-{concurrency}", 30)

        async with (
            rewriting_proxy(emulator.base_url, query=_without("offset")) as url,
            client(url) as ec,
        ):
            devices = ec.scope(scope).devices
            with pytest.raises(ec_async.PagingError, match="ignore offset") as caught:
                async for _ in devices.iter(page_size=5, concurrency=concurrency):
                    pass

        assert f"/{scope}/devices" in str(caught.value)

    async def test_a_server_ignoring_sort_is_caught(self, recorded: Recorded) -> None:
        """A page not in id order raises PagingError rather than dropping items."""
        emulator, _ = recorded
        scope = fleet(emulator, "t-unsorted", 30)

        async with (
            rewriting_proxy(emulator.base_url, query=_without("sortParam")) as url,
            client(url) as ec,
        ):
            with pytest.raises(ec_async.PagingError, match="sortParam=id"):
                async for _ in ec.scope(scope).devices.iter(page_size=10):
                    pass


class TestPageCap:
    """The hard cap on pages, which stops a listing that would never end."""

    def test_the_cap_names_the_listing_and_the_way_out(self) -> None:
        """Past MAX_PAGES the error says which listing, how far, and what to do."""
        cursor = ListingCursor("GET /_/devices", 100)

        with pytest.raises(ec_async.PagingError) as caught:
            cursor.count_page(MAX_PAGES)

        message = str(caught.value)
        assert "GET /_/devices" in message
        assert f"{MAX_PAGES} pages of 100" in message
        assert "page_size" in message

    def test_pages_below_the_cap_pass(self) -> None:
        """The last page under the cap is still read."""
        ListingCursor("GET /_/devices", 100).count_page(MAX_PAGES - 1)

    def test_a_peek_means_more_to_come(self) -> None:
        """A page with one item beyond its size has a successor; the peek is held back."""
        cursor = ListingCursor("GET /_/devices", 2)
        page = ListResult[Device](
            items=[_device("AQ"), _device("Ag"), _device("Aw")],
            size=3,
            limit_exceeded=False,
        )

        fresh = cursor.advance(page)

        assert (["AQ", "Ag"], True) == ([d.id for d in fresh], cursor.more)


def _device(id_: str) -> Device:
    return Device(id=id_, scope_id="AQ", client_id=f"client-{id_}")
