"""Fault injection: rules, deterministic draws, and what goes on the wire."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import aiohttp
import pytest

from ec_async._cli import main
from ec_async.emulator import EmulatorConfig, Fault, Faults

from ._support import Api, running

pytestmark = pytest.mark.anyio

DEVICES = "/_/devices"


def _outcomes(faults: Faults, lines: list[str]) -> dict[str, list[str | None]]:
    seen: dict[str, list[str | None]] = {}
    for line in lines:
        injection = faults.choose("GET", line, "", now=0.0)
        kind = str(injection.status) if injection.status else injection.outcome
        seen.setdefault(line, []).append(kind)
    return seen


class TestRules:
    """Fault rules as written in code and on the command line."""

    def test_parse_reads_every_rule(self) -> None:
        """The command-line form sets method, path, rates, delay and Retry-After."""
        fault = Fault.parse(
            "GET /*/devices:503=0.1,429=0.05,reset=0.05,truncate=0.02,"
            "malformed=0.01,content-type=0.01,slow=0.5,delay=0.2,"
            "retry-after-date=3,times=7"
        )

        assert (
            Fault(
                path="/*/devices",
                method="GET",
                statuses={503: 0.1, 429: 0.05},
                reset=0.05,
                truncate=0.02,
                malformed=0.01,
                content_type=0.01,
                slow=0.5,
                delay=0.2,
                retry_after=3.0,
                retry_after_as_date=True,
                times=7,
            )
            == fault
        )

    def test_parse_without_a_method_matches_every_method(self) -> None:
        """A bare path applies to every method."""
        fault = Fault.parse("/authentication/*:reset=1")

        assert ("*", "/authentication/*", 1.0) == (
            fault.method,
            fault.path,
            fault.reset,
        )
        assert fault.matches("POST", "/authentication/refresh")
        assert not fault.matches("POST", "/_/devices")

    @pytest.mark.parametrize(
        ("text", "complaint"),
        [
            ("/_/devices", "METHOD"),
            ("/_/devices:explode=0.1", "unknown fault rule"),
            ("/_/devices:503=often", "needs a number"),
            ("/_/devices:503=0.7,reset=0.5", "add up to more than 1"),
            ("/_/devices:200=0.1", "400 to 599"),
            ("/_/devices:reset=1.5", "between 0 and 1"),
        ],
    )
    def test_bad_rules_are_refused(self, text: str, complaint: str) -> None:
        """A rule that cannot be meant raises ValueError saying why."""
        with pytest.raises(ValueError, match=complaint):
            Fault.parse(text)

    def test_the_command_refuses_a_bad_fault(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``ec emulator --fault`` with a bad rule exits with an error, serving nothing."""
        code = main(["emulator", "--port", "0", "--fault", "/_/devices:boom=1"])

        assert 2 == code  # A usage error.
        assert "--fault: unknown fault rule 'boom=1'" in capsys.readouterr().err

    def test_the_command_serves_with_faults(self) -> None:
        """``ec emulator --fault`` injects from the first request on."""
        command = [
            sys.executable,
            "-m",
            "ec_async._cli",
            "emulator",
            "--port",
            "0",
            "--seed",
            "minimal",
            "--fault",
            "GET /account:503=1,retry-after=4",
        ]
        with subprocess.Popen(  # noqa: S603 - our own command, fixed arguments.
            command, stdout=subprocess.PIPE, text=True
        ) as server:
            try:
                assert server.stdout is not None
                base_url = server.stdout.readline().split()[-1]
                with pytest.raises(urllib.error.HTTPError) as caught:
                    urllib.request.urlopen(base_url + "/account", timeout=10)  # noqa: S310 - loopback.
            finally:
                server.send_signal(signal.SIGINT)
                server.wait(timeout=10)

        refused = caught.value
        refused.close()
        assert base_url.startswith("http://127.0.0.1:")
        assert 503 == refused.code
        assert "4" == refused.headers["Retry-After"]


class TestDraws:
    """Which requests get which fault, reproducibly."""

    def test_rates_are_kept_over_many_requests(self) -> None:
        """About 10 % of 2,000 distinct requests get a 503 at a rate of 0.1."""
        faults = Faults([Fault(statuses={503: 0.1})], seed=1)
        lines = [f"/_/devices/{index}" for index in range(2000)]

        hits = [kinds for kinds in _outcomes(faults, lines).values() if kinds[0]]

        assert 150 < len(hits) < 250

    def test_the_same_seed_gives_the_same_faults_in_any_order(self) -> None:
        """The fate of a request depends on the seed and the request, not on order."""
        lines = [f"/_/devices/{index % 50}" for index in range(200)]
        fault = Fault(statuses={503: 0.3}, reset=0.2)

        forward = _outcomes(Faults([fault], seed=9), lines)
        backward = _outcomes(Faults([fault], seed=9), lines[::-1])
        other_seed = _outcomes(Faults([fault], seed=10), lines)

        assert forward == backward
        assert forward != other_seed

    def test_times_limits_the_faults(self) -> None:
        """``times=2`` breaks two requests, then none."""
        faults = Faults([Fault(statuses={503: 1.0}, times=2)])

        kinds = _outcomes(faults, [DEVICES] * 5)[DEVICES]

        assert ["503", "503", None, None, None] == kinds

    def test_the_first_matching_fault_applies(self) -> None:
        """An earlier, narrower fault shadows a later catch-all."""
        faults = Faults(
            [Fault(path="/_/devices", reset=1.0), Fault(statuses={503: 1.0})]
        )

        assert {DEVICES: ["reset"], "/account": ["503"]} == _outcomes(
            faults, [DEVICES, "/account"]
        )


class TestWire:
    """What a client on the other end of a faulty emulator receives."""

    async def test_an_injected_status_is_a_proxy_page(self) -> None:
        """A 503 comes as an HTML page with Retry-After, without touching the server."""
        fault = Fault(path=DEVICES, statuses={503: 1.0}, retry_after=2.5)
        async with running(config=EmulatorConfig(faults=(fault,))) as api:
            token = await api.token("acme-admin")
            reply = await api.call("GET", DEVICES, token=token)
            counted = api.emulator.faults.injected["503"]

        assert 503 == reply.status
        assert "text/html" == reply.headers["Content-Type"].split(";")[0]
        assert b"<html>" in reply.body
        assert "2.5" == reply.headers["Retry-After"]
        assert 1 == counted

    async def test_retry_after_as_an_http_date(self, api: Api) -> None:
        """The date form names a moment ``retry_after`` seconds ahead, in GMT."""
        token = await api.token("acme-admin")
        api.emulator.faults.set(
            Fault(statuses={429: 1.0}, retry_after=30, retry_after_as_date=True)
        )
        reply = await api.call("GET", DEVICES, token=token)

        moment = email.utils.parsedate_to_datetime(reply.headers["Retry-After"])
        ahead = (moment - dt.datetime.now(dt.UTC)).total_seconds()
        assert 429 == reply.status
        assert reply.headers["Retry-After"].endswith(" GMT")
        assert 28 <= ahead <= 31

    async def test_a_reset_drops_the_connection_after_the_work(self, api: Api) -> None:
        """The client sees the connection close; the device was created anyway."""
        token = await api.token("acme-admin")
        api.emulator.faults.set(Fault(path=DEVICES, method="POST", reset=1.0))
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await api.call("POST", DEVICES, token=token, body={"clientId": "RESET-1"})
        api.emulator.faults.clear()
        reply = await api.call(
            "GET", DEVICES, token=token, params={"clientId": "RESET-1"}
        )

        assert 1 == len(reply.json()["items"])
        assert 1 == api.emulator.faults.injected["reset"]

    async def test_a_truncated_body_stops_halfway(self, api: Api) -> None:
        """The body promised by Content-Length never arrives in full."""
        token = await api.token("acme-admin")
        api.emulator.faults.set(Fault(path=DEVICES, truncate=1.0))
        with pytest.raises(aiohttp.ClientPayloadError):
            await api.call("GET", DEVICES, token=token)

    async def test_a_malformed_body_is_not_json(self, api: Api) -> None:
        """A 200 labelled JSON whose body does not parse."""
        token = await api.token("acme-admin")
        api.emulator.faults.set(Fault(path=DEVICES, malformed=1.0))
        reply = await api.call("GET", DEVICES, token=token)

        assert 200 == reply.status
        assert "application/json" == reply.headers["Content-Type"].split(";")[0]
        with pytest.raises(json.JSONDecodeError):
            json.loads(reply.body)

    async def test_a_wrong_content_type_is_an_html_page(self, api: Api) -> None:
        """A 200 HTML page, as a captive portal sends, instead of the list."""
        token = await api.token("acme-admin")
        api.emulator.faults.set(Fault(path=DEVICES, content_type=1.0))
        reply = await api.call("GET", DEVICES, token=token)

        assert 200 == reply.status
        assert "text/html" == reply.headers["Content-Type"].split(";")[0]

    async def test_a_slow_answer_waits(self, api: Api) -> None:
        """``slow=1, delay=0.2`` holds the answer at least 0.2 s."""
        token = await api.token("acme-admin")
        api.emulator.faults.set(Fault(path=DEVICES, slow=1.0, delay=0.2))
        started = time.monotonic()
        reply = await api.call("GET", DEVICES, token=token)

        assert time.monotonic() - started >= 0.2
        assert 200 == reply.status

    async def test_faults_change_while_running(self, api: Api) -> None:
        """Setting and clearing faults takes effect on the next request."""
        token = await api.token("acme-admin")
        before = await api.call("GET", DEVICES, token=token)
        api.emulator.faults.set(Fault(path=DEVICES, statuses={502: 1.0}))
        during = await api.call("GET", DEVICES, token=token)
        api.emulator.faults.clear()
        after = await api.call("GET", DEVICES, token=token)

        assert [200, 502, 200] == [before.status, during.status, after.status]
