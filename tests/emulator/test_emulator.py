"""The Emulator object: lifecycle, threads, persistence, seeds, observers, routing."""

from __future__ import annotations

import json
import pathlib
import re
import sqlite3
import urllib.error
import urllib.request
from typing import Any

import pytest

import ec_async.emulator
from ec_async.emulator import (
    DEMO_API_KEY,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    Emulator,
    Exchange,
    SeedSpec,
)

from ._support import FAST, Api, running

pytestmark = pytest.mark.anyio


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff keeps __all__ in: CONSTANTS, then Classes, then the rest.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_public_surface_is_sorted_and_complete() -> None:
    """The package exports exactly its documented names, sorted as ruff sorts them."""
    expected = {
        "DEMO_API_KEY",
        "DEMO_PASSWORD",
        "DEMO_USERNAME",
        "NAMED_SEEDS",
        "SYSTEM_PASSWORD",
        "SYSTEM_USERNAME",
        "Emulator",
        "EmulatorAdmin",
        "EmulatorConfig",
        "EmulatorCounters",
        "Exchange",
        "ExchangeObserver",
        "Fault",
        "Faults",
        "Permission",
        "SeedSpec",
    }

    assert (
        sorted(ec_async.emulator.__all__, key=_isort_key) == ec_async.emulator.__all__
    )
    assert expected == set(ec_async.emulator.__all__)


def test_demo_password_meets_kapua_password_rules() -> None:
    """The demo password has 12+ characters with a digit, lower, upper and symbol."""
    assert len(DEMO_PASSWORD) >= 12
    for pattern in (r"\d", r"[a-z]", r"[A-Z]", r"[^a-zA-Z0-9]"):
        assert re.search(pattern, DEMO_PASSWORD)


def test_demo_api_key_has_kapuas_shape() -> None:
    """The demo key is an 8-character prefix plus 24 characters."""
    assert len(DEMO_API_KEY) == 8 + 24


async def test_base_url_is_loopback_v1(emulator: Emulator) -> None:
    """A started emulator serves /v1 on 127.0.0.1 at a real port."""
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", emulator.base_url)


async def test_not_started_emulator_has_no_url() -> None:
    """base_url and admin are unavailable before start."""
    emulator = Emulator(seed="empty")

    with pytest.raises(RuntimeError):
        _ = emulator.base_url
    with pytest.raises(RuntimeError):
        _ = emulator.admin


async def test_unknown_route_and_method_are_bare_statuses(api: Api) -> None:
    """Jersey answers an unknown path with 404 and a wrong method with 405, no body."""
    token = await api.token("acme-admin")

    unknown = await api.call("GET", "/nothing/here")
    wrong_method = await api.call("PATCH", "/_/devices", token=token)

    assert (404, b"") == (unknown.status, unknown.body)
    assert (405, b"") == (wrong_method.status, wrong_method.body)


async def test_observers_see_every_exchange() -> None:
    """Each observer receives method, raw path, query, bodies and status."""
    seen: list[Exchange] = []
    async with running(observers=[seen.append]) as api:
        token = await api.login("acme-admin")
        await api.call(
            "GET",
            "/_/devices",
            token=token["tokenId"],
            params=[
                ("fetchAttributes", "connection"),
                ("fetchAttributes", "lastEvent"),
            ],
        )

    login, listing = seen
    assert ("POST", "/v1/authentication/user", 200) == (
        login.method,
        login.path,
        login.status,
    )
    assert {"username": "acme-admin", "password": DEMO_PASSWORD} == json.loads(
        login.request_body
    )
    assert token == json.loads(login.response_body)
    assert (
        ("fetchAttributes", "connection"),
        ("fetchAttributes", "lastEvent"),
    ) == listing.query
    assert listing.request_headers["authorization"] == f"Bearer {token['tokenId']}"
    assert listing.response_headers["Content-Type"].startswith("application/json")


async def test_counters_count_logins() -> None:
    """Successful logins are counted."""
    async with running() as api:
        await api.login("acme-admin")
        await api.login("globex-admin")

        assert api.emulator.counters.logins == 2


def _get_sync(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def test_in_thread_serves_blocking_callers() -> None:
    """Emulator.in_thread runs the server on its own loop for synchronous code."""
    with Emulator.in_thread(seed="empty", config=FAST) as emulator:
        status, body = _get_sync(emulator.base_url + "/sys-info")
        device = emulator.admin.account_id("kapua-sys")

    assert (200, "systemInfo") == (status, body["type"])
    assert device == "AQ"


async def test_in_thread_starts_and_stops_inside_a_running_loop() -> None:
    """In a thread whose loop runs (a notebook's), in_thread still closes cleanly."""
    with Emulator.in_thread(seed="empty", config=FAST) as emulator:
        status, _ = _get_sync(emulator.base_url + "/sys-info")

    assert 200 == status


async def test_file_database_is_reused_not_reseeded(tmp_path: pathlib.Path) -> None:
    """A database file keeps devices and valid tokens across restarts and skips seeding."""
    database = tmp_path / "emulator.sqlite3"
    async with running(seed="minimal", database=database) as first:
        scope = first.emulator.admin.account_id("acme")
        first.emulator.admin.create_device(scope, "kept-1")
        token = await first.token("acme-admin")

    async with running(seed="demo", database=database) as second:
        kept = await second.call(
            "GET", "/_/devices", token=token, params={"clientId": "kept-1"}
        )
        with pytest.raises(LookupError):
            second.emulator.admin.account_id("demo")

    assert kept.status == 200
    assert ["kept-1"] == [item["clientId"] for item in kept.json()["items"]]


async def test_restore_undoes_every_change_since_the_snapshot(api: Api) -> None:
    """Restoring a snapshot brings back deleted data and drops tokens and devices made since."""
    admin = api.emulator.admin
    kept_token = await api.token("acme-admin")
    snapshot = admin.snapshot()
    await api.call("POST", "/authentication/logout", token=kept_token)
    new_token = await api.token("acme-admin")
    admin.create_device(admin.account_id("acme"), "made-after-snapshot")

    admin.restore(snapshot)
    devices = await api.call(
        "GET",
        "/_/devices",
        token=kept_token,
        params={"clientId": "made-after-snapshot"},
    )
    rejected = await api.call("GET", "/_/devices", token=new_token)

    assert (200, 0) == (devices.status, devices.json()["size"])
    assert 401 == rejected.status


async def test_seeds_are_deterministic() -> None:
    """The same seed gives the same ids and client ids."""
    listings = []
    for _ in range(2):
        async with running() as api:
            token = await api.token("acme-admin")
            reply = await api.call("GET", "/_/devices", token=token)
            listings.append(
                (
                    api.emulator.admin.account_id("acme"),
                    [d["clientId"] for d in reply.json()["items"]],
                )
            )

    assert listings[0] == listings[1]


async def test_seed_spec_sets_the_shape_of_the_data() -> None:
    """A custom SeedSpec gives its tenant, descendants and devices per account."""
    spec = SeedSpec(tenants=("tiny",), child_accounts=3, depth=2, devices_per_account=4)
    async with running(seed=spec) as api:
        token = await api.token("tiny-admin")
        tree = await api.call(
            "GET", "/_/accounts", token=token, params={"recursive": "true"}
        )
        counts = [
            (
                await api.call(
                    "POST", f"/{account['id']}/devices/_count", token=token, body={}
                )
            ).json()["count"]
            for account in tree.json()["items"]
        ]
        own = await api.call("POST", "/_/devices/_count", token=token, body={})

    assert tree.json()["size"] == 3
    assert [4, 4, 4] == counts
    assert own.json()["count"] == 4


async def test_demo_seed_has_the_demo_credentials() -> None:
    """The demo seed accepts DEMO_USERNAME/DEMO_PASSWORD and DEMO_API_KEY."""
    async with running(seed="demo") as api:
        token = await api.login(DEMO_USERNAME)
        by_key = await api.call(
            "POST", "/authentication/apikey", body={"apiKey": DEMO_API_KEY}
        )
        count = await api.call(
            "POST", "/_/devices/_count", token=token["tokenId"], body={}
        )

    assert by_key.status == 200
    assert by_key.json()["userId"] == token["userId"]
    assert count.json()["count"] > 0


async def test_unknown_seed_name_is_refused() -> None:
    """A seed name that is not empty, minimal or demo raises ValueError."""
    with pytest.raises(ValueError, match="unknown seed"):
        Emulator(seed="huge")


async def test_database_of_another_schema_version_is_refused(
    tmp_path: pathlib.Path,
) -> None:
    """A database file written by an incompatible emulator is not silently reused."""
    database = tmp_path / "old.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        connection.execute("INSERT INTO meta VALUES ('schema', 'from-the-past')")
    connection.close()

    with pytest.raises(RuntimeError, match="schema"):
        async with Emulator(seed="empty", database=database):
            pass
