"""Multi-factor authentication settings: one user's, or the caller's own.

Turning MFA on returns a TOTP secret and one-use scratch codes, once; from
then on, logging in takes a 6-digit code from an authenticator app as well
as the password (``UsernamePassword(..., authentication_code=...)``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ._convert import structure
from ._models import _extra, _read_only, _secret
from ._pipeline import Operation
from ._resources import Collection, ScopeBinding, operation

__all__ = ["CurrentUserMfa", "MfaOption", "ScratchCode", "UserMfa"]

_USERS_PATH = "/{scopeId}/users/{userId}/mfa"
_OWN_PATH = "/user/mfa"

USER_GET = Operation("userMfaOptionGet", "GET", _USERS_PATH, safe=True)
USER_CREATE = Operation("userMfaOptionCreate", "POST", _USERS_PATH, safe=False)
USER_DELETE = Operation("userMfaOptionDelete", "DELETE", _USERS_PATH, safe=True)
USER_DISABLE_TRUST = Operation(
    "userMfaOptionDisableTrust", "DELETE", _USERS_PATH + "/disableTrust", safe=True
)
OWN_GET = Operation("mfaOptionGet", "GET", _OWN_PATH, safe=True)
OWN_CREATE = Operation("mfaOptionCreate", "POST", _OWN_PATH, safe=False)
OWN_DELETE = Operation("mfaOptionDelete", "DELETE", _OWN_PATH, safe=True)
OWN_DISABLE_TRUST = Operation(
    "mfaOptionDisableTrust", "DELETE", _OWN_PATH + "/disableTrust", safe=True
)


@attrs.frozen(kw_only=True)
class ScratchCode:
    """A one-use code that stands in for a TOTP code, to recover an account."""

    id: str | None = _read_only()
    scope_id: str | None = _read_only()
    mfa_option_id: str | None = None
    scratch_code: str | None = _secret()
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class MfaOption:
    """A user's MFA setting.

    Only the answer to ``create()`` carries ``mfa_secret_key`` (the TOTP
    secret, base32), ``qr_code_image`` (a base64 PNG of it) and
    ``scratch_codes``; none of them shows in a repr. ``has_trust_me`` says
    whether a machine is trusted (logins from it skip the code until
    ``trust_expiration_date``).
    """

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    user_id: str | None = None
    has_trust_me: bool | None = None
    trust_expiration_date: dt.datetime | None = None
    trust_key: str | None = _secret()
    mfa_secret_key: str | None = _secret()
    qr_code_image: str | None = _secret()
    scratch_codes: list[ScratchCode] = attrs.field(
        factory=list[ScratchCode], repr=False
    )
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


class UserMfa(Collection[MfaOption]):
    """One user's MFA setting, as an administrator sees it.

    Kapua lets only the user turn MFA on (``create`` for someone else is
    refused with ``PermissionDenied``); an administrator can read it, turn it
    off, and forget the user's trusted machine.
    """

    _model = MfaOption

    def __init__(self, binding: ScopeBinding, user_id: str) -> None:
        super().__init__(binding, {"userId": user_id})

    @property
    def user_id(self) -> str:
        """The user whose setting this is."""
        return self._parent_ids["userId"]

    @operation(USER_GET)
    async def get(self) -> MfaOption:
        """The user's MFA setting; ``NotFound`` when MFA is off."""
        return await self._fetch_one(USER_GET, {})

    @operation(USER_CREATE)
    async def create(self) -> MfaOption:
        """Turn MFA on; Kapua deprecates this form and allows it only for oneself."""
        document = await self._perform(USER_CREATE, {}, secret=True)
        return structure(document, MfaOption)

    @operation(USER_DELETE)
    async def delete(self) -> None:
        """Turn MFA off for the user."""
        await self._delete(USER_DELETE, {})

    @operation(USER_DISABLE_TRUST)
    async def disable_trust(self) -> None:
        """Forget the user's trusted machine; the next login needs a code."""
        await self._delete(USER_DISABLE_TRUST, {})


class CurrentUserMfa(Collection[MfaOption]):
    """The caller's own MFA setting, whatever the scope of the view."""

    _model = MfaOption

    @operation(OWN_GET)
    async def get(self) -> MfaOption:
        """The caller's MFA setting; ``NotFound`` when MFA is off."""
        return await self._fetch_one(OWN_GET, {})

    @operation(OWN_CREATE)
    async def create(self) -> MfaOption:
        """Turn MFA on and return the secret and scratch codes, shown this once.

        Add ``mfa_secret_key`` to an authenticator app; later logins need its
        current code. Only ``INTERNAL`` users may turn MFA on.
        """
        document = await self._perform(OWN_CREATE, {}, secret=True)
        return structure(document, MfaOption)

    @operation(OWN_DELETE)
    async def delete(self) -> None:
        """Turn MFA off for the caller."""
        await self._delete(OWN_DELETE, {})

    @operation(OWN_DISABLE_TRUST)
    async def disable_trust(self) -> None:
        """Forget the caller's trusted machine; the next login needs a code."""
        await self._delete(OWN_DISABLE_TRUST, {})
