"""Authentication: logins, refresh, logout and login info (``/authentication``).

A password login of a user with MFA on also needs a TOTP code, a scratch code
or a trust key (``_resources/mfa.py``); OpenID Connect logins are refused, as
by a Kapua without its SSO plug-in.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import uuid
from typing import Any

from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._context import EmulatorContext
from ec_async.emulator._errors import EmptyError, KapuaError, refresh_error
from ec_async.emulator._hashing import verify_api_key, verify_secret
from ec_async.emulator._listing import bool_param
from ec_async.emulator._records.access import (
    access_permission_rows,
    grant_of,
    role_permission_rows,
)
from ec_async.emulator._records.accounts import find_account
from ec_async.emulator._records.tokens import find_token, insert_token, invalidate_token
from ec_async.emulator._records.users import (
    api_key_credentials,
    find_user,
    find_user_by_name,
    password_credential,
    record_login_failure,
    reset_login_failures,
)
from ec_async.emulator._resources.mfa import check_second_factor
from ec_async.emulator._store import new_id
from ec_async.emulator._tokens import unverified_claims
from ec_async.emulator._wire import (
    Field,
    Kind,
    compact,
    empty_response,
    json_response,
    row_fields,
    updatable_entity,
)

__all__ = ["ROUTES", "access_token_json", "verify_user_password"]

logger = logging.getLogger("ec_async.emulator")

_TOKEN_FIELDS: tuple[Field, ...] = (
    ("tokenId", Kind.TEXT),
    ("userId", Kind.ID),
    ("expiresOn", Kind.DATE),
    ("refreshToken", Kind.TEXT),
    ("refreshExpiresOn", Kind.DATE),
    ("invalidatedOn", Kind.DATE),
    ("trustKey", Kind.TEXT),
)
_ACCESS_INFO: Field = ("accessInfoId", Kind.ID)
_ROLE: Field = ("roleId", Kind.ID)
_ENTITY_FIELDS: tuple[Field, ...] = (
    ("id", Kind.ID),
    ("scopeId", Kind.ID),
    ("createdOn", Kind.DATE),
    ("createdBy", Kind.ID),
)


def access_token_json(token: sqlite3.Row) -> dict[str, Any]:
    """Return an AccessToken as the API writes it."""
    return updatable_entity("accessToken", token, _TOKEN_FIELDS)


def _permission_json(type_name: str, owner: Field, row: sqlite3.Row) -> dict[str, Any]:
    """Return an AccessPermission or RolePermission entity."""
    return {
        "type": type_name,
        **row_fields(row, (*_ENTITY_FIELDS, owner)),
        "permission": grant_of(row).to_wire(),
    }


def _is_current(expiration_date: int | None, now: int) -> bool:
    return expiration_date is None or expiration_date > now


def _user_may_log_in(db: sqlite3.Connection, user: sqlite3.Row, now: int) -> bool:
    account = find_account(db, user["scope_id"])

    return (
        user["status"] == "ENABLED"
        and _is_current(user["expiration_date"], now)
        and account is not None
        and _is_current(account["expiration_date"], now)
    )


def _credential_usable(credential: sqlite3.Row, now: int) -> bool:
    locked = (
        credential["lockout_reset"] is not None and now < credential["lockout_reset"]
    )

    return (
        credential["status"] == "ENABLED"
        and _is_current(credential["expiration_date"], now)
        and not locked
    )


def _count_failure(
    db: sqlite3.Connection, context: EmulatorContext, credential: sqlite3.Row
) -> None:
    config = context.config
    record_login_failure(
        db,
        credential,
        now=context.clock.now_ms(),
        max_failures=config.lockout_max_failures,
        reset_after_ms=round(config.lockout_reset_after * 1000),
        lock_duration_ms=round(config.lockout_duration * 1000),
    )


def _checked_password(
    db: sqlite3.Connection, context: EmulatorContext, user: sqlite3.Row, password: str
) -> sqlite3.Row | None:
    """Return the user's PASSWORD credential if it is usable and ``password`` fits.

    A wrong password counts towards lockout; a locked, disabled or expired
    credential (or user, or account) refuses even the right one.
    """
    now = context.clock.now_ms()
    if not _user_may_log_in(db, user, now):
        return None
    credential = password_credential(db, user["id"])
    if credential is None or not _credential_usable(credential, now):
        return None
    if not verify_secret(password, credential["credential_key"]):
        _count_failure(db, context, credential)
        return None

    return credential


def verify_user_password(
    db: sqlite3.Connection, context: EmulatorContext, user: sqlite3.Row, password: str
) -> bool:
    """Check a user's password as a login does (Kapua's ``verifyCredentials``)."""
    credential = _checked_password(db, context, user, password)
    if credential is None:
        return False
    reset_login_failures(db, credential, context.clock.now_ms())

    return True


def _password_login(
    db: sqlite3.Connection,
    context: EmulatorContext,
    body: dict[str, Any],
    *,
    trust_me: bool,
) -> tuple[sqlite3.Row, str | None] | None:
    """Return the user (and a new trust key) if the login passes both factors.

    A wrong MFA code counts towards lockout like a wrong password; a missing
    one raises the 403 ``REQUIRE_MFA_CREDENTIALS``, which counts for nothing.
    """
    user = find_user_by_name(db, _text(body, "username"))
    if user is None:
        return None
    credential = _checked_password(db, context, user, _text(body, "password"))
    if credential is None:
        return None
    second = check_second_factor(db, context, user, body, trust_me=trust_me)
    if not second.passed:
        _count_failure(db, context, credential)
        return None
    reset_login_failures(db, credential, context.clock.now_ms())

    return user, second.trust_key


def _api_key_login(
    db: sqlite3.Connection, now: int, api_key: str
) -> sqlite3.Row | None:
    """Return the user owning ``api_key``, if the key and user are usable."""
    for credential in api_key_credentials(db, api_key):
        if not verify_api_key(api_key, credential["credential_key"]):
            continue
        user = find_user(db, credential["user_id"])
        usable = _credential_usable(credential, now)
        if usable and user is not None and _user_may_log_in(db, user, now):
            return user

    return None


def _issue_token(
    db: sqlite3.Connection, context: EmulatorContext, user: sqlite3.Row
) -> sqlite3.Row:
    """Create and store a new AccessToken (JWT plus refresh token) for ``user``."""
    now = context.clock.now_ms()
    expires_on = now + round(context.config.access_token_ttl * 1000)
    token_identifier = str(uuid.uuid4())
    jwt = context.signer.issue(
        user_id=str(compact(user["id"])),
        scope_id=str(compact(user["scope_id"])),
        token_identifier=token_identifier,
        issued_at=now // 1000,
        expires_at=expires_on // 1000,
    )

    refresh_token = str(uuid.uuid4())
    context.issued.add(jwt, refresh_token)

    return insert_token(
        db,
        id=new_id(db, "access_tokens"),
        scope_id=user["scope_id"],
        user_id=user["id"],
        token_id=jwt,
        token_identifier=token_identifier,
        expires_on=expires_on,
        refresh_token=refresh_token,
        refresh_expires_on=now + round(context.config.refresh_token_ttl * 1000),
        created_on=now,
    )


async def _refuse_login(context: EmulatorContext) -> EmptyError:
    """Wait like Kapua's anti-brute-force delay, then return the bare 401."""
    context.counters.failed_logins += 1
    delay = context.random.uniform(0, context.config.failed_login_delay)
    if delay > 0:
        await asyncio.sleep(delay)

    return EmptyError(401)


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)

    return value if isinstance(value, str) else ""


def _logged_in(
    context: EmulatorContext,
    token: sqlite3.Row,
    how: str,
    trust_key: str | None = None,
) -> web.Response:
    context.counters.logins += 1
    logger.info("emulator login (%s) of user %s", how, compact(token["user_id"]))
    document = access_token_json(token)
    if trust_key is not None:
        # Shown once, in the login that asked to trust this machine.
        document["trustKey"] = trust_key

    return json_response(document)


async def _login_with_password(call: Call, *, trust_me: bool) -> web.StreamResponse:
    body = await call.json_body()
    context = call.context
    with context.store.transaction() as db:
        passed = _password_login(
            db, context, body, trust_me=trust_me or body.get("trustMe") is True
        )
        token = None if passed is None else _issue_token(db, context, passed[0])
    if passed is None or token is None:
        raise await _refuse_login(context)
    _, trust_key = passed

    return _logged_in(context, token, "password", trust_key)


async def login_user(call: Call) -> web.StreamResponse:
    """POST /authentication/user: ``username`` and ``password``, plus MFA if on."""
    return await _login_with_password(call, trust_me=False)


async def login_mfa(call: Call) -> web.StreamResponse:
    """POST /authentication/mfa (deprecated): the same, ``enableTrust`` as trustMe."""
    return await _login_with_password(
        call, trust_me=bool_param(call.query, "enableTrust")
    )


async def login_api_key(call: Call) -> web.StreamResponse:
    """POST /authentication/apikey: log in with an API key."""
    body = await call.json_body()
    context = call.context
    with context.store.transaction() as db:
        user = _api_key_login(db, call.now_ms(), _text(body, "apiKey"))
        token = None if user is None else _issue_token(db, context, user)
    if token is None:
        raise await _refuse_login(context)

    return _logged_in(context, token, "api key")


async def login_jwt(call: Call) -> web.StreamResponse:
    """POST /authentication/jwt: refused, as by a Kapua without OpenID Connect.

    Kapua checks these tokens with its SSO plug-in's realm; the emulator has
    no identity provider, so every such login fails like a wrong password:
    a bare 401 after the usual pause.
    """
    await call.json_body()

    raise await _refuse_login(call.context)


def _replace_token(
    db: sqlite3.Connection, context: EmulatorContext, jwt: str, refresh_token: str
) -> sqlite3.Row:
    """Invalidate the token behind ``jwt`` and return its successor.

    The JWT is read without checking signature or expiry: refreshing an
    expired token is the point of the operation.
    """
    now = context.clock.now_ms()
    claims = unverified_claims(jwt) or {}
    identifier = claims.get("tokenIdentifier")
    old = find_token(db, identifier) if isinstance(identifier, str) else None
    if old is None:
        raise refresh_error("")
    if old["invalidated_on"] is not None and old["invalidated_on"] <= now:
        raise refresh_error("The provided access token has been invalidated")
    if old["refresh_token"] != refresh_token:
        raise refresh_error(
            "The provided refresh token doesn't match the one for this jwt"
        )
    if old["refresh_expires_on"] < now:
        raise refresh_error("The provided refresh token is expired")

    invalidate_token(db, old, now)
    user = find_user(db, old["user_id"])
    if user is None:
        raise refresh_error("")

    return _issue_token(db, context, user)


async def refresh(call: Call) -> web.StreamResponse:
    """POST /authentication/refresh: trade a token and its refresh token for new ones."""
    body = await call.json_body()
    context = call.context
    try:
        with context.store.transaction() as db:
            token = _replace_token(
                db, context, _text(body, "tokenId"), _text(body, "refreshToken")
            )
    except KapuaError:
        context.counters.failed_refreshes += 1
        raise
    context.counters.refreshes += 1
    logger.info("emulator token refresh for user %s", compact(token["user_id"]))

    return json_response(access_token_json(token))


async def logout(call: Call) -> web.StreamResponse:
    """POST /authentication/logout: invalidate the caller's token."""
    context = call.context
    with context.store.transaction() as db:
        invalidate_token(db, call.session.token, call.now_ms())
    context.counters.logouts += 1
    logger.info("emulator logout of user %s", compact(call.session.user_id))

    return empty_response(204)


async def login_info(call: Call) -> web.StreamResponse:
    """GET /authentication/info: the caller's token and permissions."""
    user_id = call.session.user_id
    with call.context.store.transaction() as db:
        token = find_token(db, call.session.token["token_identifier"])
        direct = access_permission_rows(db, user_id)
        from_roles = role_permission_rows(db, user_id)
    if token is None:
        raise EmptyError(401)

    return json_response(
        {
            "type": "loginInfo",
            "accessToken": access_token_json(token),
            "accessPermission": [
                _permission_json("accessPermission", _ACCESS_INFO, row)
                for row in direct
            ],
            "rolePermission": [
                _permission_json("rolePermission", _ROLE, row) for row in from_roles
            ],
        }
    )


ROUTES = (
    Route("POST", "/authentication/user", login_user),
    Route("POST", "/authentication/mfa", login_mfa),
    Route("POST", "/authentication/jwt", login_jwt),
    Route("POST", "/authentication/apikey", login_api_key),
    Route("POST", "/authentication/refresh", refresh),
    Route("POST", "/authentication/logout", logout),
    Route("GET", "/authentication/info", login_info),
)
