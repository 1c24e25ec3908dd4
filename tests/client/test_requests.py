"""What the async client puts on the wire, and how it maps what comes back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import attrs
import pytest

import ec_async
from ec_async import DeviceCreator
from ec_async.emulator import DEMO_API_KEY, DEMO_PASSWORD, Emulator, Exchange
from tests.conftest import FAST

pytestmark = pytest.mark.anyio

ADMIN = "acme-admin"


@pytest.fixture
async def recorded(
    spec_observer: object,
) -> AsyncIterator[tuple[Emulator, list[Exchange]]]:
    """A spec-checked minimal emulator and the list of every exchange it served."""
    exchanges: list[Exchange] = []
    async with Emulator(
        seed="minimal",
        config=FAST,
        observers=[spec_observer, exchanges.append],  # type: ignore[list-item]
    ) as emulator:
        yield emulator, exchanges


def _client(
    emulator: Emulator, *, refresh_margin: float | None = None
) -> ec_async.Client:
    return ec_async.Client(
        emulator.base_url,
        username=ADMIN,
        password=DEMO_PASSWORD,
        refresh_margin=refresh_margin,
    )


class TestWire:
    """Headers, scopes and bodies of the requests the client sends."""

    async def test_every_call_carries_the_bearer_and_own_scope(
        self, recorded: tuple[Emulator, list[Exchange]]
    ) -> None:
        """Calls in the caller's own account use ``_`` and the current token."""
        emulator, exchanges = recorded
        async with _client(emulator) as ec:
            await ec.devices.list(limit=3)
            await ec.devices.count()
            await ec.accounts.list()
            token = ec.access_token
            assert token is not None

        api_calls = [e for e in exchanges if "/authentication/" not in e.path]
        assert 3 == len(api_calls)
        for exchange in api_calls:
            assert (
                f"Bearer {token.token_id}" == exchange.request_headers["Authorization"]
            )
            assert exchange.path.startswith("/v1/_/")

    async def test_explicit_scope_goes_into_the_path(
        self, recorded: tuple[Emulator, list[Exchange]]
    ) -> None:
        """A scope view puts the child's id where ``_`` would be, and gets its devices."""
        emulator, exchanges = recorded
        child = emulator.admin.account_id("acme-north")
        async with _client(emulator) as ec:
            page = await ec.scope(child).devices.list(limit=100)

        assert f"/v1/{child}/devices" == exchanges[-2].path
        assert page.items
        assert {child} == {device.scope_id for device in page}

    async def test_create_lands_in_the_callers_account(
        self, recorded: tuple[Emulator, list[Exchange]]
    ) -> None:
        """A create under ``_`` sends no scope id in its body; the path decides."""
        emulator, exchanges = recorded
        async with _client(emulator) as ec:
            device = await ec.devices.create(DeviceCreator(client_id="NEW-0001"))

        create = next(
            e for e in exchanges if e.method == "POST" and e.path == "/v1/_/devices"
        )
        assert emulator.admin.account_id("acme") == device.scope_id
        assert b"scopeId" not in create.request_body

    async def test_ids_are_percent_encoded(
        self, recorded: tuple[Emulator, list[Exchange]]
    ) -> None:
        """An id with a slash stays one path segment and the server rejects it as an id."""
        emulator, exchanges = recorded
        async with _client(emulator) as ec:
            with pytest.raises(ec_async.BadRequest) as caught:
                await ec.devices.get("not/an id")

        assert "/v1/_/devices/not%2Fan%20id" == exchanges[-2].path
        assert "deviceId" == caught.value.argument_name


class TestScopes:
    """What a tenant admin may reach in the account tree."""

    async def test_descendants_are_reachable(self, local_emulator: Emulator) -> None:
        """A grandchild account's devices can be listed through its scope."""
        grandchild = local_emulator.admin.account_id("acme-north-plant")
        async with _client(local_emulator) as ec:
            assert 10 == await ec.scope(grandchild).devices.count()

    @pytest.mark.parametrize("account", ["globex", "globex-north"])
    async def test_other_tenants_are_refused(
        self, local_emulator: Emulator, account: str
    ) -> None:
        """A sibling tenant, or its child, raises PermissionDenied naming the permission."""
        other = local_emulator.admin.account_id(account)
        async with _client(local_emulator) as ec:
            with pytest.raises(ec_async.PermissionDenied) as caught:
                await ec.scope(other).devices.list()

        permission = caught.value.permission
        assert permission is not None
        assert ("device", "read") == (permission["domain"], permission["action"])
        assert "SUBJECT_UNAUTHORIZED" == caught.value.error_code
        assert 403 == caught.value.status

    async def test_parent_account_is_refused(self, local_emulator: Emulator) -> None:
        """A child account's admin cannot act in its parent."""
        child = local_emulator.admin.account_id("acme-north")
        parent = local_emulator.admin.account_id("acme")
        local_emulator.admin.create_user(
            child,
            "north-admin",
            password=DEMO_PASSWORD,
            permissions=[
                ec_async.emulator.Permission(target_scope_id=child, forwardable=True)
            ],
        )
        async with ec_async.Client(
            local_emulator.base_url, username="north-admin", password=DEMO_PASSWORD
        ) as ec:
            assert 10 == await ec.devices.count()
            with pytest.raises(ec_async.PermissionDenied):
                await ec.scope(parent).devices.count()


class TestPaging:
    """Listings that span many pages."""

    async def test_iter_yields_every_device_once(
        self, local_emulator: Emulator
    ) -> None:
        """57 devices over pages of 10 come back exactly once each."""
        scope = local_emulator.admin.account_id("acme-south")
        created = {
            local_emulator.admin.create_device(scope, f"PAGED-{index:03d}")
            for index in range(47)
        }
        async with _client(local_emulator) as ec:
            seen = [
                device.id async for device in ec.scope(scope).devices.iter(page_size=10)
            ]
            listed = await ec.scope(scope).devices.list(limit=5, ask_total_count=True)

        assert len(seen) == len(set(seen))
        assert 57 == len(seen)
        assert created <= set(seen)
        assert 57 == listed.total_count
        assert listed.limit_exceeded

    async def test_query_without_limit_returns_everything(
        self, local_emulator: Emulator
    ) -> None:
        """``limit=None`` on ``query`` gets every row, as the server does for _query."""
        async with _client(local_emulator) as ec:
            everything = await ec.devices.query(limit=None)
            first = await ec.devices.query(limit=4)

        assert 10 == len(everything)
        assert 4 == len(first)
        assert first.limit_exceeded


class TestErrors:
    """Each kind of server error, raised as its typed exception."""

    async def test_unknown_device_is_not_found(self, local_emulator: Emulator) -> None:
        """A valid id that names nothing raises NotFound with the entity."""
        async with _client(local_emulator) as ec:
            with pytest.raises(ec_async.NotFound) as caught:
                await ec.devices.get("AQ")

        assert "device" == caught.value.entity_type

    async def test_duplicate_client_id(self, local_emulator: Emulator) -> None:
        """Registering a client id twice raises DuplicateName (a 500 on the wire)."""
        async with _client(local_emulator) as ec:
            await ec.devices.create(DeviceCreator(client_id="TWICE-1"))
            with pytest.raises(ec_async.DuplicateName) as caught:
                await ec.devices.create(DeviceCreator(client_id="TWICE-1"))

        assert 500 == caught.value.status

    async def test_stale_update_is_an_optimistic_lock_error(
        self, local_emulator: Emulator
    ) -> None:
        """Updating from a stale copy raises OptimisticLockError; a fresh copy succeeds."""
        async with _client(local_emulator) as ec:
            device = await ec.devices.create(DeviceCreator(client_id="LOCKED-1"))
            updated = await ec.devices.update(
                attrs.evolve(device, display_name="first")
            )
            with pytest.raises(ec_async.OptimisticLockError):
                await ec.devices.update(attrs.evolve(device, display_name="second"))
            fresh = await ec.devices.get(device.id)
            final = await ec.devices.update(attrs.evolve(fresh, display_name="second"))

        assert "first" == updated.display_name
        assert "second" == final.display_name
        assert (device.optlock or 0) + 2 == final.optlock

    async def test_wrong_password_has_a_clear_message(
        self, local_emulator: Emulator
    ) -> None:
        """The server's empty 401 still gives an AuthenticationError that says what to check."""
        client = ec_async.Client(
            local_emulator.base_url, username=ADMIN, password="Wrong-Passw0rd!"
        )
        with pytest.raises(ec_async.AuthenticationError) as caught:
            async with client:
                pass

        assert "POST /authentication/user failed with 401" in str(caught.value)
        assert "credentials" in str(caught.value)

    async def test_bad_arguments_fail_before_sending(
        self, local_emulator: Emulator
    ) -> None:
        """Nonsense paging arguments raise ConfigurationError without a request."""
        async with _client(local_emulator) as ec:
            with pytest.raises(ec_async.ConfigurationError, match="limit"):
                await ec.devices.list(limit=0)
            with pytest.raises(ec_async.ConfigurationError, match="device_id"):
                await ec.devices.get("")


class TestSecrets:
    """Tokens, passwords and API keys never leak into logs, reprs or errors."""

    async def test_no_secret_in_logs_reprs_or_errors(
        self, local_emulator: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A whole session at DEBUG leaves no secret in any captured text."""
        caplog.set_level(logging.DEBUG)
        texts: list[str] = []
        secrets = {DEMO_PASSWORD, DEMO_API_KEY}

        async with _client(local_emulator, refresh_margin=0.0) as ec:
            token = ec.access_token
            assert token is not None
            secrets |= {token.token_id, token.refresh_token}
            texts += [repr(ec), repr(token), str(await ec.devices.list(limit=2))]
            try:
                await ec.devices.get("AQ")
            except ec_async.ECError as exc:
                texts.append(str(exc))
        async with ec_async.Client(
            local_emulator.base_url, api_key=DEMO_API_KEY
        ) as keyed:
            texts.append(repr(keyed))
        try:
            async with ec_async.Client(
                local_emulator.base_url, username=ADMIN, password="Leaky-Passw0rd!"
            ):
                pass
        except ec_async.AuthenticationError as exc:
            texts.append(str(exc))
            secrets.add("Leaky-Passw0rd!")
        texts.append(repr(ec_async.UsernamePassword(ADMIN, DEMO_PASSWORD)))
        texts.append(repr(ec_async.ApiKey(DEMO_API_KEY)))
        texts += [record.getMessage() for record in caplog.records]

        assert any("logged in" in text for text in texts)
        for secret in secrets:
            assert not [text for text in texts if secret in text]
