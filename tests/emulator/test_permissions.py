"""Scope resolution and permission checks: ``_``, children, siblings, parents."""

from __future__ import annotations

import pytest

from ec_async._ids import decode_compact_id
from ec_async.emulator import (
    DEMO_PASSWORD,
    SYSTEM_PASSWORD,
    SYSTEM_USERNAME,
    Permission,
)

from ._support import Api

pytestmark = pytest.mark.anyio


def _unauthorized(domain: str, action: str, scope_id: str) -> dict[str, object]:
    return {
        "type": "subjectUnauthorizedExceptionInfo",
        "httpErrorCode": 403,
        "message": "User does not have permission to perform this action. Required"
        f" permission: {domain}:{action}:{decode_compact_id(scope_id)}:*.",
        "kapuaErrorCode": "SUBJECT_UNAUTHORIZED",
        "permission": {
            "domain": domain,
            "action": action,
            "targetScopeId": scope_id,
            "forwardable": False,
        },
    }


async def _children(api: Api, token: str, scope: str = "_") -> list[dict[str, object]]:
    reply = await api.call("GET", f"/{scope}/accounts", token=token)
    assert reply.status == 200
    items: list[dict[str, object]] = reply.json()["items"]

    return items


async def test_underscore_is_the_callers_account(api: Api) -> None:
    """``_`` lists the same devices as the caller's explicit account id."""
    token = await api.token("acme-admin")
    acme = api.emulator.admin.account_id("acme")

    by_wildcard = await api.call("GET", "/_/devices", token=token)
    by_id = await api.call("GET", f"/{acme}/devices", token=token)

    assert by_wildcard.status == 200
    assert by_id.json() == by_wildcard.json()
    assert {acme} == {item["scopeId"] for item in by_id.json()["items"]}


async def test_forwardable_admin_reaches_children_and_grandchildren(api: Api) -> None:
    """A forwardable grant on the tenant reaches every account below it."""
    token = await api.token("acme-admin")
    reply = await api.call(
        "GET", "/_/accounts", token=token, params={"recursive": "true"}
    )
    descendants = [item["id"] for item in reply.json()["items"]]

    statuses = [
        (await api.call("GET", f"/{account}/devices", token=token)).status
        for account in descendants
    ]

    assert len(descendants) >= 3
    assert [200] * len(descendants) == statuses


async def test_sibling_account_is_forbidden_with_the_required_permission(
    api: Api,
) -> None:
    """Acting on a sibling tenant gets 403 naming device:read on it."""
    token = await api.token("acme-admin")
    globex = api.emulator.admin.account_id("globex")

    reply = await api.call("GET", f"/{globex}/devices", token=token)

    assert reply.status == 403
    assert _unauthorized("device", "read", globex) == reply.json()
    assert api.emulator.counters.rejected["forbidden"] == 1


async def test_parent_account_is_forbidden(api: Api) -> None:
    """A tenant admin may not list the children of kapua-sys."""
    token = await api.token("acme-admin")

    reply = await api.call("GET", "/AQ/accounts", token=token)

    assert reply.status == 403
    assert _unauthorized("account", "read", "AQ") == reply.json()


async def test_system_admin_reaches_every_tenant(api: Api) -> None:
    """kapua-sys's forwardable grant on account 1 covers all tenants."""
    token = await api.token(SYSTEM_USERNAME, SYSTEM_PASSWORD)
    globex = api.emulator.admin.account_id("globex")

    reply = await api.call("GET", f"/{globex}/devices", token=token)

    assert reply.status == 200


async def test_non_forwardable_grant_stops_at_its_account(api: Api) -> None:
    """device:read on the tenant without forwarding does not reach its children."""
    admin = api.emulator.admin
    acme = admin.account_id("acme")
    child = admin.create_account(acme, "acme-reader-child")
    admin.create_user(
        acme,
        "acme-reader",
        DEMO_PASSWORD,
        [Permission(domain="device", action="read", target_scope_id=acme)],
    )
    token = await api.token("acme-reader")

    own = await api.call("GET", f"/{acme}/devices", token=token)
    below = await api.call("GET", f"/{child}/devices", token=token)
    write = await api.call(
        "POST", f"/{acme}/devices", token=token, body={"clientId": "x-1"}
    )

    assert own.status == 200
    assert below.status == 403
    assert _unauthorized("device", "read", child) == below.json()
    assert _unauthorized("device", "write", acme) == write.json()


async def test_permissions_can_come_from_a_role(api: Api) -> None:
    """A role holding device:read grants it to the user the role is assigned to."""
    admin = api.emulator.admin
    acme = admin.account_id("acme")
    role = admin.create_role(acme, "viewers", [Permission("device", "read", acme)])
    viewer = admin.create_user(acme, "acme-viewer", DEMO_PASSWORD)
    admin.create_user(acme, "acme-nobody", DEMO_PASSWORD)
    admin.assign_role(viewer, role)

    with_role = await api.call(
        "GET", "/_/devices", token=await api.token("acme-viewer")
    )
    without = await api.call("GET", "/_/devices", token=await api.token("acme-nobody"))
    info = await api.call(
        "GET", "/authentication/info", token=await api.token("acme-viewer")
    )

    assert with_role.status == 200
    assert without.status == 403
    assert [
        {
            "domain": "device",
            "action": "read",
            "targetScopeId": acme,
            "forwardable": False,
        }
    ] == [item["permission"] for item in info.json()["rolePermission"]]


async def test_undecodable_scope_id_is_a_400_naming_scope_id(api: Api) -> None:
    """A scope id that is not base64url gets illegalArgumentExceptionInfo for scopeId."""
    token = await api.token("acme-admin")

    reply = await api.call("GET", "/A/devices", token=token)

    assert reply.status == 400
    assert {
        "type": "illegalArgumentExceptionInfo",
        "httpErrorCode": 400,
        "message": "An illegal value was provided for the argument scopeId: null.",
        "kapuaErrorCode": "ILLEGAL_ARGUMENT",
        "argumentName": "scopeId",
    } == reply.json()


async def test_token_is_checked_before_the_path(api: Api) -> None:
    """Without a token even a malformed scope id gets the 401 first."""
    reply = await api.call("GET", "/A/devices")

    assert reply.status == 401
