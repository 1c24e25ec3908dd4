"""Type guards: the runtime checks of ``isinstance``, with the items' type kept known.

``isinstance(value, list)`` on a value of unknown type leaves its items unknown
to a type checker. Decoded JSON and a caller's arguments can hold anything, so
these say so: items of any type, and string keys, as every JSON object and
keyword mapping has (the keys themselves are not looked at).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

__all__ = ["is_dict", "is_list", "is_list_or_tuple", "is_mapping", "is_sequence"]


def is_list(value: object) -> TypeGuard[list[Any]]:
    """Whether ``value`` is a list, as a JSON array decodes to."""
    return isinstance(value, list)


def is_list_or_tuple(value: object) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    """Whether ``value`` is a list or a tuple, as a caller may pass an array."""
    return isinstance(value, list | tuple)


def is_sequence(value: object) -> TypeGuard[Sequence[Any]]:
    """Whether ``value`` is a sequence (a string is one too)."""
    return isinstance(value, Sequence)


def is_dict(value: object) -> TypeGuard[dict[str, Any]]:
    """Whether ``value`` is a dict, as a JSON object decodes to."""
    return isinstance(value, dict)


def is_mapping(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether ``value`` is a mapping: a decoded JSON object or a caller's own."""
    return isinstance(value, Mapping)
