"""Service configurations: reading them, and the resource limits they set."""

from __future__ import annotations

import pytest

import ec_async
from ec_async import DeviceCreator, TagCreator
from ec_async.emulator import Emulator
from tests.sync.facades import Facade

from ._support import ADMIN, SYSTEM, client_as

DEVICES = "org.eclipse.kapua.service.device.registry.DeviceRegistryService"
TAGS = "org.eclipse.kapua.service.tag.TagService"


def _limit(maximum: int) -> dict[str, bool | int]:
    return {"infiniteChildEntities": False, "maxNumberChildEntities": maximum}


class TestReading:
    """What a tenant administrator sees of its own configuration."""

    def test_every_service_is_listed_by_name(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """The list holds each configurable service once, sorted by name."""
        with client_as(facade, emulator, ADMIN) as ec:
            configurations = facade.run(ec.service_configurations.list())

        names = [str(configuration.name) for configuration in configurations]
        assert sorted(names) == names
        assert {"AccountService", "DeviceRegistryService", "TagService"} <= set(names)

    def test_one_service_has_its_definition_and_values(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A seeded tenant may create devices without limit."""
        with client_as(facade, emulator, ADMIN) as ec:
            configuration = facade.run(ec.service_configurations.get(DEVICES))

        assert configuration is not None
        assert True is configuration.values["infiniteChildEntities"]
        assert configuration.definition is not None
        assert {"infiniteChildEntities", "maxNumberChildEntities"} == {
            attribute.id for attribute in configuration.definition.attributes
        }

    def test_a_tenant_may_not_change_its_own_limits(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """Only the parent's administrator changes an account's limits (a 500)."""
        with client_as(facade, emulator, ADMIN) as ec:
            with pytest.raises(ec_async.ServerError) as refused:
                facade.run(ec.service_configurations.update(DEVICES, _limit(5)))
            unchanged = facade.run(ec.service_configurations.get(DEVICES))

        assert "INTERNAL_ERROR" == refused.value.error_code
        assert unchanged is not None
        assert True is unchanged.values["infiniteChildEntities"]


class TestLimits:
    """maxNumberChildEntities caps creates; lower than usage is refused."""

    def test_create_past_the_limit_raises_limit_reached(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """With 10 devices and a cap of 12, two more fit and the third does not."""
        south = emulator.admin.account_id("acme-south")

        with client_as(facade, emulator, ADMIN) as ec:
            facade.run(
                ec.scope(south).service_configurations.update(DEVICES, _limit(12))
            )
            devices = ec.scope(south).devices
            for client_id in ("cap-1", "cap-2"):
                facade.run(devices.create(DeviceCreator(client_id=client_id)))
            with pytest.raises(ec_async.LimitReached):
                facade.run(devices.create(DeviceCreator(client_id="cap-3")))
            count = facade.run(devices.count())

        assert 12 == count

    def test_limit_below_usage_raises_limit_exceeded(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A cap of 4 where 10 devices exist is exceeded by 6."""
        south = emulator.admin.account_id("acme-south")

        with (
            client_as(facade, emulator, ADMIN) as ec,
            pytest.raises(ec_async.LimitExceeded) as refused,
        ):
            facade.run(
                ec.scope(south).service_configurations.update(DEVICES, _limit(4))
            )

        assert (400, DEVICES, 6) == (
            refused.value.status,
            refused.value.service_pid,
            refused.value.limit_exceeded_by,
        )

    def test_child_may_not_get_more_than_its_parent_has_left(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """A parent with room for 10 tags cannot give a child a cap of 15."""
        admin = emulator.admin
        parent = admin.create_account(
            admin.account_id("acme"), "t-cap", unlimited=False
        )
        child = admin.create_account(parent, "t-cap-child", unlimited=False)

        with client_as(facade, emulator, SYSTEM) as ec:
            facade.run(ec.scope(parent).service_configurations.update(TAGS, _limit(10)))
            with pytest.raises(ec_async.LimitExceeded) as refused:
                facade.run(
                    ec.scope(child).service_configurations.update(TAGS, _limit(15))
                )
            facade.run(ec.scope(child).service_configurations.update(TAGS, _limit(4)))
            facade.run(ec.scope(child).tags.create(TagCreator(name="only-one")))

        assert ("PARENT_LIMIT_EXCEEDED", 5) == (
            refused.value.error_code,
            refused.value.limit_exceeded_by,
        )

    def test_every_required_property_must_be_sent(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """An update is a full replace: leaving infiniteChildEntities out is a 400."""
        south = emulator.admin.account_id("acme-south")

        with (
            client_as(facade, emulator, ADMIN) as ec,
            pytest.raises(ec_async.BadRequest) as refused,
        ):
            facade.run(
                ec.scope(south).service_configurations.update(
                    DEVICES, {"maxNumberChildEntities": 50}
                )
            )

        assert ("ILLEGAL_NULL_ARGUMENT", "infiniteChildEntities") == (
            refused.value.error_code,
            refused.value.argument_name,
        )

    def test_several_services_are_written_at_once(
        self, facade: Facade, emulator: Emulator
    ) -> None:
        """update_all writes each component given."""
        south = emulator.admin.account_id("acme-south")

        with client_as(facade, emulator, ADMIN) as ec:
            configurations = ec.scope(south).service_configurations
            facade.run(
                configurations.update_all({DEVICES: _limit(30), TAGS: _limit(3)})
            )
            devices = facade.run(configurations.get(DEVICES))
            tags = facade.run(configurations.get(TAGS))

        assert devices is not None
        assert tags is not None
        assert (30, 3) == (
            devices.values["maxNumberChildEntities"],
            tags.values["maxNumberChildEntities"],
        )
