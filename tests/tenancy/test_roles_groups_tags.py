"""Roles, groups and tags: named entities unique per account, updated under optlock."""

from __future__ import annotations

import attrs
import pytest

import ec_async
from ec_async import (
    DeviceCreator,
    GroupCreator,
    Permission,
    RoleCreator,
    TagCreator,
)
from ec_async.emulator import DEMO_PASSWORD, Emulator
from tests.sync.facades import Facade

from ._support import ADMIN, OPERATOR, client_as


class TestRoles:
    """Roles and the permissions they hold."""

    def test_role_lifecycle(self, facade: Facade, emulator: Emulator) -> None:
        """Created with permissions, renamed, counted, and gone once deleted."""
        with client_as(facade, emulator, ADMIN) as ec:
            role = facade.run(
                ec.roles.create(
                    RoleCreator(
                        name="auditors",
                        description="read everything",
                        permissions=[
                            Permission(
                                domain="device", action="read", target_scope_id="_"
                            ),
                            Permission(
                                domain="user", action="read", target_scope_id="_"
                            ),
                        ],
                    )
                )
            )
            granted = facade.run(ec.roles.permissions(role.id).count())
            renamed = facade.run(ec.roles.update(attrs.evolve(role, name="readers")))
            names = [each.name for each in facade.run(ec.roles.list())]
            facade.run(ec.roles.delete(role.id))
            with pytest.raises(ec_async.NotFound):
                facade.run(ec.roles.get(role.id))

        assert 2 == granted
        assert ("readers", (role.optlock or 0) + 1) == (renamed.name, renamed.optlock)
        # The seed gives acme the role device-reader; roles list by name.
        assert ["device-reader", "readers"] == names

    def test_role_name_is_unique_in_its_account(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A second device-reader in acme is DUPLICATE_NAME, a 500."""
        with (
            client_as(facade, emulator, ADMIN) as ec,
            pytest.raises(ec_async.DuplicateName) as duplicate,
        ):
            facade.run(ec.roles.create(RoleCreator(name="device-reader")))

        assert 500 == duplicate.value.status

    def test_permissions_filter_by_domain_and_action(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A role's permissions list by domain name and by action."""
        with client_as(facade, emulator, ADMIN) as ec:
            role = facade.run(
                ec.roles.create(
                    RoleCreator(
                        name="mixed",
                        permissions=[
                            Permission(
                                domain=domain, action=action, target_scope_id="_"
                            )
                            for domain in ("device", "tag")
                            for action in ("read", "write")
                        ],
                    )
                )
            )
            permissions = ec.roles.permissions(role.id)
            devices = facade.run(permissions.list(domain="device"))
            writes = facade.run(permissions.list(action="write"))

        assert {("device", "read"), ("device", "write")} == {
            (item.permission.domain, item.permission.action) for item in devices
        }
        assert {"device", "tag"} == {item.permission.domain for item in writes}

    def test_unknown_domain_is_refused(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A permission must name a domain the server has."""
        with (
            client_as(facade, emulator, ADMIN) as ec,
            pytest.raises(ec_async.BadRequest) as refused,
        ):
            facade.run(
                ec.roles.create(
                    RoleCreator(
                        name="nonsense",
                        permissions=[
                            Permission(domain="spaceship", target_scope_id="_")
                        ],
                    )
                )
            )

        assert "permission.domain" == refused.value.argument_name


class TestGroups:
    """Groups, and permissions limited to one of them."""

    def test_group_update_under_optlock(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """An update from a stale copy is refused with OptimisticLockError."""
        with client_as(facade, emulator, ADMIN) as ec:
            group = facade.run(ec.groups.create(GroupCreator(name="field-units")))
            facade.run(ec.groups.update(attrs.evolve(group, description="north")))
            with pytest.raises(ec_async.OptimisticLockError):
                facade.run(ec.groups.update(attrs.evolve(group, description="south")))
            fetched = facade.run(ec.groups.get(group.id))

        assert "north" == fetched.description

    def test_group_name_is_unique_in_its_account(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Two groups called field-units in one account: DuplicateName."""
        with client_as(facade, emulator, ADMIN) as ec:
            facade.run(ec.groups.create(GroupCreator(name="field-units")))
            with pytest.raises(ec_async.DuplicateName):
                facade.run(ec.groups.create(GroupCreator(name="field-units")))
            count = facade.run(ec.groups.count())

        assert 1 == count

    def test_group_permission_shows_only_that_groups_devices(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """device:read limited to a group lists its devices and reads no others."""
        admin = emulator.admin
        acme = admin.account_id("acme")

        with client_as(facade, emulator, ADMIN) as ec:
            group = facade.run(ec.groups.create(GroupCreator(name="pumps")))
            pumps = [
                facade.run(
                    ec.devices.create(
                        DeviceCreator(client_id=f"pump-{index}", group_id=group.id)
                    )
                )
                for index in range(3)
            ]
            outsider = facade.collect(ec.devices.iter(client_id="pump-0"))
        admin.create_user(
            acme,
            "acme-pumps",
            DEMO_PASSWORD,
            [
                ec_async.emulator.Permission(
                    domain="device",
                    action="read",
                    target_scope_id=acme,
                    group_id=group.id,
                )
            ],
        )
        other = admin.create_device(acme, "loose-1")

        with client_as(facade, emulator, "acme-pumps") as ec:
            visible = facade.collect(ec.devices.iter())
            count = facade.run(ec.devices.count())
            one = facade.run(ec.devices.get(pumps[0].id))
            with pytest.raises(ec_async.PermissionDenied):
                facade.run(ec.devices.get(other))

        assert sorted(device.id for device in pumps) == sorted(d.id for d in visible)
        assert (3, pumps[0].id) == (count, one.id)
        assert [pumps[0].id] == [device.id for device in outsider]

    def test_unknown_group_on_a_device_is_refused(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A device may only join a group of its own account."""
        with (
            client_as(facade, emulator, ADMIN) as ec,
            pytest.raises(ec_async.BadRequest) as refused,
        ):
            facade.run(
                ec.devices.create(DeviceCreator(client_id="lost", group_id="AuY"))
            )

        assert "deviceCreator.groupId" == refused.value.argument_name


class TestTags:
    """Tags of an account."""

    def test_tag_lifecycle(self, facade: Facade, emulator: Emulator) -> None:
        """Created, found by matchTerm, renamed, and deleted."""
        with client_as(facade, emulator, ADMIN) as ec:
            tag = facade.run(ec.tags.create(TagCreator(name="roof", description="top")))
            by_term = facade.run(ec.tags.list(match_term="ro"))
            by_description = facade.run(ec.tags.list(match_term="to"))
            renamed = facade.run(ec.tags.update(attrs.evolve(tag, name="attic")))
            facade.run(ec.tags.delete(tag.id))
            remaining = facade.run(ec.tags.query(limit=None))

        assert [tag.id] == [item.id for item in by_term]
        assert [tag.id] == [item.id for item in by_description]
        assert "attic" == renamed.name
        assert 0 == remaining.size

    def test_operator_may_not_create_tags(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The operator's role holds no tag permission."""
        with (
            client_as(facade, emulator, OPERATOR) as ec,
            pytest.raises(ec_async.PermissionDenied) as denied,
        ):
            facade.run(ec.tags.create(TagCreator(name="mine")))

        assert {"domain": "tag", "action": "write"}.items() <= (
            denied.value.permission or {}
        ).items()
