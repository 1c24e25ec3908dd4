"""Commands on devices: output, offline devices, devices that answer late or never."""

from __future__ import annotations

import time

import pytest

import ec_async
from ec_async import Timeouts
from ec_async.emulator import Emulator
from tests.sync.facades import Facade

from .conftest import admin_client, new_gateway


class TestDeviceCommands:
    """ec.device(id).commands.execute through both facades."""

    def test_echo_returns_its_arguments(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """echo prints its arguments joined by spaces and exits 0."""
        device_id = new_gateway(emulator, "t-cmd-echo")

        with admin_client(facade, emulator) as ec:
            output = facade.run(
                ec.device(device_id).commands.execute("echo", ["hello", "world"])
            )

        assert ("hello world\n", "", 0, False) == (
            output.stdout,
            output.stderr,
            output.exit_code,
            output.has_timed_out,
        )

    def test_an_unknown_command_exits_127(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A command the shell cannot find exits 127, as a POSIX shell does."""
        device_id = new_gateway(emulator, "t-cmd-unknown")

        with admin_client(facade, emulator) as ec:
            output = facade.run(ec.device(device_id).commands.execute("no-such-tool"))

        assert 127 == output.exit_code
        assert "not found" in (output.stderr or "")

    def test_a_disconnected_device_is_not_reached(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A command to a disconnected device raises DeviceNotConnected (409)."""
        device_id = new_gateway(emulator, "t-cmd-offline", connected=False)

        with (
            admin_client(facade, emulator) as ec,
            pytest.raises(ec_async.DeviceNotConnected) as refused,
        ):
            facade.run(ec.device(device_id).commands.execute("echo", ["hi"]))

        assert 409 == refused.value.status
        assert refused.value.body is not None
        assert (device_id, "DISCONNECTED") == (
            refused.value.body["deviceId"],
            refused.value.body["connectionStatus"],
        )
        assert 0 == emulator.counters.device_requests[device_id]

    def test_a_device_that_never_connected_has_no_status(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A device without a connection is refused with no connectionStatus."""
        admin = emulator.admin
        device_id = admin.create_device(admin.account_id("acme"), "t-cmd-never", None)

        with (
            admin_client(facade, emulator) as ec,
            pytest.raises(ec_async.DeviceNotConnected) as refused,
        ):
            facade.run(ec.device(device_id).commands.execute("true"))

        assert refused.value.body is not None
        assert "connectionStatus" not in refused.value.body
        assert "status is: null" in str(refused.value.server_message)

    def test_a_command_that_outlives_its_timeout(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The server gives up after the request's timeout: DeviceTimeout, not a hang."""
        device_id = new_gateway(emulator, "t-cmd-slow")

        with admin_client(facade, emulator) as ec:
            started = time.monotonic()
            with pytest.raises(ec_async.DeviceTimeout) as timed_out:
                facade.run(
                    ec.device(device_id).commands.execute("sleep", ["30"], timeout=0.3)
                )
            waited = time.monotonic() - started

        assert 0.3 == timed_out.value.timeout
        assert isinstance(timed_out.value, TimeoutError)
        assert 0.3 <= waited < 5
        assert 1 == emulator.counters.device_requests[device_id]

    def test_the_command_timeout_kills_the_command(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A command longer than its own command_timeout is reported as timed out."""
        device_id = new_gateway(emulator, "t-cmd-killed")

        with admin_client(facade, emulator) as ec:
            output = facade.run(
                ec.device(device_id).commands.execute(
                    "sleep", ["30"], command_timeout=0.2, timeout=5
                )
            )

        assert (True, None) == (output.has_timed_out, output.exit_code)


class TestDeviceTimeouts:
    """The server's timeout against the client's own read timeout."""

    def test_an_unresponsive_device_times_out_on_the_server(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A device that never answers gives the server's 500 timeout info."""
        device_id = new_gateway(emulator, "t-to-silent")
        emulator.admin.make_device_unresponsive(device_id)

        with (
            admin_client(facade, emulator) as ec,
            pytest.raises(ec_async.DeviceTimeout) as timed_out,
        ):
            facade.run(ec.device(device_id).bundles.list(timeout=0.2))

        assert (500, "TIMEOUT") == (timed_out.value.status, timed_out.value.error_code)

    def test_a_slow_device_outlasts_the_client_read_timeout(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A device slower than the client's read timeout still answers in time."""
        device_id = new_gateway(emulator, "t-to-slow")
        emulator.admin.make_device_slow(device_id, 1.2)

        with admin_client(
            facade, emulator, timeouts=Timeouts(read=0.5, total=10.0)
        ) as ec:
            output = facade.run(
                ec.device(device_id).commands.execute("echo", ["late"], timeout=5)
            )

        assert "late\n" == output.stdout

    def test_a_nonpositive_timeout_is_refused(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A zero timeout raises ConfigurationError before anything is sent."""
        device_id = new_gateway(emulator, "t-to-zero")

        with (
            admin_client(facade, emulator) as ec,
            pytest.raises(ec_async.ConfigurationError, match="timeout"),
        ):
            facade.run(ec.device(device_id).commands.execute("true", timeout=0))

        assert 0 == emulator.counters.device_requests[device_id]
