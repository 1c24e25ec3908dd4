"""Endpoint infos inherited down the tree, the domain registry, and system info."""

from __future__ import annotations

import attrs
import pytest

import ec_async
from ec_async import EndpointInfoCreator, EndpointType, EndpointUsage
from ec_async.emulator import Emulator
from tests.sync.facades import Facade

from ._support import ADMIN, SYSTEM, client_as


def _cors(dns: str) -> EndpointInfoCreator:
    return EndpointInfoCreator(
        schema="https", dns=dns, port=443, secure=True, endpoint_type=EndpointType.CORS
    )


class TestEndpointInfos:
    """An account uses its own endpoints of a type, else its nearest ancestor's."""

    def test_tenant_uses_the_system_broker(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """acme defines no resource endpoint, so it sees the one of kapua-sys."""
        with client_as(facade, emulator, ADMIN) as ec:
            endpoints = facade.run(ec.endpoint_infos.list(usage="MESSAGE_BROKER"))
            one = facade.run(ec.endpoint_infos.get(endpoints.items[0].id))

        assert ["AQ"] == [endpoint.scope_id for endpoint in endpoints]
        assert EndpointUsage(name="MESSAGE_BROKER") in one.usages

    def test_own_cors_endpoint_hides_none_of_the_resources(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A tenant adds a CORS origin; resources still come from kapua-sys."""
        acme = emulator.admin.account_id("acme")

        with client_as(facade, emulator, ADMIN) as ec:
            created = facade.run(ec.endpoint_infos.create(_cors("console.acme.test")))
            cors = facade.run(ec.endpoint_infos.list(endpoint_type="cors"))
            resources = facade.run(ec.endpoint_infos.count())
            moved = facade.run(
                ec.endpoint_infos.update(attrs.evolve(created, port=8443))
            )

        assert [(acme, "console.acme.test")] == [(e.scope_id, e.dns) for e in cors]
        assert 1 == resources
        assert (8443, (created.optlock or 0) + 1) == (moved.port, moved.optlock)

    def test_child_inherits_the_parents_cors_endpoints(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """acme-north-plant has no CORS endpoint: it uses acme's."""
        plant = emulator.admin.account_id("acme-north-plant")

        with client_as(facade, emulator, ADMIN) as ec:
            created = facade.run(ec.endpoint_infos.create(_cors("console.acme.test")))
            inherited = facade.run(
                ec.scope(plant).endpoint_infos.list(endpoint_type="cors")
            )

        assert [created.id] == [endpoint.id for endpoint in inherited]

    def test_same_endpoint_twice_is_a_duplicate(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """schema, dns and port are unique where the endpoint is used: 409."""
        with client_as(facade, emulator, ADMIN) as ec:
            facade.run(ec.endpoint_infos.create(_cors("console.acme.test")))
            with pytest.raises(ec_async.DuplicateName) as duplicate:
                facade.run(ec.endpoint_infos.create(_cors("console.acme.test")))

        assert (409, "ENTITY_UNIQUENESS") == (
            duplicate.value.status,
            duplicate.value.error_code,
        )

    def test_only_a_system_administrator_writes_resource_endpoints(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Resource endpoints need endpoint_info:write on every scope."""
        broker = EndpointInfoCreator(
            schema="mqtt",
            dns="broker.acme.test",
            port=1883,
            usages=[EndpointUsage(name="MESSAGE_BROKER")],
        )

        with (
            client_as(facade, emulator, ADMIN) as ec,
            pytest.raises(ec_async.PermissionDenied) as denied,
        ):
            facade.run(ec.endpoint_infos.create(broker))
        with client_as(facade, emulator, SYSTEM) as ec:
            acme = ec.scope(emulator.admin.account_id("acme"))
            created = facade.run(acme.endpoint_infos.create(broker))
            seen = facade.run(acme.endpoint_infos.list())

        assert denied.value.permission is not None
        assert "targetScopeId" not in denied.value.permission
        assert [created.id] == [endpoint.id for endpoint in seen]


class TestDomains:
    """The registry of permission domains."""

    def test_domains_and_their_actions(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Kapua's 23 domains; device is groupable, job may execute."""
        with client_as(facade, emulator, ADMIN) as ec:
            domains = facade.collect(ec.domains.iter(page_size=10))
            count = facade.run(ec.domains.count())
            device = facade.run(ec.domains.list(name="device")).items[0]
            job_id = facade.run(ec.domains.list(name="job")).items[0].id
            job = facade.run(ec.domains.get(job_id))

        assert 23 == count == len(domains)
        assert (True, {"read", "write", "delete"}) == (
            device.groupable,
            set(device.actions),
        )
        assert (False, True) == (job.groupable, "execute" in job.actions)


class TestSystemInfo:
    """The server's version."""

    def test_version_is_readable(self, facade: Facade, emulator: Emulator) -> None:
        """system.info() reports the emulated Kapua build."""
        with client_as(facade, emulator, ADMIN) as ec:
            info = facade.run(ec.system.info())

        assert "2.1.0-SNAPSHOT" == info.version
