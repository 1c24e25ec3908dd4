"""Typed models of what device management applications send and take.

Configurations carry their metatype; ``ComponentConfiguration.with_values``
returns a changed copy to write back, with each value checked against the
property's type first. Values the API carries as text (configuration
properties, asset channels, request metrics) have typed views.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import math
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ._errors import ConfigurationError
from ._guards import is_list_or_tuple, is_sequence
from ._models import _extra, _secret

__all__ = [
    "AssetChannel",
    "AttributeDefinition",
    "AttributeOption",
    "CommandOutput",
    "ComponentConfiguration",
    "ComponentDefinition",
    "ConfigurationProperty",
    "DeploymentPackage",
    "DeviceAsset",
    "DeviceBundle",
    "DeviceKeystore",
    "DevicePackage",
    "DeviceResponse",
    "DeviceResponseChannel",
    "DeviceResponsePayload",
    "Icon",
    "InventoryBundle",
    "InventoryContainer",
    "InventoryItem",
    "InventoryPackage",
    "KeystoreItem",
    "PackageBundleInfo",
    "PackageDownload",
    "PackageDownloadOptions",
    "PayloadMetric",
    "Snapshot",
    "StoreEnablementPolicy",
    "StoreSettings",
    "SubjectAlternativeName",
]


def _wire(name: str, default: Any = None) -> Any:
    """An optional field whose JSON name is not its camelCase (``AD``, ``subjectDN``)."""
    return attrs.field(default=default, metadata={"wire": name})


def _wrapped(item: str, *, wire: str | None = None) -> Any:
    """A list the server sends inside an object, as ``{"<item>": [...]}``."""
    metadata = {"wrapped_in": item} | ({} if wire is None else {"wire": wire})
    return attrs.field(factory=list[Any], metadata=metadata)


class StoreEnablementPolicy(enum.StrEnum):
    """Whether the platform keeps a device's configurations or assets in its store."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    INHERITED = "INHERITED"


# --- typed text values ----------------------------------------------------------

# Kura's metatype scalar types, by the Python type their values read as.
_INTEGER_TYPES = frozenset({"Long", "Integer", "Short", "Byte"})
_DECIMAL_TYPES = frozenset({"Double", "Float"})
_TEXT_TYPES = frozenset({"String", "Password", "Char"})


def _read_scalar(text: str, kura_type: str) -> Any:
    if kura_type in _INTEGER_TYPES:
        return int(text)
    if kura_type in _DECIMAL_TYPES:
        return float(text)
    if kura_type == "Boolean":
        return text.lower() == "true"

    return text


def _write_scalar(value: Any, kura_type: str, where: str) -> str:
    """The text form of ``value`` for a property of ``kura_type``, or ConfigurationError."""
    if (
        kura_type in _INTEGER_TYPES
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return str(value)
    if (
        kura_type in _DECIMAL_TYPES
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        if not math.isfinite(value):
            msg = f"{where}: {value!r} cannot be sent; Kura accepts finite numbers only"
            raise ConfigurationError(msg)
        return repr(float(value))
    if kura_type == "Boolean" and isinstance(value, bool):
        return "true" if value else "false"
    if kura_type in _TEXT_TYPES and isinstance(value, str):
        if kura_type == "Char" and len(value) != 1:
            msg = f"{where}: a Char property takes one character, got {value!r}"
            raise ConfigurationError(msg)
        return value

    msg = f"{where}: a {kura_type} property cannot take {value!r} ({type(value).__name__})"
    raise ConfigurationError(msg)


def _kura_type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"

    msg = f"cannot tell the Kura type of {value!r}; add the property to the metatype"
    raise ConfigurationError(msg)


# --- configurations -----------------------------------------------------------


@attrs.frozen(kw_only=True)
class AttributeOption:
    """One allowed value of a metatype attribute, with its label."""

    label: str | None = None
    value: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class AttributeDefinition:
    """A metatype attribute (OSGi ``AD``): a property's type, default and limits.

    ``type`` is Kura's scalar type (``String``, ``Integer``, ``Boolean``,
    ``Password``, ...); a ``cardinality`` other than 0 makes it an array.
    """

    id: str
    name: str | None = None
    description: str | None = None
    type: str = "String"
    cardinality: int = 0
    required: bool | None = None
    default: str | None = None
    min: str | None = None
    max: str | None = None
    options: list[AttributeOption] = _wire("Option", attrs.Factory(list))
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Icon:
    """An icon of a component definition."""

    resource: str | None = None
    size: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ComponentDefinition:
    """A component's metatype (OSGi ``OCD``): the attributes its properties follow."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    attributes: list[AttributeDefinition] = _wire("AD", attrs.Factory(list))
    icons: list[Icon] = _wire("Icon", attrs.Factory(list))
    extra: dict[str, Any] = _extra()

    def attribute(self, attribute_id: str) -> AttributeDefinition | None:
        """The attribute with this id, if the metatype has one."""
        return next((ad for ad in self.attributes if ad.id == attribute_id), None)


@attrs.frozen(kw_only=True)
class ConfigurationProperty:
    """One configuration property as the API carries it: text values and a type.

    ``value`` holds the text forms (one for a scalar); ``typed_value`` reads
    them as Python values. Passwords read back ``encrypted``.
    """

    name: str
    type: str = "String"
    array: bool = False
    encrypted: bool = False
    value: list[str] | None = None
    extra: dict[str, Any] = _extra()

    @property
    def typed_value(self) -> Any:
        """The value as Python reads it: a list for an array, else one value or None."""
        texts = self.value or []
        values = [_read_scalar(text, self.type) for text in texts]
        if self.array:
            return values

        return values[0] if values else None


@attrs.frozen(kw_only=True)
class ComponentConfiguration:
    """The configuration of one OSGi component on a device, with its metatype.

    Read it, change a copy with ``with_values``, and write the copy back with
    ``configurations.update``. Snapshots return configurations without
    ``definition``.
    """

    id: str
    definition: ComponentDefinition | None = None
    properties: list[ConfigurationProperty] = _wrapped("property")
    extra: dict[str, Any] = _extra()

    @property
    def values(self) -> dict[str, Any]:
        """Every property's typed value, by name."""
        return {prop.name: prop.typed_value for prop in self.properties}

    def get(self, name: str, default: Any = None) -> Any:
        """One property's typed value, or ``default`` if the component has none."""
        for prop in self.properties:
            if prop.name == name:
                return prop.typed_value

        return default

    def with_values(self, values: Mapping[str, Any]) -> ComponentConfiguration:
        """A copy with some properties set to new values, each checked for its type.

        A property the component lacks takes its type from the metatype, or
        from the Python value if the metatype does not list it. A wrong type
        raises ``ConfigurationError`` here, before anything is sent.
        """
        by_name = {prop.name: prop for prop in self.properties}
        for name, value in values.items():
            by_name[name] = self._property_with(by_name.get(name), name, value)

        return attrs.evolve(self, properties=list(by_name.values()))

    def _property_with(
        self, current: ConfigurationProperty | None, name: str, value: Any
    ) -> ConfigurationProperty:
        if current is None:
            ad = None if self.definition is None else self.definition.attribute(name)
            sample = value[0] if is_list_or_tuple(value) and value else value
            current = ConfigurationProperty(
                name=name,
                type=ad.type if ad is not None else _kura_type_of(sample),
                array=ad.cardinality != 0
                if ad is not None
                else isinstance(value, list | tuple),
            )
        where = f"{self.id}: {name}"
        if current.array:
            if not is_sequence(value) or isinstance(value, str):
                msg = f"{where}: an array property takes a list, got {value!r}"
                raise ConfigurationError(msg)
            texts = [_write_scalar(each, current.type, where) for each in value]
        elif value is None:
            texts = []
        else:
            texts = [_write_scalar(value, current.type, where)]

        # A new password goes out in the clear for the device to encrypt.
        return attrs.evolve(current, value=texts, encrypted=False)


@attrs.frozen(kw_only=True)
class Snapshot:
    """A saved set of configuration values; ``timestamp`` is epoch milliseconds."""

    id: str
    timestamp: int | None = None
    extra: dict[str, Any] = _extra()

    @property
    def taken_on(self) -> dt.datetime | None:
        """When the snapshot was taken, in UTC."""
        if self.timestamp is None:
            return None

        return dt.datetime.fromtimestamp(self.timestamp / 1000, tz=dt.UTC)


@attrs.frozen(kw_only=True)
class StoreSettings:
    """Whether the platform stores a device's configurations (or assets)."""

    scope_id: str | None = None
    device_id: str | None = None
    enablement_policy: str | None = None
    extra: dict[str, Any] = _extra()


# --- bundles and packages ---------------------------------------------------------


@attrs.frozen(kw_only=True)
class DeviceBundle:
    """An OSGi bundle on a device; ``state`` is ``ACTIVE``, ``RESOLVED``, ..."""

    id: int
    name: str | None = None
    state: str | None = None
    version: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class PackageBundleInfo:
    """A bundle a deployment package brought."""

    name: str | None = None
    version: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class DevicePackage:
    """A deployment package installed on a device."""

    name: str
    version: str | None = None
    bundle_infos: list[PackageBundleInfo] = _wrapped("bundleInfo")
    install_date: dt.datetime | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class PackageDownloadOptions:
    """How a device downloads a package: block size, delays, resuming."""

    restart: bool | None = None
    block_size: int | None = None
    block_delay: int | None = None
    block_timeout: int | None = None
    notify_block_size: int | None = None
    install_verify_uri: str | None = _wire("installVerifyURI")
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class PackageDownload:
    """A package for a device to download from ``uri`` and, by default, install.

    ``username`` and ``password`` are for HTTP basic authentication at ``uri``;
    the password never shows in a repr. ``file_hash`` is ``MD5:<hex>``.
    """

    uri: str
    name: str
    version: str
    username: str | None = None
    password: str | None = _secret()
    file_hash: str | None = None
    file_type: str | None = None
    install: bool = True
    reboot: bool = False
    reboot_delay: int | None = None
    advanced_options: PackageDownloadOptions | None = None
    extra: dict[str, Any] = _extra()


# --- commands and requests --------------------------------------------------------


@attrs.frozen(kw_only=True)
class CommandOutput:
    """What a command printed and how it ended.

    ``exit_code`` is ``None`` when the command was killed at its own timeout
    (``has_timed_out``) or runs in the background.
    """

    stdout: str | None = None
    stderr: str | None = None
    exit_code: int | None = None
    has_timed_out: bool | None = _wire("hasTimedout")
    exception_message: str | None = None
    exception_stack: str | None = None
    extra: dict[str, Any] = _extra()


# How a metric or channel value, carried as text, reads by its type name.
_TEXT_READERS: dict[str, Callable[[str], Any]] = {
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": lambda text: text.lower() == "true",
    "binary": base64.b64decode,
}


@attrs.frozen(kw_only=True)
class PayloadMetric:
    """A metric of a device message: its name, type name and text value."""

    name: str
    value_type: str | None = None
    value: str | None = None
    extra: dict[str, Any] = _extra()

    @property
    def typed_value(self) -> Any:
        """The value read as its type: int, float, bool, bytes or str."""
        if self.value is None:
            return None
        reader = _TEXT_READERS.get((self.value_type or "string").lower())

        return self.value if reader is None else reader(self.value)


def metric_of(name: str, value: Any) -> dict[str, str]:
    """The JSON of a request metric: its value's type name and text form."""
    if isinstance(value, bool):
        return {
            "name": name,
            "valueType": "boolean",
            "value": "true" if value else "false",
        }
    if isinstance(value, int):
        kind = "integer" if -(2**31) <= value < 2**31 else "long"
        return {"name": name, "valueType": kind, "value": str(value)}
    if isinstance(value, float):
        return {"name": name, "valueType": "double", "value": repr(value)}
    if isinstance(value, bytes):
        return {
            "name": name,
            "valueType": "binary",
            "value": base64.b64encode(value).decode(),
        }
    if isinstance(value, str):
        return {"name": name, "valueType": "string", "value": value}

    msg = f"metric {name!r}: cannot send {type(value).__name__} values"
    raise ConfigurationError(msg)


@attrs.frozen(kw_only=True)
class DeviceResponseChannel:
    """Where a device response came from: the application and resource."""

    app_name: str | None = None
    version: str | None = None
    semantic_parts: list[str] = attrs.field(factory=list[str])
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class DeviceResponsePayload:
    """The payload of a device response: metrics and an optional base64 body."""

    metrics: list[PayloadMetric] = attrs.field(factory=list[PayloadMetric])
    body: str | None = None
    exception_message: str | None = None
    exception_stack: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class DeviceResponse:
    """A device's answer to a raw request: its channel and payload."""

    id: str | None = None
    scope_id: str | None = None
    device_id: str | None = None
    client_id: str | None = None
    received_on: dt.datetime | None = None
    sent_on: dt.datetime | None = None
    captured_on: dt.datetime | None = None
    channel: DeviceResponseChannel | None = None
    payload: DeviceResponsePayload | None = None
    response_code: str | None = None
    extra: dict[str, Any] = _extra()

    @property
    def metrics(self) -> dict[str, Any]:
        """The payload's metrics as typed values, by name."""
        if self.payload is None:
            return {}

        return {metric.name: metric.typed_value for metric in self.payload.metrics}

    @property
    def body(self) -> bytes | None:
        """The payload's body, decoded from base64."""
        if self.payload is None or self.payload.body is None:
            return None

        return base64.b64decode(self.payload.body)


# --- inventory -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class InventoryItem:
    """Anything installed on a device: ``item_type`` says what (BUNDLE, DP, DEB, ...)."""

    name: str | None = None
    version: str | None = None
    item_type: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class InventoryBundle:
    """A bundle as the inventory lists it; ``id`` is the bundle id as text."""

    id: str | None = None
    name: str | None = None
    version: str | None = None
    status: str | None = None
    signed: bool | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class InventoryContainer:
    """A container on a device; ``state`` is ``ACTIVE``, ``INSTALLED``, ..."""

    name: str | None = None
    version: str | None = None
    container_type: str | None = None
    state: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class InventoryPackage:
    """An operating system package on a device (``package_type`` DEB, RPM, ...)."""

    name: str | None = None
    version: str | None = None
    package_type: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class DeploymentPackage:
    """A deployment package as the inventory lists it, with its bundles."""

    name: str | None = None
    version: str | None = None
    package_bundles: list[InventoryBundle] = attrs.field(factory=list[InventoryBundle])
    extra: dict[str, Any] = _extra()


# --- keystores --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DeviceKeystore:
    """A keystore on a device and how many items it holds."""

    id: str
    keystore_type: str | None = None
    size: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class SubjectAlternativeName:
    """A subject alternative name of a certificate (``an_type`` DNS, IP, ...)."""

    an_type: str | None = _wire("ANType")
    value: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class KeystoreItem:
    """A key or certificate in a device keystore (``item_type`` PRIVATE_KEY, ...)."""

    keystore_id: str | None = None
    alias: str | None = None
    item_type: str | None = None
    size: int | None = None
    algorithm: str | None = None
    subject_dn: str | None = _wire("subjectDN")
    subject_ans: list[SubjectAlternativeName] = _wire("subjectANs", attrs.Factory(list))
    issuer: str | None = None
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    certificate: str | None = None
    certificate_chain: list[str] = attrs.field(factory=list[str])
    extra: dict[str, Any] = _extra()


# --- assets ------------------------------------------------------------------------------


def _channel_text(value: Any, value_type: str, where: str) -> str:
    if (
        value_type in {"integer", "long"}
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return str(value)
    if (
        value_type in {"float", "double"}
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return repr(float(value))
    if value_type == "boolean" and isinstance(value, bool):
        return "true" if value else "false"
    if value_type == "binary" and isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if value_type == "string" and isinstance(value, str):
        return value

    msg = f"{where}: a {value_type} channel cannot take {value!r} ({type(value).__name__})"
    raise ConfigurationError(msg)


@attrs.frozen(kw_only=True)
class AssetChannel:
    """A channel of an asset: its definition (``mode``), or a value read or written.

    ``value`` is the text the API carries; ``typed_value`` reads it by
    ``value_type``. A channel that failed carries ``error`` instead.
    """

    name: str
    value_type: str | None = None
    mode: str | None = None
    value: str | None = None
    error: str | None = None
    timestamp: dt.datetime | None = None
    extra: dict[str, Any] = _extra()

    @property
    def typed_value(self) -> Any:
        """The value read as its type: int, float, bool, bytes or str."""
        if self.value is None:
            return None
        reader = _TEXT_READERS.get(self.value_type or "string")

        return self.value if reader is None else reader(self.value)

    def with_value(self, value: Any) -> AssetChannel:
        """A copy carrying ``value`` to write, checked against ``value_type``."""
        value_type = self.value_type or "string"
        text = _channel_text(value, value_type, f"channel {self.name}")

        return attrs.evolve(self, value=text, error=None, timestamp=None)


@attrs.frozen(kw_only=True)
class DeviceAsset:
    """An asset (a field device behind the gateway) and its channels."""

    name: str
    channels: list[AssetChannel] = attrs.field(factory=list[AssetChannel])
    extra: dict[str, Any] = _extra()

    @property
    def values(self) -> dict[str, Any]:
        """The typed value of every channel that has one, by channel name."""
        return {
            channel.name: channel.typed_value
            for channel in self.channels
            if channel.value is not None and channel.error is None
        }

    def with_values(self, values: Mapping[str, Any]) -> DeviceAsset:
        """A copy holding only the named channels, carrying new values to write.

        Each channel must be one this asset lists (read its definitions
        first), so that the value's type is known.
        """
        by_name = {channel.name: channel for channel in self.channels}
        missing = sorted(set(values) - set(by_name))
        if missing:
            msg = f"asset {self.name} has no channel {', '.join(missing)}"
            raise ConfigurationError(msg)
        channels = [by_name[name].with_value(value) for name, value in values.items()]

        return attrs.evolve(self, channels=channels)
