"""MFA options (``/{scopeId}/users/{userId}/mfa``, ``/user/mfa``) and the login check.

Kapua's rules: only the user may turn their own MFA on (the deprecated
per-user create refuses anyone else), only INTERNAL users may have it, the
secret and scratch codes are shown once. The self-service calls need no
permission; the per-user ones need ``credential:read/write/delete``, except
``disableTrust``, which Kapua's service does not check at all.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._context import EmulatorContext
from ec_async.emulator._errors import KapuaError
from ec_async.emulator._hashing import verify_secret
from ec_async.emulator._records.mfa import (
    clear_trust,
    delete_option,
    find_option,
    insert_option,
    set_trust,
    use_scratch_code,
)
from ec_async.emulator._resources.users import existing_user
from ec_async.emulator._store import new_id
from ec_async.emulator._totp import new_scratch_codes, new_secret, verify_totp
from ec_async.emulator._wire import (
    Kind,
    compact,
    empty_response,
    format_date,
    json_response,
    updatable_entity,
)

__all__ = ["ROUTES", "SecondFactor", "check_second_factor"]

# Kapua's authentication.mfa.trust.key.duration: a trusted machine lasts 30 days.
_TRUST_DAYS = 30
_DAY_MS = 24 * 3600 * 1000


@attrs.frozen
class SecondFactor:
    """The outcome of the MFA step of a password login."""

    passed: bool
    trust_key: str | None = None


def _mfa_required() -> KapuaError:
    return KapuaError(
        403,
        "REQUIRE_MFA_CREDENTIALS",
        "This User has MFA enabled and the authorization code must be provided.",
        type_name="mfaRequiredExceptionInfo",
    )


def _not_found(user_id: int | None = None) -> KapuaError:
    """Kapua's 404 for a missing option: by the name "MfaOption", or by user id."""
    shown = "MfaOption" if user_id is None else str(user_id)
    return KapuaError(
        404,
        "ENTITY_NOT_FOUND",
        f"The entity of type mfaOption with id/name {shown} was not found.",
        type_name="entityNotFoundExceptionInfo",
        fields={"entityType": "mfaOption", "entityId": compact(user_id)},
    )


def _code_text(value: object) -> str | None:
    # The spec's own example sends the code as a JSON number.
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)

    return value if isinstance(value, str) else None


def _trust_login(
    db: sqlite3.Connection, option: sqlite3.Row, trust_key: str, now: int
) -> bool:
    if option["trust_key"] is None:
        return False
    if option["trust_expiration_date"] < now:
        # An expired trust is forgotten on first use, as Kapua does.
        clear_trust(db, option, now)
        return False

    return verify_secret(trust_key, option["trust_key"])


def check_second_factor(
    db: sqlite3.Connection,
    context: EmulatorContext,
    user: sqlite3.Row,
    body: Mapping[str, Any],
    *,
    trust_me: bool,
) -> SecondFactor:
    """Check the code or trust key of a login whose password was right.

    No option means MFA is off. A TOTP code (or an unused scratch code) or a
    valid trust key passes; with neither, Kapua answers 403
    ``REQUIRE_MFA_CREDENTIALS``, which the caller raises without counting a
    failure. ``trust_me`` on a passed login trusts this machine.
    """
    option = find_option(db, user["scope_id"], user["id"])
    if option is None:
        return SecondFactor(passed=True)

    now = context.clock.now_ms()
    code = _code_text(body.get("authenticationCode"))
    trust_key = body.get("trustKey")
    if code is not None:
        passed = verify_totp(
            option["mfa_secret_key"], code, now / 1000
        ) or use_scratch_code(db, option, code)
    elif isinstance(trust_key, str) and trust_key:
        passed = _trust_login(db, option, trust_key, now)
    else:
        raise _mfa_required()
    if not passed or not trust_me:
        return SecondFactor(passed=passed)

    new_key = str(uuid.uuid4())
    set_trust(
        db, option, trust_key=new_key, expires_on=now + _TRUST_DAYS * _DAY_MS, now=now
    )
    return SecondFactor(passed=True, trust_key=new_key)


def _scratch_code_json(option: sqlite3.Row, code_id: int, code: str) -> dict[str, Any]:
    return {
        "type": "scratchCode",
        "id": compact(code_id),
        "scopeId": compact(option["scope_id"]),
        "createdOn": format_date(option["created_on"]),
        "createdBy": compact(option["created_by"]),
        "scratchCode": code,
        "mfaOptionId": compact(option["id"]),
    }


def option_json(
    option: sqlite3.Row,
    *,
    secret: str | None = None,
    scratch_codes: Sequence[tuple[int, str]] = (),
) -> dict[str, Any]:
    """Return an MfaOption; only its creation shows the secret and scratch codes.

    The emulator has no QR encoder, so ``qrCodeImage`` is never sent;
    ``mfaSecretKey`` carries the same secret.
    """
    document = updatable_entity(
        "mfaOption",
        option,
        (("userId", Kind.ID), ("trustExpirationDate", Kind.DATE)),
    )
    document["hasTrustMe"] = option["trust_key"] is not None
    if secret is not None:
        document["mfaSecretKey"] = secret
    if scratch_codes:
        document["scratchCodes"] = [
            _scratch_code_json(option, code_id, code) for code_id, code in scratch_codes
        ]

    return document


def _create_option(call: Call, scope_id: int, user_id: int) -> web.Response:
    """Turn MFA on for an INTERNAL user without it; 201 with secret and codes."""
    with call.context.store.transaction() as db:
        user = existing_user(db, scope_id, user_id)
        if user["user_type"] != "INTERNAL" or user["external_id"] is not None:
            raise KapuaError(
                403,
                "INTERNAL_USER_ONLY",
                "This operation is reserved only for Users of type INTERNAL.",
                type_name="internalUserOnlyExceptionInfo",
            )
        if find_option(db, scope_id, user_id) is not None:
            raise KapuaError(
                409, "ENTITY_ALREADY_EXISTS", "MfaOption already exists for this user."
            )
        secret = new_secret()
        codes = [(new_id(db, "scratch_codes"), code) for code in new_scratch_codes()]
        option = insert_option(
            db,
            option_id=new_id(db, "mfa_options"),
            scope_id=scope_id,
            user_id=user_id,
            secret=secret,
            scratch_codes=codes,
            now=call.now_ms(),
            by=call.session.user_id,
        )

    return json_response(option_json(option, secret=secret, scratch_codes=codes), 201)


def _existing_option(call: Call, scope_id: int, user_id: int) -> sqlite3.Row:
    with call.context.store.transaction() as db:
        option = find_option(db, scope_id, user_id)
    if option is None:
        raise _not_found()

    return option


def _delete_option(call: Call, scope_id: int, user_id: int) -> web.Response:
    with call.context.store.transaction() as db:
        option = find_option(db, scope_id, user_id)
        if option is None:
            raise _not_found(user_id)
        delete_option(db, option)

    return empty_response(204)


def _disable_trust(call: Call, scope_id: int, user_id: int) -> web.Response:
    with call.context.store.transaction() as db:
        option = find_option(db, scope_id, user_id)
        if option is None:
            raise _not_found(user_id)
        clear_trust(db, option, call.now_ms())

    return empty_response(204)


async def get_user_option(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/users/{userId}/mfa."""
    scope_id = call.scope_id()
    user_id = call.path_id("userId")
    call.require("credential", "read", scope_id)

    return json_response(option_json(_existing_option(call, scope_id, user_id)))


async def create_user_option(call: Call) -> web.StreamResponse:
    """POST /{scopeId}/users/{userId}/mfa (deprecated): only for oneself."""
    scope_id = call.scope_id()
    user_id = call.path_id("userId")
    call.require("credential", "write", scope_id)
    if user_id != call.session.user_id:
        raise KapuaError(
            403,
            "SELF_MANAGED_ONLY",
            "This operation can be performed only on the current logged User.",
            type_name="selfManagedOnlyExceptionInfo",
        )

    return _create_option(call, scope_id, user_id)


async def delete_user_option(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/users/{userId}/mfa: MFA off for the user."""
    scope_id = call.scope_id()
    user_id = call.path_id("userId")
    call.require("credential", "delete", scope_id)

    return _delete_option(call, scope_id, user_id)


async def disable_user_trust(call: Call) -> web.StreamResponse:
    """DELETE /{scopeId}/users/{userId}/mfa/disableTrust (no permission check)."""
    return _disable_trust(call, call.scope_id(), call.path_id("userId"))


async def get_own_option(call: Call) -> web.StreamResponse:
    """GET /user/mfa: the caller's option."""
    session = call.session

    return json_response(
        option_json(_existing_option(call, session.scope_id, session.user_id))
    )


async def create_own_option(call: Call) -> web.StreamResponse:
    """POST /user/mfa: turn MFA on for the caller."""
    return _create_option(call, call.session.scope_id, call.session.user_id)


async def delete_own_option(call: Call) -> web.StreamResponse:
    """DELETE /user/mfa: turn MFA off for the caller."""
    return _delete_option(call, call.session.scope_id, call.session.user_id)


async def disable_own_trust(call: Call) -> web.StreamResponse:
    """DELETE /user/mfa/disableTrust: forget the caller's trusted machine."""
    return _disable_trust(call, call.session.scope_id, call.session.user_id)


ROUTES = (
    Route("GET", "/user/mfa", get_own_option),
    Route("POST", "/user/mfa", create_own_option),
    Route("DELETE", "/user/mfa", delete_own_option),
    Route("DELETE", "/user/mfa/disableTrust", disable_own_trust),
    Route("GET", "/{scopeId}/users/{userId}/mfa", get_user_option),
    Route("POST", "/{scopeId}/users/{userId}/mfa", create_user_option),
    Route("DELETE", "/{scopeId}/users/{userId}/mfa", delete_user_option),
    Route("DELETE", "/{scopeId}/users/{userId}/mfa/disableTrust", disable_user_trust),
)
