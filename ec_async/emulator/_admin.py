"""A small synchronous API over an emulator's data, for tests and seeding.

It writes to the store directly, bypassing HTTP and permission checks, so a
test can build exactly the accounts, users and devices it needs. Ids go in and
come out in compact form, as the REST API shows them.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ec_async._convert import unstructure
from ec_async._data_models import DataMessage, metric_text
from ec_async._ids import decode_compact_id, encode_compact_id
from ec_async.emulator._context import EmulatorContext
from ec_async.emulator._hashing import new_api_key
from ec_async.emulator._permissions import Grant, Permission
from ec_async.emulator._records.access import (
    add_access_permissions,
    add_access_role,
    add_role,
    create_access_info,
    find_access_info,
)
from ec_async.emulator._records.accounts import (
    account_row,
    find_account,
    find_account_by_name,
    insert_accounts,
)
from ec_async.emulator._records.data import (
    MessageRow,
    insert_messages,
    metrics_columns,
    position_text,
)
from ec_async.emulator._records.device_management import (
    add_event,
    lifecycle_event,
    load_contents,
)
from ec_async.emulator._records.devices import (
    connection_row,
    device_row,
    find_connection,
    insert_connections,
    insert_devices,
)
from ec_async.emulator._records.mfa import find_option, insert_option
from ec_async.emulator._records.service_configs import (
    INFINITE,
    LIMITED_SERVICES,
    store_config_values,
)
from ec_async.emulator._records.users import (
    credential_row,
    find_user,
    find_user_by_name,
    insert_credentials,
    insert_users,
    user_row,
)
from ec_async.emulator._resources.device_connections import (
    CONNECTION_STATUSES,
    record_disconnection,
)
from ec_async.emulator._store import new_id
from ec_async.emulator._totp import new_secret, totp_code

__all__ = ["EmulatorAdmin"]


def _grant(permission: Permission) -> Grant:
    def decode(value: str | None) -> int | None:
        return None if value is None else decode_compact_id(value)

    return Grant(
        domain=permission.domain,
        action=permission.action,
        target_scope_id=decode(permission.target_scope_id),
        group_id=decode(permission.group_id),
        forwardable=permission.forwardable,
    )


def _epoch_ms(moment: datetime.datetime | None) -> int | None:
    return None if moment is None else round(moment.timestamp() * 1000)


def _message_row(
    scope_id: int, message: DataMessage, devices: dict[str, int], now: int
) -> MessageRow:
    if message.channel is None or not message.channel.semantic_parts:
        msg = f"a stored message needs a channel: {message!r}"
        raise ValueError(msg)
    timestamp = _epoch_ms(message.timestamp or message.captured_on) or now
    device_id = (
        decode_compact_id(message.device_id)
        if message.device_id is not None
        else devices.get(message.client_id)
    )
    payload = message.payload
    position = None if message.position is None else unstructure(message.position)

    return MessageRow(
        datastore_id=message.datastore_id or str(uuid.uuid4()),
        scope_id=scope_id,
        timestamp=timestamp,
        client_id=message.client_id,
        channel=message.channel.name,
        device_id=device_id,
        received_on=_epoch_ms(message.received_on) or timestamp,
        sent_on=_epoch_ms(message.sent_on),
        captured_on=_epoch_ms(message.captured_on),
        position=position_text(position),
        body=None if payload.body is None else unstructure(payload.body),
        **metrics_columns(
            [
                (m.name, m.value_type, metric_text(m.value, m.value_type))
                for m in payload.metrics
                if m.value is not None
            ]
        ),
    )


class EmulatorAdmin:
    """Synchronous helpers that act on an emulator's store directly.

    Safe to call from any thread, including while the emulator serves requests.
    """

    def __init__(self, context: EmulatorContext) -> None:
        self._context = context

    def _now(self) -> int:
        return self._context.clock.now_ms()

    def _existing_account(self, db: sqlite3.Connection, account_id: str) -> sqlite3.Row:
        account = find_account(db, decode_compact_id(account_id))
        if account is None:
            msg = f"no account {account_id}"
            raise LookupError(msg)

        return account

    def _existing_user(self, db: sqlite3.Connection, user_id: str) -> sqlite3.Row:
        user = find_user(db, decode_compact_id(user_id))
        if user is None:
            msg = f"no user {user_id}"
            raise LookupError(msg)

        return user

    def account_id(self, name: str) -> str:
        """Return the compact id of the account called ``name``."""
        with self._context.store.transaction() as db:
            account = find_account_by_name(db, name)
        if account is None:
            msg = f"no account named {name!r}"
            raise LookupError(msg)

        return encode_compact_id(account["id"])

    def user_id(self, name: str) -> str:
        """Return the compact id of the user called ``name``."""
        with self._context.store.transaction() as db:
            user = find_user_by_name(db, name)
        if user is None:
            msg = f"no user named {name!r}"
            raise LookupError(msg)

        return encode_compact_id(user["id"])

    def create_account(
        self,
        parent_id: str,
        name: str,
        *,
        expiration_date: datetime.datetime | None = None,
        organization_name: str | None = None,
        organization_email: str | None = None,
        unlimited: bool = True,
    ) -> str:
        """Create a child account of ``parent_id`` and return its compact id.

        ``unlimited`` sets its resource-limited services to infinite, as an
        administrator would before use; without it the account keeps Kapua's
        defaults and may create nothing, as one made through the API.
        """
        with self._context.store.transaction() as db:
            parent = self._existing_account(db, parent_id)
            if find_account_by_name(db, name) is not None:
                msg = f"an account named {name!r} already exists"
                raise ValueError(msg)
            row = account_row(
                account_id=new_id(db, "accounts"),
                parent=parent,
                name=name,
                now=self._now(),
                created_by=1,
                expiration_date=_epoch_ms(expiration_date),
                organization_name=organization_name or name,
                organization_email=organization_email or f"admin@{name}.example.com",
            )
            insert_accounts(db, [row])
        if unlimited:
            for pid in LIMITED_SERVICES:
                self.set_service_configuration(
                    encode_compact_id(row["id"]), pid, INFINITE
                )

        return encode_compact_id(row["id"])

    def set_service_configuration(
        self, scope_id: str, pid: str, values: Mapping[str, Any]
    ) -> None:
        """Store a service's configuration values for an account, unchecked."""
        with self._context.store.transaction() as db:
            account = self._existing_account(db, scope_id)
            store_config_values(
                db,
                scope_id=account["id"],
                pid=pid,
                values=values,
                config_id=new_id(db, "service_configs"),
                now=self._now(),
                by=1,
            )

    def create_user(
        self,
        scope_id: str,
        name: str,
        password: str | None = None,
        permissions: Sequence[Permission] = (),
    ) -> str:
        """Create a user (with a password, if given) holding ``permissions``."""
        now = self._now()
        with self._context.store.transaction() as db:
            account = self._existing_account(db, scope_id)
            if find_user_by_name(db, name) is not None:
                msg = f"a user named {name!r} already exists"
                raise ValueError(msg)
            user = user_row(
                user_id=new_id(db, "users"),
                scope_id=account["id"],
                name=name,
                now=now,
                created_by=1,
            )
            insert_users(db, [user])
            if password is not None:
                credential = credential_row(
                    credential_id=new_id(db, "credentials"),
                    user=user,
                    now=now,
                    password=password,
                )
                insert_credentials(db, [credential])
            create_access_info(
                db, access_info_id=new_id(db, "access_infos"), user=user, now=now
            )
        self.grant(encode_compact_id(user["id"]), permissions)

        return encode_compact_id(user["id"])

    def grant(self, user_id: str, permissions: Sequence[Permission]) -> None:
        """Add direct permissions to a user's access info."""
        with self._context.store.transaction() as db:
            user = self._existing_user(db, user_id)
            access_info = find_access_info(db, user["id"])
            if access_info is None:
                msg = f"user {user_id} has no access info"
                raise LookupError(msg)
            add_access_permissions(
                db,
                ids=[new_id(db, "access_permissions") for _ in permissions],
                access_info=access_info,
                grants=[_grant(permission) for permission in permissions],
                now=self._now(),
            )

    def create_role(
        self, scope_id: str, name: str, permissions: Sequence[Permission]
    ) -> str:
        """Create a role holding ``permissions`` and return its compact id."""
        with self._context.store.transaction() as db:
            account = self._existing_account(db, scope_id)
            role_id = new_id(db, "roles")
            add_role(
                db,
                role_id=role_id,
                scope_id=account["id"],
                name=name,
                permission_ids=[new_id(db, "role_permissions") for _ in permissions],
                grants=[_grant(permission) for permission in permissions],
                now=self._now(),
            )

        return encode_compact_id(role_id)

    def assign_role(self, user_id: str, role_id: str) -> None:
        """Give a user a role."""
        with self._context.store.transaction() as db:
            user = self._existing_user(db, user_id)
            access_info = find_access_info(db, user["id"])
            if access_info is None:
                msg = f"user {user_id} has no access info"
                raise LookupError(msg)
            add_access_role(
                db,
                access_role_id=new_id(db, "access_roles"),
                access_info=access_info,
                role_id=decode_compact_id(role_id),
                now=self._now(),
            )

    def create_api_key(self, user_id: str) -> str:
        """Give a user a new API key and return it; only its hash is stored."""
        api_key = new_api_key()
        self._context.issued.add(api_key)
        with self._context.store.transaction() as db:
            user = self._existing_user(db, user_id)
            credential = credential_row(
                credential_id=new_id(db, "credentials"),
                user=user,
                now=self._now(),
                api_key=api_key,
            )
            insert_credentials(db, [credential])

        return api_key

    def create_device(
        self,
        scope_id: str,
        client_id: str,
        connected: bool | None = True,
        **fields: Any,
    ) -> str:
        """Create a device and return its compact id.

        ``connected`` True or False gives it a CONNECTED or DISCONNECTED
        connection, ``None`` none at all; ``fields`` are device columns in
        snake case (``display_name``, ``model_id``, ``firmware_version``, ...),
        with ``tag_ids`` and ``extended_properties`` given as lists.
        """
        fields = {
            name: json.dumps(value) if isinstance(value, list | tuple) else value
            for name, value in fields.items()
        }
        now = self._now()
        with self._context.store.transaction() as db:
            account = self._existing_account(db, scope_id)
            taken = db.execute(
                "SELECT 1 FROM devices WHERE scope_id = ? AND client_id = ?",
                (account["id"], client_id),
            ).fetchone()
            if taken is not None:
                msg = f"client id {client_id!r} already exists in {scope_id}"
                raise ValueError(msg)
            if connected is not None:
                connection = connection_row(
                    connection_id=new_id(db, "device_connections"),
                    scope_id=account["id"],
                    client_id=client_id,
                    status="CONNECTED" if connected else "DISCONNECTED",
                    now=now,
                    user_id=None,
                )
                insert_connections(db, [connection])
                fields = {"connection_id": connection["id"], **fields}
            device = device_row(
                device_id=new_id(db, "devices"),
                scope_id=account["id"],
                client_id=client_id,
                now=now,
                created_by=1,
                **fields,
            )
            insert_devices(db, [device])

        return encode_compact_id(device["id"])

    def set_connection(self, device_id: str, status: str) -> None:
        """Set a device's connection status, creating its connection if needed."""
        if status not in CONNECTION_STATUSES:
            msg = f"unknown connection status {status!r}"
            raise ValueError(msg)
        now = self._now()
        with self._context.store.transaction() as db:
            device = db.execute(
                "SELECT * FROM devices WHERE id = ?", (decode_compact_id(device_id),)
            ).fetchone()
            if device is None:
                msg = f"no device {device_id}"
                raise LookupError(msg)
            if device["connection_id"] is not None:
                db.execute(
                    "UPDATE device_connections SET status = ?, modified_on = ?,"
                    " optlock = optlock + 1 WHERE id = ?",
                    (status, now, device["connection_id"]),
                )
                return
            connection = connection_row(
                connection_id=new_id(db, "device_connections"),
                scope_id=device["scope_id"],
                client_id=device["client_id"],
                status=status,
                now=now,
                user_id=None,
            )
            insert_connections(db, [connection])
            db.execute(
                "UPDATE devices SET connection_id = ? WHERE id = ?",
                (connection["id"], device["id"]),
            )

    def snapshot(self) -> bytes:
        """Return an image of all the emulator's data, tokens included."""
        return self._context.store.snapshot()

    def restore(self, snapshot: bytes) -> None:
        """Put back the data of a ``snapshot``, undoing every change made since.

        Tokens issued after the snapshot stop working; those it holds work again.
        """
        self._context.store.restore(snapshot)

    def enable_mfa(self, user_id: str) -> str:
        """Turn MFA on for a user (as ``POST /user/mfa`` would) and return the secret.

        The option gets no scratch codes; compute login codes with ``totp_code``.
        """
        secret = new_secret()
        with self._context.store.transaction() as db:
            user = self._existing_user(db, user_id)
            if find_option(db, user["scope_id"], user["id"]) is not None:
                msg = f"user {user_id} already has MFA on"
                raise ValueError(msg)
            insert_option(
                db,
                option_id=new_id(db, "mfa_options"),
                scope_id=user["scope_id"],
                user_id=user["id"],
                secret=secret,
                scratch_codes=(),
                now=self._now(),
                by=1,
            )

        return secret

    def totp_code(self, secret: str) -> str:
        """Return the code an authenticator app shows for ``secret``, by this clock."""
        return totp_code(secret, self._now() / 1000)

    def _existing_device(self, db: sqlite3.Connection, device_id: str) -> sqlite3.Row:
        device = db.execute(
            "SELECT * FROM devices WHERE id = ?", (decode_compact_id(device_id),)
        ).fetchone()
        if device is None:
            msg = f"no device {device_id}"
            raise LookupError(msg)
        found: sqlite3.Row = device

        return found

    def connect_device(self, device_id: str) -> None:
        """Connect a device as its gateway would: CONNECTED, and a BIRTH event."""
        self.set_connection(device_id, "CONNECTED")
        now = self._now()
        with self._context.store.transaction() as db:
            device = self._existing_device(db, device_id)
            event = lifecycle_event(
                event_id=new_id(db, "device_events"),
                device=device,
                resource="BIRTH",
                now=now,
            )
            add_event(db, event)

    def disconnect_device(self, device_id: str, *, lost: bool = False) -> None:
        """Disconnect a device: DISCONNECTED with a DEATH event.

        With ``lost`` the device vanished instead: MISSING, with the MISSING
        event the broker's last-will message leaves.
        """
        with self._context.store.transaction() as db:
            device = self._existing_device(db, device_id)
            connection = (
                None
                if device["connection_id"] is None
                else find_connection(db, device["scope_id"], device["connection_id"])
            )
            if connection is None:
                msg = f"device {device_id} has never connected"
                raise LookupError(msg)
            status = "MISSING" if lost else "DISCONNECTED"
            record_disconnection(db, connection, status, self._now())

    def make_device_slow(self, device_id: str, delay: float | None) -> None:
        """Make a device take ``delay`` seconds to answer (``None``: the default)."""
        if delay is not None and delay < 0:
            msg = f"delay must not be negative, got {delay}"
            raise ValueError(msg)
        self._context.fleet.change(decode_compact_id(device_id), delay=delay)

    def make_device_unresponsive(
        self, device_id: str, unresponsive: bool = True
    ) -> None:
        """Make a device ignore management requests, so each one times out."""
        self._context.fleet.change(
            decode_compact_id(device_id), unresponsive=unresponsive
        )

    def drop_device_answers(self, device_id: str, count: int = 1) -> None:
        """Make a device's next ``count`` answers get lost.

        The device acts on each request, then the caller's connection is reset
        instead of answered, as when a network fails at the worst moment.
        """
        if count < 1:
            msg = f"count must be at least 1, got {count}"
            raise ValueError(msg)
        self._context.fleet.drop_answers(decode_compact_id(device_id), count)

    def device_contents(self, device_id: str) -> dict[str, Any] | None:
        """Return what a simulated device holds, or ``None`` if never managed."""
        with self._context.store.transaction() as db:
            return load_contents(db, decode_compact_id(device_id))

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's clock forward, e.g. past a token's expiry."""
        self._context.clock.advance(seconds)

    def store_messages(
        self, scope_id: str, messages: Iterable[DataMessage]
    ) -> list[str]:
        """Store messages directly, as the broker would; return their datastore ids.

        Unlike the REST store, ``timestamp`` and ``datastore_id`` are taken as
        given (a missing timestamp is ``captured_on``, else now), and a
        missing ``device_id`` is looked up by client id in the registry. One
        transaction and ``executemany`` keep a large batch fast.
        """
        now = self._now()
        with self._context.store.transaction() as db:
            account = self._existing_account(db, scope_id)
            devices = {
                row["client_id"]: row["id"]
                for row in db.execute(
                    "SELECT id, client_id FROM devices WHERE scope_id = ?",
                    (account["id"],),
                )
            }
            rows = [
                _message_row(account["id"], message, devices, now)
                for message in messages
            ]
            insert_messages(db, rows)

        return [row.datastore_id for row in rows]
