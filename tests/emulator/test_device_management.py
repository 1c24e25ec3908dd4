"""The emulator's device management on the wire: errors, parameters, lifecycle."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from ec_async.emulator import Permission

from ._support import Api

pytestmark = pytest.mark.anyio


async def _gateway(api: Api, client_id: str, *, connected: bool = True) -> str:
    admin = api.emulator.admin
    device_id = admin.create_device(admin.account_id("acme"), client_id, None)
    admin.connect_device(device_id)
    if not connected:
        admin.disconnect_device(device_id)
    return device_id


async def test_seeded_devices_have_a_lifecycle(api: Api) -> None:
    """Seeded devices point at their last lifecycle event: BIRTH if still connected."""
    token = await api.token("acme-admin")
    devices = (
        await api.call(
            "GET",
            "/_/devices",
            token=token,
            params=[
                ("fetchAttributes", "connection"),
                ("fetchAttributes", "lastEvent"),
            ],
        )
    ).json()["items"]

    for device in devices:
        status = device.get("connection", {}).get("status")
        if status is None:
            assert "lastEventId" not in device
            continue
        expected = {"CONNECTED": "BIRTH", "DISCONNECTED": "DEATH", "MISSING": "MISSING"}
        assert expected[status] == device["lastEvent"]["resource"]
        assert device["lastEventId"] == device["lastEvent"]["id"]


async def test_a_bad_timeout_is_a_400_naming_it(api: Api) -> None:
    """A timeout that is not a positive number is refused before the device is asked."""
    device_id = await _gateway(api, "w-timeout")
    token = await api.token("acme-admin")

    for value in ("soon", "0"):
        reply = await api.call(
            "GET",
            f"/_/devices/{device_id}/bundles",
            token=token,
            params={"timeout": value},
        )
        assert (400, "timeout") == (reply.status, reply.json()["argumentName"])
    assert 0 == api.emulator.counters.device_requests[device_id]


async def test_an_unknown_device_is_a_404_before_the_connection_check(api: Api) -> None:
    """Managing a device id nobody has gives entityNotFound for a device."""
    token = await api.token("acme-admin")

    reply = await api.call("GET", "/_/devices/AQ/configurations", token=token)

    assert (404, "device") == (reply.status, reply.json()["entityType"])


async def test_management_needs_the_device_management_permission(api: Api) -> None:
    """A user with device:read only is refused with the permission it lacks."""
    admin = api.emulator.admin
    acme = admin.account_id("acme")
    device_id = await _gateway(api, "w-perm")
    admin.create_user(
        acme,
        "w-reader",
        "Reader-Passw0rd!",
        [Permission("device", "read", acme)],
    )
    token = await api.token("w-reader", "Reader-Passw0rd!")

    reply = await api.call(
        "POST",
        f"/_/devices/{device_id}/commands/_execute",
        token=token,
        body={"command": "true"},
    )

    assert 403 == reply.status
    assert ("device_management", "execute") == (
        reply.json()["permission"]["domain"],
        reply.json()["permission"]["action"],
    )


async def test_store_settings_answer_for_a_disconnected_device(api: Api) -> None:
    """The store settings are the platform's, so an offline device has them too."""
    device_id = await _gateway(api, "w-offline", connected=False)
    token = await api.token("acme-admin")

    reply = await api.call(
        "GET", f"/_/devices/{device_id}/assets/_settings", token=token
    )

    assert (200, "INHERITED") == (reply.status, reply.json()["enablementPolicy"])


async def test_a_dropped_answer_resets_the_connection_after_the_action(
    api: Api,
) -> None:
    """The device acts, then the caller sees the connection close without an answer."""
    device_id = await _gateway(api, "w-drop")
    api.emulator.admin.drop_device_answers(device_id)
    token = await api.token("acme-admin")

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call(
            "POST",
            f"/_/devices/{device_id}/bundles/3/_stop",
            token=token,
        )
    reply = await api.call("GET", f"/_/devices/{device_id}/bundles", token=token)

    states = {bundle["id"]: bundle["state"] for bundle in reply.json()["bundle"]}
    assert "RESOLVED" == states[3]


async def test_a_lost_device_is_missing_with_a_missing_event(api: Api) -> None:
    """disconnect_device(lost=True) leaves the connection MISSING and a MISSING event."""
    device_id = await _gateway(api, "w-lost")
    api.emulator.admin.advance_clock(60)
    api.emulator.admin.disconnect_device(device_id, lost=True)
    token = await api.token("acme-admin")

    events = (
        await api.call("GET", f"/_/devices/{device_id}/events", token=token)
    ).json()["items"]
    reply = await api.call(
        "POST", f"/_/devices/{device_id}/commands/_execute", token=token, body={}
    )

    assert ["MISSING", "BIRTH"] == [event["resource"] for event in events]
    assert "MISSING" == reply.json()["connectionStatus"]


async def test_an_unparsable_event_date_is_a_400(api: Api) -> None:
    """startDate must be an xs:dateTime; anything else names the argument date."""
    device_id = await _gateway(api, "w-date")
    token = await api.token("acme-admin")

    reply = await api.call(
        "GET",
        f"/_/devices/{device_id}/events",
        token=token,
        params={"startDate": "yesterday"},
    )

    assert (400, "date") == (reply.status, reply.json()["argumentName"])


async def test_closing_cancels_operations_still_running(api: Api) -> None:
    """An emulator closed mid-install leaves no background work running."""
    device_id = await _gateway(api, "w-close")
    api.emulator.admin.make_device_slow(device_id, 0.2)
    token = await api.token("acme-admin")

    reply = await api.call(
        "POST",
        f"/_/devices/{device_id}/packages/_download",
        token=token,
        body={"uri": "https://example.com/p.dp", "name": "p", "version": "1"},
    )
    await api.emulator.close()

    running = [
        task
        for task in asyncio.all_tasks()
        if "_run_operation" in repr(task.get_coro())
    ]
    assert ("RUNNING", 200) == (reply.json()["status"], reply.status)
    assert [] == running
