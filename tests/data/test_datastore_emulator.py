"""The emulated datastore on the wire: statuses, error bodies, the seeded history."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ec_async.emulator import SeedSpec
from tests.emulator._support import Api, running

pytestmark = pytest.mark.anyio

_NOW = "2024-03-01T12:00:00.000Z"


def _message(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "clientId": "dev-1",
        "deviceId": "AQ",
        "receivedOn": _NOW,
        "channel": {"semanticParts": ["a", "b"]},
        "payload": {"metrics": [{"name": "t", "valueType": "double", "value": "1.5"}]},
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    """A minimal emulator and a raw HTTP client of it."""
    async with running() as client:
        yield client


class TestStore:
    """POST /{scopeId}/data/messages as DataMessagesJson answers it."""

    async def test_created_with_the_new_id(self, api: Api) -> None:
        """201 with a storableEntityId whose id reads the message back."""
        token = await api.token("acme-admin")

        stored = await api.call(
            "POST", "/_/data/messages", token=token, body=_message()
        )
        new_id = stored.json()["id"]
        read = await api.call("GET", f"/_/data/messages/{new_id}", token=token)

        assert 201 == stored.status
        assert "storableEntityId" == stored.json()["type"]
        assert "Location" not in stored.headers
        assert ["a", "b"] == read.json()["channel"]["semanticParts"]
        assert [{"valueType": "double", "value": "1.5", "name": "t"}] == read.json()[
            "payload"
        ]["metrics"]

    @pytest.mark.parametrize(
        ("changes", "code", "argument"),
        [
            ({"receivedOn": None}, "ILLEGAL_NULL_ARGUMENT", "receivedOn"),
            ({"clientId": None}, "ILLEGAL_NULL_ARGUMENT", "message.clientId"),
            ({"channel": None}, "ILLEGAL_NULL_ARGUMENT", "message.channel"),
        ],
    )
    async def test_missing_fields(
        self, api: Api, changes: dict[str, Any], code: str, argument: str
    ) -> None:
        """The datastore requires receivedOn, a client id and a channel."""
        token = await api.token("acme-admin")

        reply = await api.call(
            "POST", "/_/data/messages", token=token, body=_message(**changes)
        )

        assert 400 == reply.status
        assert (code, argument) == (
            reply.json()["kapuaErrorCode"],
            reply.json()["argumentName"],
        )

    async def test_a_number_that_is_not_one_fails_like_java(self, api: Api) -> None:
        """A double metric of "warm" fails in the server's converter: 500 throwableInfo."""
        token = await api.token("acme-admin")
        payload = {"metrics": [{"name": "t", "valueType": "double", "value": "warm"}]}

        reply = await api.call(
            "POST", "/_/data/messages", token=token, body=_message(payload=payload)
        )

        assert 500 == reply.status
        assert "throwableInfo" == reply.json()["type"]


class TestListingRules:
    """The window, the sort direction and the date parameters of listings."""

    @pytest.mark.parametrize(
        "path", ["/_/data/messages", "/_/data/channels", "/_/data/metrics"]
    )
    async def test_window(self, api: Api, path: str) -> None:
        """offset + limit may reach 10,000 and no further, on every datastore list."""
        token = await api.token("acme-admin")

        inside = await api.call(
            "GET", path, token=token, params={"offset": "9999", "limit": "1"}
        )
        past = await api.call(
            "GET", path, token=token, params={"offset": "9999", "limit": "2"}
        )

        assert 200 == inside.status
        assert 400 == past.status
        assert ("limit + offset", "10001") == (
            past.json()["argumentName"],
            past.json()["argumentValue"],
        )

    @pytest.mark.parametrize(
        ("params", "argument"),
        [
            ({"sortDir": "ASCENDING"}, "sortDir"),
            ({"startDate": "2024-13-01T00:00:00Z"}, "date"),
            ({"metricName": "t", "metricMin": "1"}, "metricType"),
        ],
    )
    async def test_bad_parameters(
        self, api: Api, params: dict[str, str], argument: str
    ) -> None:
        """Messages take ASC/DESC, xs:dateTime dates, and a type with metric bounds."""
        token = await api.token("acme-admin")

        reply = await api.call("GET", "/_/data/messages", token=token, params=params)

        assert 400 == reply.status
        assert argument == reply.json()["argumentName"]


class TestTelemetrySeed:
    """SeedSpec.telemetry_hours: a history for every device, generated at seed time."""

    async def test_two_hours_of_twenty_devices(self) -> None:
        """Every 5 min for 2 h: 24 readings and 2 status messages per device.

        20 devices send 520 messages on 40 channels, 7 metrics each device.
        """
        spec = SeedSpec(
            tenants=("t",),
            child_accounts=0,
            devices_per_account=20,
            operators=False,
            telemetry_hours=2,
            telemetry_interval=300,
        )
        seeded_at = time.time()
        async with running(seed=spec) as api:
            token = await api.token("t-admin")
            counts = {
                kind: (
                    await api.call(
                        "POST", f"/_/data/{kind}/_count", token=token, body={}
                    )
                ).json()["count"]
                for kind in ("messages", "channels", "clients", "metrics")
            }
            page = await api.call(
                "GET", "/_/data/messages", token=token, params={"limit": "520"}
            )

        stamps = [
            dt.datetime.fromisoformat(m["timestamp"].replace("Z", "+00:00")).timestamp()
            for m in page.json()["items"]
        ]
        assert {
            "messages": 520,
            "channels": 40,
            "clients": 20,
            "metrics": 140,
        } == counts
        assert sorted(stamps, reverse=True) == stamps
        assert seeded_at - 2 * 3600 - 1 < min(stamps)
        assert max(stamps) < seeded_at + 1
