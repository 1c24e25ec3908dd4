"""Bad input found by trying to break the client: each raises ConfigurationError, sending nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import ec_async
from ec_async._cli import main
from ec_async.emulator import DEMO_PASSWORD, Emulator

pytestmark = pytest.mark.anyio

Call = Callable[[ec_async.Client], Awaitable[Any]]

BAD_CALLS: list[tuple[str, Call]] = [
    ("dot-dot id", lambda ec: ec.devices.get("..")),
    ("dot id", lambda ec: ec.devices.get(".")),
    ("dot-dot scope", lambda ec: ec.scope("..").devices.count()),
    ("header in an id", lambda ec: ec.devices.get("AQ\r\nX-Evil: 1")),
    ("undecodable bytes in an id", lambda ec: ec.devices.get("\udcff")),
    ("undecodable bytes in a filter", lambda ec: ec.devices.list(client_id="\udcff")),
    ("string limit", lambda ec: ec.devices.list(limit="5")),  # type: ignore[arg-type]
    ("boolean limit", lambda ec: ec.devices.list(limit=True)),
    ("limit past a Java int", lambda ec: ec.devices.list(limit=2**31)),
    (
        "a page and its peek past a Java int",
        lambda ec: _drain(ec.devices.iter(page_size=2**31 - 1)),
    ),
    ("negative query limit", lambda ec: ec.devices.query(limit=-1)),
    ("no page size", lambda ec: _drain(ec.devices.iter(page_size=None))),  # type: ignore[arg-type]
    ("a create of nothing", lambda ec: ec.devices.create(None)),  # type: ignore[arg-type]
    ("an update of nothing", lambda ec: ec.devices.update(None)),  # type: ignore[arg-type]
    ("an account update of nothing", lambda ec: ec.accounts.update(None)),  # type: ignore[arg-type]
    ("an update with a creator", lambda ec: ec.users.update(_user_creator())),  # type: ignore[arg-type]
    ("a profile of nothing", lambda ec: ec.me.update_profile(None)),  # type: ignore[arg-type]
    (
        "connection options of nothing",
        lambda ec: ec.device_connections.update_options(None),  # type: ignore[arg-type]
    ),
    (
        "a device configuration of nothing",
        lambda ec: ec.device("AQ").configurations.update(None),  # type: ignore[arg-type]
    ),
]


def _user_creator() -> ec_async.UserCreator:
    return ec_async.UserCreator(name="not-a-user")


async def _drain(items: Any) -> None:
    async for _ in items:
        pass


@pytest.mark.parametrize(
    ("case", "call"), BAD_CALLS, ids=[case for case, _ in BAD_CALLS]
)
async def test_bad_arguments_are_refused_before_sending(
    local_emulator: Emulator, case: str, call: Call
) -> None:
    """The call raises ConfigurationError and the emulator receives nothing for it."""
    async with ec_async.Client(
        local_emulator.base_url, username="acme-admin", password=DEMO_PASSWORD
    ) as ec:
        before = await ec.devices.count()
        with pytest.raises(ec_async.ConfigurationError):
            await call(ec)
        after = await ec.devices.count()

    assert before == after


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "", "password": "secret-pw"},
        {"username": "acme-admin", "password": ""},
        {"api_key": ""},
    ],
    ids=["empty username", "empty password", "empty api key"],
)
def test_empty_credentials_are_refused_without_echoing_them(
    credentials: dict[str, Any],
) -> None:
    """An empty user name, password or API key is refused before any login."""
    with pytest.raises(ec_async.ConfigurationError) as caught:
        ec_async.Client("http://127.0.0.1:1/v1", **credentials)

    assert "must be a non-empty string" in str(caught.value)
    assert "secret-pw" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://user:secret-pw@127.0.0.1:1/v1",
        "http://[::1",
        "https//bob:secret-pw@127.0.0.1/v1",
        "bob:secret-pw@127.0.0.1/v1",
        "http://127.0.0.1:1/v1?token=secret-pw",
        "http://127.0.0.1:1/v1#secret-pw",
    ],
)
def test_unusable_base_urls_are_refused_without_echoing_them(url: str) -> None:
    """A URL with credentials in it, or no URL at all, is refused and never quoted."""
    with pytest.raises(ec_async.ConfigurationError) as caught:
        ec_async.Client(url, username="someone", password="x")

    assert "secret-pw" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:99999/v1",
        "http://127.0.0.1:0/v1",
        "http://127.0.0.1:abc/v1",
        "http://[::1]:65536/v1",
    ],
)
def test_a_port_outside_1_to_65535_is_refused(url: str) -> None:
    """A port must be a number a TCP port can be, known before anything is sent."""
    with pytest.raises(ec_async.ConfigurationError, match="port must be a number"):
        ec_async.Client(url, username="someone", password="x")


@pytest.mark.parametrize(
    "arguments",
    [["--seed", "nope"], ["--port", "99999"], ["--database", "/proc/none/db"]],
)
def test_emulator_start_up_errors_are_one_line(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`ec emulator` with a bad option prints one error line and exits 2."""
    code = main(["emulator", "--seed", "minimal", *arguments])

    err = capsys.readouterr().err
    assert 2 == code
    assert err.startswith("ec: error: the emulator could not start")
    assert "Traceback" not in err


async def test_a_base_url_without_the_version_says_so() -> None:
    """A 404 with no Kapua error body points at the base URL, not at an id."""
    # Not spec-checked: the request deliberately misses every path of the spec.
    async with Emulator(seed="minimal") as emulator:
        base_url = emulator.base_url.removesuffix("/v1")
        with pytest.raises(ec_async.NotFound) as caught:
            async with ec_async.Client(
                base_url, username="acme-admin", password=DEMO_PASSWORD
            ):
                pass

    assert "base_url ends with the API version" in caught.value.hint
    assert "base_url ends with the API version" in str(caught.value)


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_emulator_latency_must_be_finite(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ec emulator --latency nan` is refused (it would hold every request forever)."""
    code = main(["emulator", "--seed", "empty", "--port", "0", "--latency", value])

    assert 2 == code
    assert "--latency and --jitter must be zero or more" in capsys.readouterr().err
