"""Credentials for logging in; their secrets never show in a repr."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs

__all__ = ["ApiKey", "Credentials", "CredentialsProvider", "UsernamePassword"]


@attrs.frozen
class UsernamePassword:
    """A user name and password, for ``POST /authentication/user``."""

    username: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class ApiKey:
    """An API key, for ``POST /authentication/apikey``."""

    api_key: str = attrs.field(repr=False)


Credentials = UsernamePassword | ApiKey

CredentialsProvider = Callable[[], Credentials | Awaitable[Credentials]]
"""Called whenever the client must log in, so secrets can be fetched on demand."""
