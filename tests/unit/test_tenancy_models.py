"""The tenancy models on the wire: permissions, account requests, configurations."""

from __future__ import annotations

import datetime as dt

import ec_async
from ec_async._convert import request_body, structure

# The spec's serviceComponentConfiguration example, AccountService part.
ACCOUNT_SERVICE = {
    "id": "org.eclipse.kapua.service.account.AccountService",
    "name": "AccountService",
    "definition": {
        "id": "org.eclipse.kapua.service.account.AccountService",
        "name": "AccountService",
        "description": "This is the configuration for the kapua AccountService. ",
        "AD": [
            {
                "Option": [],
                "cardinality": 0,
                "default": "0",
                "id": "maxNumberChildEntities",
                "min": "0",
                "name": "maxNumberChildAccounts",
                "required": True,
                "type": "Integer",
            }
        ],
        "Icon": [{"resource": "OSGI-INF/account-service.png", "size": 32}],
    },
    "properties": {
        "property": [
            {
                "array": False,
                "encrypted": False,
                "name": "maxNumberChildEntities",
                "type": "Integer",
                "value": ["7"],
            },
            {
                "name": "infiniteChildEntities",
                "type": "Boolean",
                "value": ["true"],
            },
            {
                "name": "allowedRegions",
                "type": "String",
                "array": True,
                "value": ["eu", "us"],
            },
        ]
    },
}


class TestServiceComponentConfiguration:
    """A component's configuration as the server writes it."""

    def test_upper_case_wire_names_decode(self) -> None:
        """AD, Option and Icon land on attributes, options and icons."""
        configuration = structure(
            ACCOUNT_SERVICE, ec_async.ServiceComponentConfiguration
        )

        assert configuration.definition is not None
        attribute = configuration.definition.attributes[0]
        assert ("maxNumberChildEntities", "Integer", "0") == (
            attribute.id,
            attribute.type,
            attribute.min,
        )
        assert 32 == configuration.definition.icons[0].size

    def test_values_are_typed_by_their_property_type(self) -> None:
        """Integer and Boolean strings parse; an array property is a list."""
        configuration = structure(
            ACCOUNT_SERVICE, ec_async.ServiceComponentConfiguration
        )

        assert {
            "maxNumberChildEntities": 7,
            "infiniteChildEntities": True,
            "allowedRegions": ["eu", "us"],
        } == configuration.values


class TestPermission:
    """Permissions in Kapua's text form and on the wire."""

    def test_describe_writes_stars_for_any(self) -> None:
        """None parts are Kapua's wildcard."""
        permission = ec_async.Permission(domain="device", action="read")

        assert "device:read:*:*" == permission.describe()

    def test_request_body_leaves_out_unset_parts(self) -> None:
        """A permission without a group sends no groupId; forwardable is explicit."""
        permission = ec_async.Permission(
            domain="device", action="read", target_scope_id="AQ"
        )

        assert {
            "domain": "device",
            "action": "read",
            "targetScopeId": "AQ",
            "forwardable": False,
        } == request_body(permission)


class TestAccountCreator:
    """What an account creation sends."""

    def test_organization_fields_are_flat(self) -> None:
        """Creator organization fields are organization<Field>, dates in Kapua's form."""
        creator = ec_async.AccountCreator(
            name="acme-east",
            organization_name="ACME East",
            organization_email="ops@east.example.com",
            organization_address_line_1="1 Main St",
            expiration_date=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        )

        assert {
            "name": "acme-east",
            "organizationName": "ACME East",
            "organizationEmail": "ops@east.example.com",
            "organizationAddressLine1": "1 Main St",
            "expirationDate": "2030-01-01T00:00:00.000Z",
        } == request_body(creator)
