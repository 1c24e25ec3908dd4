"""Accounts: child lists, recursion, filters, queries and single accounts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from ec_async._ids import decode_compact_id

from ._support import Api

pytestmark = pytest.mark.anyio


async def _tree(api: Api) -> tuple[str, str, list[str]]:
    """Build acme -> two children -> one grandchild and return token, acme, ids."""
    admin = api.emulator.admin
    acme = admin.account_id("acme")
    first = admin.create_account(acme, "zz-beta")
    second = admin.create_account(acme, "zz-alpha")
    grandchild = admin.create_account(first, "zz-beta-lab")

    return await api.token("acme-admin"), acme, [first, second, grandchild]


async def _list(api: Api, token: str, path: str, **params: str) -> Any:
    reply = await api.call("GET", path, token=token, params=params)
    assert reply.status == 200, reply.body

    return reply.json()


async def test_list_holds_direct_children_sorted_by_name(api: Api) -> None:
    """GET /{scopeId}/accounts returns only direct children, by name ascending."""
    token, acme, (first, second, grandchild) = await _tree(api)

    result = await _list(api, token, f"/{acme}/accounts", limit="1000")
    names = [item["name"] for item in result["items"]]

    assert result["type"] == "accountListResult"
    assert sorted(names) == names
    assert {acme} == {item["scopeId"] for item in result["items"]}
    ids = {item["id"] for item in result["items"]}
    assert {first, second} <= ids
    assert grandchild not in ids


async def test_account_carries_kapua_fields(api: Api) -> None:
    """An account has organization, optlock and a decimal parentAccountPath."""
    token, acme, (first, _, grandchild) = await _tree(api)

    account = (await api.call("GET", f"/accounts/{grandchild}", token=token)).json()

    assert account["type"] == "account"
    assert account["scopeId"] == first
    expected_path = "/" + "/".join(
        str(decode_compact_id(part)) for part in ("AQ", acme, first, grandchild)
    )
    assert expected_path == account["parentAccountPath"]
    assert account["organization"]["name"] == "zz-beta-lab"
    assert isinstance(account["optlock"], int)


async def test_recursive_list_returns_all_descendants_unpaged(api: Api) -> None:
    """recursive=true lists every account below the scope and ignores limit."""
    token, _, created = await _tree(api)

    result = await _list(api, token, "/_/accounts", recursive="true", limit="1")
    ids = {item["id"] for item in result["items"]}

    assert set(created) <= ids
    assert len(ids) == result["size"]
    assert result["limitExceeded"] is False


async def test_name_filter_and_match_term(api: Api) -> None:
    """name matches exactly; matchTerm matches names that start with the term."""
    token, _, (_, second, _) = await _tree(api)

    by_name = await _list(api, token, "/_/accounts", name="zz-alpha")
    by_term = await _list(api, token, "/_/accounts", matchTerm="zz-")

    assert [second] == [item["id"] for item in by_name["items"]]
    assert ["zz-alpha", "zz-beta"] == [item["name"] for item in by_term["items"]]


async def test_query_without_limit_and_count(api: Api) -> None:
    """_query without a limit returns every child; _count agrees with it."""
    token, acme, _ = await _tree(api)
    listed = await _list(api, token, f"/{acme}/accounts", limit="1000")

    query = await api.call("POST", f"/{acme}/accounts/_query", token=token, body={})
    count = await api.call("POST", f"/{acme}/accounts/_count", token=token, body={})

    assert listed["items"] == query.json()["items"]
    assert {"type": "countResult", "count": listed["size"]} == count.json()


async def test_deprecated_get_ignores_its_scope(api: Api) -> None:
    """GET /{scopeId}/accounts/{accountId} answers as /accounts/{accountId}."""
    token, _, (first, _, _) = await _tree(api)

    current = await api.call("GET", f"/accounts/{first}", token=token)
    deprecated = await api.call("GET", f"/anything/accounts/{first}", token=token)

    assert current.status == 200
    assert current.json() == deprecated.json()


async def test_current_account_is_the_callers(api: Api) -> None:
    """GET /account returns the account of the logged-in user."""
    token = await api.token("acme-admin")

    reply = await api.call("GET", "/account", token=token)

    assert reply.status == 200
    assert api.emulator.admin.account_id("acme") == reply.json()["id"]
    assert reply.json()["name"] == "acme"


async def test_unknown_account_is_a_404(api: Api) -> None:
    """An id no account has gets entityNotFoundExceptionInfo for type account."""
    token = await api.token("acme-admin")

    reply = await api.call("GET", "/accounts/AuY", token=token)

    assert reply.status == 404
    assert {
        "type": "entityNotFoundExceptionInfo",
        "httpErrorCode": 404,
        "message": "The entity of type account with id/name 742 was not found.",
        "kapuaErrorCode": "ENTITY_NOT_FOUND",
        "entityType": "account",
        "entityId": "AuY",
    } == reply.json()


async def test_other_tenant_account_is_forbidden(api: Api) -> None:
    """Reading a sibling tenant's account needs account:read on its parent."""
    token = await api.token("acme-admin")
    globex = api.emulator.admin.account_id("globex")

    reply = await api.call("GET", f"/accounts/{globex}", token=token)

    assert reply.status == 403
    assert reply.json()["permission"] == {
        "domain": "account",
        "action": "read",
        "targetScopeId": "AQ",
        "forwardable": False,
    }


async def test_expiration_date_uses_kapuas_date_format(api: Api) -> None:
    """expirationDate is written in UTC with milliseconds and a Z."""
    admin = api.emulator.admin
    moment = datetime.datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC)
    account = admin.create_account(
        admin.account_id("acme"), "expiring", expiration_date=moment
    )
    token = await api.token("acme-admin")

    reply = await api.call("GET", f"/accounts/{account}", token=token)

    assert reply.json()["expirationDate"] == "2030-01-02T03:04:05.678Z"


async def test_users_of_an_expired_account_cannot_log_in(api: Api) -> None:
    """Login fails with the bare 401 once the user's account has expired."""
    admin = api.emulator.admin
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    account = admin.create_account(
        admin.account_id("acme"), "expired", expiration_date=past
    )
    admin.create_user(account, "expired-user", "Expired-Passw0rd!")

    reply = await api.call(
        "POST",
        "/authentication/user",
        body={"username": "expired-user", "password": "Expired-Passw0rd!"},
    )

    assert (401, b"") == (reply.status, reply.body)
