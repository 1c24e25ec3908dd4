"""Property-based fuzzing of what the server answers: only ECError escapes.

A scripted loopback server sends answers Hypothesis builds (any status, odd
headers, broken framing, random or nearly-right JSON). Whatever comes back,
every public call raises an ``ECError`` subclass or returns, and the same
client then still works.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ec_async
from ec_async import DeviceCreator, RetryPolicy, Timeouts

from ._scripted import (
    DEVICE,
    ScriptedServer,
    access_token,
    http_response,
    json_response,
)

EXAMPLES = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

Operation = Callable[[ec_async.Client], Awaitable[object]]


async def _iterate(ec: ec_async.Client) -> object:
    return [device async for device in ec.devices.iter(page_size=2)]


OPERATIONS: dict[str, Operation] = {
    "get": lambda ec: ec.devices.get("AQ"),
    "list": lambda ec: ec.devices.list(),
    "iter": _iterate,
    "count": lambda ec: ec.devices.count(),
    "create": lambda ec: ec.devices.create(DeviceCreator(client_id="FUZZ-1")),
    "delete": lambda ec: ec.devices.delete("AQ"),
    "current account": lambda ec: ec.accounts.current(),
}

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def _nearly_right(draw: st.DrawFn) -> Any:
    """A device, a list or a count with some fields replaced by anything."""
    device = dict(DEVICE)
    for key in draw(st.lists(st.sampled_from(sorted(DEVICE)), max_size=3)):
        device[key] = draw(_json_values)
    return draw(
        st.sampled_from(
            [
                device,
                {"items": [device, DEVICE], "size": draw(_json_values)},
                {"items": draw(_json_values)},
                {"count": draw(_json_values)},
                {"totalCount": draw(_json_values), "items": []},
            ]
        )
    )


_token_texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "a\r\nX-Injected: 1",
            "tab\there",
            "\x00",
            "é",
            "9999-12-31T23:59:59.999Z",
        ]
    ),
)
_dates = st.sampled_from(
    [
        "9999-12-31T23:59:59.999Z",
        "0001-01-01T00:00:00.000Z",
        "2024-02-30T00:00:00.000Z",
        "1970-01-01T00:00:00Z",
        "yesterday",
    ]
)


@st.composite
def _nearly_right_token(draw: st.DrawFn) -> bytes:
    """A login answer shaped like an AccessToken, with fields bent or broken."""
    document = access_token("fuzz-token-" + "t" * 20, "fuzz-refresh-" + "r" * 20)
    for key in draw(st.lists(st.sampled_from(sorted(document)), max_size=3)):
        document[key] = draw(st.one_of(_json_values, _token_texts, _dates))
    return json_response(document)


_bodies = st.one_of(
    st.binary(max_size=300),
    _json_values.map(lambda value: json.dumps(value).encode()),
    _nearly_right().map(lambda value: json.dumps(value).encode()),
    st.integers(900, 2000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.just(b"<html><body>Bad Gateway</body></html>"),
    st.just(b"x" * 5000),  # Over the client's max_body_size.
)

_statuses = st.one_of(
    st.sampled_from(
        [200, 201, 204, 301, 302, 307, 400, 401, 403, 404, 409, 429, 500, 502, 503]
    ),
    st.integers(100, 999),
)

_header_values = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    st.sampled_from(
        ["0", "-1", "nan", "inf", "1e309", "Wed, 21 Oct 2015 07:28:00 GMT"]
    ),
)

_headers = st.dictionaries(
    st.sampled_from(
        [
            "Content-Type",
            "Retry-After",
            "Content-Encoding",
            "Location",
            "Transfer-Encoding",
            "Content-Length",
            "X-Anything",
        ]
    ),
    st.one_of(
        st.sampled_from(
            [
                "application/json",
                "application/json; charset=utf-16",
                "text/html",
                "text/plain",
                "gzip",
                "deflate",
                "br",
                "chunked",
                "12",
                "99999",
            ]
        ),
        _header_values,
    ),
    max_size=4,
)


@st.composite
def _answers(draw: st.DrawFn) -> bytes:
    """One raw answer: a status line, headers and a body, or plain garbage."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(min_size=1, max_size=200))
    status = draw(_statuses)
    body = draw(_bodies)
    headers = {"Content-Type": "application/json", **draw(_headers)}
    if headers.get("Content-Encoding") == "deflate" and draw(st.booleans()):
        body = zlib.compress(body)
    return http_response(status, body, headers, content_length=draw(st.booleans()))


def _client(server: ScriptedServer) -> ec_async.Client:
    return ec_async.Client(
        server.base_url,
        username="fuzzer",
        password="Fuzz-Passw0rd!",
        retry=RetryPolicy(attempts=2, initial_delay=0.0, max_delay=0.0),
        timeouts=Timeouts(connect=2.0, read=0.5, total=3.0),
        max_body_size=4096,
    )


class TestResponses:
    """Whatever the server sends back, the caller sees an ECError or a result."""

    def test_only_ec_errors_escape_and_the_client_recovers(self) -> None:
        """Fuzzed answers to every kind of call; after each, a plain get works."""
        with asyncio.Runner() as runner:
            server = ScriptedServer()
            runner.run(server.__aenter__())
            ec = _client(server)
            try:
                runner.run(ec.login())

                @EXAMPLES
                @given(
                    operation=st.sampled_from(sorted(OPERATIONS)),
                    answers=st.lists(_answers(), min_size=1, max_size=3),
                )
                def example(operation: str, answers: list[bytes]) -> None:
                    runner.run(_exchange(server, ec, OPERATIONS[operation], answers))

                example()
            finally:
                runner.run(ec.close())
                runner.run(server.__aexit__(None, None, None))

    def test_fuzzed_login_answers_raise_ec_errors(self) -> None:
        """Fuzzed login answers raise ECError; a good one afterwards logs in."""
        with asyncio.Runner() as runner:
            server = ScriptedServer()
            runner.run(server.__aenter__())
            ec = _client(server)
            try:

                @EXAMPLES
                @given(answer=st.one_of(_answers(), _nearly_right_token()))
                def example(answer: bytes) -> None:
                    runner.run(_login(server, ec, answer))

                example()
            finally:
                runner.run(ec.close())
                runner.run(server.__aexit__(None, None, None))


async def _exchange(
    server: ScriptedServer,
    ec: ec_async.Client,
    operation: Operation,
    answers: list[bytes],
) -> None:
    server.script.clear()
    server.script.extend(answers)
    with contextlib.suppress(ec_async.ECError):
        await operation(ec)
    server.script.clear()

    device = await ec.devices.get("AQ")
    assert "AQ" == device.id


async def _login(server: ScriptedServer, ec: ec_async.Client, answer: bytes) -> None:
    await ec.logout()
    server.login_script.clear()
    server.login_script.append(answer)
    with contextlib.suppress(ec_async.ECError):
        await ec.login()
    server.login_script.clear()

    await ec.logout()
    await ec.login()
    assert ec.token_state is ec_async.TokenState.FRESH
