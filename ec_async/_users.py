"""Users: the ``User`` model, as listings of users (a role's holders) return it.

``status`` is ``ENABLED`` or ``DISABLED``; ``user_type`` is ``INTERNAL``,
``EXTERNAL`` or ``DEVICE``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ._models import _extra, _read_only

__all__ = ["User"]


@attrs.frozen(kw_only=True)
class User:
    """A user of an account; names are unique across the whole system."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    name: str
    description: str | None = None
    status: str | None = None
    display_name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    user_type: str | None = None
    external_id: str | None = None
    external_username: str | None = None
    expiration_date: dt.datetime | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()
