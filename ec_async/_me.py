"""The caller's own user: login info, profile, password and MFA (``ec.me``).

These calls need no permission beyond being logged in, and always act on the
caller, whatever the scope of the view they are reached from.
"""

from __future__ import annotations

from typing import Any

import attrs

from ._auth import LOGIN_INFO
from ._convert import expect_model, request_body, structure
from ._mfa import CurrentUserMfa
from ._models import AccessToken, _extra
from ._permission_models import AccessPermission, RolePermission
from ._pipeline import Operation
from ._resources import Collection, operation
from ._user_credentials import Credential, PasswordChangeRequest, concealing

__all__ = ["CurrentUser", "LoginInfo", "UserProfile"]

# Kapua mounts these on "[{scopeId}/]user/...": the scoped forms are an
# accident it keeps, and their scopeId means nothing.
PROFILE_GET = Operation("userProfileGet", "GET", "/user/profile/", safe=True)
PROFILE_GET_SCOPED = Operation(
    "scopeIdUserProfileGet", "GET", "/{scopeId}/user/profile/", safe=True
)
PROFILE_UPDATE = Operation("userProfileUpdate", "PUT", "/user/profile/", safe=False)
PROFILE_UPDATE_SCOPED = Operation(
    "scopeIdUserProfileUpdate", "PUT", "/{scopeId}/user/profile/", safe=False
)
PASSWORD_CHANGE = Operation(
    "userPasswordChange", "POST", "/user/credentials/password", safe=False
)
PASSWORD_CHANGE_SCOPED = Operation(
    "scopeIdUserPasswordChange",
    "POST",
    "/{scopeId}/user/credentials/password",
    safe=False,
)


@attrs.frozen(kw_only=True)
class UserProfile:
    """What users may change about themselves; an update replaces all three."""

    display_name: str | None = None
    phone_number: str | None = None
    email: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class LoginInfo:
    """The caller's access token and every permission it carries.

    ``access_permissions`` are granted to the user directly,
    ``role_permissions`` through the roles the user holds.
    """

    access_token: AccessToken
    access_permissions: list[AccessPermission] = attrs.field(
        factory=list[AccessPermission], metadata={"wire": "accessPermission"}
    )
    role_permissions: list[RolePermission] = attrs.field(
        factory=list[RolePermission], metadata={"wire": "rolePermission"}
    )
    extra: dict[str, Any] = _extra()


class CurrentUser(Collection[UserProfile]):
    """The logged-in user's own settings."""

    _model = UserProfile

    @operation(LOGIN_INFO)
    async def login_info(self) -> LoginInfo:
        """The current token and the caller's permissions, direct and by role."""
        document = await self._perform(LOGIN_INFO, {}, secret=True)
        return structure(document, LoginInfo)

    @operation(PROFILE_GET)
    @operation(PROFILE_GET_SCOPED)
    async def profile(self) -> UserProfile:
        """The caller's display name, phone number and email."""
        return await self._fetch_one(PROFILE_GET, {})

    @operation(PROFILE_UPDATE)
    @operation(PROFILE_UPDATE_SCOPED)
    async def update_profile(self, profile: UserProfile) -> None:
        """Replace the caller's profile; a field left ``None`` is cleared.

        Read it with ``profile()``, change a copy with ``attrs.evolve``, and
        send that. The email must look like one.
        """
        profile = expect_model(profile, UserProfile)
        await self._perform(PROFILE_UPDATE, {}, request_body(profile))

    @operation(PASSWORD_CHANGE)
    @operation(PASSWORD_CHANGE_SCOPED)
    async def change_password(
        self, current_password: str, new_password: str
    ) -> Credential:
        """Change the caller's password, proving the current one.

        A wrong current password answers 401, like a failed login (and counts
        towards lockout); so this call is sent once and never replayed with a
        renewed token: ``AuthenticationError`` here means the current password
        was refused. The session itself stays valid.
        """
        request = PasswordChangeRequest(
            current_password=current_password, new_password=new_password
        )
        # An explicit bearer keeps the pipeline from treating the 401 as a
        # stale token and sending the password again after a refresh.
        bearer = await self._binding.tokens.bearer()
        document = await concealing(
            self._send(
                PASSWORD_CHANGE,
                body=request_body(request),
                bearer=bearer,
                secret_body=True,
            ),
            current_password,
            new_password,
        )
        return structure(document, Credential)

    @property
    def mfa(self) -> CurrentUserMfa:
        """The caller's own MFA setting."""
        return CurrentUserMfa(self._binding)
