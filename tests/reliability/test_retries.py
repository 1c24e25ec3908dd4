"""Which failures are retried, for which operations, and within which deadline."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from pathlib import Path
from typing import Any

import pytest

import ec_async
from ec_async import DeviceCreator, RetryPolicy, Timeouts
from ec_async.emulator import DEMO_PASSWORD, Emulator, Exchange, Fault
from tests.conftest import FAST
from tests.sync.facades import Facade

from .conftest import ADMIN, NO_WAIT, Recorded, client_of

pytestmark = pytest.mark.anyio

DEVICES = "/_/devices"


def _retries(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "ec_async.pipeline" and record.levelno == logging.WARNING
    ]


class TestSafeOperations:
    """Reads, _query/_count and deletes are retried through transient failures."""

    @pytest.mark.parametrize(
        "rules",
        [
            {"statuses": {503: 1.0}},
            {"statuses": {502: 1.0}},
            {"statuses": {504: 1.0}},
            {"statuses": {429: 1.0}},
            {"reset": 1.0},
            {"truncate": 1.0},
        ],
        ids=["503", "502", "504", "429", "reset", "truncated"],
    )
    async def test_a_read_survives_two_failures(
        self,
        recorded: Recorded,
        rules: dict[str, Any],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Two failed attempts, then the third of three succeeds."""
        recorded.emulator.faults.set(
            Fault(path=DEVICES, method="GET", times=2, **rules)
        )
        async with client_of(recorded.emulator) as ec:
            page = await ec.devices.list(limit=3)

        assert 3 == len(page)
        assert 3 == recorded.received("GET", DEVICES)
        assert 2 == len(_retries(caplog))

    async def test_count_and_query_posts_are_retried(self, recorded: Recorded) -> None:
        """The read-only ``_count`` and ``_query`` POSTs are safe, so retried."""
        recorded.emulator.faults.set(
            Fault(path="/_/devices/_*", statuses={503: 1.0}, times=2)
        )
        async with client_of(recorded.emulator, retry=NO_WAIT) as ec:
            count = await ec.devices.count()
            recorded.emulator.faults.set(
                Fault(path="/_/devices/_*", reset=1.0, times=2)
            )
            page = await ec.devices.query(limit=4)

        assert 10 == count
        assert 4 == len(page)
        assert 3 == recorded.received("POST", DEVICES + "/_count")
        assert 3 == recorded.received("POST", DEVICES + "/_query")

    async def test_attempts_are_bounded(self, recorded: Recorded) -> None:
        """A read failing every time is sent ``attempts`` times, then raises."""
        recorded.emulator.faults.set(Fault(path=DEVICES, statuses={503: 1.0}))
        policy = RetryPolicy(attempts=4, initial_delay=0.0, max_delay=0.0)
        async with client_of(recorded.emulator, retry=policy) as ec:
            with pytest.raises(ec_async.ServerError) as caught:
                await ec.devices.list()

        assert 4 == recorded.received("GET", DEVICES)
        assert 503 == caught.value.status
        assert "proxy or load balancer" in str(caught.value)

    async def test_retry_after_seconds_is_honoured(self, recorded: Recorded) -> None:
        """A 429 asking for 0.3 s is retried no sooner than that."""
        recorded.emulator.faults.set(
            Fault(path=DEVICES, statuses={429: 1.0}, retry_after=0.3, times=1)
        )
        policy = RetryPolicy(attempts=2, initial_delay=0.0, max_delay=5.0)
        async with client_of(recorded.emulator, retry=policy) as ec:
            started = time.monotonic()
            await ec.devices.list()
            waited = time.monotonic() - started

        assert waited >= 0.3
        assert 2 == recorded.received("GET", DEVICES)

    async def test_retry_after_is_capped(self, recorded: Recorded) -> None:
        """An hour's Retry-After waits no longer than ``max_delay``."""
        recorded.emulator.faults.set(
            Fault(path=DEVICES, statuses={503: 1.0}, retry_after=3600, times=1)
        )
        policy = RetryPolicy(attempts=2, initial_delay=0.0, max_delay=0.05)
        async with client_of(recorded.emulator, retry=policy) as ec:
            started = time.monotonic()
            await ec.devices.list()

        assert time.monotonic() - started < 2.0
        assert 2 == recorded.received("GET", DEVICES)

    async def test_a_delete_whose_answer_was_lost_succeeds(
        self, recorded: Recorded
    ) -> None:
        """The retry of a delete that got through finds nothing: that is success."""
        async with client_of(recorded.emulator) as ec:
            device = await ec.devices.create(DeviceCreator(client_id="DOOMED-1"))
            recorded.emulator.faults.set(
                Fault(path=f"{DEVICES}/*", method="DELETE", reset=1.0, times=1)
            )
            await ec.devices.delete(device.id)
            with pytest.raises(ec_async.NotFound):
                await ec.devices.get(device.id)

        assert 2 == recorded.received("DELETE", f"{DEVICES}/{device.id}")

    async def test_deleting_a_missing_device_is_not_found(
        self, recorded: Recorded
    ) -> None:
        """Without a lost answer, a 404 on delete still raises NotFound."""
        recorded.emulator.faults.set(
            Fault(path=f"{DEVICES}/*", method="DELETE", statuses={503: 1.0}, times=1)
        )
        async with client_of(recorded.emulator) as ec:
            with pytest.raises(ec_async.NotFound):
                await ec.devices.delete("AQ")


class TestUnsafeOperations:
    """Creates, updates and actions are never sent twice unless the caller says so."""

    async def test_a_create_hit_by_a_reset_is_not_repeated(
        self, recorded: Recorded
    ) -> None:
        """The server made the device, the answer was lost: one POST, one device."""
        recorded.emulator.faults.set(Fault(path=DEVICES, method="POST", reset=1.0))
        async with client_of(recorded.emulator) as ec:
            with pytest.raises(ec_async.TransportError) as caught:
                await ec.devices.create(DeviceCreator(client_id="ONCE-1"))
            recorded.emulator.faults.clear()
            found = await ec.devices.list(client_id="ONCE-1")

        assert 1 == recorded.received("POST", DEVICES)
        assert 1 == len(found)
        assert caught.value.request_sent
        assert "may or may not have been carried out" in str(caught.value)

    async def test_a_create_answered_503_is_not_repeated(
        self, recorded: Recorded
    ) -> None:
        """A 503 may come after the work was done, so a create is not resent."""
        recorded.emulator.faults.set(
            Fault(path=DEVICES, method="POST", statuses={503: 1.0})
        )
        async with client_of(recorded.emulator) as ec:
            with pytest.raises(ec_async.ServerError):
                await ec.devices.create(DeviceCreator(client_id="ONCE-2"))

        assert 1 == recorded.received("POST", DEVICES)

    async def test_an_update_hit_by_a_reset_is_not_repeated(
        self, recorded: Recorded
    ) -> None:
        """aiohttp's own resend of a PUT on a dropped connection is switched off."""
        async with client_of(recorded.emulator) as ec:
            device = await ec.devices.create(DeviceCreator(client_id="ONCE-3"))
            recorded.emulator.faults.set(
                Fault(path=f"{DEVICES}/*", method="PUT", reset=1.0)
            )
            with pytest.raises(ec_async.TransportError):
                await ec.devices.update(device)

        assert 1 == recorded.received("PUT", f"{DEVICES}/{device.id}")

    async def test_a_create_marked_idempotent_is_retried(
        self, recorded: Recorded
    ) -> None:
        """``with_options(idempotent=True)`` lets a create through two 503s."""
        recorded.emulator.faults.set(
            Fault(path=DEVICES, method="POST", statuses={503: 1.0}, times=2)
        )
        async with client_of(recorded.emulator) as ec:
            device = await ec.with_options(idempotent=True).devices.create(
                DeviceCreator(client_id="RETRIED-1")
            )
            found = await ec.devices.list(client_id="RETRIED-1")

        assert 3 == recorded.received("POST", DEVICES)
        assert [device.id] == [item.id for item in found]

    async def test_a_read_marked_not_idempotent_is_not_retried(
        self, recorded: Recorded
    ) -> None:
        """``idempotent=False`` stops even a read being sent twice, in any scope."""
        child = recorded.emulator.admin.account_id("acme-north")
        async with client_of(recorded.emulator) as ec:
            recorded.emulator.faults.set(Fault(statuses={503: 1.0}, times=1))
            once = ec.with_options(idempotent=False).scope(child)
            with pytest.raises(ec_async.ServerError):
                await once.devices.count()

        assert 1 == recorded.received("POST", f"/{child}/devices/_count")

    async def test_a_call_may_bring_its_own_retry_policy(
        self, recorded: Recorded
    ) -> None:
        """Four 503s defeat the client's three attempts, not a call's five."""
        recorded.emulator.faults.set(Fault(path=DEVICES, statuses={503: 1.0}, times=4))
        patient = RetryPolicy(attempts=5, initial_delay=0.0, max_delay=0.0)
        async with client_of(recorded.emulator) as ec:
            with pytest.raises(ec_async.ServerError):
                await ec.devices.list()
            page = await ec.with_options(retry=patient).devices.list()

        assert page.items
        assert 3 + 2 == recorded.received("GET", DEVICES)


class TestFacades:
    """Per-call options work the same through ec_async and ec_sync."""

    def test_with_options_in_both_facades(self, facade: Facade) -> None:
        """A view that forbids retries fails on one 503; the client itself does not."""
        with (
            Emulator.in_thread(seed="minimal", config=FAST) as emulator,
            facade.client(
                emulator.base_url,
                username=ADMIN,
                password=DEMO_PASSWORD,
                retry=NO_WAIT,
            ) as ec,
        ):
            emulator.faults.set(Fault(path=DEVICES, statuses={503: 1.0}, times=2))
            with pytest.raises(ec_async.ServerError):
                facade.run(ec.with_options(idempotent=False).devices.list())
            page = facade.run(ec.devices.list(limit=2))

        assert 2 == len(page)


class TestConnectionFailures:
    """Failures before anything was sent are retried for every operation."""

    async def test_refused_connections_fail_typed_after_every_attempt(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Nothing listening: TransportError saying nothing was sent, after 3 tries."""
        with socket.socket() as placeholder:
            placeholder.bind(("127.0.0.1", 0))
            port = placeholder.getsockname()[1]
        client = ec_async.Client(
            f"http://127.0.0.1:{port}/v1",
            username=ADMIN,
            password=DEMO_PASSWORD,
            retry=NO_WAIT,
        )
        with pytest.raises(ec_async.TransportError) as caught:
            async with client:
                pass

        assert not caught.value.request_sent
        assert "nothing was sent" in str(caught.value)
        assert 2 == len(_retries(caplog))

    async def test_a_create_is_resent_when_it_never_left(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A create refused at connect is retried until the server is back, once."""
        database = tmp_path / "ec.sqlite"
        first = Emulator(seed="minimal", config=FAST, database=database)
        await first.start()
        port = int(first.base_url.rsplit(":", 1)[1].split("/")[0])
        patient = RetryPolicy(attempts=200, initial_delay=0.01, max_delay=0.01)
        exchanges: list[Exchange] = []
        second = Emulator(
            seed="minimal",
            config=FAST,
            database=database,
            port=port,
            observers=[exchanges.append],
        )
        async with client_of(first, retry=patient) as ec:
            await first.close()
            await asyncio.sleep(0.05)  # Let the client see its connection close.
            create = asyncio.create_task(
                ec.devices.create(DeviceCreator(client_id="PATIENT-1"))
            )
            while not _retries(caplog):  # noqa: ASYNC110 - the log is the signal.
                await asyncio.sleep(0.01)
            await second.start()
            try:
                device = await create
            finally:
                await ec.close()
                await second.close()

        posts = [
            e for e in exchanges if e.method == "POST" and e.path == "/v1/_/devices"
        ]
        assert 1 == len(posts)
        assert "PATIENT-1" == device.client_id
        assert "nothing was sent" in _retries(caplog)[0]


class TestDeadlines:
    """One deadline per call covers its attempts, retries and token refreshes."""

    async def test_retries_stop_at_the_deadline(self, recorded: Recorded) -> None:
        """Endless 503s end at the call's 0.5 s deadline: with the last 503 when
        the next pause would pass it, or a timeout when an attempt runs over."""
        recorded.emulator.faults.set(Fault(path=DEVICES, statuses={503: 1.0}))
        policy = RetryPolicy(attempts=1000, initial_delay=0.05, max_delay=0.05)
        async with client_of(recorded.emulator, retry=policy) as ec:
            limited = ec.with_options(timeouts=Timeouts(total=0.5))
            started = time.monotonic()
            with pytest.raises((ec_async.ServerError, ec_async.RequestTimeout)):
                await limited.devices.list()
            elapsed = time.monotonic() - started

        assert elapsed < 0.5 + 0.2  # Slack for a loaded machine's scheduling.
        assert 2 < recorded.received("GET", DEVICES)

    async def test_a_slow_answer_hits_the_per_call_read_timeout(
        self, recorded: Recorded
    ) -> None:
        """A call's read timeout of 0.1 s ends a 0.5 s wait early, typed."""
        recorded.emulator.faults.set(Fault(path=DEVICES, slow=1.0, delay=0.5))
        async with client_of(recorded.emulator) as ec:
            hasty = ec.with_options(
                timeouts=Timeouts(read=0.1, total=5.0), idempotent=False
            )
            started = time.monotonic()
            with pytest.raises(ec_async.RequestTimeout) as caught:
                await hasty.devices.list()
            elapsed = time.monotonic() - started

        assert elapsed < 0.4
        assert "sent nothing for 0.1 s" in str(caught.value)

    async def test_the_client_deadline_cuts_a_slow_answer(
        self, recorded: Recorded
    ) -> None:
        """A client-wide deadline of 0.3 s ends a call whose answer takes 0.8 s."""
        recorded.emulator.faults.set(Fault(path=DEVICES, slow=1.0, delay=0.8))
        client = client_of(recorded.emulator, timeouts=Timeouts(read=10, total=0.3))
        async with client as ec:
            started = time.monotonic()
            with pytest.raises(ec_async.RequestTimeout) as caught:
                await ec.devices.list()
            elapsed = time.monotonic() - started
            recorded.emulator.faults.clear()

        assert elapsed < 0.6
        assert "did not finish within 0.3 s (1 attempt)" in str(caught.value)

    async def test_the_deadline_covers_a_slow_refresh(self, recorded: Recorded) -> None:
        """A call waiting on a 0.6 s refresh ends at its 0.2 s deadline; the
        refresh carries on, and the next call uses the token it brought."""
        emulator = recorded.emulator
        emulator.faults.set(Fault(path="/authentication/refresh", slow=1.0, delay=0.6))
        async with client_of(emulator) as ec:
            emulator.admin.advance_clock(3600)  # The server now refuses the token.
            hasty = ec.with_options(timeouts=Timeouts(total=0.2))
            started = time.monotonic()
            with pytest.raises(ec_async.RequestTimeout) as caught:
                await hasty.devices.count()
            elapsed = time.monotonic() - started
            count = await ec.devices.count()

        assert elapsed < 0.5
        assert "token refresh" in str(caught.value)
        assert 10 == count
        assert 1 == recorded.received("POST", "/authentication/refresh")
