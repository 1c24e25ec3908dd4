"""No token, refresh token, password or API key in any log, repr, error or output.

One test runs the client through everything it does (both logins, refresh,
re-login, every kind of error, logout, the ``ec`` command) with DEBUG logging
captured from every logger, then searches all of it for every secret the
emulator issued.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest

import ec_async
from ec_async import DeviceCreator, Timeouts
from ec_async._cli import main
from ec_async.emulator import (
    DEMO_API_KEY,
    DEMO_PASSWORD,
    Emulator,
    EmulatorConfig,
    Fault,
)

from ._scripted import ScriptedServer, http_response
from .conftest import ADMIN, NO_WAIT

WRONG_PASSWORD = "Wrong-Passw0rd!"
SHORT_LIVED = EmulatorConfig(failed_login_delay=0.0, access_token_ttl=2.0)


@attrs.define
class Evidence:
    """Everything a user or an operator could see: messages, reprs, errors."""

    texts: list[str] = attrs.field(factory=list)
    errors: list[type[BaseException]] = attrs.field(factory=list)

    def show(self, *values: object) -> None:
        """Keep what ``str`` and ``repr`` make of each value."""
        for value in values:
            self.texts += [str(value), repr(value)]

    def failure(self, error: BaseException) -> None:
        """Keep an error whole: its traceback, and every error chained to it."""
        self.errors.append(type(error))
        self.texts.append("".join(traceback.format_exception(error)))
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            self.show(current, vars(current))
            current = current.__cause__ or current.__context__

    async def expect(self, call: Callable[[], Awaitable[Any]]) -> None:
        """Run a call meant to fail, keeping its error."""
        try:
            await call()
        except ec_async.ECError as error:
            self.failure(error)
        else:
            msg = "the call was meant to fail"
            raise AssertionError(msg)


async def _sessions(emulator: Emulator, evidence: Evidence) -> None:
    """Both kinds of login, refresh, re-login, errors of every kind, logout."""
    client = ec_async.Client(
        emulator.base_url,
        username=ADMIN,
        password=DEMO_PASSWORD,
        refresh_margin=1.0,  # Refresh halfway into each 2 s token.
        retry=NO_WAIT,
    )
    async with client as ec:
        evidence.show(ec, ec.access_token, ec.token_state, ec.scope(ec.scope_id or "_"))
        device = await ec.devices.create(DeviceCreator(client_id="SECRET-1"))
        evidence.show(
            device, await ec.devices.list(limit=3), await ec.accounts.current()
        )
        await ec.devices.update(attrs.evolve(device, display_name="renamed"))
        for _ in range(30):  # The keeper refreshes within about a second.
            if emulator.counters.refreshes:
                break
            await asyncio.sleep(0.1)
        evidence.show(ec.access_token)

        other = emulator.admin.account_id("globex")
        await evidence.expect(lambda: ec.devices.get("AQ"))
        await evidence.expect(lambda: ec.scope(other).devices.list())
        await evidence.expect(lambda: ec.devices.get("not/an id"))
        await evidence.expect(
            lambda: ec.devices.create(DeviceCreator(client_id="SECRET-1"))
        )
        await evidence.expect(lambda: ec.devices.list(limit=0))
        for fault in (
            Fault(path="/_/devices", malformed=1.0),
            Fault(path="/_/devices", content_type=1.0),
            Fault(path="/_/devices", reset=1.0),
            Fault(path="/_/devices", truncate=1.0),
            Fault(path="/_/devices", statuses={503: 1.0}, retry_after=0),
            Fault(path="/_/devices", slow=1.0, delay=0.3),
        ):
            emulator.faults.set(fault)
            hasty = ec.with_options(timeouts=Timeouts(read=0.1))
            await evidence.expect(hasty.devices.list)
        emulator.faults.clear()

        emulator.admin.advance_clock(6 * 3600)  # Past the refresh token: re-login.
        evidence.show(await ec.devices.count(), ec.access_token)
        await ec.devices.delete(device.id)
        await ec.logout()
        await evidence.expect(lambda: ec.devices.count())
        await ec.login()

    api_key = emulator.admin.create_api_key(emulator.admin.user_id(ADMIN))
    for key in (DEMO_API_KEY, api_key):
        async with ec_async.Client(emulator.base_url, api_key=key) as keyed:
            evidence.show(keyed, keyed.access_token, await keyed.devices.count())

    wrong = ec_async.Client(emulator.base_url, username=ADMIN, password=WRONG_PASSWORD)
    await evidence.expect(wrong.__aenter__)
    evidence.show(
        ec_async.UsernamePassword(ADMIN, DEMO_PASSWORD), ec_async.ApiKey(api_key)
    )


async def _garbled(evidence: Evidence) -> list[str]:
    """A garbled status line, whose aiohttp error would carry the request headers."""
    async with ScriptedServer() as server:
        server.script.extend([b"HTTP/1.1 2OO Garbled\r\n\r\n"] * 3)
        async with ec_async.Client(
            server.base_url, username="u", password=DEMO_PASSWORD, retry=NO_WAIT
        ) as ec:
            evidence.show(ec.access_token)
            await evidence.expect(lambda: ec.devices.get("AQ"))
            server.script.append(http_response(200, b"[" * 5000, {"X": "y"}))
            await evidence.expect(lambda: ec.devices.get("AQ"))
        return server.issued


def _commands(
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    evidence: Evidence,
) -> None:
    """The ``ec`` command's output, for successes and failures alike."""
    common = ["--base-url", emulator.base_url]
    as_admin = [*common, "--username", ADMIN]
    monkeypatch.setenv("EC_PASSWORD", DEMO_PASSWORD)
    codes = [
        main(["login", *as_admin]),
        main(["login", *as_admin, "-o", "json"]),
        main(["devices", "list", *as_admin, "--all", "--limit", "4"]),
        main(["devices", "list", *as_admin, "-o", "csv"]),
        main(["devices", "get", *as_admin, "AQ"]),
        main(["accounts", "list", *as_admin, "--recursive", "-o", "json"]),
    ]
    monkeypatch.setenv("EC_PASSWORD", WRONG_PASSWORD)
    codes.append(main(["login", *as_admin]))
    monkeypatch.delenv("EC_PASSWORD")
    monkeypatch.setenv("EC_API_KEY", DEMO_API_KEY)
    codes.append(main(["login", *common, "-o", "json"]))
    captured = capsys.readouterr()
    evidence.texts += [captured.out, captured.err]

    assert [0, 0, 0, 0, 4, 0, 3, 0] == codes


def test_no_secret_reaches_logs_reprs_errors_or_output(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every secret issued during a whole tour of the client stays unseen."""
    caplog.set_level(logging.DEBUG)
    evidence = Evidence()
    with Emulator.in_thread(seed="minimal", config=SHORT_LIVED) as emulator:
        asyncio.run(_sessions(emulator, evidence))
        scripted_tokens = asyncio.run(_garbled(evidence))
        _commands(emulator, monkeypatch, capsys, evidence)
        issued = emulator.issued_secrets
        refreshes = emulator.counters.refreshes
    evidence.texts.append(caplog.text)
    evidence.texts += [
        f"{record.getMessage()} {record.args!r} {vars(record)!r}"
        for record in caplog.records
    ]
    secrets = {*issued, *scripted_tokens, DEMO_PASSWORD, DEMO_API_KEY, WRONG_PASSWORD}

    everything = "\n".join(evidence.texts)
    leaked = {
        secret[:12] + "..."
        for secret in secrets
        if secret in everything or secret[-16:] in everything
    }
    assert set() == leaked

    # The tour did what it claims: it is no proof if nothing happened.
    assert refreshes >= 1
    assert len(issued) >= 2 * 8  # Token and refresh token of 8 or more logins.
    assert {
        ec_async.NotFound,
        ec_async.PermissionDenied,
        ec_async.BadRequest,
        ec_async.DuplicateName,
        ec_async.ConfigurationError,
        ec_async.DecodeError,
        ec_async.TransportError,
        ec_async.ServerError,
        ec_async.RequestTimeout,
        ec_async.NotAuthenticated,
        ec_async.AuthenticationError,
    } <= set(evidence.errors)
    assert "GET /_/devices -> 200" in everything  # DEBUG lines were captured.
    assert "logged in" in everything
    assert "refreshed" in everything
