"""Call observers hear each API call start and end, with what it did."""

from __future__ import annotations

import asyncio
import logging

import pytest

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator, Fault
from tests.sync.facades import Facade

from .conftest import ADMIN, NO_WAIT, Recorder, client_of, new_gateway


class TestObservedCalls:
    """What an observer is told, through both facades."""

    def test_a_call_from_start_to_end(self, facade: Facade, served: Emulator) -> None:
        """A count: its operation, the caller's account, one request, a 200."""
        recorder = Recorder()
        with facade.client(
            served.base_url,
            username=ADMIN,
            password=DEMO_PASSWORD,
            observers=[recorder],
        ) as ec:
            facade.run(ec.devices.count())

        call = recorder.only("deviceCount")
        assert (
            "POST",
            "/{scopeId}/devices/_count",
            served.base_url,
            served.admin.account_id("acme"),
            None,
        ) == (
            call.method,
            call.path_template,
            call.base_url,
            call.scope_id,
            call.device_id,
        )
        assert (1, 0, 200, None) == (
            call.attempts,
            call.retry_count,
            call.status,
            call.error,
        )
        assert 0 < call.elapsed < 30

    def test_logins_and_logouts_are_calls_too(
        self, facade: Facade, served: Emulator
    ) -> None:
        """Each call starts and ends once, in order, and gets its own state back."""
        recorder = Recorder()
        with facade.client(
            served.base_url,
            username=ADMIN,
            password=DEMO_PASSWORD,
            observers=[recorder],
        ) as ec:
            facade.run(ec.devices.count())

        expected = ["authenticationUser", "deviceCount", "authenticationLogout"]
        assert expected == recorder.started
        assert expected == [call.operation_id for call in recorder.ended]
        assert [
            ("state of", operation_id, number)
            for number, operation_id in enumerate(expected, start=1)
        ] == recorder.states
        assert [None, served.admin.account_id("acme"), None] == [
            call.scope_id for call in recorder.ended
        ]

    def test_a_device_management_call_names_its_device(
        self, facade: Facade, served: Emulator
    ) -> None:
        """Reading a gateway's configurations carries the gateway's device id."""
        device_id = new_gateway(served, "t-observed")
        recorder = Recorder()
        with facade.client(
            served.base_url,
            username=ADMIN,
            password=DEMO_PASSWORD,
            observers=[recorder],
        ) as ec:
            facade.run(ec.device(device_id).configurations.list())

        call = recorder.only("deviceConfigurationsRead")
        assert (device_id, "/{scopeId}/devices/{deviceId}/configurations") == (
            call.device_id,
            call.path_template,
        )

    def test_a_call_that_fails(self, facade: Facade, served: Emulator) -> None:
        """A device that does not exist: a 404, and the NotFound the call raised."""
        recorder = Recorder()
        with (
            facade.client(
                served.base_url,
                username=ADMIN,
                password=DEMO_PASSWORD,
                observers=[recorder],
            ) as ec,
            pytest.raises(ec_async.NotFound) as caught,
        ):
            facade.run(ec.devices.get("AQ"))

        call = recorder.only("deviceGet")
        assert ("AQ", 404, caught.value) == (call.device_id, call.status, call.error)


class TestRetries:
    """Every request a call sends is counted."""

    def test_two_503s_make_two_retries(
        self, facade: Facade, breakable_in_thread: Emulator
    ) -> None:
        """Two injected 503s, then the answer: three requests, two retries."""
        emulator = breakable_in_thread
        recorder = Recorder()
        with facade.client(
            emulator.base_url,
            username=ADMIN,
            password=DEMO_PASSWORD,
            retry=NO_WAIT,
            observers=[recorder],
        ) as ec:
            emulator.faults.set(
                Fault(path="/_/devices/_count", statuses={503: 1.0}, times=2)
            )
            facade.run(ec.devices.count())

        call = recorder.only("deviceCount")
        assert (3, 2, 200, None) == (
            call.attempts,
            call.retry_count,
            call.status,
            call.error,
        )


class TestObserverFailures:
    """An observer cannot break the calls it watches."""

    @pytest.mark.anyio
    async def test_a_failing_observer_is_logged_not_raised(
        self, breakable: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        """call_started raising: the call succeeds, the others still hear of it."""

        class Broken:
            def call_started(self, call: ec_async.ObservedCall) -> None:
                raise RuntimeError(call.operation_id)

            def call_ended(self, call: ec_async.ObservedCall, state: None) -> None:
                raise AssertionError  # Never called: call_started failed.

        recorder = Recorder()
        async with client_of(breakable, observers=[Broken(), recorder]) as ec:
            count = await ec.devices.count()

        assert 10 == count
        assert ["authenticationUser", "deviceCount", "authenticationLogout"] == [
            call.operation_id for call in recorder.ended
        ]
        failures = [r for r in caplog.records if r.name == "ec_async.observe"]
        assert 3 == len(failures)
        assert {logging.WARNING} == {record.levelno for record in failures}

    @pytest.mark.anyio
    async def test_a_cancelled_call_ends_too(self, breakable: Emulator) -> None:
        """A call cut short by the caller's timeout ends with CancelledError."""
        recorder = Recorder()
        async with client_of(breakable, observers=[recorder]) as ec:
            breakable.faults.set(Fault(path="/_/devices", slow=1.0, delay=1.0))
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await ec.devices.list(limit=1)
            breakable.faults.clear()

        call = recorder.only("deviceList")
        assert (asyncio.CancelledError, 1, None) == (
            type(call.error),
            call.attempts,
            call.status,
        )


class TestConfiguration:
    """What the client refuses as observers."""

    def test_a_single_observer_must_be_in_a_list(self, served: Emulator) -> None:
        """``observers=Recorder()`` says to wrap it in a list."""
        with pytest.raises(ec_async.ConfigurationError, match="in a list"):
            ec_async.Client(served.base_url, observers=Recorder())  # type: ignore[arg-type]

    def test_an_object_without_the_methods(self, served: Emulator) -> None:
        """Something without call_started and call_ended cannot observe."""
        with pytest.raises(ec_async.ConfigurationError, match="call_started"):
            ec_async.Client(served.base_url, observers=[object()])  # type: ignore[list-item]

    def test_a_class_instead_of_an_instance(self, served: Emulator) -> None:
        """``observers=[Recorder]`` (the class) says to pass an instance."""
        with pytest.raises(ec_async.ConfigurationError, match="an instance"):
            ec_async.Client(served.base_url, observers=[Recorder])  # type: ignore[list-item]

    def test_async_methods_are_refused(self, served: Emulator) -> None:
        """Observers are called, never awaited: async methods would never run."""

        class Awaiting:
            async def call_started(self, call: ec_async.ObservedCall) -> None:
                pass

            async def call_ended(
                self, call: ec_async.ObservedCall, state: None
            ) -> None:
                pass

        with pytest.raises(ec_async.ConfigurationError, match="never awaited"):
            ec_async.Client(served.base_url, observers=[Awaiting()])  # type: ignore[list-item]
