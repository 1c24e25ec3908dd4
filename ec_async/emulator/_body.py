"""Reading fields of a JSON request body as MOXy binds them, or failing like Jersey.

A value of the wrong JSON type cannot be bound, and Jersey answers a bare 400;
an enum value MOXy does not know is refused the same way.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from typing import Any

from ec_async.emulator._errors import EmptyError
from ec_async.emulator._wire import decode_id

__all__ = [
    "bool_field",
    "date_field",
    "enum_field",
    "id_field",
    "optlock_field",
    "text_field",
]


def text_field(body: Mapping[str, Any], name: str) -> str | None:
    """Return a string field, ``None`` when absent or null."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise EmptyError(400)

    return value


def enum_field(
    body: Mapping[str, Any], name: str, values: Collection[str]
) -> str | None:
    """Return one of ``values``, ``None`` when absent or null."""
    value = text_field(body, name)
    if value is not None and value not in values:
        raise EmptyError(400)

    return value


def id_field(body: Mapping[str, Any], name: str) -> int | None:
    """Return a compact id field decoded, ``None`` when absent or null."""
    value = text_field(body, name)
    if value is None:
        return None
    decoded = decode_id(value)
    if decoded is None:
        raise EmptyError(400)

    return decoded


def date_field(body: Mapping[str, Any], name: str) -> int | None:
    """Return an xs:dateTime field as epoch milliseconds (no zone reads as UTC)."""
    value = text_field(body, name)
    if value is None:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise EmptyError(400) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)

    return round(moment.timestamp() * 1000)


def bool_field(body: Mapping[str, Any], name: str) -> bool:
    """Return a boolean field; absent or null is ``False``, as Java's default."""
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise EmptyError(400)

    return value


def optlock_field(body: Mapping[str, Any]) -> int:
    """Return ``optlock``; an absent one reads as Java's default int, 0."""
    value = body.get("optlock", 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise EmptyError(400)

    return value
