"""Permissions for real: who may list devices where, through roles and access infos."""

from __future__ import annotations

import pytest

import ec_async
from ec_async import DeviceCreator, Permission, RoleCreator
from ec_async.emulator import Emulator
from tests.sync.facades import Facade

from ._support import ADMIN, AUDITOR, OBSERVER, OPERATOR, client_as


def _denied(error: ec_async.PermissionDenied) -> tuple[object, object, object]:
    permission = error.permission or {}
    return (
        permission.get("domain"),
        permission.get("action"),
        permission.get("targetScopeId"),
    )


class TestPermissionDenied:
    """The seeded users get what their permissions say, and a 403 naming the rest."""

    def test_user_without_device_read_cannot_list_devices(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The observer holds no device permission: listing names device:read."""
        acme = emulator.admin.account_id("acme")

        with client_as(facade, emulator, OBSERVER) as ec:
            account = facade.run(ec.accounts.current())
            with pytest.raises(ec_async.PermissionDenied) as denied:
                facade.run(ec.devices.list())

        assert "acme" == account.name
        assert ("device", "read", acme) == _denied(denied.value)
        assert 403 == denied.value.status

    def test_role_grants_device_read_but_not_write(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The operator's role lets it list the tenant's devices, not create one."""
        acme = emulator.admin.account_id("acme")

        with client_as(facade, emulator, OPERATOR) as ec:
            count = facade.run(ec.devices.count())
            with pytest.raises(ec_async.PermissionDenied) as denied:
                facade.run(ec.devices.create(DeviceCreator(client_id="op-1")))

        # The minimal seed puts 10 devices in every account.
        assert 10 == count
        assert ("device", "write", acme) == _denied(denied.value)

    def test_forwardable_permission_reaches_a_grandchild(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The auditor's forwardable device:read on acme works in acme-north-plant."""
        grandchild = emulator.admin.account_id("acme-north-plant")

        with client_as(facade, emulator, AUDITOR) as ec:
            devices = facade.collect(ec.scope(grandchild).devices.iter())

        assert 10 == len(devices)
        assert {grandchild} == {device.scope_id for device in devices}

    def test_non_forwardable_permission_stops_at_its_account(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The operator's device:read on acme does not reach acme-north-plant."""
        grandchild = emulator.admin.account_id("acme-north-plant")

        with (
            client_as(facade, emulator, OPERATOR) as ec,
            pytest.raises(ec_async.PermissionDenied) as denied,
        ):
            facade.run(ec.scope(grandchild).devices.list())

        assert ("device", "read", grandchild) == _denied(denied.value)


class TestGrantingAtRuntime:
    """Roles and permissions granted through the API apply from the next request."""

    def test_role_given_to_a_user_applies_on_its_next_request(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The observer can list devices once given a role, and not after it is taken."""
        observer_id = emulator.admin.user_id(OBSERVER)

        with (
            client_as(facade, emulator, ADMIN) as admin,
            client_as(facade, emulator, OBSERVER) as observer,
        ):
            role = facade.run(
                admin.roles.create(
                    RoleCreator(
                        name="fleet-viewer",
                        permissions=[
                            Permission(
                                domain="device", action="read", target_scope_id="_"
                            )
                        ],
                    )
                )
            )
            access_info = facade.run(admin.access_infos.of_user(observer_id))
            assert access_info is not None
            held = facade.run(admin.access_infos.roles(access_info.id).create(role.id))
            listed = facade.run(observer.devices.list())
            holders = facade.run(admin.roles.users(role.id))
            facade.run(admin.access_infos.roles(access_info.id).delete(held.id))
            with pytest.raises(ec_async.PermissionDenied):
                facade.run(observer.devices.list())

        assert 10 == listed.size
        assert [OBSERVER] == [user.name for user in holders]

    def test_own_scope_wildcard_is_sent_as_the_callers_account(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A permission on "_" is stored with the caller's real account id."""
        acme = emulator.admin.account_id("acme")

        with client_as(facade, emulator, ADMIN) as ec:
            role = facade.run(ec.roles.create(RoleCreator(name="own-scope")))
            granted = facade.run(
                ec.roles.permissions(role.id).create(
                    Permission(domain="tag", action="read", target_scope_id="_")
                )
            )
            listed = facade.run(ec.roles.permissions(role.id).list())

        assert acme == granted.permission.target_scope_id
        assert [granted.id] == [item.id for item in listed]

    def test_direct_permission_applies_and_is_removed(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A direct access permission works at once, and stops once deleted."""
        observer_id = emulator.admin.user_id(OBSERVER)

        with (
            client_as(facade, emulator, ADMIN) as admin,
            client_as(facade, emulator, OBSERVER) as observer,
        ):
            access_info = facade.run(admin.access_infos.of_user(observer_id))
            assert access_info is not None
            permissions = admin.access_infos.permissions(access_info.id)
            granted = facade.run(
                permissions.create(
                    Permission(domain="device", action="read", target_scope_id="_")
                )
            )
            count = facade.run(observer.devices.count())
            facade.run(permissions.delete(granted.id))
            with pytest.raises(ec_async.PermissionDenied):
                facade.run(observer.devices.count())

        assert 10 == count

    def test_the_same_permission_twice_is_a_duplicate(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Granting a permission the access info holds already raises DuplicateName."""
        observer_id = emulator.admin.user_id(OBSERVER)
        acme = emulator.admin.account_id("acme")

        with client_as(facade, emulator, ADMIN) as ec:
            access_info = facade.run(ec.access_infos.of_user(observer_id))
            assert access_info is not None
            with pytest.raises(ec_async.DuplicateName) as duplicate:
                facade.run(
                    ec.access_infos.permissions(access_info.id).create(
                        Permission(
                            domain="account", action="read", target_scope_id=acme
                        )
                    )
                )

        assert (409, "ENTITY_UNIQUENESS") == (
            duplicate.value.status,
            duplicate.value.error_code,
        )

    def test_nobody_grants_more_than_they_hold(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """acme's admin may not grant device:read on globex, which it lacks."""
        globex = emulator.admin.account_id("globex")

        with client_as(facade, emulator, ADMIN) as ec:
            role = facade.run(ec.roles.create(RoleCreator(name="reach-out")))
            with pytest.raises(ec_async.PermissionDenied) as denied:
                facade.run(
                    ec.roles.permissions(role.id).create(
                        Permission(
                            domain="device", action="read", target_scope_id=globex
                        )
                    )
                )

        assert ("device", "read", globex) == _denied(denied.value)
