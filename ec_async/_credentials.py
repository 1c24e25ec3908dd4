"""Credentials for logging in; their secrets never show in a repr."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from ._errors import ConfigurationError

__all__ = [
    "ApiKey",
    "Credentials",
    "CredentialsProvider",
    "OpenIdConnectTokens",
    "UsernamePassword",
]


def _non_empty(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    # The server answers an empty name or secret with a bare 401; say which
    # one is missing instead, and never what a secret holds.
    if not isinstance(value, str) or not value:
        msg = f"{attribute.name} must be a non-empty string"
        raise ConfigurationError(msg)


@attrs.frozen
class UsernamePassword:
    """A user name and password, for ``POST /authentication/user``.

    A user with MFA on also needs ``authentication_code`` (the current TOTP
    code, or a scratch code) or the ``trust_key`` of a trusted machine;
    ``trust_me=True`` with a code asks for such a key, which the new access
    token then carries as ``trust_key``. Codes change every 30 seconds, so
    pass a ``credentials_provider`` that reads a fresh one at each login.
    """

    username: str = attrs.field(validator=_non_empty)
    password: str = attrs.field(repr=False, validator=_non_empty)
    authentication_code: str | None = attrs.field(
        default=None, kw_only=True, repr=False
    )
    trust_key: str | None = attrs.field(default=None, kw_only=True, repr=False)
    trust_me: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen
class ApiKey:
    """An API key, for ``POST /authentication/apikey``."""

    api_key: str = attrs.field(repr=False, validator=_non_empty)


@attrs.frozen
class OpenIdConnectTokens:
    """Tokens from an OpenID Connect provider, for ``POST /authentication/jwt``.

    The server accepts them only when its OpenID Connect plug-in is set up;
    otherwise the login fails with ``AuthenticationError``.
    """

    access_token: str = attrs.field(repr=False, validator=_non_empty)
    id_token: str = attrs.field(repr=False, validator=_non_empty)


Credentials = UsernamePassword | ApiKey | OpenIdConnectTokens

CredentialsProvider = Callable[[], Credentials | Awaitable[Credentials]]
"""Called whenever the client must log in, so secrets can be fetched on demand."""
