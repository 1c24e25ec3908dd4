"""The emulator's tenancy rules on the wire: bodies, deprecated paths, quirks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ec_async.emulator import DEMO_PASSWORD, SYSTEM_PASSWORD, Permission
from tests.conformance import SpecObserver
from tests.emulator._support import Api, running

from ._support import ADMIN, OBSERVER, SYSTEM, decimal

pytestmark = pytest.mark.anyio

DEVICES = "org.eclipse.kapua.service.device.registry.DeviceRegistryService"


@pytest.fixture
def anyio_backend() -> str:
    """Run on asyncio, which aiohttp needs."""
    return "asyncio"


@pytest.fixture
async def api(spec_observer: SpecObserver) -> AsyncIterator[Api]:
    """A raw HTTP client of a spec-checked "minimal" emulator."""
    async with running(observers=[spec_observer]) as client:
        yield client


async def _system_token(api: Api) -> str:
    return await api.token(SYSTEM, SYSTEM_PASSWORD)


def _limit(maximum: int) -> dict[str, object]:
    return {
        "id": DEVICES,
        "properties": {
            "property": [
                {
                    "name": "infiniteChildEntities",
                    "type": "Boolean",
                    "value": ["false"],
                },
                {
                    "name": "maxNumberChildEntities",
                    "type": "Integer",
                    "value": [str(maximum)],
                },
            ]
        },
    }


class TestAccountPaths:
    """The deprecated /{scopeId}/accounts/{accountId} forms ignore their scope."""

    async def test_deprecated_update_and_delete_ignore_the_scope(
        self, api: Api
    ) -> None:
        """PUT and DELETE under any scope segment act on the account by its id."""
        token = await api.token(ADMIN)
        south = api.emulator.admin.account_id("acme-south")
        account = (await api.call("GET", f"/accounts/{south}", token=token)).json()
        deprecated = (
            await api.call("GET", f"/AQ/accounts/{south}", token=token)
        ).json()

        updated = await api.call(
            "PUT",
            f"/whatever/accounts/{south}",
            token=token,
            body={
                "optlock": account["optlock"],
                "description": "via the old path",
                "organization": account["organization"],
            },
        )
        deleted = await api.call("DELETE", f"/_/accounts/{south}", token=token)
        gone = await api.call("GET", f"/accounts/{south}", token=token)

        assert account == deprecated
        assert 200 == updated.status
        assert "via the old path" == updated.json()["description"]
        assert account["optlock"] + 1 == updated.json()["optlock"]
        assert (204, 404) == (deleted.status, gone.status)

    async def test_create_answers_201_with_kapua_fields(self, api: Api) -> None:
        """A created account carries its path, organization and optlock."""
        token = await api.token(ADMIN)
        acme = api.emulator.admin.account_id("acme")

        reply = await api.call(
            "POST",
            "/_/accounts",
            token=token,
            body={
                "name": "acme-west",
                "organizationName": "West",
                "organizationEmail": "west@acme.example.com",
                "organizationCity": "Turin",
            },
        )
        created = reply.json()

        assert 201 == reply.status
        assert "Location" not in reply.headers
        assert ("account", acme) == (created["type"], created["scopeId"])
        assert (
            f"/1/{decimal(acme)}/{decimal(created['id'])}"
            == (created["parentAccountPath"])
        )
        assert {"name": "West", "email": "west@acme.example.com", "city": "Turin"} == (
            created["organization"]
        )

    async def test_kapua_sys_with_children_is_refused_first(self, api: Api) -> None:
        """Kapua looks for children before anything else: kapua-sys gets the 422."""
        reply = await api.call("DELETE", "/accounts/AQ", token=await _system_token(api))

        assert (422, "SERVICE_OPERATION_NOT_SUPPORTED") == (
            reply.status,
            reply.json()["kapuaErrorCode"],
        )

    async def test_kapua_sys_cannot_be_deleted(
        self, spec_observer: SpecObserver
    ) -> None:
        """Alone, kapua-sys is an illegal access: 403 with a plain-text message."""
        async with running(seed="empty", observers=[spec_observer]) as alone:
            token = await _system_token(alone)
            reply = await alone.call("DELETE", "/accounts/AQ", token=token)

        assert 403 == reply.status
        assert reply.headers["Content-Type"].startswith("text/plain")
        assert b"delete" in reply.body

    async def test_any_account_delete_grant_deletes_any_leaf(self, api: Api) -> None:
        """Kapua checks account:delete on ANY scope, so acme's admin reaches globex."""
        token = await api.token(ADMIN)
        leaf = api.emulator.admin.account_id("globex-south")

        reply = await api.call("DELETE", f"/accounts/{leaf}", token=token)

        assert 204 == reply.status

    async def test_without_account_delete_deletion_is_forbidden(self, api: Api) -> None:
        """The observer holds account:read only; the 403 names ANY scope as -1."""
        token = await api.token(OBSERVER)
        leaf = api.emulator.admin.account_id("acme-south")

        reply = await api.call("DELETE", f"/accounts/{leaf}", token=token)

        assert 403 == reply.status
        assert "account:delete:-1:*" in reply.json()["message"]

    async def test_current_account_is_read_without_a_permission(self, api: Api) -> None:
        """GET /account needs no account:read: a user with no permission reads it."""
        admin = api.emulator.admin
        admin.create_user(admin.account_id("acme"), "acme-bare", DEMO_PASSWORD)
        token = await api.token("acme-bare")

        reply = await api.call("GET", "/account", token=token)

        assert (200, "acme") == (reply.status, reply.json()["name"])


class TestErrorBodies:
    """The error infos of the tenancy rules, field by field."""

    async def test_limit_below_usage_body(self, api: Api) -> None:
        """10 devices under a cap of 7: LIMIT_EXCEEDED by 3, naming service and scope."""
        token = await api.token(ADMIN)
        south = api.emulator.admin.account_id("acme-south")

        reply = await api.call(
            "PUT",
            f"/{south}/serviceConfigurations/{DEVICES}",
            token=token,
            body=_limit(7),
        )

        assert 400 == reply.status
        assert {
            "type": "serviceConfigurationLimitExceededExceptionInfo",
            "kapuaErrorCode": "LIMIT_EXCEEDED",
            "servicePid": DEVICES,
            "scopeId": south,
            "limitExceededBy": 3,
        }.items() <= reply.json().items()

    async def test_create_past_the_cap_body(self, api: Api) -> None:
        """The 11th device under a cap of 10 is MAX_NUMBER_OF_ITEMS_REACHED, a 500."""
        token = await api.token(ADMIN)
        south = api.emulator.admin.account_id("acme-south")
        await api.call(
            "PUT",
            f"/{south}/serviceConfigurations/{DEVICES}",
            token=token,
            body=_limit(10),
        )

        reply = await api.call(
            "POST", f"/{south}/devices", token=token, body={"clientId": "one-more"}
        )

        assert 500 == reply.status
        assert {
            "type": "exceptionInfo",
            "kapuaErrorCode": "MAX_NUMBER_OF_ITEMS_REACHED",
        }.items() <= reply.json().items()

    async def test_permission_granted_twice_body(self, api: Api) -> None:
        """ENTITY_UNIQUENESS lists the values that collided."""
        admin = api.emulator.admin
        acme = admin.account_id("acme")
        user = admin.user_id(OBSERVER)
        token = await api.token(ADMIN)
        info = (
            await api.call(
                "GET", "/_/accessinfos", token=token, params={"userId": user}
            )
        ).json()["items"][0]

        reply = await api.call(
            "POST",
            f"/_/accessinfos/{info['id']}/permissions",
            token=token,
            body={
                "accessInfoId": info["id"],
                "permission": {
                    "domain": "account",
                    "action": "read",
                    "targetScopeId": acme,
                    "forwardable": False,
                },
            },
        )
        body = reply.json()

        assert (409, "entityUniquenessExceptionInfo", "accessPermission") == (
            reply.status,
            body["type"],
            body["entityType"],
        )
        assert f"scopeId={decimal(acme)}" == body["uniquesFieldValues"][0]


class TestSystemInfo:
    """GET /sys-info."""

    async def test_served_without_a_token(self, api: Api) -> None:
        """The version is public: no Authorization header is needed."""
        reply = await api.call("GET", "/sys-info")

        assert 200 == reply.status
        assert {"version", "revision", "buildDate"} <= set(reply.json())


class TestSeededUsers:
    """The minimal seed's users with differing permissions, as the docs name them."""

    async def test_each_user_holds_what_the_seed_says(self, api: Api) -> None:
        """Login info lists the operator's role permission and the auditor's own."""
        acme = api.emulator.admin.account_id("acme")

        operator = await api.call(
            "GET", "/authentication/info", token=await api.token("acme-operator")
        )
        auditor = await api.call(
            "GET", "/authentication/info", token=await api.token("acme-auditor")
        )

        assert [
            {
                "domain": "device",
                "action": "read",
                "targetScopeId": acme,
                "forwardable": False,
            }
        ] == [item["permission"] for item in operator.json()["rolePermission"]]
        assert {
            ("account", True),
            ("device", True),
        } == {
            (item["permission"]["domain"], item["permission"]["forwardable"])
            for item in auditor.json()["accessPermission"]
        }

    async def test_admin_grants_through_the_emulator_admin_api(self, api: Api) -> None:
        """EmulatorAdmin.grant adds a permission the next request honours."""
        admin = api.emulator.admin
        acme = admin.account_id("acme")
        admin.grant(
            admin.user_id(OBSERVER),
            [Permission(domain="device", action="read", target_scope_id=acme)],
        )

        reply = await api.call(
            "POST", "/_/devices/_count", token=await api.token(OBSERVER), body={}
        )

        assert (200, 10) == (reply.status, reply.json()["count"])
