"""Seed data: the kapua-sys account plus tenant trees full of devices.

A ``SeedSpec`` describes the data; the same spec and ``random_seed`` give the
same accounts, users, ids and devices every time (only timestamps follow the
clock). Rows are written with ``executemany`` in one transaction, which keeps
a hundred thousand devices to a few seconds.
"""

from __future__ import annotations

import logging
import math
import random
import sqlite3
import time
from collections.abc import Mapping
from typing import Any

import attrs

from ec_async.emulator._demo_devices import DeviceFactory
from ec_async.emulator._hashing import new_api_key
from ec_async.emulator._permissions import Grant
from ec_async.emulator._records.access import (
    add_access_permissions,
    add_access_role,
    add_role,
    create_access_info,
)
from ec_async.emulator._records.accounts import account_row, insert_accounts
from ec_async.emulator._records.data import insert_messages
from ec_async.emulator._records.device_management import (
    insert_events,
    lifecycle_event,
)
from ec_async.emulator._records.devices import (
    connection_row,
    device_row,
    insert_connections,
    insert_devices,
)
from ec_async.emulator._records.service_configs import (
    INFINITE,
    LIMITED_SERVICES,
    store_config_values,
)
from ec_async.emulator._records.users import (
    credential_row,
    insert_credentials,
    insert_users,
    user_row,
)
from ec_async.emulator._resources.endpoint_infos import endpoint_row, insert_endpoint
from ec_async.emulator._store import Store
from ec_async.emulator._telemetry import TelemetryDevice, telemetry

__all__ = [
    "DEMO_API_KEY",
    "DEMO_PASSWORD",
    "DEMO_USERNAME",
    "NAMED_SEEDS",
    "SYSTEM_PASSWORD",
    "SYSTEM_USERNAME",
    "SeedSpec",
    "plan_accounts",
    "resolve_seed",
    "seed_store",
]

logger = logging.getLogger("ec_async.emulator")

SYSTEM_USERNAME = "kapua-sys"
SYSTEM_PASSWORD = "kapua-password"  # noqa: S105 - Kapua's well-known default
DEMO_USERNAME = "demo-admin"
# Meets Kapua's password rules: 12+ characters, digit, lower, upper, symbol.
DEMO_PASSWORD = "Demo-Passw0rd!"  # noqa: S105 - published demo credential
# Kapua's key shape: an 8-character public prefix, then 24 secret characters.
DEMO_API_KEY = "DemoKey1" + "q7Lw2Xn9Rb4Tc6Vd8Fh3Jk5M"

_REGIONS = ("north", "south", "east", "west", "central", "coast")
_SITES = ("plant", "depot", "lab", "yard", "store", "dock")
_LINES = ("line1", "line2", "line3", "line4", "line5", "line6")
# Account names by depth: regions, then sites, then production lines below.
_LEVEL_WORDS = (_REGIONS, _SITES, _LINES)


@attrs.frozen
class SeedSpec:
    """What to put in a fresh database besides kapua-sys.

    Each tenant is a child of kapua-sys with an admin user ``<tenant>-admin``
    (password ``admin_password``; the first tenant's admin also owns
    ``DEMO_API_KEY``) and ``child_accounts`` descendant accounts spread over
    ``depth`` levels, each level half as wide as the one above. Every tenant
    account holds ``devices_per_account`` devices, about ``connected_ratio`` of
    them connected; with ``operators`` each descendant account also gets an
    ``<account>-operator`` user with a password and an API key.

    With ``sample_users`` each tenant also gets users whose permissions differ,
    so that permission errors can be shown (all with ``admin_password``):
    ``<tenant>-operator`` holds the role ``device-reader`` (device:read on the
    tenant only), ``<tenant>-observer`` only account:read (no device permission),
    and ``<tenant>-auditor`` forwardable account:read and device:read, which
    reach every account below the tenant. Every seeded account may create
    without limit (its resource-limited services are set to infinite).

    With ``telemetry_hours``, every device has sent data over that many hours
    before the seed time, one message each ``telemetry_interval`` seconds (a
    day for a thousand devices is some 300,000 messages, a few seconds).
    """

    tenants: tuple[str, ...] = ("demo",)
    child_accounts: int = 12
    depth: int = 3
    devices_per_account: int = 250
    connected_ratio: float = 0.7
    operators: bool = True
    admin_password: str = DEMO_PASSWORD
    random_seed: int = 2024
    sample_users: bool = True
    telemetry_hours: float = 0.0
    telemetry_interval: float = 300.0


NAMED_SEEDS: Mapping[str, SeedSpec] = {
    "empty": SeedSpec(tenants=(), child_accounts=0, devices_per_account=0),
    "minimal": SeedSpec(
        tenants=("acme", "globex"),
        child_accounts=3,
        depth=2,
        devices_per_account=10,
        operators=False,
        random_seed=7,
    ),
    "demo": SeedSpec(),
    # Fleet scale for bulk work and benchmarks: the tenant and 99 descendants,
    # 1,000 devices each (100,000 in all), without per-account operators,
    # whose password hashing would dominate the build time.
    "fleet": SeedSpec(
        tenants=("fleet",),
        child_accounts=99,
        depth=2,
        devices_per_account=1000,
        operators=False,
        random_seed=100,
    ),
}


def resolve_seed(seed: str | SeedSpec) -> SeedSpec:
    """Return the spec for a seed name, or the spec itself."""
    if isinstance(seed, SeedSpec):
        return seed
    try:
        return NAMED_SEEDS[seed]
    except KeyError:
        msg = f"unknown seed {seed!r}; use one of {sorted(NAMED_SEEDS)} or a SeedSpec"
        raise ValueError(msg) from None


def _level_sizes(total: int, depth: int) -> list[int]:
    sizes: list[int] = []
    remaining = total
    for level in range(1, max(depth, 1) + 1):
        size = remaining if level == depth else math.ceil(remaining / 2)
        sizes.append(size)
        remaining -= size

    return [size for size in sizes if size]


def _child_name(parent: str, index: int, level: int) -> str:
    words = _LEVEL_WORDS[min(level, len(_LEVEL_WORDS)) - 1]
    word = words[index] if index < len(words) else f"{words[0][:4]}{index + 1:02d}"

    return f"{parent}-{word}"


def plan_accounts(
    tenant: str, child_accounts: int, depth: int
) -> list[tuple[str, str]]:
    """Return ``(name, parent name)`` of a tenant's descendants, parents first.

    Level sizes halve going down; each level's accounts are handed out round
    robin to the accounts of the level above, so only some have children.
    """
    planned: list[tuple[str, str]] = []
    parents = [tenant]
    for level, size in enumerate(_level_sizes(child_accounts, depth), start=1):
        children_of: dict[str, int] = {}
        level_names: list[str] = []
        for position in range(size):
            parent = parents[position % len(parents)]
            index = children_of.get(parent, 0)
            children_of[parent] = index + 1
            name = _child_name(parent, index, level)
            planned.append((name, parent))
            level_names.append(name)
        parents = level_names

    return planned


class _Seeder:
    """Writes one spec into an open transaction."""

    def __init__(self, db: sqlite3.Connection, spec: SeedSpec, now: int) -> None:
        self.db = db
        self.spec = spec
        self.now = now
        self.rng = random.Random(spec.random_seed)
        # Events draw from their own generator, so adding them left every other
        # seeded id and device as it was.
        self.event_rng = random.Random(spec.random_seed + 1)
        self.devices = DeviceFactory(self.rng)
        self.accounts: dict[str, dict[str, Any]] = {}
        self.messages = 0
        self._used_ids: set[int] = {0, 1}

    def new_id(self, rng: random.Random | None = None) -> int:
        while True:
            candidate = (rng or self.rng).getrandbits(63)
            if candidate not in self._used_ids:
                self._used_ids.add(candidate)
                return candidate

    def lifecycle(self, device: dict[str, Any], status: str) -> list[dict[str, Any]]:
        """The events a device left by connecting, and by leaving if it did."""
        born = device["created_on"]
        events = [
            lifecycle_event(
                event_id=self.new_id(self.event_rng),
                device=device,
                resource="BIRTH",
                now=born,
            )
        ]
        if status != "CONNECTED":
            left = born + self.event_rng.randrange(max(self.now - born, 1))
            resource = "DEATH" if status == "DISCONNECTED" else "MISSING"
            events.append(
                lifecycle_event(
                    event_id=self.new_id(self.event_rng),
                    device=device,
                    resource=resource,
                    now=left,
                )
            )
        device["last_event_id"] = events[-1]["id"]

        return events

    def add_account(
        self, name: str, parent: str | None, account_id: int | None = None
    ) -> None:
        row = account_row(
            account_id=self.new_id() if account_id is None else account_id,
            parent=None if parent is None else self.accounts[parent],
            name=name,
            now=self.now,
            created_by=1,
            description=f"{name} account",
            organization_name=name.replace("-", " ").title(),
            organization_person_name=f"{name.split('-')[0].title()} Operations",
            organization_email=f"ops@{name}.example.com",
            organization_country="Italy",
        )
        insert_accounts(self.db, [row])
        self.accounts[name] = row

    def add_user(
        self,
        name: str,
        account: str,
        grants: list[Grant],
        *,
        user_id: int | None = None,
        password: str | None = None,
        api_key: str | None = None,
    ) -> dict[str, Any]:
        scope_id = self.accounts[account]["id"]
        user = user_row(
            user_id=self.new_id() if user_id is None else user_id,
            scope_id=scope_id,
            name=name,
            now=self.now,
            created_by=1,
            email=f"{name}@{account}.example.com",
        )
        insert_users(self.db, [user])
        credentials: list[dict[str, Any]] = []
        if password is not None:
            credentials.append(
                credential_row(
                    credential_id=self.new_id(),
                    user=user,
                    now=self.now,
                    password=password,
                )
            )
        if api_key is not None:
            credentials.append(
                credential_row(
                    credential_id=self.new_id(),
                    user=user,
                    now=self.now,
                    api_key=api_key,
                )
            )
        insert_credentials(self.db, credentials)
        access_info = create_access_info(
            self.db, access_info_id=self.new_id(), user=user, now=self.now
        )
        add_access_permissions(
            self.db,
            ids=[self.new_id() for _ in grants],
            access_info=access_info,
            grants=grants,
            now=self.now,
        )

        return user

    def add_devices(self, account: str, user_id: int | None) -> None:
        scope_id = self.accounts[account]["id"]
        # One validated template per account, then cheap dict merges per device.
        device_template = device_row(
            device_id=0, scope_id=scope_id, client_id="", now=0, created_by=user_id
        )
        connection_template = connection_row(
            connection_id=0,
            scope_id=scope_id,
            client_id="",
            status="",
            now=0,
            user_id=user_id,
        )
        taken: set[str] = set()
        devices: list[dict[str, Any]] = []
        connections: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for _ in range(self.spec.devices_per_account):
            columns = self.devices.device_columns(taken)
            created_on = self.devices.created_before(self.now)
            audit = {"created_on": created_on, "modified_on": created_on}
            status = self.devices.connection_status(self.spec.connected_ratio)
            if status is not None:
                connection = connection_template | audit
                connection.update(
                    id=self.new_id(),
                    client_id=columns["client_id"],
                    status=status,
                    client_ip=self.devices.client_ip(),
                )
                connections.append(connection)
                columns["connection_id"] = connection["id"]
            device = device_template | columns | audit | {"id": self.new_id()}
            if status is not None:
                events += self.lifecycle(device, status)
            devices.append(device)
        insert_connections(self.db, connections)
        insert_devices(self.db, devices)
        insert_events(self.db, events)
        if self.spec.telemetry_hours > 0:
            self.add_telemetry(scope_id, devices)

    def add_telemetry(self, scope_id: int, devices: list[dict[str, Any]]) -> None:
        senders = [
            TelemetryDevice(row["id"], row["client_id"], row["firmware_version"] or "")
            for row in devices
        ]
        self.messages += insert_messages(
            self.db,
            telemetry(
                self.rng,
                scope_id,
                senders,
                now=self.now,
                hours=self.spec.telemetry_hours,
                interval=self.spec.telemetry_interval,
            ),
        )

    def seed_system(self) -> None:
        self.add_account(SYSTEM_USERNAME, None, account_id=1)
        # Kapua's sys admin holds *:*:*:*, every scope included (a null target).
        self.add_user(
            SYSTEM_USERNAME,
            SYSTEM_USERNAME,
            [Grant()],
            user_id=1,
            password=SYSTEM_PASSWORD,
        )

    def seed_tenant(self, tenant: str, api_key: str) -> None:
        self.add_account(tenant, SYSTEM_USERNAME)
        tenant_id = self.accounts[tenant]["id"]
        admin = self.add_user(
            f"{tenant}-admin",
            tenant,
            [Grant(target_scope_id=tenant_id, forwardable=True)],
            password=self.spec.admin_password,
            api_key=api_key,
        )
        self.add_devices(tenant, admin["id"])

        for name, parent in plan_accounts(
            tenant, self.spec.child_accounts, self.spec.depth
        ):
            self.add_account(name, parent)
            device_user = admin["id"]
            if self.spec.operators:
                device_user = self.add_operator(name)["id"]
            self.add_devices(name, device_user)

    def add_operator(self, account: str) -> dict[str, Any]:
        scope_id = self.accounts[account]["id"]
        grants = [
            Grant(domain=domain, action=action, target_scope_id=scope_id)
            for domain, action in (
                ("account", "read"),
                ("device", "read"),
                ("device", "write"),
                ("device_connection", "read"),
            )
        ]

        return self.add_user(
            f"{account}-operator",
            account,
            grants,
            password=self.spec.admin_password,
            api_key=new_api_key(self.rng),
        )

    def add_sample_users(self, tenant: str) -> None:
        """Give a tenant users whose permissions differ, to show 403s for real."""
        tenant_id = self.accounts[tenant]["id"]
        operator = self.add_user(
            f"{tenant}-operator", tenant, [], password=self.spec.admin_password
        )
        role_id = self.new_id()
        add_role(
            self.db,
            role_id=role_id,
            scope_id=tenant_id,
            name="device-reader",
            permission_ids=[self.new_id()],
            grants=[Grant(domain="device", action="read", target_scope_id=tenant_id)],
            now=self.now,
        )
        access_info = self.db.execute(
            "SELECT * FROM access_infos WHERE user_id = ?", (operator["id"],)
        ).fetchone()
        add_access_role(
            self.db,
            access_role_id=self.new_id(),
            access_info=access_info,
            role_id=role_id,
            now=self.now,
        )
        self.add_user(
            f"{tenant}-observer",
            tenant,
            [Grant(domain="account", action="read", target_scope_id=tenant_id)],
            password=self.spec.admin_password,
        )
        self.add_user(
            f"{tenant}-auditor",
            tenant,
            [
                Grant(
                    domain=domain,
                    action="read",
                    target_scope_id=tenant_id,
                    forwardable=True,
                )
                for domain in ("account", "device")
            ],
            password=self.spec.admin_password,
        )

    def unlimit_accounts(self) -> None:
        """Let every seeded account create without limit, as its admin set it."""
        for account in self.accounts.values():
            for pid in LIMITED_SERVICES:
                store_config_values(
                    self.db,
                    scope_id=account["id"],
                    pid=pid,
                    values=INFINITE,
                    config_id=self.new_id(),
                    now=self.now,
                    by=1,
                )

    def add_broker_endpoint(self) -> None:
        """Publish the broker, as a Kapua deployment does in kapua-sys."""
        insert_endpoint(
            self.db,
            endpoint_row(
                endpoint_id=self.new_id(),
                scope_id=1,
                schema="mqtts",
                dns="broker.example.com",
                port=8883,
                secure=True,
                usages=["MESSAGE_BROKER"],
                endpoint_type="resource",
                now=self.now,
                by=1,
            ),
        )

    def run(self) -> None:
        self.seed_system()
        for position, tenant in enumerate(self.spec.tenants):
            api_key = DEMO_API_KEY if position == 0 else new_api_key(self.rng)
            self.seed_tenant(tenant, api_key)
        # Drawn after everything above, so the earlier ids stay as they were.
        if self.spec.sample_users:
            for tenant in self.spec.tenants:
                self.add_sample_users(tenant)
        self.unlimit_accounts()
        self.add_broker_endpoint()


def seed_store(store: Store, spec: SeedSpec, now: int) -> None:
    """Fill an empty store with kapua-sys and the data ``spec`` describes."""
    started = time.perf_counter()
    with store.transaction() as db:
        seeder = _Seeder(db, spec, now)
        seeder.run()
    logger.info(
        "emulator seeded %d tenant(s) and %d telemetry message(s) in %.2f s",
        len(spec.tenants),
        seeder.messages,
        time.perf_counter() - started,
    )
