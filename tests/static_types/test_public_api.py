"""The public API as a user writes it, checked by mypy --strict and pyright strict.

Every ``assert_type`` is a test for both type checkers (``make typecheck``).
A line carrying both checkers' ignore comments is a misuse they must refuse:
each fails on an ignore it no longer needs, so accepting the misuse fails the
check. pytest runs the same code against the emulator, so none of it can rot.
"""

# Users never need a private name; the package's own modules may share them.
# pyright: reportPrivateUsage=true

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import assert_type

import attrs
import pytest

import ec_async
import ec_sync
from ec_async import bulk
from ec_async.emulator import DEMO_PASSWORD, Emulator

ADMIN = "acme-admin"
# The minimal seed gives every account ten devices; acme has two children.
DEVICES_PER_ACCOUNT = 10
ACME_CHILDREN = ["acme-north", "acme-south"]


async def _deleted_device_id(ec: ec_async.Client) -> str:
    """The id of a device that existed and is gone."""
    device = await ec.devices.create(ec_async.DeviceCreator(client_id="typed-gone"))
    await ec.devices.delete(device.id)

    return device.id


class TestAsyncClient:
    """ec_async.Client and its collections hand back the models they name."""

    @pytest.mark.anyio
    async def test_reads_return_models(self, served: Emulator) -> None:
        """get, list, iter, count and current are typed with the model they return."""
        async with ec_async.Client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            assert_type(ec, ec_async.Client)
            page = await ec.devices.list(limit=3)
            assert_type(page, ec_async.ListResult[ec_async.Device])
            device = await ec.devices.get(page.items[0].id)
            assert_type(device, ec_async.Device)
            assert_type(device.display_name, str | None)
            iterator = ec.devices.iter(page_size=4)
            assert_type(iterator, AsyncIterator[ec_async.Device])
            every = [each async for each in iterator]
            pages = ec.devices.iter_pages(page_size=4)
            assert_type(pages, AsyncIterator[Sequence[ec_async.Device]])
            count = await ec.devices.count()
            assert_type(count, int)
            account = await ec.accounts.current()
            assert_type(account, ec_async.Account)

        assert DEVICES_PER_ACCOUNT == count == len(every)
        assert page.items[0] == device
        assert "acme" == account.name

    @pytest.mark.anyio
    async def test_writes_return_models(self, served: Emulator) -> None:
        """create and update return the stored model; delete returns nothing."""
        async with ec_async.Client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            created = await ec.devices.create(
                ec_async.DeviceCreator(client_id="typed-device")
            )
            assert_type(created, ec_async.Device)
            updated = await ec.devices.update(
                attrs.evolve(created, display_name="Typed")
            )
            assert_type(updated, ec_async.Device)
            assert_type(await ec.devices.delete(created.id), None)
            with pytest.raises(ec_async.NotFound) as caught:
                await ec.devices.get(created.id)

        assert "Typed" == updated.display_name
        assert 404 == caught.value.status

    @pytest.mark.anyio
    async def test_scope_views(self, served: Emulator) -> None:
        """A scope view has the client's collections, acting in a child account."""
        async with ec_async.Client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            children = [account async for account in ec.accounts.iter()]
            north = next(child for child in children if child.name == "acme-north")
            scope = ec.scope(north.id)
            assert_type(scope, ec_async.Scope)
            assert_type(scope.scope_id, str)
            devices = await scope.devices.list()
            assert_type(devices, ec_async.ListResult[ec_async.Device])

        assert ACME_CHILDREN == sorted(child.name for child in children)
        assert north.id == scope.scope_id
        assert {north.id} == {device.scope_id for device in devices}

    @pytest.mark.anyio
    async def test_misuse_is_refused(self, served: Emulator) -> None:
        """What the checkers refuse, the client refuses too, before sending."""
        async with ec_async.Client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            device = (await ec.devices.list(limit=1)).items[0]
            with pytest.raises(ec_async.ConfigurationError):
                await ec.devices.get(42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
            with pytest.raises(ec_async.ConfigurationError):
                await ec.devices.list(limit="5")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
            with pytest.raises(ec_async.ConfigurationError):
                ec.scope(7)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
            with pytest.raises(TypeError):
                list(ec.devices.iter())  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
            with pytest.raises(attrs.exceptions.FrozenInstanceError):
                device.display_name = "renamed"  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]

        with pytest.raises(TypeError):
            ec_async.DeviceCreator()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        with pytest.raises(TypeError):
            ec_async.Client(served.base_url, ADMIN, DEMO_PASSWORD)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


class TestSyncClient:
    """ec_sync.Client returns the same models, without awaiting."""

    def test_reads_and_writes_return_models(self, served: Emulator) -> None:
        """Each call returns its model, and iter() a plain iterator."""
        with ec_sync.Client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            assert_type(ec, ec_sync.Client)
            page = ec.devices.list(limit=3)
            assert_type(page, ec_sync.ListResult[ec_sync.Device])
            device = ec.devices.get(page.items[0].id)
            assert_type(device, ec_sync.Device)
            iterator = ec.devices.iter(page_size=4)
            assert_type(iterator, Iterator[ec_sync.Device])
            every = list(iterator)
            count = ec.devices.count()
            assert_type(count, int)
            account = ec.accounts.current()
            assert_type(account, ec_sync.Account)
            created = ec.devices.create(ec_sync.DeviceCreator(client_id="typed-sync"))
            assert_type(created, ec_sync.Device)
            updated = ec.devices.update(attrs.evolve(created, display_name="Typed"))
            assert_type(updated, ec_sync.Device)
            assert_type(ec.devices.delete(created.id), None)
            assert_type(ec.scope_id, str | None)
            scope = ec.scope(account.id)
            assert_type(scope, ec_sync.Scope)
            assert_type(scope.devices.get(device.id), ec_sync.Device)

        assert DEVICES_PER_ACCOUNT == count == len(every)
        assert "acme" == account.name
        assert "Typed" == updated.display_name

    def test_models_are_shared(self) -> None:
        """ec_sync hands out ec_async's models and errors, not copies of them."""
        assert ec_async.Device is ec_sync.Device
        assert ec_async.NotFound is ec_sync.NotFound

    def test_misuse_is_refused(self, served: Emulator) -> None:
        """A sync call is not awaitable, and takes the same argument types."""
        with ec_sync.Client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            with pytest.raises(ec_sync.ConfigurationError):
                ec.devices.get(42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
            with pytest.raises(TypeError):
                len(ec.devices.iter())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


class TestBulk:
    """bulk.run and bulk.stream carry the item and value types through."""

    @pytest.mark.anyio
    async def test_results_are_typed(self, served: Emulator) -> None:
        """A report's results, values and errors have the operation's types."""
        async with ec_async.Client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            ids = [device.id async for device in ec.devices.iter()]
            gone = await _deleted_device_id(ec)
            report = await bulk.run(ec.devices.get, [*ids, gone], concurrency=4)
            assert_type(report, bulk.Report[str, ec_async.Device])
            assert_type(report.values, list[ec_async.Device])
            streamed = bulk.stream(ec.devices.get, ids[:2])
            assert_type(streamed, AsyncIterator[bulk.Result[str, ec_async.Device]])
            from_stream = [result async for result in streamed]

        first = report.results[0]
        assert_type(first, bulk.Result[str, ec_async.Device])
        assert_type(first.unwrap(), ec_async.Device)
        assert_type(first.error, ec_async.ECError | None)
        assert ids == [device.id for device in report.values]
        assert [gone] == [result.item for result in report.failed]
        assert isinstance(report.failed[0].error, ec_async.NotFound)
        assert 2 == len(from_stream)

    @pytest.mark.anyio
    async def test_misuse_is_refused(self, served: Emulator) -> None:
        """Items of the wrong type fail each item; a bad concurrency fails the run."""
        async with ec_async.Client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            report = await bulk.run(ec.devices.get, [1, 2])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
            with pytest.raises(ec_async.ConfigurationError):
                await bulk.run(ec.devices.get, [], concurrency="4")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

        assert 2 == len(report.failed)
        assert all(
            isinstance(result.error, ec_async.ConfigurationError)
            for result in report.failed
        )


class TestEmulator:
    """The emulator users start in their own tests."""

    @pytest.mark.anyio
    async def test_emulator_is_an_async_context_manager(self) -> None:
        """``async with Emulator()`` yields the running emulator and its URL."""
        async with Emulator(seed="minimal") as emulator:
            assert_type(emulator, Emulator)
            base_url = emulator.base_url
            assert_type(base_url, str)
            async with ec_async.Client(
                base_url, username=ADMIN, password=DEMO_PASSWORD
            ) as ec:
                count = await ec.devices.count()

        assert base_url.startswith("http://127.0.0.1:")
        assert DEVICES_PER_ACCOUNT == count


class TestErrors:
    """One root, typed subclasses, and built-in bases where the meaning agrees."""

    @pytest.mark.anyio
    async def test_errors_are_caught_by_their_bases(self, served: Emulator) -> None:
        """A missing device is a NotFound, an APIError, an ECError and a LookupError."""
        caught: list[type[BaseException]] = []
        async with ec_async.Client(
            served.base_url, username=ADMIN, password=DEMO_PASSWORD
        ) as ec:
            gone = await _deleted_device_id(ec)
            for base in (ec_async.APIError, ec_async.ECError, LookupError):
                with pytest.raises(base) as raised:
                    await ec.devices.get(gone)
                caught.append(type(raised.value))
            with pytest.raises(ec_async.NotFound) as not_found:
                await ec.devices.get(gone)

        error = not_found.value
        assert_type(error, ec_async.NotFound)
        assert_type(error.status, int)
        assert_type(error.error_code, str | None)
        api_error: ec_async.APIError = error
        root: ec_async.ECError = error
        lookup: LookupError = error
        decode: ec_async.DecodeError = error  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
        assert [ec_async.NotFound] * 3 == caught
        assert 404 == api_error.status
        assert root is error
        assert lookup is error
        assert not isinstance(decode, ec_async.DecodeError)

    def test_configuration_errors_are_value_errors(self, served: Emulator) -> None:
        """Bad input raises ConfigurationError, which is also a ValueError."""
        with (
            ec_sync.Client(
                served.base_url, username=ADMIN, password=DEMO_PASSWORD
            ) as ec,
            pytest.raises(ValueError, match="device_id") as caught,
        ):
            ec.devices.get("")

        assert_type(caught.value, ValueError)
        assert isinstance(caught.value, ec_sync.ConfigurationError)
