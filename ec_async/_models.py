"""Typed models of what the server sends and takes, as frozen attrs classes.

Field names are snake_case; the converter maps them to the server's camelCase
wire names. Every model keeps fields it does not declare in ``extra``.
To change an entity, copy it with ``attrs.evolve`` and send the copy.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

import attrs

__all__ = [
    "AccessToken",
    "Account",
    "ConnectionStatus",
    "Device",
    "DeviceConnection",
    "DeviceCreator",
    "DeviceStatus",
    "ExtendedProperty",
    "ListResult",
    "Organization",
    "Position",
]

T = TypeVar("T")


def _extra() -> Any:
    """The field that keeps what the server sent beyond the declared fields."""
    return attrs.field(factory=dict[str, Any], kw_only=True, repr=False, eq=False)


def _read_only(*, required: bool = False) -> Any:
    """A field the server sets; it is left out of request bodies."""
    if required:
        return attrs.field(metadata={"read_only": True})
    return attrs.field(default=None, metadata={"read_only": True})


def _secret() -> Any:
    """An optional field whose value must never show in a repr."""
    return attrs.field(default=None, kw_only=True, repr=False)


class DeviceStatus(enum.StrEnum):
    """Whether a device may connect."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


class ConnectionStatus(enum.StrEnum):
    """A device's connection state, as the broker last saw it."""

    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    MISSING = "MISSING"
    NULL = "NULL"


@attrs.frozen(kw_only=True)
class Position:
    """Where a device was when it sent a message or an event (GPS fields)."""

    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None
    precision: float | None = None
    heading: float | None = None
    speed: float | None = None
    timestamp: dt.datetime | None = None
    satellites: int | None = None
    status: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class AccessToken:
    """A session issued by a login or a refresh; its secrets never show in a repr."""

    id: str
    scope_id: str
    user_id: str
    token_id: str = attrs.field(repr=False)
    expires_on: dt.datetime
    refresh_token: str = attrs.field(repr=False)
    refresh_expires_on: dt.datetime
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    invalidated_on: dt.datetime | None = None
    trust_key: str | None = _secret()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Organization:
    """The organisation details an account carries."""

    name: str | None = None
    person_name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    address_line_3: str | None = None
    zip_post_code: str | None = None
    city: str | None = None
    state_province_county: str | None = None
    country: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Account:
    """A tenant account; accounts form a tree through ``parent_account_path``."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    name: str
    description: str | None = None
    organization: Organization | None = None
    parent_account_path: str | None = None
    expiration_date: dt.datetime | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class DeviceConnection:
    """A device's connection to the broker (fetched with ``fetch_attributes``)."""

    id: str | None = None
    scope_id: str | None = None
    status: str | None = None
    client_id: str | None = None
    user_id: str | None = None
    protocol: str | None = None
    client_ip: str | None = None
    server_ip: str | None = None
    allow_user_change: bool | None = None
    user_coupling_mode: str | None = None
    reserved_user_id: str | None = None
    authentication_type: str | None = None
    last_authentication_type: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ExtendedProperty:
    """A free-form property a device reports, grouped by name."""

    group_name: str | None = None
    name: str | None = None
    value: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Device:
    """A device in the registry.

    ``status`` is whether the device may connect; whether it is connected now
    is ``connection.status``, present when listed with
    ``fetch_attributes=["connection"]``. The connection and last event are
    the platform's to set, so an update does not send them.
    """

    id: str = _read_only(required=True)
    scope_id: str = _read_only(required=True)
    client_id: str = _read_only(required=True)
    status: str | None = None
    display_name: str | None = None
    group_id: str | None = None
    connection_id: str | None = _read_only()
    connection: DeviceConnection | None = _read_only()
    last_event_id: str | None = _read_only()
    last_event: dict[str, Any] | None = _read_only()
    serial_number: str | None = None
    model_id: str | None = None
    model_name: str | None = None
    imei: str | None = None
    imsi: str | None = None
    iccid: str | None = None
    bios_version: str | None = None
    firmware_version: str | None = None
    os_version: str | None = None
    jvm_version: str | None = None
    osgi_framework_version: str | None = None
    application_framework_version: str | None = None
    connection_interface: str | None = None
    connection_ip: str | None = None
    application_identifiers: str | None = None
    accept_encoding: str | None = None
    custom_attribute_1: str | None = None
    custom_attribute_2: str | None = None
    custom_attribute_3: str | None = None
    custom_attribute_4: str | None = None
    custom_attribute_5: str | None = None
    tamper_status: str | None = None
    extended_properties: list[ExtendedProperty] = attrs.field(
        factory=list[ExtendedProperty]
    )
    tag_ids: list[str] = attrs.field(factory=list[str])
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class DeviceCreator:
    """What it takes to register a device; only ``client_id`` is required."""

    client_id: str
    status: str = DeviceStatus.ENABLED
    display_name: str | None = None
    group_id: str | None = None
    serial_number: str | None = None
    model_id: str | None = None
    model_name: str | None = None
    imei: str | None = None
    imsi: str | None = None
    iccid: str | None = None
    bios_version: str | None = None
    firmware_version: str | None = None
    os_version: str | None = None
    jvm_version: str | None = None
    osgi_framework_version: str | None = None
    application_framework_version: str | None = None
    connection_interface: str | None = None
    connection_ip: str | None = None
    application_identifiers: str | None = None
    accept_encoding: str | None = None
    custom_attribute_1: str | None = None
    custom_attribute_2: str | None = None
    custom_attribute_3: str | None = None
    custom_attribute_4: str | None = None
    custom_attribute_5: str | None = None
    tag_ids: list[str] = attrs.field(factory=list[str])
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ListResult(Generic[T]):
    """One page of a listing.

    ``total_count`` is ``None`` unless the total was asked for. The server has
    been seen to get ``limit_exceeded`` wrong, so ``iter()`` does not rely on it.
    """

    items: list[T]
    size: int
    limit_exceeded: bool
    total_count: int | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
