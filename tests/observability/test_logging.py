"""The structured fields every record about a request carries, on real calls."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

import pytest

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator, Fault

from .conftest import client_of

pytestmark = pytest.mark.anyio

FIELDS = (
    "ec_operation",
    "ec_scope_id",
    "ec_device_id",
    "ec_attempt",
    "ec_status",
    "ec_error",
    "ec_elapsed",
)


def _requests(
    caplog: pytest.LogCaptureFixture, operation: str
) -> list[logging.LogRecord]:
    """The pipeline's records about ``operation``, in the order they were made."""
    return [
        record
        for record in caplog.records
        if record.name == "ec_async.pipeline"
        and getattr(record, "ec_operation", None) == operation
    ]


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields of a record; a missing one fails the test."""
    return {name: getattr(record, name) for name in FIELDS}


class TestRequestRecords:
    """One DEBUG record per request sent, WARNING per retry, each with every field."""

    async def test_a_successful_call(
        self, breakable: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A listing sent once: attempt 1, status 200, the caller's own account."""
        caplog.set_level(logging.DEBUG, logger="ec_async")
        async with client_of(breakable) as ec:
            await ec.devices.list(limit=2)

        [record] = _requests(caplog, "deviceList")
        fields = _fields(record)
        elapsed = fields.pop("ec_elapsed")
        assert logging.DEBUG == record.levelno
        assert {
            "ec_operation": "deviceList",
            "ec_scope_id": breakable.admin.account_id("acme"),
            "ec_device_id": None,
            "ec_attempt": 1,
            "ec_status": 200,
            "ec_error": None,
        } == fields
        assert isinstance(elapsed, float)
        assert 0 < elapsed < 30

    async def test_the_login_has_no_scope(
        self, breakable: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        """``/authentication/user`` acts in no account, so its scope field is None."""
        caplog.set_level(logging.DEBUG, logger="ec_async")
        async with client_of(breakable):
            pass

        [record] = _requests(caplog, "authenticationUser")
        fields = _fields(record)
        assert (None, 200) == (fields["ec_scope_id"], fields["ec_status"])

    async def test_a_device_call_names_its_device(
        self, breakable: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A path with a device in it puts that device's id in ``ec_device_id``."""
        caplog.set_level(logging.DEBUG, logger="ec_async")
        async with client_of(breakable) as ec:
            device = (await ec.devices.list(limit=1)).items[0]
            await ec.devices.get(device.id)

        [record] = _requests(caplog, "deviceGet")
        assert device.id == _fields(record)["ec_device_id"]

    async def test_a_retry_after_a_503(
        self, breakable: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A 503 then a 200: two DEBUG records and the WARNING between them."""
        caplog.set_level(logging.DEBUG, logger="ec_async")
        breakable.faults.set(Fault(path="/_/devices", statuses={503: 1.0}, times=1))
        async with client_of(breakable) as ec:
            await ec.devices.list(limit=2)

        records = [(r.levelno, _fields(r)) for r in _requests(caplog, "deviceList")]
        acme = breakable.admin.account_id("acme")
        assert [
            (logging.DEBUG, 1, 503),
            (logging.WARNING, 1, 503),
            (logging.DEBUG, 2, 200),
        ] == [(level, f["ec_attempt"], f["ec_status"]) for level, f in records]
        assert {acme} == {fields["ec_scope_id"] for _, fields in records}
        elapsed = [fields["ec_elapsed"] for _, fields in records]
        assert sorted(elapsed) == elapsed  # Seconds since the call started.

    async def test_a_final_failure(
        self, breakable: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Three 503s use up three attempts; each is recorded, then the call raises."""
        caplog.set_level(logging.DEBUG, logger="ec_async")
        breakable.faults.set(Fault(path="/_/devices", statuses={503: 1.0}))
        async with client_of(breakable) as ec:
            with pytest.raises(ec_async.ServerError):
                await ec.devices.list(limit=2)

        records = [(r.levelno, _fields(r)) for r in _requests(caplog, "deviceList")]
        assert [
            (logging.DEBUG, 1),
            (logging.WARNING, 1),
            (logging.DEBUG, 2),
            (logging.WARNING, 2),
            (logging.DEBUG, 3),
        ] == [(level, fields["ec_attempt"]) for level, fields in records]
        assert {503} == {fields["ec_status"] for _, fields in records}

    async def test_a_request_without_an_answer(
        self, breakable: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A reset connection: no status, and the error's type in ``ec_error``."""
        caplog.set_level(logging.DEBUG, logger="ec_async")
        breakable.faults.set(Fault(path="/_/devices", reset=1.0, times=1))
        async with client_of(breakable) as ec:
            await ec.devices.list(limit=2)

        first = _requests(caplog, "deviceList")[0]
        fields = _fields(first)
        assert (logging.DEBUG, 1, None, "TransportError") == (
            first.levelno,
            fields["ec_attempt"],
            fields["ec_status"],
            fields["ec_error"],
        )


class TestSecrets:
    """No field of any record holds a password or a token."""

    async def test_fields_of_a_whole_session(
        self, breakable: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Login, calls, a refused login and logout: no secret in any field."""
        caplog.set_level(logging.DEBUG, logger="ec_async")
        async with client_of(breakable) as ec:
            await ec.devices.count()
        with pytest.raises(ec_async.AuthenticationError):
            async with ec_async.Client(
                breakable.base_url, username="acme-admin", password="not-the-password"
            ):
                pass

        values = " ".join(
            str(getattr(record, name, ""))
            for record in caplog.records
            for name in FIELDS
        )
        secrets = {*breakable.issued_secrets, DEMO_PASSWORD, "not-the-password"}
        assert set() == {secret for secret in secrets if secret in values}
        assert len(breakable.issued_secrets) >= 2  # A token pair was issued.


def test_nothing_reaches_stderr_until_the_application_configures_logging() -> None:
    """Retry warnings with logging left alone print nothing: ec_async has a NullHandler."""
    script = """
import asyncio, ec_async

async def main():
    retry = ec_async.RetryPolicy(attempts=2, initial_delay=0.01)
    async with ec_async.Client(
        "http://127.0.0.1:9/v1", username="u", password="p", retry=retry
    ) as ec:
        await ec.devices.count()

try:
    asyncio.run(main())
except ec_async.TransportError:
    print("refused")
"""
    done = subprocess.run(  # noqa: S603 - our own interpreter and script.
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert ("refused\n", "") == (done.stdout, done.stderr)
