"""Reading request bodies as Kapua binds them: typed fields, names, optlock.

A value MOXy cannot bind (a number where a string goes) gets Jersey's bare
400; a value that binds but breaks a service rule gets Kapua's own error
naming the argument, e.g. ``roleCreator.name``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from ec_async._guards import is_mapping
from ec_async.emulator._errors import (
    EmptyError,
    illegal_argument,
    illegal_null_argument,
)
from ec_async.emulator._wire import decode_id

__all__ = [
    "EXTENDED_NAME",
    "NAME",
    "bool_field",
    "date_field",
    "entity_name",
    "id_field",
    "int_field",
    "object_field",
    "optlock_of",
    "text_field",
]

# CommonsValidationRegex: account and user names, and the looser form
# (spaces, dots and colons too) the emulator applies to roles, groups and tags.
NAME = re.compile(r"[a-zA-Z0-9_\-]{3,}")
EXTENDED_NAME = re.compile(r"[a-zA-Z0-9 _\-.:]{3,}")
_MAX_NAME = 255


def text_field(body: Mapping[str, Any], name: str) -> str | None:
    """Return a string field, ``None`` when absent; a non-string is a bare 400."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise EmptyError(400)

    return value


def bool_field(body: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """Return a boolean field, ``default`` when absent."""
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise EmptyError(400)

    return value


def int_field(body: Mapping[str, Any], name: str) -> int | None:
    """Return an integer field (JSON number or numeric string), ``None`` when absent."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise EmptyError(400)

    return value


def id_field(body: Mapping[str, Any], name: str) -> int | None:
    """Return a compact id field as its number, ``None`` when absent."""
    value = body.get(name)
    if value is None:
        return None
    decoded = decode_id(value) if isinstance(value, str) else None
    if decoded is None:
        raise EmptyError(400)

    return decoded


def object_field(body: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """Return a nested object field, ``None`` when absent."""
    value = body.get(name)
    if value is None:
        return None
    if not is_mapping(value):
        raise EmptyError(400)

    return value


def date_field(body: Mapping[str, Any], name: str) -> int | None:
    """Return a date field (xs:dateTime) as epoch milliseconds."""
    value = text_field(body, name)
    if value is None:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise EmptyError(400) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)

    return round(moment.timestamp() * 1000)


def optlock_of(body: Mapping[str, Any]) -> int:
    """Return the body's optlock; an absent one reads as Java's default int, 0."""
    value = body.get("optlock", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise EmptyError(400)

    return value


def entity_name(
    body: Mapping[str, Any], argument: str, pattern: re.Pattern[str] = EXTENDED_NAME
) -> str:
    """Return a required entity name, checked as Kapua's validateEntityName does."""
    name = text_field(body, "name")
    if not name:
        raise illegal_null_argument(argument)
    if len(name) > _MAX_NAME or not pattern.fullmatch(name):
        raise illegal_argument(argument, name)

    return name
