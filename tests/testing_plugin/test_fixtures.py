"""The pytest fixtures ec-client ships for its users' own tests."""

from __future__ import annotations

import pytest

import ec_async
import ec_sync
from ec_async.emulator import DEMO_PASSWORD, Emulator, SeedSpec


class TestSyncFixtures:
    """The sync client fixture, as a user's plain test function sees it."""

    def test_client_is_logged_in_to_the_first_tenant(
        self, ec_client: ec_sync.Client, ec_emulator: Emulator
    ) -> None:
        """The default "minimal" seed logs in as acme's administrator."""
        assert ec_emulator.admin.account_id("acme") == ec_client.scope_id
        assert "acme" == ec_client.accounts.current().name

    def test_each_test_gets_fresh_data(self, ec_client: ec_sync.Client) -> None:
        """A device created here is gone in the next test's emulator."""
        ec_client.devices.create(ec_async.DeviceCreator(client_id="FIXTURE-ONLY"))

        assert 11 == ec_client.devices.count()

    def test_data_from_the_previous_test_is_gone(
        self, ec_client: ec_sync.Client
    ) -> None:
        """The minimal seed's ten devices, and nothing a previous test made."""
        assert 10 == ec_client.devices.count()


class TestSeedOverride:
    """A test module can choose its own seed."""

    @pytest.fixture
    def ec_emulator_seed(self) -> SeedSpec:
        """A one-tenant seed with three devices per account."""
        return SeedSpec(tenants=("initech",), child_accounts=0, devices_per_account=3)

    def test_custom_seed_and_credentials(
        self, ec_client: ec_sync.Client, ec_credentials: ec_async.UsernamePassword
    ) -> None:
        """The administrator of the custom seed's tenant is the one logged in."""
        assert ("initech-admin", DEMO_PASSWORD) == (
            ec_credentials.username,
            ec_credentials.password,
        )
        assert 3 == ec_client.devices.count()


@pytest.mark.anyio
async def test_async_client(ec_async_client: ec_async.Client) -> None:
    """The async fixture gives a logged-in ec_async.Client."""
    assert "acme" == (await ec_async_client.accounts.current()).name
