"""The emulator's users, credentials and MFA at the HTTP level: Kapua's rules and bodies.

Every exchange is checked against the spec (``local_emulator``), so these also
show the deprecated paths and the server's answers the client hides.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from ec_async.emulator import SYSTEM_PASSWORD, SYSTEM_USERNAME, Emulator, Permission
from tests.conformance import SpecObserver
from tests.emulator._support import Api

from ._support import ADMIN, ADMIN_PASSWORD, NEW_PASSWORD, USER_PASSWORD

pytestmark = pytest.mark.anyio

# Kapua's default lockout policy: the third failure locks the credential.
MAX_FAILURES = 3


@pytest.fixture
async def api(local_emulator: Emulator) -> AsyncIterator[Api]:
    """Raw HTTP to a spec-checked "minimal" emulator on the test's loop."""
    async with aiohttp.ClientSession() as http:
        yield Api(http, local_emulator)


async def _admin(api: Api) -> str:
    return await api.token(ADMIN, ADMIN_PASSWORD)


async def _user(api: Api, token: str, name: str, **fields: Any) -> dict[str, Any]:
    """Create a user in acme through the API and return it."""
    reply = await api.call(
        "POST", "/_/users", token=token, body={"name": name, **fields}
    )
    assert 201 == reply.status, reply.body
    user: dict[str, Any] = reply.json()

    return user


async def _password(api: Api, token: str, user_id: str) -> dict[str, Any]:
    """Give a user USER_PASSWORD and return the credential."""
    reply = await api.call(
        "POST",
        f"/_/users/{user_id}/credentials",
        token=token,
        body={
            "credentialType": "PASSWORD",
            "credentialKey": USER_PASSWORD,
            "credentialStatus": "ENABLED",
        },
    )
    assert 201 == reply.status, reply.body
    credential: dict[str, Any] = reply.json()

    return credential


async def _login(api: Api, username: str, **extra: Any) -> int:
    """The status of a password login with USER_PASSWORD (and ``extra`` fields)."""
    body = {"username": username, "password": USER_PASSWORD, **extra}
    reply = await api.call("POST", "/authentication/user", body=body)

    return reply.status


_READ_ONLY = {
    "type",
    "id",
    "scopeId",
    "createdOn",
    "createdBy",
    "modifiedOn",
    "modifiedBy",
}


def _writable(entity: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An entity as read, made a PUT body: read-only fields dropped, ``changes`` made."""
    kept = {name: value for name, value in entity.items() if name not in _READ_ONLY}

    return {**kept, **changes}


def _argument(reply_body: dict[str, Any]) -> tuple[str, str, str | None]:
    return (
        reply_body["type"],
        reply_body["argumentName"],
        reply_body.get("argumentValue"),
    )


class TestUserRules:
    """Names, types and what an update may not change."""

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            (
                {"description": "nameless"},
                ("illegalNullArgumentExceptionInfo", "userCreator.name", None),
            ),
            (
                {"name": "ab"},
                ("illegalArgumentExceptionInfo", "userCreator.name", "ab"),
            ),
            (
                {"name": "has space"},
                ("illegalArgumentExceptionInfo", "userCreator.name", "has space"),
            ),
            (
                {"name": "mail", "email": "not-an-email"},
                ("illegalArgumentExceptionInfo", "userCreator.email", "not-an-email"),
            ),
            (
                {"name": "outsider", "userType": "EXTERNAL"},
                ("illegalNullArgumentExceptionInfo", "userCreator.externalId", None),
            ),
            (
                {"name": "insider", "externalId": "x-1"},
                ("illegalArgumentExceptionInfo", "userCreator.externalId", "x-1"),
            ),
        ],
    )
    async def test_creator_validation(
        self,
        api: Api,
        spec_observer: SpecObserver,
        body: dict[str, Any],
        expected: tuple[str, str, str | None],
    ) -> None:
        """Kapua's name, email and external-id rules answer 400 naming the field."""
        token = await _admin(api)
        breaks_spec = "name" not in body or "email" in body
        with (
            spec_observer.expect_invalid_requests("a creator the spec refuses")
            if breaks_spec
            else contextlib.nullcontext()
        ):
            reply = await api.call("POST", "/_/users", token=token, body=body)

        assert 400 == reply.status
        assert expected == _argument(reply.json())

    async def test_user_type_cannot_change(self, api: Api) -> None:
        """A PUT that turns an INTERNAL user EXTERNAL is refused on userType."""
        token = await _admin(api)
        user = await _user(api, token, "fixed")
        changed = _writable(user, userType="EXTERNAL", externalId="ext-1")

        reply = await api.call(
            "PUT", f"/_/users/{user['id']}", token=token, body=changed
        )

        assert 400 == reply.status
        assert ("illegalArgumentExceptionInfo", "userType", "EXTERNAL") == _argument(
            reply.json()
        )

    async def test_nobody_disables_themselves(self, api: Api) -> None:
        """An administrator cannot set their own user DISABLED."""
        token = await _admin(api)
        own_id = api.emulator.admin.user_id(ADMIN)
        own = (await api.call("GET", f"/_/users/{own_id}", token=token)).json()

        reply = await api.call(
            "PUT",
            f"/_/users/{own_id}",
            token=token,
            body=_writable(own, status="DISABLED"),
        )

        assert ("illegalArgumentExceptionInfo", "status", "DISABLED") == _argument(
            reply.json()
        )

    async def test_kapua_sys_cannot_be_disabled(self, api: Api) -> None:
        """kapua-sys is protected by name before the rule against self-disabling."""
        token = await api.token(SYSTEM_USERNAME, SYSTEM_PASSWORD)
        sys_id = api.emulator.admin.user_id(SYSTEM_USERNAME)
        own = (await api.call("GET", f"/_/users/{sys_id}", token=token)).json()

        reply = await api.call(
            "PUT",
            f"/_/users/{sys_id}",
            token=token,
            body=_writable(own, status="DISABLED"),
        )

        assert 400 == reply.status
        assert ("illegalArgumentExceptionInfo", "name", SYSTEM_USERNAME) == _argument(
            reply.json()
        )

    async def test_disabled_user_login_is_a_bare_401(self, api: Api) -> None:
        """A disabled user gets the same empty 401 as a wrong password."""
        token = await _admin(api)
        user = await _user(api, token, "sleeper", status="DISABLED")
        await _password(api, token, user["id"])

        reply = await api.call(
            "POST",
            "/authentication/user",
            body={"username": "sleeper", "password": USER_PASSWORD},
        )

        assert (401, b"") == (reply.status, reply.body)

    async def test_query_count_and_match_term(self, api: Api) -> None:
        """_query lists by name, _count counts, matchTerm matches name prefixes."""
        token = await _admin(api)
        seeded = await api.call("POST", "/_/users/_query", token=token, body={})
        before = [item["name"] for item in seeded.json()["items"]]
        for name in ("zed", "amy", "amos"):
            await _user(api, token, name)

        queried = await api.call("POST", "/_/users/_query", token=token, body={})
        counted = await api.call("POST", "/_/users/_count", token=token, body={})
        matched = await api.call(
            "GET", "/_/users", token=token, params={"matchTerm": "am"}
        )

        # Users are sorted by name by default.
        assert sorted([*before, "amos", "amy", "zed"]) == [
            item["name"] for item in queried.json()["items"]
        ]
        assert {"type": "countResult", "count": len(before) + 3} == counted.json()
        assert ["amos", "amy"] == [item["name"] for item in matched.json()["items"]]


class TestCredentialRules:
    """Keys never shown, types, lockout fields and resets."""

    async def test_only_the_api_key_create_answer_has_a_key(self, api: Api) -> None:
        """The create answer of an API key carries it; reads and passwords never."""
        token = await _admin(api)
        user = await _user(api, token, "keyholder")
        password = await _password(api, token, user["id"])
        created = await api.call(
            "POST",
            "/_/credentials",
            token=token,
            body={
                "userId": user["id"],
                "credentialType": "API_KEY",
                "credentialStatus": "ENABLED",
            },
        )
        listed = await api.call(
            "GET", "/_/credentials", token=token, params={"userId": user["id"]}
        )
        key = created.json()["credentialKey"]

        assert 201 == created.status
        assert "credentialKey" not in password
        assert all("credentialKey" not in item for item in listed.json()["items"])
        login = await api.call("POST", "/authentication/apikey", body={"apiKey": key})
        assert (200, user["id"]) == (login.status, login.json()["userId"])

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            (
                {"credentialType": "JWT", "credentialStatus": "ENABLED"},
                ("illegalArgumentExceptionInfo", "credentialCreator.credentialType"),
            ),
            (
                {"credentialType": "PASSWORD"},
                (
                    "illegalNullArgumentExceptionInfo",
                    "credentialCreator.credentialStatus",
                ),
            ),
        ],
    )
    async def test_creator_validation(
        self, api: Api, body: dict[str, Any], expected: tuple[str, str]
    ) -> None:
        """JWT needs the OpenID Connect plug-in; a status is required."""
        token = await _admin(api)
        user = await _user(api, token, "typed")

        reply = await api.call(
            "POST", f"/_/users/{user['id']}/credentials/", token=token, body=body
        )

        assert 400 == reply.status
        assert expected == _argument(reply.json())[:2]

    async def test_locked_credential_needs_every_scope_to_update(
        self, api: Api
    ) -> None:
        """Kapua wants credential:write on all scopes to touch lockout fields."""
        token = await _admin(api)
        user = await _user(api, token, "locked")
        credential = await _password(api, token, user["id"])
        for _ in range(MAX_FAILURES):
            await api.call(
                "POST",
                "/authentication/user",
                body={"username": "locked", "password": "Wrong-Passw0rd!"},
            )
        path = f"/_/credentials/{credential['id']}"
        locked = (await api.call("GET", path, token=token)).json()

        refused = await api.call("PUT", path, token=token, body=_writable(locked))
        unlocked = await api.call("POST", path + "/unlock", token=token)
        fresh = (await api.call("GET", path, token=token)).json()
        disabled = await api.call(
            "PUT", path, token=token, body=_writable(fresh, status="DISABLED")
        )

        assert 403 == refused.status
        assert {"domain": "credential", "action": "write", "forwardable": False} == (
            refused.json()["permission"]
        )
        assert 204 == unlocked.status
        assert (200, "DISABLED") == (disabled.status, disabled.json()["status"])
        assert 401 == await _login(api, "locked")

    async def test_admin_reset_answers_the_new_credential(self, api: Api) -> None:
        """The reset answers 200 with a new credential, even for a user without one."""
        token = await _admin(api)
        user = await _user(api, token, "resettable")
        path = f"/_/users/{user['id']}/credentials/password/_reset"

        missing = await api.call("POST", path, token=token, body={})
        reset = await api.call(
            "POST", path, token=token, body={"newPassword": NEW_PASSWORD}
        )

        assert (
            "illegalNullArgumentExceptionInfo",
            "passwordResetRequest.netPassword",
        ) == (
            missing.json()["type"],
            missing.json()["argumentName"],
        )
        assert (200, "credential", "PASSWORD") == (
            reset.status,
            reset.json()["type"],
            reset.json()["credentialType"],
        )
        status = await _login(api, "resettable", password=NEW_PASSWORD)
        assert 200 == status

    async def test_deprecated_paths_are_served(self, api: Api) -> None:
        """The singular /user/{userId}/credentials and scoped /user/... forms work."""
        token = await _admin(api)
        user = await _user(api, token, "legacy")
        credentials = f"/_/user/{user['id']}/credentials"

        created = await api.call(
            "POST",
            credentials + "/",
            token=token,
            body={
                "credentialType": "PASSWORD",
                "credentialKey": USER_PASSWORD,
                "credentialStatus": "ENABLED",
            },
        )
        listed = await api.call("GET", credentials + "/", token=token)
        counted = await api.call("POST", credentials + "/_count", token=token, body={})
        own = await api.token("legacy", USER_PASSWORD)
        profile = await api.call("GET", "/_/user/profile/", token=own)
        changed = await api.call(
            "POST",
            "/_/user/credentials/password",
            token=own,
            body={"currentPassword": USER_PASSWORD, "newPassword": NEW_PASSWORD},
        )

        assert 201 == created.status
        assert [created.json()["id"]] == [item["id"] for item in listed.json()["items"]]
        assert 1 == counted.json()["count"]
        assert (200, "userProfile") == (profile.status, profile.json()["type"])
        assert (200, "PASSWORD") == (changed.status, changed.json()["credentialType"])

    async def test_scoped_reset_and_profile_update(self, api: Api) -> None:
        """The scoped reset by credential id and profile update act on the caller."""
        token = await _admin(api)
        user = await _user(api, token, "scoped")
        credential = await _password(api, token, user["id"])

        reset = await api.call(
            "POST",
            f"/_/user/credentials/{credential['id']}/_reset",
            token=token,
            body={"newPassword": NEW_PASSWORD},
        )
        own = await api.token("scoped", NEW_PASSWORD)
        updated = await api.call(
            "PUT", "/_/user/profile/", token=own, body={"displayName": "Scoped"}
        )
        fetched = await api.call("GET", f"/_/users/{user['id']}", token=token)

        assert (200, "PASSWORD") == (reset.status, reset.json()["credentialType"])
        assert (200, b"") == (updated.status, updated.body)
        assert "Scoped" == fetched.json()["displayName"]

    async def test_available_credentials(self, api: Api) -> None:
        """_availableCredentials answers a setResult of the usable types."""
        reply = await api.call(
            "GET", "/_/credentials/_availableCredentials", token=await _admin(api)
        )

        assert (200, "setResult") == (reply.status, reply.json()["type"])
        assert ["API_KEY", "PASSWORD"] == sorted(reply.json()["items"])


class TestMfaRules:
    """The MFA step of a login, and the rules of turning MFA on."""

    async def _with_mfa(self, api: Api, name: str) -> tuple[str, str]:
        """A user of acme with a password and MFA on: their id and TOTP secret."""
        token = await _admin(api)
        user = await _user(api, token, name)
        await _password(api, token, user["id"])
        secret = api.emulator.admin.enable_mfa(user["id"])

        return user["id"], secret

    async def test_missing_code_is_a_403_that_counts_nothing(self, api: Api) -> None:
        """No code: 403 mfaRequiredExceptionInfo, and no failure is recorded."""
        user_id, _ = await self._with_mfa(api, "mfa-user")

        reply = await api.call(
            "POST",
            "/authentication/user",
            body={"username": "mfa-user", "password": USER_PASSWORD},
        )
        listed = await api.call(
            "GET",
            f"/_/users/{user_id}/credentials",
            token=await _admin(api),
        )

        assert 403 == reply.status
        assert ("mfaRequiredExceptionInfo", "REQUIRE_MFA_CREDENTIALS") == (
            reply.json()["type"],
            reply.json()["kapuaErrorCode"],
        )
        assert [0] == [item["loginFailures"] for item in listed.json()["items"]]

    async def test_wrong_codes_lock_the_credential(self, api: Api) -> None:
        """Wrong codes count like wrong passwords: then even a right code fails."""
        _, secret = await self._with_mfa(api, "guessed")

        for _ in range(MAX_FAILURES):
            assert 401 == await _login(api, "guessed", authenticationCode="000000")
        code = api.emulator.admin.totp_code(secret)

        assert 401 == await _login(api, "guessed", authenticationCode=code)

    async def test_code_window_is_one_step_each_side(self, api: Api) -> None:
        """A code of the previous 30 s step passes; one two steps old does not."""
        _, secret = await self._with_mfa(api, "late")
        old_code = api.emulator.admin.totp_code(secret)

        api.emulator.admin.advance_clock(30)
        late = await _login(api, "late", authenticationCode=old_code)
        api.emulator.admin.advance_clock(30)
        too_late = await _login(api, "late", authenticationCode=old_code)

        assert (200, 401) == (late, too_late)

    async def test_deprecated_mfa_login_with_enable_trust(self, api: Api) -> None:
        """/authentication/mfa?enableTrust=true logs in and hands out a trust key."""
        _, secret = await self._with_mfa(api, "truster")
        code = api.emulator.admin.totp_code(secret)

        reply = await api.call(
            "POST",
            "/authentication/mfa",
            params={"enableTrust": "true"},
            body={
                "username": "truster",
                "password": USER_PASSWORD,
                "authenticationCode": code,
            },
        )
        trusted = await _login(api, "truster", trustKey=reply.json()["trustKey"])

        assert (200, 200) == (reply.status, trusted)

    async def test_only_internal_users_turn_mfa_on(self, api: Api) -> None:
        """A DEVICE user is refused with internalUserOnlyExceptionInfo."""
        token = await _admin(api)
        device_user = await _user(
            api, token, "gateway", userType="DEVICE", externalId="gw-1"
        )
        await _password(api, token, device_user["id"])

        reply = await api.call(
            "POST", "/user/mfa", token=await api.token("gateway", USER_PASSWORD)
        )

        assert (403, "INTERNAL_USER_ONLY") == (
            reply.status,
            reply.json()["kapuaErrorCode"],
        )

    async def test_no_option_is_a_404_of_mfa_option(self, api: Api) -> None:
        """Reading MFA that is off answers 404 for the entity type mfaOption."""
        reply = await api.call("GET", "/user/mfa", token=await _admin(api))

        assert (404, "mfaOption") == (reply.status, reply.json()["entityType"])

    async def test_disable_trust_checks_no_permission(self, api: Api) -> None:
        """Kapua's disableTrust has no permission check: any caller may use it."""
        user_id, _ = await self._with_mfa(api, "trusting")
        acme = api.emulator.admin.account_id("acme")
        api.emulator.admin.create_user(
            acme,
            "bystander",
            USER_PASSWORD,
            [Permission(domain="device", action="read", target_scope_id=acme)],
        )
        bystander = await api.token("bystander", USER_PASSWORD)

        read = await api.call("GET", f"/_/users/{user_id}/mfa", token=bystander)
        cleared = await api.call(
            "DELETE", f"/_/users/{user_id}/mfa/disableTrust", token=bystander
        )

        assert (403, 204) == (read.status, cleared.status)
        assert ("credential", "read", acme) == (
            read.json()["permission"]["domain"],
            read.json()["permission"]["action"],
            read.json()["permission"]["targetScopeId"],
        )


async def test_jwt_login_is_a_bare_401(api: Api) -> None:
    """Without an OpenID provider, /authentication/jwt refuses with an empty 401."""
    reply = await api.call(
        "POST",
        "/authentication/jwt",
        body={"accessToken": "an-access-token", "idToken": "an-id-token"},
    )

    assert (401, b"") == (reply.status, reply.body)
