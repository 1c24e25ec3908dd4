"""Devices: paging, list rules, filters, and create/read/update/delete."""

from __future__ import annotations

from typing import Any

import pytest

from ec_async._ids import decode_compact_id

from ._support import Api

pytestmark = pytest.mark.anyio


async def _fleet(
    api: Api, size: int, name: str = "fleet"
) -> tuple[str, str, list[str]]:
    """Create an account under acme with ``size`` devices; return token, scope, client ids."""
    admin = api.emulator.admin
    scope = (
        admin.account_id("acme")
        if name == "acme"
        else admin.create_account(admin.account_id("acme"), name)
    )
    client_ids = [f"dev-{index:03d}" for index in range(size)]
    for client_id in reversed(client_ids):
        admin.create_device(scope, client_id)

    return await api.token("acme-admin"), scope, client_ids


async def _get(api: Api, token: str, path: str, params: Any = None) -> Any:
    reply = await api.call("GET", path, token=token, params=params)
    assert reply.status == 200, reply.body

    return reply.json()


async def test_paging_returns_every_device_once(api: Api) -> None:
    """Walking offset by limit visits all 23 devices exactly once, in clientId order."""
    token, scope, client_ids = await _fleet(api, 23)

    seen: list[str] = []
    exceeded: list[bool] = []
    for offset in range(0, 25, 5):
        page = await _get(
            api, token, f"/{scope}/devices", {"offset": str(offset), "limit": "5"}
        )
        seen += [item["clientId"] for item in page["items"]]
        exceeded.append(page["limitExceeded"])

    assert client_ids == seen
    assert [True, True, True, True, False] == exceeded


@pytest.mark.parametrize(
    ("params", "size", "limit_exceeded"),
    [
        ({"limit": "22"}, 22, True),
        ({"limit": "23"}, 23, False),
        ({"offset": "20", "limit": "3"}, 3, False),
        ({"offset": "30"}, 0, False),
        ({"limit": "0"}, 0, True),
    ],
)
async def test_limit_exceeded_means_more_rows_follow(
    api: Api, params: dict[str, str], size: int, limit_exceeded: bool
) -> None:
    """limitExceeded is true exactly when rows exist past offset + limit."""
    token, scope, _ = await _fleet(api, 23)

    page = await _get(api, token, f"/{scope}/devices", params)

    assert size == page["size"] == len(page["items"])
    assert limit_exceeded is page["limitExceeded"]
    assert "totalCount" not in page


async def test_total_count_only_when_asked(api: Api) -> None:
    """askTotalCount=true adds the count of all matches, not just the page."""
    token, scope, _ = await _fleet(api, 23)

    page = await _get(
        api, token, f"/{scope}/devices", {"limit": "5", "askTotalCount": "true"}
    )

    assert page["totalCount"] == 23
    assert page["size"] == 5


async def test_default_limit_is_50_but_query_without_limit_returns_all(
    api: Api,
) -> None:
    """A GET list stops at 50; a _query body without limit returns every row."""
    token, scope, client_ids = await _fleet(api, 55)

    listed = await _get(api, token, f"/{scope}/devices")
    queried = await api.call("POST", f"/{scope}/devices/_query", token=token, body={})
    limited = await api.call(
        "POST",
        f"/{scope}/devices/_query",
        token=token,
        body={"limit": 10, "askTotalCount": True},
    )

    assert (50, True) == (listed["size"], listed["limitExceeded"])
    assert client_ids == [item["clientId"] for item in queried.json()["items"]]
    assert queried.json()["limitExceeded"] is False
    assert (10, True, 55) == (
        limited.json()["size"],
        limited.json()["limitExceeded"],
        limited.json()["totalCount"],
    )


async def test_count(api: Api) -> None:
    """_count returns a countResult with every device of the scope."""
    token, scope, _ = await _fleet(api, 7)

    reply = await api.call("POST", f"/{scope}/devices/_count", token=token, body={})

    assert {"type": "countResult", "count": 7} == reply.json()


@pytest.mark.parametrize("direction", ["DESCENDING", "descending"])
async def test_sort_descending(api: Api, direction: str) -> None:
    """sortParam with sortDir DESCENDING (any case) reverses the order."""
    token, scope, client_ids = await _fleet(api, 6)

    page = await _get(
        api, token, f"/{scope}/devices", {"sortParam": "clientId", "sortDir": direction}
    )

    assert client_ids[::-1] == [item["clientId"] for item in page["items"]]


async def test_bad_sort_direction_is_a_400_for_sort_order(api: Api) -> None:
    """An unknown sortDir gets illegalArgumentExceptionInfo named sortOrder."""
    token, scope, _ = await _fleet(api, 1)

    reply = await api.call(
        "GET", f"/{scope}/devices", token=token, params={"sortDir": "up"}
    )

    assert reply.status == 400
    assert {
        "type": "illegalArgumentExceptionInfo",
        "httpErrorCode": 400,
        "message": "An illegal value was provided for the argument sortOrder: up.",
        "kapuaErrorCode": "ILLEGAL_ARGUMENT",
        "argumentName": "sortOrder",
        "argumentValue": "up",
    } == reply.json()


async def test_status_filter_is_the_connection_status_in_any_case(api: Api) -> None:
    """status filters on connection status, case-insensitively."""
    admin = api.emulator.admin
    scope = admin.create_account(admin.account_id("acme"), "mixed")
    admin.create_device(scope, "on-1", connected=True)
    admin.create_device(scope, "on-2", connected=True)
    admin.create_device(scope, "off-1", connected=False)
    admin.create_device(scope, "never-1", connected=None)
    token = await api.token("acme-admin")

    connected = await _get(api, token, f"/{scope}/devices", {"status": "connected"})
    disconnected = await _get(
        api, token, f"/{scope}/devices", {"status": "DISCONNECTED"}
    )

    assert ["on-1", "on-2"] == [item["clientId"] for item in connected["items"]]
    assert ["off-1"] == [item["clientId"] for item in disconnected["items"]]


async def test_fetch_attributes_embed_the_connection(api: Api) -> None:
    """fetchAttributes=connection embeds each device's connection; otherwise it is absent."""
    admin = api.emulator.admin
    scope = admin.create_account(admin.account_id("acme"), "fetching")
    device = admin.create_device(scope, "gw-1", connected=True)
    admin.set_connection(device, "MISSING")
    token = await api.token("acme-admin")

    plain = await _get(api, token, f"/{scope}/devices")
    fetched = await _get(
        api,
        token,
        f"/{scope}/devices",
        [("fetchAttributes", "connection"), ("fetchAttributes", "lastEvent")],
    )

    assert "connection" not in plain["items"][0]
    connection = fetched["items"][0]["connection"]
    assert (connection["id"], connection["status"]) == (
        plain["items"][0]["connectionId"],
        "MISSING",
    )


async def test_client_id_and_match_term_filters(api: Api) -> None:
    """clientId matches exactly; matchTerm matches any listed field's prefix."""
    admin = api.emulator.admin
    scope = admin.create_account(admin.account_id("acme"), "filters")
    admin.create_device(scope, "RPI4-000001", model_name="Raspberry Pi 4")
    admin.create_device(scope, "RPI4-000002", display_name="Boiler room")
    admin.create_device(scope, "RG1012-000003", display_name="Raspberry shed")
    token = await api.token("acme-admin")

    exact = await _get(api, token, f"/{scope}/devices", {"clientId": "RPI4-000002"})
    prefix = await _get(api, token, f"/{scope}/devices", {"matchTerm": "Raspberry"})

    assert ["RPI4-000002"] == [item["clientId"] for item in exact["items"]]
    assert ["RG1012-000003", "RPI4-000001"] == [
        item["clientId"] for item in prefix["items"]
    ]


async def test_create_returns_201_with_the_device_and_no_location(api: Api) -> None:
    """POST /{scopeId}/devices answers 201 with the new device and no Location."""
    token = await api.token("acme-admin")

    reply = await api.call(
        "POST",
        "/_/devices",
        token=token,
        body={"clientId": "new-1", "displayName": "New"},
    )
    device = reply.json()
    fetched = await api.call("GET", f"/_/devices/{device['id']}", token=token)

    assert reply.status == 201
    assert "Location" not in reply.headers
    assert ("device", "new-1", "New", "ENABLED") == (
        device["type"],
        device["clientId"],
        device["displayName"],
        device["status"],
    )
    assert device == fetched.json()


async def test_duplicate_client_id_is_kapuas_duplicate_name(api: Api) -> None:
    """A second device with the same clientId in a scope gets 500 DUPLICATE_NAME."""
    token = await api.token("acme-admin")
    await api.call("POST", "/_/devices", token=token, body={"clientId": "twin"})

    reply = await api.call("POST", "/_/devices", token=token, body={"clientId": "twin"})

    assert reply.status == 500
    assert {
        "type": "exceptionInfo",
        "httpErrorCode": 500,
        "message": "An entity with the same name twin already exists.",
        "kapuaErrorCode": "DUPLICATE_NAME",
    } == reply.json()


async def test_same_client_id_in_another_scope_is_fine(api: Api) -> None:
    """clientId is unique per scope only."""
    token, scope, _ = await _fleet(api, 1)
    await api.call("POST", "/_/devices", token=token, body={"clientId": "dev-000"})

    reply = await api.call(
        "POST", f"/{scope}/devices", token=token, body={"clientId": "dev-001"}
    )

    assert reply.status == 201


async def test_update_increments_optlock_and_rejects_stale_ones(api: Api) -> None:
    """PUT bumps optlock by one; a PUT carrying the old optlock gets 500 OPTIMISTIC_LOCKING."""
    token = await api.token("acme-admin")
    created = (
        await api.call("POST", "/_/devices", token=token, body={"clientId": "upd-1"})
    ).json()
    path = f"/_/devices/{created['id']}"

    updated = await api.call(
        "PUT", path, token=token, body={**created, "displayName": "Renamed"}
    )
    stale = await api.call(
        "PUT", path, token=token, body={**created, "displayName": "Again"}
    )

    assert updated.status == 200
    assert created["optlock"] + 1 == updated.json()["optlock"]
    assert updated.json()["displayName"] == "Renamed"
    assert stale.status == 500
    assert {
        "type": "exceptionInfo",
        "httpErrorCode": 500,
        "message": "The entity is out of state as it has been modified or deleted by another"
        " transaction.",
        "kapuaErrorCode": "OPTIMISTIC_LOCKING",
    } == stale.json()


async def test_update_is_a_full_replace(api: Api) -> None:
    """Fields left out of a PUT body are cleared."""
    token = await api.token("acme-admin")
    created = (
        await api.call(
            "POST",
            "/_/devices",
            token=token,
            body={"clientId": "full-1", "serialNumber": "SN-1"},
        )
    ).json()

    body = {"clientId": "full-1", "status": "DISABLED", "optlock": created["optlock"]}
    reply = await api.call("PUT", f"/_/devices/{created['id']}", token=token, body=body)

    assert reply.status == 200
    assert "serialNumber" not in reply.json()
    assert reply.json()["status"] == "DISABLED"


async def test_delete_then_get_is_a_404(api: Api) -> None:
    """DELETE answers 204; the device is then not found, with Kapua's 404 body."""
    token = await api.token("acme-admin")
    created = (
        await api.call("POST", "/_/devices", token=token, body={"clientId": "del-1"})
    ).json()
    path = f"/_/devices/{created['id']}"

    deleted = await api.call("DELETE", path, token=token)
    missing = await api.call("GET", path, token=token)
    again = await api.call("DELETE", path, token=token)

    assert deleted.status == 204
    assert deleted.body == b""
    assert missing.status == 404
    assert {
        "type": "entityNotFoundExceptionInfo",
        "httpErrorCode": 404,
        "message": "The entity of type device with id/name"
        f" {decode_compact_id(created['id'])} was not found.",
        "kapuaErrorCode": "ENTITY_NOT_FOUND",
        "entityType": "device",
        "entityId": created["id"],
    } == missing.json()
    assert again.status == 404


async def test_device_of_another_scope_is_not_found(api: Api) -> None:
    """A device id looked up in the wrong scope is a 404."""
    token, scope, _ = await _fleet(api, 1)
    device_id = (await _get(api, token, f"/{scope}/devices"))["items"][0]["id"]

    reply = await api.call("GET", f"/_/devices/{device_id}", token=token)

    assert reply.status == 404


async def test_undecodable_device_id_is_a_400_naming_device_id(api: Api) -> None:
    """A device id that is not base64url gets 400 with argumentName deviceId."""
    token = await api.token("acme-admin")

    reply = await api.call("GET", "/_/devices/A", token=token)

    assert reply.status == 400
    assert reply.json()["argumentName"] == "deviceId"
    assert reply.json()["type"] == "illegalArgumentExceptionInfo"


async def test_create_without_client_id_is_an_illegal_null_argument(api: Api) -> None:
    """A creator without clientId gets illegalNullArgumentExceptionInfo."""
    token = await api.token("acme-admin")

    reply = await api.call("POST", "/_/devices", token=token, body={"displayName": "x"})

    assert reply.status == 400
    assert {
        "type": "illegalNullArgumentExceptionInfo",
        "httpErrorCode": 400,
        "message": "An illegal null value was provided for the argument deviceCreator.clientId.",
        "kapuaErrorCode": "ILLEGAL_NULL_ARGUMENT",
        "argumentName": "deviceCreator.clientId",
    } == reply.json()


async def test_malformed_json_is_an_empty_400(api: Api) -> None:
    """A body that is not JSON gets Jersey's bare 400."""
    token = await api.token("acme-admin")

    async with api.http.post(
        api.emulator.base_url + "/_/devices",
        data=b"{not json",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
    ) as response:
        body = await response.read()

    assert response.status == 400
    assert body == b""


async def test_device_connections_list_and_get(api: Api) -> None:
    """Device connections list by clientId order and fetch by id."""
    admin = api.emulator.admin
    scope = admin.create_account(admin.account_id("acme"), "links")
    admin.create_device(scope, "b-gw", connected=True)
    admin.create_device(scope, "a-gw", connected=False)
    token = await api.token("acme-admin")

    listed = await _get(api, token, f"/{scope}/deviceconnections")
    first = listed["items"][0]
    single = await _get(api, token, f"/{scope}/deviceconnections/{first['id']}")

    assert listed["type"] == "deviceConnectionListResult"
    assert ["a-gw", "b-gw"] == [item["clientId"] for item in listed["items"]]
    assert first == single


async def test_tag_filter(api: Api) -> None:
    """tagId keeps only the devices carrying that tag."""
    admin = api.emulator.admin
    scope = admin.create_account(admin.account_id("acme"), "tagged")
    admin.create_device(scope, "tagged-1", tag_ids=["Ag", "Aw"])
    admin.create_device(scope, "tagged-2", tag_ids=["Aw"])
    admin.create_device(scope, "plain-1")
    token = await api.token("acme-admin")

    page = await _get(api, token, f"/{scope}/devices", {"tagId": "Ag"})

    assert ["tagged-1"] == [item["clientId"] for item in page["items"]]
    assert ["Ag", "Aw"] == page["items"][0]["tagIds"]


async def test_non_numeric_limit_is_a_400_naming_limit(api: Api) -> None:
    """A limit that is not an integer gets illegalArgumentExceptionInfo for limit."""
    token = await api.token("acme-admin")

    reply = await api.call("GET", "/_/devices", token=token, params={"limit": "ten"})

    assert reply.status == 400
    assert reply.json()["argumentName"] == "limit"


async def test_create_without_a_body_is_kapuas_null_pointer(api: Api) -> None:
    """No body and no Content-Type: Jersey passes null, the resource fails with a 500."""
    token = await api.token("acme-admin")

    async with api.http.post(
        api.emulator.base_url + "/_/devices",
        headers={"Authorization": f"Bearer {token}"},
        skip_auto_headers=["Content-Type"],
    ) as response:
        body = await response.json()

    assert 500 == response.status
    assert {"type": "throwableInfo", "httpErrorCode": 500} == body


async def test_empty_json_body_is_an_empty_400(api: Api) -> None:
    """An empty body declared as JSON is no JSON document: Jersey's bare 400."""
    token = await api.token("acme-admin")

    async with api.http.post(
        api.emulator.base_url + "/_/devices",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
    ) as response:
        body = await response.read()

    assert (400, b"") == (response.status, body)


@pytest.mark.parametrize(
    ("name", "value"), [("limit", "2147483648"), ("offset", "-2147483649")]
)
async def test_paging_beyond_a_java_int_is_a_400_naming_it(
    api: Api, name: str, value: str
) -> None:
    """Jersey cannot convert a value past Java's int range: illegal argument, null value."""
    token = await api.token("acme-admin")

    reply = await api.call("GET", "/_/devices", token=token, params={name: value})

    assert 400 == reply.status
    assert (name, None) == (
        reply.json()["argumentName"],
        reply.json().get("argumentValue"),
    )


async def test_largest_java_int_limit_lists_everything(api: Api) -> None:
    """limit=2147483647 is a valid int: every one of acme's 10 devices comes back."""
    token = await api.token("acme-admin")

    page = await _get(api, token, "/_/devices", {"limit": "2147483647"})

    assert (10, False) == (page["size"], page["limitExceeded"])


async def test_query_body_limit_beyond_a_java_int_is_an_empty_400(api: Api) -> None:
    """MOXy cannot bind 2^31 to the query's Integer limit: Jersey's bare 400."""
    token = await api.token("acme-admin")

    reply = await api.call(
        "POST", "/_/devices/_query", token=token, body={"limit": 2**31}
    )

    assert (400, b"") == (reply.status, reply.body)


async def test_query_body_null_ask_total_count_is_unset(api: Api) -> None:
    """A null askTotalCount leaves the Boolean unset: no totalCount, no error."""
    token = await api.token("acme-admin")

    reply = await api.call(
        "POST",
        "/_/devices/_query",
        token=token,
        body={"askTotalCount": None, "limit": 1},
    )

    assert 200 == reply.status
    assert (1, None) == (reply.json()["size"], reply.json().get("totalCount"))


async def test_tag_ids_are_a_set_of_compact_ids(api: Api) -> None:
    """tagIds come back as a set in compact form: AAAB is id 1, written AQ (§5)."""
    token = await api.token("acme-admin")

    reply = await api.call(
        "POST",
        "/_/devices",
        token=token,
        body={"clientId": "tagged-new", "tagIds": ["AAAB", "AQ", None, "Ag"]},
    )

    assert 201 == reply.status
    assert ["AQ", "Ag"] == reply.json()["tagIds"]


@pytest.mark.parametrize("tag_id", [7, "é", ["AQ"]])
async def test_tag_id_that_is_no_compact_id_is_an_empty_400(
    api: Api, tag_id: Any
) -> None:
    """MOXy cannot bind a number, a non-base64url text or a list to a KapuaId."""
    token = await api.token("acme-admin")

    reply = await api.call(
        "POST",
        "/_/devices",
        token=token,
        body={"clientId": "bad-tag", "tagIds": [tag_id]},
    )

    assert (400, b"") == (reply.status, reply.body)


async def test_extended_properties_keep_their_three_text_fields(api: Api) -> None:
    """An extended property is groupName, name and value; other fields are dropped."""
    token = await api.token("acme-admin")
    sent = {"groupName": "Hardware", "name": "CPU", "value": "ARM", "unit": "none"}

    reply = await api.call(
        "POST",
        "/_/devices",
        token=token,
        body={"clientId": "props-1", "extendedProperties": [sent]},
    )

    assert 201 == reply.status
    assert [
        {
            "type": "deviceExtendedProperty",
            "groupName": "Hardware",
            "name": "CPU",
            "value": "ARM",
        }
    ] == reply.json()["extendedProperties"]
