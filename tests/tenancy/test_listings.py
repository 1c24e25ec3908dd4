"""Access infos from scratch, and the reads every tenancy collection offers."""

from __future__ import annotations

import pytest

import ec_async
from ec_async import (
    AccessInfoCreator,
    EndpointInfoCreator,
    EndpointType,
    GroupCreator,
    Permission,
    RoleCreator,
    TagCreator,
)
from ec_async.emulator import DEMO_PASSWORD, Emulator
from tests.sync.facades import Facade

from ._support import ADMIN, client_as


class TestAccessInfoLifecycle:
    """A user's access info deleted, then given again with permissions and roles."""

    def test_recreated_access_info_holds_what_its_creator_said(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Deleting takes every grant away; a new one brings permissions and a role."""
        admin = emulator.admin
        acme = admin.account_id("acme")
        user_id = admin.create_user(acme, "acme-fresh", DEMO_PASSWORD)

        with client_as(facade, emulator, ADMIN) as ec:
            before = facade.run(ec.access_infos.count())
            old = facade.run(ec.access_infos.of_user(user_id))
            assert old is not None
            facade.run(ec.access_infos.delete(old.id))
            with pytest.raises(ec_async.NotFound):
                facade.run(ec.access_infos.get(old.id))
            role = facade.run(ec.roles.create(RoleCreator(name="taggers")))
            created = facade.run(
                ec.access_infos.create(
                    AccessInfoCreator(
                        user_id=user_id,
                        permissions=[
                            Permission(domain="tag", action="read", target_scope_id="_")
                        ],
                        role_ids=[role.id],
                    )
                )
            )
            permissions = ec.access_infos.permissions(created.id)
            roles = ec.access_infos.roles(created.id)
            permission_page = facade.run(permissions.list())
            one_permission = facade.run(permissions.get(permission_page.items[0].id))
            role_page = facade.run(roles.list())
            one_role = facade.run(roles.get(role_page.items[0].id))
            counts = (
                facade.run(permissions.count()),
                facade.run(roles.count()),
                facade.run(ec.access_infos.count()),
            )
            queried = (
                facade.run(permissions.query(limit=None)).size,
                facade.run(roles.query()).size,
                facade.run(ec.access_infos.query(limit=None)).size,
            )
            with pytest.raises(ec_async.DuplicateName):
                facade.run(ec.access_infos.create(AccessInfoCreator(user_id=user_id)))

        assert (user_id, acme) == (created.user_id, created.scope_id)
        assert ("tag", acme) == (
            one_permission.permission.domain,
            one_permission.permission.target_scope_id,
        )
        assert (role.id, created.id) == (one_role.role_id, one_role.access_info_id)
        assert (1, 1, before) == counts == queried

    def test_access_info_of_an_unknown_user_is_not_found(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The user must exist in the scope."""
        with (
            client_as(facade, emulator, ADMIN) as ec,
            pytest.raises(ec_async.NotFound) as missing,
        ):
            facade.run(ec.access_infos.create(AccessInfoCreator(user_id="AuY")))

        assert "user" == missing.value.entity_type


class TestReads:
    """Queries, counts and single reads of the other collections."""

    def test_roles_and_their_permissions(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A role's permission reads back by id, queries, and is removed."""
        with client_as(facade, emulator, ADMIN) as ec:
            role = facade.run(
                ec.roles.create(
                    RoleCreator(
                        name="one-permission",
                        permissions=[
                            Permission(
                                domain="group", action="read", target_scope_id="_"
                            )
                        ],
                    )
                )
            )
            permissions = ec.roles.permissions(role.id)
            listed = facade.run(permissions.query())
            one = facade.run(permissions.get(listed.items[0].id))
            facade.run(permissions.delete(one.id))
            left = facade.collect(permissions.iter())
            roles = (facade.run(ec.roles.count()), facade.run(ec.roles.query()).size)

        assert ("group", "read") == (one.permission.domain, one.permission.action)
        assert [] == left
        # The seed's device-reader and this one.
        assert (2, 2) == roles

    def test_groups_and_tags(self, facade: Facade, emulator: Emulator) -> None:
        """Groups list, query and delete; tags count and read by id."""
        with client_as(facade, emulator, ADMIN) as ec:
            group = facade.run(ec.groups.create(GroupCreator(name="north-side")))
            by_name = facade.run(ec.groups.list(name="north-side"))
            queried = facade.run(ec.groups.query(ask_total_count=True))
            facade.run(ec.groups.delete(group.id))
            after = facade.collect(ec.groups.iter())
            tag = facade.run(ec.tags.create(TagCreator(name="basement")))
            fetched = facade.run(ec.tags.get(tag.id))
            tags = facade.run(ec.tags.count())

        assert [group.id] == [item.id for item in by_name]
        assert (1, 1) == (queried.size, queried.total_count)
        assert [] == after
        assert ("basement", 1) == (fetched.name, tags)

    def test_accounts_domains_and_endpoints_by_query(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Queries list what the GET listings list; an endpoint info is deleted."""
        with client_as(facade, emulator, ADMIN) as ec:
            children = facade.run(ec.accounts.query(limit=None))
            domains = facade.run(ec.domains.query(limit=5, ask_total_count=True))
            created = facade.run(
                ec.endpoint_infos.create(
                    EndpointInfoCreator(
                        schema="https",
                        dns="app.acme.test",
                        port=443,
                        endpoint_type=EndpointType.CORS,
                    )
                )
            )
            cors = facade.run(ec.endpoint_infos.query(endpoint_type="cors"))
            facade.run(ec.endpoint_infos.delete(created.id))
            after = facade.run(ec.endpoint_infos.count(endpoint_type="cors"))

        assert {"acme-north", "acme-south"} == {account.name for account in children}
        assert (5, 23, True) == (
            domains.size,
            domains.total_count,
            domains.limit_exceeded,
        )
        assert [created.id] == [endpoint.id for endpoint in cors]
        assert 0 == after
