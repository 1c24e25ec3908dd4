"""Authentication against the emulator: logins, tokens, refresh, logout, lockout."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import pytest
from jose import jws

from ec_async._ids import decode_compact_id
from ec_async.emulator import DEMO_API_KEY, DEMO_PASSWORD, Emulator, EmulatorConfig

from ._support import Api, running

pytestmark = pytest.mark.anyio

GENERIC = (
    "An error occurred during the authentication process with the provided access token"
)
INVALIDATED = "The provided access token has been invalidated in the past"
EXPIRED = "The provided access token is expired"


def _segment(jwt: str, index: int) -> dict[str, Any]:
    part = jwt.split(".")[index]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    )

    return decoded


def _date(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


async def test_password_login_returns_an_access_token(api: Api) -> None:
    """A right username and password give a full AccessToken with Kapua's lifetimes."""
    token = await api.login("acme-admin")

    assert token["type"] == "accessToken"
    assert token["scopeId"] == api.emulator.admin.account_id("acme")
    assert token["userId"] == api.emulator.admin.user_id("acme-admin")
    assert "invalidatedOn" not in token
    created = _date(token["createdOn"])
    assert datetime.timedelta(minutes=30) == _date(token["expiresOn"]) - created
    assert datetime.timedelta(hours=5) == _date(token["refreshExpiresOn"]) - created
    assert len(token["createdOn"]) == len("2024-01-02T03:04:05.678Z")


async def test_jwt_has_kapua_header_and_claims_and_verifies(api: Api) -> None:
    """The JWT header is only RS256 and the claims name user, scope and token."""
    token = await api.login("acme-admin")
    jwt = token["tokenId"]

    assert {"alg": "RS256"} == _segment(jwt, 0)
    claims = _segment(jwt, 1)
    assert claims["iss"] == "https://www.eclipse.org/kapua"
    assert claims["sub"] == token["userId"]
    assert claims["sId"] == token["scopeId"]
    assert claims["exp"] - claims["iat"] in {1799, 1800}
    assert isinstance(claims["tokenIdentifier"], str)
    verified = jws.verify(jwt, api.emulator.public_key_pem, algorithms=["RS256"])
    assert claims == json.loads(verified)


async def test_api_key_login(api: Api) -> None:
    """A key from create_api_key logs its user in."""
    user_id = api.emulator.admin.user_id("globex-admin")
    api_key = api.emulator.admin.create_api_key(user_id)

    reply = await api.call("POST", "/authentication/apikey", body={"apiKey": api_key})

    assert reply.status == 200
    assert user_id == reply.json()["userId"]


async def test_demo_api_key_belongs_to_the_first_tenant_admin(api: Api) -> None:
    """The documented DEMO_API_KEY logs in the first tenant's admin."""
    reply = await api.call(
        "POST", "/authentication/apikey", body={"apiKey": DEMO_API_KEY}
    )

    assert reply.status == 200
    assert api.emulator.admin.user_id("acme-admin") == reply.json()["userId"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/authentication/user",
            {"username": "acme-admin", "password": "Wrong-Passw0rd!"},
        ),
        (
            "/authentication/user",
            {"username": "nobody-here", "password": DEMO_PASSWORD},
        ),
        ("/authentication/apikey", {"apiKey": "NotAKey0" + "x" * 24}),
    ],
)
async def test_failed_login_is_an_empty_401(
    api: Api, path: str, body: dict[str, str]
) -> None:
    """Wrong credentials of any kind get 401 with no body at all."""
    reply = await api.call("POST", path, body=body)

    assert reply.status == 401
    assert reply.body == b""
    assert api.emulator.counters.failed_logins == 1


async def test_refresh_rotates_and_invalidates_the_old_token(api: Api) -> None:
    """Refresh returns a new pair, and the old JWT is then invalidated."""
    old = await api.login("acme-admin")

    reply = await api.call(
        "POST",
        "/authentication/refresh",
        body={"tokenId": old["tokenId"], "refreshToken": old["refreshToken"]},
    )
    new = reply.json()

    assert reply.status == 200
    assert new["tokenId"] != old["tokenId"]
    assert new["refreshToken"] != old["refreshToken"]
    rejected = await api.call("GET", "/_/devices", token=old["tokenId"])
    assert rejected.status == 401
    assert INVALIDATED in rejected.body.decode()
    accepted = await api.call("GET", "/_/devices", token=new["tokenId"])
    assert accepted.status == 200
    assert api.emulator.counters.refreshes == 1


async def _refresh(api: Api, jwt: str, refresh_token: str) -> Any:
    reply = await api.call(
        "POST",
        "/authentication/refresh",
        body={"tokenId": jwt, "refreshToken": refresh_token},
    )
    assert reply.status == 401

    return reply.json()


def _refresh_error(detail: str) -> dict[str, Any]:
    return {
        "type": "exceptionInfo",
        "httpErrorCode": 401,
        "message": f"Error while refreshing the AccessToken. {detail}",
        "kapuaErrorCode": "REFRESH_ERROR",
    }


async def test_refreshing_an_old_pair_again_fails(api: Api) -> None:
    """The pair replaced by a refresh cannot be refreshed a second time."""
    old = await api.login("acme-admin")
    await api.call(
        "POST",
        "/authentication/refresh",
        body={"tokenId": old["tokenId"], "refreshToken": old["refreshToken"]},
    )

    body = await _refresh(api, old["tokenId"], old["refreshToken"])

    assert _refresh_error("The provided access token has been invalidated") == body


async def test_refresh_with_the_wrong_refresh_token_fails(api: Api) -> None:
    """A refresh token that is not the JWT's own gets the mismatch detail."""
    token = await api.login("acme-admin")

    body = await _refresh(api, token["tokenId"], "foo")

    assert (
        _refresh_error("The provided refresh token doesn't match the one for this jwt")
        == body
    )


async def test_refresh_with_an_unreadable_jwt_has_an_empty_detail(api: Api) -> None:
    """A JWT that cannot be read gets REFRESH_ERROR with an empty detail."""
    token = await api.login("acme-admin")

    body = await _refresh(api, "foo", token["refreshToken"])

    assert _refresh_error("") == body
    assert api.emulator.counters.failed_refreshes == 1


async def test_expired_token_is_rejected_but_can_be_refreshed(api: Api) -> None:
    """After 30 minutes the JWT is expired, and refresh still accepts it."""
    token = await api.login("acme-admin")
    api.emulator.admin.advance_clock(30 * 60 + 1)

    rejected = await api.call("GET", "/_/devices", token=token["tokenId"])
    reply = await api.call(
        "POST",
        "/authentication/refresh",
        body={"tokenId": token["tokenId"], "refreshToken": token["refreshToken"]},
    )
    accepted = await api.call("GET", "/_/devices", token=reply.json()["tokenId"])

    assert rejected.status == 401
    assert EXPIRED in rejected.body.decode()
    assert reply.status == 200
    assert accepted.status == 200
    assert api.emulator.counters.rejected["expired"] == 1


async def test_expired_refresh_token_cannot_refresh(api: Api) -> None:
    """Five hours after login the refresh token itself has expired."""
    token = await api.login("acme-admin")
    api.emulator.admin.advance_clock(5 * 3600 + 1)

    body = await _refresh(api, token["tokenId"], token["refreshToken"])

    assert _refresh_error("The provided refresh token is expired") == body


async def test_logout_invalidates_the_token(api: Api) -> None:
    """After logout (204) the same JWT gets the invalidated 401."""
    token = await api.token("acme-admin")

    logout = await api.call("POST", "/authentication/logout", token=token)
    reply = await api.call("GET", "/_/devices", token=token)

    assert logout.status == 204
    assert reply.status == 401
    assert INVALIDATED in reply.body.decode()
    assert api.emulator.counters.logouts == 1
    assert api.emulator.counters.rejected["invalidated"] == 1


async def test_missing_token_gets_jetty_html_page(api: Api) -> None:
    """Without a token a protected path answers Jetty's HTML error page."""
    reply = await api.call("GET", "/_/devices", headers={"Accept": "text/html"})

    assert reply.status == 401
    assert reply.headers["Content-Type"].startswith("text/html")
    assert f"<title>Error 401 {GENERIC}</title>" in reply.body.decode("iso-8859-1")
    assert api.emulator.counters.rejected["missing"] == 1


async def test_token_error_page_is_json_when_json_is_accepted(api: Api) -> None:
    """With Accept: application/json the 401 is Jetty's JSON error document."""
    reply = await api.call(
        "GET", "/_/devices", token="not-a-jwt", headers={"Accept": "application/json"}
    )

    assert reply.status == 401
    assert {
        "url": "/v1/_/devices",
        "status": "401",
        "message": "The provided access token is malformed",
        "servlet": "Jersey Web Application",
    } == reply.json()
    assert api.emulator.counters.rejected["malformed"] == 1


async def test_jwt_signed_by_another_emulator_is_malformed(api: Api) -> None:
    """A token from a different emulator fails the signature check."""
    async with running() as other:
        foreign = await other.token("acme-admin")

    reply = await api.call(
        "GET", "/_/devices", token=foreign, headers={"Accept": "text/plain"}
    )

    assert reply.status == 401
    assert "MESSAGE: The provided access token is malformed" in reply.body.decode()


async def test_lockout_after_three_failures_until_lock_expires() -> None:
    """Three wrong passwords lock the credential for lockDuration, even the right one."""
    async with running(config=EmulatorConfig(failed_login_delay=0)) as api:
        wrong = {"username": "acme-admin", "password": "Wrong-Passw0rd!"}
        right = {"username": "acme-admin", "password": DEMO_PASSWORD}
        for _ in range(3):
            await api.call("POST", "/authentication/user", body=wrong)

        locked = await api.call("POST", "/authentication/user", body=right)
        api.emulator.admin.advance_clock(10800 + 1)
        unlocked = await api.call("POST", "/authentication/user", body=right)

    assert locked.status == 401
    assert locked.body == b""
    assert unlocked.status == 200


async def test_failures_outside_the_reset_window_do_not_add_up(api: Api) -> None:
    """Failures older than resetAfter start a new count, so four spread out do not lock."""
    wrong = {"username": "acme-admin", "password": "Wrong-Passw0rd!"}
    for _ in range(2):
        await api.call("POST", "/authentication/user", body=wrong)
    api.emulator.admin.advance_clock(3600 + 1)
    for _ in range(2):
        await api.call("POST", "/authentication/user", body=wrong)

    reply = await api.call(
        "POST",
        "/authentication/user",
        body={"username": "acme-admin", "password": DEMO_PASSWORD},
    )

    assert reply.status == 200


async def test_lockout_thresholds_come_from_the_config() -> None:
    """With lockout_max_failures=1 a single wrong password locks the user."""
    config = EmulatorConfig(failed_login_delay=0, lockout_max_failures=1)
    async with running(config=config) as api:
        await api.call(
            "POST",
            "/authentication/user",
            body={"username": "acme-admin", "password": "x"},
        )
        reply = await api.call(
            "POST",
            "/authentication/user",
            body={"username": "acme-admin", "password": DEMO_PASSWORD},
        )

    assert reply.status == 401


async def test_login_info_lists_the_callers_permissions(api: Api) -> None:
    """Login info carries the token and the admin's forwardable permission on its account."""
    token = await api.login("acme-admin")

    reply = await api.call("GET", "/authentication/info", token=token["tokenId"])
    info = reply.json()

    assert reply.status == 200
    assert token["tokenId"] == info["accessToken"]["tokenId"]
    assert [{"targetScopeId": token["scopeId"], "forwardable": True}] == [
        item["permission"] for item in info["accessPermission"]
    ]
    assert [] == info["rolePermission"]
    assert "rolePermissions" not in info


async def test_sys_info_needs_no_token(api: Api) -> None:
    """GET /sys-info answers without authentication."""
    reply = await api.call("GET", "/sys-info")

    assert reply.status == 200
    assert reply.json()["type"] == "systemInfo"


async def test_clock_offset_shifts_issued_times() -> None:
    """A server clock one hour ahead stamps tokens one hour ahead of the client."""
    async with running(
        config=EmulatorConfig(failed_login_delay=0, clock_offset=3600)
    ) as api:
        token = await api.login("acme-admin")

    ahead = _date(token["createdOn"]) - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(minutes=59) < ahead < datetime.timedelta(minutes=61)


async def test_user_ids_are_compact_positive_63_bit_integers(
    emulator: Emulator,
) -> None:
    """Seeded users get Kapua-style random 63-bit ids."""
    value = decode_compact_id(emulator.admin.user_id("acme-admin"))

    assert 1 < value < 2**63
