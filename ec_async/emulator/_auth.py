"""The token filter: which paths need a token, and checking the one sent.

Kapua protects the URL patterns listed in its ``shiro.ini``; any other path
(logins, ``/sys-info``, unknown routes) goes straight to the application.
"""

from __future__ import annotations

import re

from aiohttp import web

from ec_async.emulator._call import Session
from ec_async.emulator._context import EmulatorContext
from ec_async.emulator._errors import TokenRejected
from ec_async.emulator._records.tokens import find_token
from ec_async.emulator._tokens import InvalidToken

__all__ = ["authenticate", "is_protected"]

_SCOPED = (
    "credentials",
    "accessinfos",
    "domains",
    "groups",
    "roles",
    "accounts",
    "devices",
    "deviceconnections",
    "endpointInfos",
    "jobs",
    "jobStepDefinitions",
    "triggerDefinitions",
    "serviceConfigurations",
    "streams",
    "tags",
    "systemInfo",
    "users",
    "user/credentials",
    "user/profile",
    "user/[^/]+/credentials",
    "data/clients",
    "data/channels",
    "data/messages",
    "data/metrics",
)
_UNSCOPED = (
    "authentication/info",
    "authentication/logout",
    "accounts",
    "account",
    "user/mfa",
    "user/credentials",
    "user/profile",
)
# Each shiro.ini entry comes as "x", "x.json", "x.xml" and "x/**".
_SUFFIX = r"(?:\.json|\.xml|/.*)?"
_PROTECTED = re.compile(
    rf"^/v1/(?:[^/]+/(?:{'|'.join(_SCOPED)})|(?:{'|'.join(_UNSCOPED)})){_SUFFIX}$"
)

_EXPIRED = "The provided access token is expired"
_INVALIDATED = "The provided access token has been invalidated in the past"
_MALFORMED = "The provided access token is malformed"
_GENERIC = (
    "An error occurred during the authentication process with the provided access token"
)


def is_protected(path: str) -> bool:
    """Return whether Kapua's token filter guards ``path``."""
    return _PROTECTED.match(path) is not None


def _bearer_token(request: web.Request) -> str:
    # Kapua strips the prefix with a plain string replace, not a parse.
    token = request.headers.get("Authorization", "").replace("Bearer ", "")
    if not token:
        raise TokenRejected("missing", _GENERIC)

    return token


def authenticate(request: web.Request, context: EmulatorContext) -> Session:
    """Return the session of the request's access token, or raise ``TokenRejected``.

    Like Kapua's realm: the JWT is checked (signature, issuer, expiry) before
    the stored token is looked up and its invalidation date read.
    """
    token = _bearer_token(request)
    try:
        claims = context.signer.verify(token)
    except InvalidToken:
        raise TokenRejected("malformed", _MALFORMED) from None

    now = context.clock.now_ms()
    expires_at = claims["exp"]
    if not isinstance(expires_at, int) or now >= expires_at * 1000:
        raise TokenRejected("expired", _EXPIRED)

    with context.store.transaction() as db:
        stored = find_token(db, str(claims["tokenIdentifier"]))
    if stored is None:
        raise TokenRejected("unknown", _GENERIC)
    if stored["invalidated_on"] is not None and stored["invalidated_on"] <= now:
        raise TokenRejected("invalidated", _INVALIDATED)

    return Session(user_id=stored["user_id"], scope_id=stored["scope_id"], token=stored)
