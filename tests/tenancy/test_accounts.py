"""Child accounts through the client: create, read-modify-write, delete, expiry."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import ec_async
from ec_async import AccountCreator, DeviceCreator, Organization
from ec_async.emulator import Emulator
from tests.sync.facades import Facade

from ._support import ADMIN, OBSERVER, SYSTEM, client_as, decimal


def _creator(name: str, **fields: object) -> AccountCreator:
    return AccountCreator(
        name=name,
        organization_name=name.title(),
        organization_email=f"ops@{name}.example.com",
        **fields,  # type: ignore[arg-type]
    )


class TestCreate:
    """Creating a child account in the caller's scope or below."""

    def test_child_account_hangs_below_its_parent(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A new account's scope is its parent and its path extends the parent's."""
        acme = emulator.admin.account_id("acme")

        with client_as(facade, emulator, ADMIN) as ec:
            parent = facade.run(ec.accounts.current())
            child = facade.run(
                ec.accounts.create(_creator("acme-east", description="East"))
            )
            listed = facade.run(ec.accounts.list(name="acme-east"))

        assert acme == child.scope_id
        assert f"{parent.parent_account_path}/{decimal(child.id)}" == (
            child.parent_account_path
        )
        assert ("East", "Acme-East") == (
            child.description,
            child.organization.name if child.organization else None,
        )
        assert [child.id] == [account.id for account in listed]

    def test_grandchild_is_created_through_a_scope_view(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """ec.scope(child).accounts.create puts the account below that child."""
        north = emulator.admin.account_id("acme-north")

        with client_as(facade, emulator, ADMIN) as ec:
            grandchild = facade.run(
                ec.scope(north).accounts.create(_creator("acme-north-yard"))
            )

        assert north == grandchild.scope_id

    def test_name_in_use_in_the_scope_is_a_duplicate(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """acme-north exists under acme: DUPLICATE_NAME, as a 500."""
        with (
            client_as(facade, emulator, ADMIN) as ec,
            pytest.raises(ec_async.DuplicateName) as duplicate,
        ):
            facade.run(ec.accounts.create(_creator("acme-north")))

        assert (500, "DUPLICATE_NAME") == (
            duplicate.value.status,
            duplicate.value.error_code,
        )

    def test_name_in_use_elsewhere_is_a_duplicate_too(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Account names are unique in the system: globex cannot be reused below acme."""
        with (
            client_as(facade, emulator, ADMIN) as ec,
            pytest.raises(ec_async.DuplicateName) as duplicate,
        ):
            facade.run(ec.accounts.create(_creator("globex")))

        assert "DUPLICATE_NAME_IN_ANOTHER_ACCOUNT" == duplicate.value.error_code

    def test_invalid_name_is_refused_naming_the_argument(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Account names take letters, digits, _ and - only."""
        with (
            client_as(facade, emulator, ADMIN) as ec,
            pytest.raises(ec_async.BadRequest) as refused,
        ):
            facade.run(ec.accounts.create(_creator("acme east")))

        assert "accountCreator.name" == refused.value.argument_name

    def test_without_account_write_creation_is_forbidden(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The observer reads accounts but may not create one."""
        with (
            client_as(facade, emulator, OBSERVER) as ec,
            pytest.raises(ec_async.PermissionDenied) as denied,
        ):
            facade.run(ec.accounts.create(_creator("acme-west")))

        assert {"domain": "account", "action": "write"}.items() <= (
            denied.value.permission or {}
        ).items()

    def test_new_account_may_create_nothing_until_configured(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A fresh account's services default to no allowance: LimitReached."""
        with client_as(facade, emulator, ADMIN) as ec:
            child = facade.run(ec.accounts.create(_creator("acme-empty")))
            with pytest.raises(ec_async.LimitReached) as refused:
                facade.run(
                    ec.scope(child.id).devices.create(DeviceCreator(client_id="d-1"))
                )

        assert (500, "MAX_NUMBER_OF_ITEMS_REACHED") == (
            refused.value.status,
            refused.value.error_code,
        )

    def test_child_may_not_outlive_its_parent(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Below an account expiring in a year, a child expiring later is refused."""
        moment = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
        admin = emulator.admin
        parent = admin.create_account(
            admin.account_id("acme"), "acme-term", expiration_date=moment
        )

        with client_as(facade, emulator, ADMIN) as ec:
            scope = ec.scope(parent)
            inside = facade.run(
                scope.accounts.create(
                    _creator("acme-term-a", expiration_date=moment - dt.timedelta(1))
                )
            )
            with pytest.raises(ec_async.BadRequest) as refused:
                facade.run(scope.accounts.create(_creator("acme-term-b")))

        assert moment - dt.timedelta(1) == inside.expiration_date
        assert "expirationDate" == refused.value.argument_name


class TestUpdate:
    """Read, change a copy with attrs.evolve, write it back under optlock."""

    def test_read_modify_write_bumps_optlock(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """An update from a fresh copy applies and adds one to optlock."""
        south = emulator.admin.account_id("acme-south")

        with client_as(facade, emulator, ADMIN) as ec:
            account = facade.run(ec.accounts.get(south))
            organization = attrs.evolve(
                account.organization or Organization(), city="Bari"
            )
            updated = facade.run(
                ec.accounts.update(
                    attrs.evolve(
                        account, description="south", organization=organization
                    )
                )
            )
            fetched = facade.run(ec.accounts.get(south))

        assert ("south", "Bari") == (
            fetched.description,
            fetched.organization.city if fetched.organization else None,
        )
        assert (account.optlock or 0) + 1 == updated.optlock

    def test_stale_copy_raises_optimistic_lock_error(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The second update from the same read is refused; the first one stays."""
        south = emulator.admin.account_id("acme-south")

        with client_as(facade, emulator, ADMIN) as ec:
            account = facade.run(ec.accounts.get(south))
            facade.run(ec.accounts.update(attrs.evolve(account, description="first")))
            with pytest.raises(ec_async.OptimisticLockError):
                facade.run(
                    ec.accounts.update(attrs.evolve(account, description="second"))
                )
            fetched = facade.run(ec.accounts.get(south))

        assert "first" == fetched.description

    def test_own_account_is_updated_through_update_current(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """update() refuses the caller's own account (422); update_current() works."""
        with client_as(facade, emulator, ADMIN) as ec:
            own = facade.run(ec.accounts.current())
            with pytest.raises(ec_async.BadRequest) as refused:
                facade.run(ec.accounts.update(attrs.evolve(own, description="x")))
            updated = facade.run(
                ec.accounts.update_current(attrs.evolve(own, description="ours"))
            )

        assert (422, "SERVICE_OPERATION_NOT_SUPPORTED") == (
            refused.value.status,
            refused.value.error_code,
        )
        assert ("ours", (own.optlock or 0) + 1) == (
            updated.description,
            updated.optlock,
        )


class TestDelete:
    """Deleting leaf accounts, and what stops it."""

    def test_leaf_account_and_its_devices_go(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A deleted account is not found any more, nor are its devices."""
        south = emulator.admin.account_id("acme-south")

        with client_as(facade, emulator, ADMIN) as ec:
            device = facade.collect(ec.scope(south).devices.iter())[0]
            facade.run(ec.accounts.delete(south))
            with pytest.raises(ec_async.NotFound):
                facade.run(ec.accounts.get(south))
            remaining = facade.run(ec.accounts.list())

        assert "acme-south" not in {account.name for account in remaining}
        with (
            client_as(facade, emulator, SYSTEM) as system,
            pytest.raises(ec_async.NotFound),
        ):
            facade.run(system.scope(south).devices.get(device.id))

    def test_account_with_children_is_refused(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """acme-north still has acme-north-plant: 422, and both remain."""
        north = emulator.admin.account_id("acme-north")

        with client_as(facade, emulator, ADMIN) as ec:
            with pytest.raises(ec_async.BadRequest) as refused:
                facade.run(ec.accounts.delete(north))
            still = facade.run(ec.accounts.get(north))

        assert 422 == refused.value.status
        assert "acme-north" == still.name
