"""Fixtures of the ``ec`` command's tests: an emulator to point it at, and a world in it."""

from __future__ import annotations

import datetime as dt
import io

import attrs
import pytest

import ec_sync
from ec_async.emulator import DEMO_PASSWORD, Emulator, Permission

ADMIN = "acme-admin"
OBSERVER = "acme-observer"  # account:read only, in the minimal seed
T0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def as_admin(served: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator, with the environment ``ec`` reads pointing at it as acme's admin."""
    monkeypatch.setenv("EC_BASE_URL", served.base_url)
    monkeypatch.setenv("EC_USERNAME", ADMIN)
    monkeypatch.setenv("EC_PASSWORD", DEMO_PASSWORD)
    for name in ("EC_API_KEY", "EC_CA_BUNDLE", "EC_CLIENT_CERT", "EC_CLIENT_KEY"):
        monkeypatch.delenv(name, raising=False)
    return served


@attrs.frozen
class World:
    """An account below acme holding a known number of each resource."""

    scope_id: str
    # resource -> {name it is known by: id}
    ids: dict[str, dict[str, str]]


@pytest.fixture
def world(as_admin: Emulator) -> World:
    """``t-world`` below acme: two of everything, three devices, three messages."""
    admin = as_admin.admin
    scope_id = admin.create_account(admin.account_id("acme"), "t-world")
    ids: dict[str, dict[str, str]] = {
        "accounts": {
            name: admin.create_account(scope_id, name)
            for name in ("t-world-a", "t-world-b")
        },
        "devices": {
            f"w-{suffix}": admin.create_device(scope_id, f"w-{suffix}", connected)
            for suffix, connected in (("on", True), ("off", False), ("new", None))
        },
        "users": {
            name: admin.create_user(scope_id, name) for name in ("w-ann", "w-bob")
        },
        "roles": {
            name: admin.create_role(
                scope_id,
                name,
                [Permission(domain="device", action="read", target_scope_id=scope_id)],
            )
            for name in ("w-reader", "w-viewer")
        },
    }
    messages = [
        ec_sync.DataMessage(
            client_id="w-on",
            channel="w/data",
            timestamp=T0 + dt.timedelta(hours=hours),
            payload=ec_sync.DataPayload.of({"temperature": 20 + hours}),
        )
        for hours in range(3)
    ]
    stored = admin.store_messages(scope_id, messages)
    ids["data-messages"] = {f"w-on@{hours}": stored[hours] for hours in range(3)}
    with ec_sync.Client(
        as_admin.base_url, username=ADMIN, password=DEMO_PASSWORD
    ) as ec:
        scope = ec.scope(scope_id)
        ids["groups"] = {
            name: scope.groups.create(ec_sync.GroupCreator(name=name)).id
            for name in ("w-north", "w-south")
        }
        ids["tags"] = {
            name: scope.tags.create(ec_sync.TagCreator(name=name)).id
            for name in ("w-red", "w-blue")
        }
        ids["jobs"] = {
            name: scope.jobs.create(ec_sync.JobCreator(name=name)).id
            for name in ("w-update", "w-reboot")
        }
        ids["device-connections"] = {
            connection.client_id or "": connection.id or ""
            for connection in scope.device_connections.iter()
        }
    return World(scope_id=scope_id, ids=ids)
