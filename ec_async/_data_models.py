"""Stored data: messages with typed payload metrics, and the channel, client and
metric registries the datastore keeps beside them.

On the wire a metric is ``{name, valueType, value}`` with the value as text
(Java's ``toString``); here ``Metric.value`` is the Python value itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import math
import re
from collections.abc import Mapping
from typing import Any

import attrs

from ._convert import converter, format_datetime, parse_datetime
from ._errors import ConfigurationError
from ._guards import is_mapping
from ._models import Position, _extra, _read_only

__all__ = [
    "ChannelInfo",
    "ClientInfo",
    "DataChannel",
    "DataMessage",
    "DataPayload",
    "Metric",
    "MetricInfo",
    "MetricType",
    "MetricValue",
    "metric_from_text",
    "metric_text",
    "metric_type_of",
]

MetricValue = bool | int | float | str | bytes | dt.datetime

_INT32 = range(-(2**31), 2**31)
_INT64 = range(-(2**63), 2**63)


class MetricType(enum.StrEnum):
    """The value types Kapua stores metrics with, as it names them on the wire."""

    STRING = "string"
    INTEGER = "integer"
    LONG = "long"
    FLOAT = "float"
    DOUBLE = "double"
    BOOLEAN = "boolean"
    DATE = "date"
    BINARY = "binary"


# Older servers and devices also write "int"; both mean Java's Integer.
_ALIASES = {"int": MetricType.INTEGER}
_INTEGRAL = frozenset({MetricType.INTEGER, MetricType.LONG})
_REAL = frozenset({MetricType.FLOAT, MetricType.DOUBLE})


def _known_type(name: str) -> MetricType | None:
    lowered = name.lower()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    try:
        return MetricType(lowered)
    except ValueError:
        return None


def metric_type_of(value: object) -> MetricType:
    """The type Kapua would store ``value`` with: ints that fit 32 bits are integers."""
    if isinstance(value, bool):
        return MetricType.BOOLEAN
    if isinstance(value, int):
        return MetricType.INTEGER if value in _INT32 else MetricType.LONG
    if isinstance(value, float):
        return MetricType.DOUBLE
    if isinstance(value, str):
        return MetricType.STRING
    if isinstance(value, bytes):
        return MetricType.BINARY
    if isinstance(value, dt.datetime):
        return MetricType.DATE
    msg = f"a metric value must be bool, int, float, str, bytes or datetime, got {type(value).__name__}"
    raise ConfigurationError(msg)


def _float_text(value: float) -> str:
    # Java's Double.parseDouble reads repr's digits but spells the specials.
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def metric_text(value: MetricValue, value_type: str) -> str:
    """Write a metric value as the server's ``ObjectValueConverter.toString`` does."""
    kind = _known_type(value_type)
    if kind is MetricType.BOOLEAN and isinstance(value, bool):
        return "true" if value else "false"
    if (
        kind is not None
        and kind in _INTEGRAL
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        limits = _INT32 if kind is MetricType.INTEGER else _INT64
        if value not in limits:
            msg = f"{value} does not fit a metric of type {kind.value}"
            raise ConfigurationError(msg)
        return str(value)
    if kind in _REAL and isinstance(value, int | float) and not isinstance(value, bool):
        return _float_text(float(value))
    if kind is MetricType.STRING and isinstance(value, str):
        return value
    if kind is MetricType.BINARY and isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if kind is MetricType.DATE and isinstance(value, dt.datetime):
        return format_datetime(value)
    if kind is None and isinstance(value, str):
        return value
    msg = f"a {type(value).__name__} cannot be sent as a metric of type {value_type!r}"
    raise ConfigurationError(msg)


# Java's Date.toString, which ObjectValueConverter uses for date metrics.
_JAVA_DATE = re.compile(
    r"[A-Z][a-z]{2} (?P<month>[A-Z][a-z]{2}) (?P<day>\d{2}) "
    r"(?P<time>\d{2}:\d{2}:\d{2}) (?:UTC|GMT) (?P<year>\d{4})"
)


def _parse_date(value: str) -> dt.datetime:
    match = _JAVA_DATE.fullmatch(value.strip())
    if match is None:
        return parse_datetime(value)
    text = f"{match['day']} {match['month']} {match['year']} {match['time']}"

    return dt.datetime.strptime(text, "%d %b %Y %H:%M:%S").replace(tzinfo=dt.UTC)


def metric_from_text(value: object, value_type: str) -> MetricValue | None:
    """Read a metric value sent as text (or, leniently, as a JSON number or boolean).

    A type this client does not know keeps the value as the server wrote it.
    """
    if value is None:
        return None
    kind = _known_type(value_type)
    if kind is None or kind is MetricType.STRING:
        return value if isinstance(value, str) else str(value)
    if kind is MetricType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if str(value).lower() in {"true", "false"}:
            return str(value).lower() == "true"
        msg = f"{value!r} is not a boolean"
        raise ValueError(msg)
    if kind in _INTEGRAL:
        if isinstance(value, bool) or not isinstance(value, int | str):
            msg = f"{value!r} is not an integer"
            raise ValueError(msg)
        return int(value)
    if kind in _REAL:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            msg = f"{value!r} is not a number"
            raise ValueError(msg)
        return float(value)
    if not isinstance(value, str):
        msg = f"a {kind.value} metric must be sent as text, got {value!r}"
        raise ValueError(msg)
    if kind is MetricType.BINARY:
        return base64.b64decode(value, validate=True)

    return _parse_date(value)


def _inferred_type(metric: Metric) -> str:
    if metric.value is None:
        return MetricType.STRING
    return metric_type_of(metric.value)


@attrs.frozen(kw_only=True)
class Metric:
    """One payload metric; ``value_type`` is inferred from ``value`` when left out."""

    name: str
    value: MetricValue | None
    value_type: str = attrs.field(
        default=attrs.Factory(_inferred_type, takes_self=True)
    )
    extra: dict[str, Any] = _extra()


def _structure_metric(data: Any, _: Any) -> Metric:
    if not is_mapping(data):
        msg = f"expected a JSON object for Metric, got {type(data).__name__}"
        raise TypeError(msg)
    known = {"name", "valueType", "value", "type"}
    name = data.get("name")
    value_type = data.get("valueType")
    if not isinstance(name, str) or not isinstance(value_type, str):
        msg = "a metric needs a string name and valueType"
        raise ValueError(msg)

    return Metric(
        name=name,
        value=metric_from_text(data.get("value"), value_type),
        value_type=value_type,
        extra={key: value for key, value in data.items() if key not in known},
    )


def _unstructure_metric(metric: Metric) -> dict[str, Any]:
    document: dict[str, Any] = {"name": metric.name, "valueType": metric.value_type}
    if metric.value is not None:
        document["value"] = metric_text(metric.value, metric.value_type)

    return {**metric.extra, **document}


# Registered after the generic model hooks, so these win for Metric.
converter.register_structure_hook_func(lambda cls: cls is Metric, _structure_metric)
converter.register_unstructure_hook_func(lambda cls: cls is Metric, _unstructure_metric)


@attrs.frozen(kw_only=True)
class DataPayload:
    """A message payload: typed metrics and an optional binary body."""

    metrics: list[Metric] = attrs.field(factory=list[Metric])
    body: bytes | None = None
    extra: dict[str, Any] = _extra()

    @classmethod
    def of(
        cls, metrics: Mapping[str, MetricValue], body: bytes | None = None
    ) -> DataPayload:
        """A payload from ``{name: value}``, each type inferred from its value."""
        return cls(
            metrics=[Metric(name=name, value=value) for name, value in metrics.items()],
            body=body,
        )

    def values(self) -> dict[str, MetricValue | None]:
        """The metrics as ``{name: value}``."""
        return {metric.name: metric.value for metric in self.metrics}


@attrs.frozen(kw_only=True)
class DataChannel:
    """A message's channel, as its semantic parts (``heater/data`` is two parts)."""

    semantic_parts: list[str] = attrs.field(factory=list[str])
    extra: dict[str, Any] = _extra()

    @classmethod
    def parse(cls, name: str) -> DataChannel:
        """The channel named like ``heater/data``."""
        parts = [part for part in name.split("/") if part]
        if not parts:
            msg = f"a channel needs at least one part, got {name!r}"
            raise ConfigurationError(msg)
        return cls(semantic_parts=parts)

    @property
    def name(self) -> str:
        """The parts joined by ``/``, as channel infos name it."""
        return "/".join(self.semantic_parts)

    def __str__(self) -> str:
        return self.name


def _channel(value: DataChannel | str | None) -> DataChannel | None:
    return DataChannel.parse(value) if isinstance(value, str) else value


@attrs.frozen(kw_only=True)
class DataMessage:
    """A telemetry message, stored or to store.

    ``channel`` takes a ``DataChannel`` or a name like ``"heater/data"``.
    ``timestamp`` is the moment the datastore indexes the message by (set by
    the server), and ``datastore_id`` its opaque id in the datastore.
    """

    datastore_id: str | None = _read_only()
    scope_id: str | None = _read_only()
    timestamp: dt.datetime | None = _read_only()
    device_id: str | None = None
    client_id: str
    received_on: dt.datetime | None = None
    sent_on: dt.datetime | None = None
    captured_on: dt.datetime | None = None
    position: Position | None = None
    channel: DataChannel | None = attrs.field(default=None, converter=_channel)
    payload: DataPayload = attrs.field(factory=DataPayload)
    extra: dict[str, Any] = _extra()

    @property
    def metrics(self) -> dict[str, MetricValue | None]:
        """The payload's metrics as ``{name: value}``."""
        return self.payload.values()


@attrs.frozen(kw_only=True)
class ClientInfo:
    """A client id that has sent data, with its first and last message."""

    id: str
    scope_id: str | None = None
    client_id: str | None = None
    first_message_id: str | None = None
    first_message_on: dt.datetime | None = None
    last_message_id: str | None = None
    last_message_on: dt.datetime | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ChannelInfo:
    """A channel a client has published on, with its first and last message."""

    id: str
    scope_id: str | None = None
    client_id: str | None = None
    name: str | None = None
    first_message_id: str | None = None
    first_message_on: dt.datetime | None = None
    last_message_id: str | None = None
    last_message_on: dt.datetime | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class MetricInfo:
    """A metric seen on a client's channel, with its type and message span."""

    id: str
    scope_id: str | None = None
    client_id: str | None = None
    channel: str | None = None
    name: str | None = None
    metric_type: str | None = None
    first_message_id: str | None = None
    first_message_on: dt.datetime | None = None
    last_message_id: str | None = None
    last_message_on: dt.datetime | None = None
    extra: dict[str, Any] = _extra()
