"""Login, accounts and devices, each test run once through ec_async and once through ec_sync."""

from __future__ import annotations

import contextlib

import attrs
import pytest

import ec_async
from ec_async import DeviceCreator, TokenState
from ec_async.emulator import DEMO_API_KEY, Emulator

from ._support import ADMIN, PASSWORD, fleet
from .facades import AnyClient, Facade


def _admin_client(
    facade: Facade, emulator: Emulator
) -> contextlib.AbstractContextManager[AnyClient]:
    """The tenant admin's client, through the facade under test."""
    return facade.client(emulator.base_url, username=ADMIN, password=PASSWORD)


class TestLogin:
    """Logging in and out, with a password or an API key."""

    def test_login_reports_the_user_and_account(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A password login makes the caller's user id and account id known."""
        with _admin_client(facade, emulator) as ec:
            assert emulator.admin.user_id(ADMIN) == ec.user_id
            assert emulator.admin.account_id("acme") == ec.scope_id
            assert TokenState.FRESH is ec.token_state
            assert 1 == emulator.counters.logins

    def test_api_key_login(self, facade: Facade, emulator: Emulator) -> None:
        """The demo API key logs in as the first tenant's admin."""
        with facade.client(emulator.base_url, api_key=DEMO_API_KEY) as ec:
            assert emulator.admin.user_id(ADMIN) == ec.user_id

    def test_wrong_password_is_refused(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A refused login raises AuthenticationError and leaves nothing open."""
        with (
            pytest.raises(ec_async.AuthenticationError),
            facade.client(emulator.base_url, username=ADMIN, password="wrong"),
        ):
            pass

        assert 1 == emulator.counters.failed_logins

    def test_leaving_the_block_logs_out(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The end of the with block ends the session on the server."""
        with _admin_client(facade, emulator):
            pass

        assert 1 == emulator.counters.logouts

    def test_logout_refuses_calls_until_login(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """After logout calls raise NotAuthenticated; login starts a new session."""
        with _admin_client(facade, emulator) as ec:
            facade.run(ec.logout())
            with pytest.raises(ec_async.NotAuthenticated):
                facade.run(ec.accounts.current())
            facade.run(ec.login())
            account = facade.run(ec.accounts.current())

            assert TokenState.FRESH is ec.token_state
        assert "acme" == account.name
        assert (2, 2) == (emulator.counters.logins, emulator.counters.logouts)

    def test_an_expired_token_is_refreshed_once(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A token the server calls expired is refreshed, then the call succeeds."""
        with _admin_client(facade, emulator) as ec:
            emulator.admin.advance_clock(31 * 60)
            account = facade.run(ec.accounts.current())

        assert "acme" == account.name
        assert (1, 1) == (emulator.counters.logins, emulator.counters.refreshes)

    def test_calls_after_close_are_refused(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A closed client raises ClientClosed instead of reconnecting."""
        with _admin_client(facade, emulator) as ec:
            pass

        with pytest.raises(ec_async.ClientClosed, match="closed"):
            facade.run(ec.login())


class TestAccounts:
    """The caller's account and the accounts below a scope."""

    def test_current_account(self, facade: Facade, emulator: Emulator) -> None:
        """The current account is the one the user belongs to."""
        with _admin_client(facade, emulator) as ec:
            account = facade.run(ec.accounts.current())

        assert emulator.admin.account_id("acme") == account.id
        assert "acme" == account.name

    def test_get_by_id_and_refused_outside(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A child account is read by id; an id outside the tenant is refused."""
        admin = emulator.admin
        child_id = admin.create_account(admin.account_id("acme"), "t-child")

        with _admin_client(facade, emulator) as ec:
            account = facade.run(ec.accounts.get(child_id))
            # Kapua checks account:read on the target before looking it up.
            with pytest.raises(ec_async.PermissionDenied):
                facade.run(ec.accounts.get(admin.account_id("globex")))

        assert "t-child" == account.name

    def test_children_listed_counted_and_iterated(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A scope's children are listed by page, counted, and iterated once each."""
        admin = emulator.admin
        parent_id = admin.create_account(admin.account_id("acme"), "t-parent")
        names = [f"t-parent-{index}" for index in range(5)]
        for name in names:
            admin.create_account(parent_id, name)

        with _admin_client(facade, emulator) as ec:
            children = ec.scope(parent_id).accounts
            first_page = facade.run(children.list(limit=2, ask_total_count=True))
            count = facade.run(children.count())
            iterated = facade.collect(children.iter(page_size=2))

        assert (2, 5, True) == (
            first_page.size,
            first_page.total_count,
            first_page.limit_exceeded,
        )
        assert 5 == count
        assert sorted(names) == sorted(account.name for account in iterated)

    def test_descendants_reach_every_depth(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """descendants() returns grandchildren too, in one call."""
        admin = emulator.admin
        parent_id = admin.create_account(admin.account_id("acme"), "t-tree")
        child_id = admin.create_account(parent_id, "t-tree-child")
        admin.create_account(child_id, "t-tree-grandchild")

        with _admin_client(facade, emulator) as ec:
            below = facade.run(ec.scope(parent_id).accounts.descendants())

        assert {"t-tree-child", "t-tree-grandchild"} == {a.name for a in below}


class TestDevices:
    """Devices of a scope: list, iterate, count, create, get and delete."""

    def test_iter_yields_every_device_once(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Iterating with small pages visits each device of the scope exactly once."""
        scope_id, client_ids = fleet(emulator, "t-iter", 7)

        with _admin_client(facade, emulator) as ec:
            devices = facade.collect(ec.scope(scope_id).devices.iter(page_size=3))

        assert sorted(client_ids) == sorted(device.client_id for device in devices)
        assert len(client_ids) == len({device.id for device in devices})

    def test_list_filters_by_connection_status(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """status= filters on the connection, which fetch_attributes embeds."""
        scope_id, client_ids = fleet(emulator, "t-status", 6)

        with _admin_client(facade, emulator) as ec:
            page = facade.run(
                ec.scope(scope_id).devices.list(
                    status="CONNECTED", fetch_attributes=["connection"]
                )
            )
            count = facade.run(ec.scope(scope_id).devices.count())

        assert sorted(client_ids[::2]) == sorted(device.client_id for device in page)
        assert {"CONNECTED"} == {
            device.connection.status for device in page if device.connection
        }
        assert 6 == count

    def test_create_get_delete(self, facade: Facade, emulator: Emulator) -> None:
        """A created device reads back by id, and is gone once deleted."""
        with _admin_client(facade, emulator) as ec:
            created = facade.run(
                ec.devices.create(DeviceCreator(client_id="t-new", display_name="new"))
            )
            fetched = facade.run(ec.devices.get(created.id))
            facade.run(ec.devices.delete(created.id))
            with pytest.raises(ec_async.NotFound):
                facade.run(ec.devices.get(created.id))

        assert ("t-new", "new") == (fetched.client_id, fetched.display_name)
        assert created.id == fetched.id

    def test_update_then_stale_update(self, facade: Facade, emulator: Emulator) -> None:
        """An update applies to the fresh copy; one from a stale copy is refused."""
        with _admin_client(facade, emulator) as ec:
            created = facade.run(ec.devices.create(DeviceCreator(client_id="t-upd")))
            updated = facade.run(
                ec.devices.update(attrs.evolve(created, display_name="renamed"))
            )
            with pytest.raises(ec_async.OptimisticLockError):
                facade.run(
                    ec.devices.update(attrs.evolve(created, display_name="lost"))
                )
            fetched = facade.run(ec.devices.get(created.id))

        assert ("renamed", "renamed") == (updated.display_name, fetched.display_name)

    def test_duplicate_client_id_is_refused(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A second device with the same client id raises DuplicateName."""
        fleet(emulator, "t-dup", 1)

        with _admin_client(facade, emulator) as ec:
            scope = ec.scope(emulator.admin.account_id("t-dup"))
            with pytest.raises(ec_async.DuplicateName):
                facade.run(scope.devices.create(DeviceCreator(client_id="t-dup-00")))


def test_both_facades_report_the_same_base_url(
    facade: Facade, emulator: Emulator
) -> None:
    """base_url is kept without a trailing slash by either facade."""
    client: AnyClient
    with facade.client(
        emulator.base_url + "/", username=ADMIN, password=PASSWORD
    ) as client:
        assert emulator.base_url == client.base_url
