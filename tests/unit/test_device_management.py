"""Pure parts of device management: typed values, timeouts, error mapping."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import ec_async
from ec_async import (
    AssetChannel,
    AttributeDefinition,
    ComponentConfiguration,
    ComponentDefinition,
    ConfigurationProperty,
    DeviceAsset,
    PackageDownload,
    PayloadMetric,
    Snapshot,
    Timeouts,
)
from ec_async._convert import structure, unstructure
from ec_async._device_management import DEVICE_TIMEOUT_GRACE, device_call_timeouts
from ec_async._device_models import metric_of
from ec_async._errors import error_from_response

CLOCK = {
    "id": "org.eclipse.kura.clock.ClockService",
    "definition": {
        "id": "org.eclipse.kura.clock.ClockService",
        "AD": [
            {"id": "enabled", "type": "Boolean", "cardinality": 0, "Option": []},
            {"id": "servers", "type": "String", "cardinality": 3},
            {"id": "ratio", "type": "Double", "cardinality": 0},
        ],
        "Icon": [],
    },
    "properties": {
        "property": [
            {"name": "enabled", "type": "Boolean", "array": False, "value": ["true"]},
            {"name": "port", "type": "Integer", "array": False, "value": ["123"]},
            {
                "name": "db.password",
                "type": "Password",
                "array": False,
                "encrypted": True,
                "value": ["c2VjcmV0"],
            },
        ]
    },
}


class TestComponentConfiguration:
    """Reading the wire form and changing a copy."""

    def test_properties_unwrap_and_read_typed(self) -> None:
        """The property list comes out of its wrapper; values read by their type."""
        component = structure(CLOCK, ComponentConfiguration)

        assert {"enabled": True, "port": 123, "db.password": "c2VjcmV0"} == (
            component.values
        )
        assert component.definition is not None
        assert ["enabled", "servers", "ratio"] == [
            ad.id for ad in component.definition.attributes
        ]

    def test_a_changed_copy_writes_back_wrapped(self) -> None:
        """with_values keeps the original, and the copy unstructures to the wire form."""
        component = structure(CLOCK, ComponentConfiguration)
        changed = component.with_values({"port": 2000, "enabled": False})

        assert 123 == component.get("port")
        assert {"property"} == set(unstructure(changed)["properties"])
        written = {
            p["name"]: p["value"]
            for p in unstructure(changed)["properties"]["property"]
        }
        assert (["2000"], ["false"]) == (written["port"], written["enabled"])

    def test_a_new_property_takes_its_type_from_the_metatype(self) -> None:
        """A property the component lacks is typed by its attribute definition."""
        component = structure(CLOCK, ComponentConfiguration)
        changed = component.with_values({"servers": ["a", "b"], "ratio": 2})

        servers = next(p for p in changed.properties if p.name == "servers")
        ratio = next(p for p in changed.properties if p.name == "ratio")
        assert ("String", True, ["a", "b"]) == (
            servers.type,
            servers.array,
            servers.value,
        )
        assert ("Double", ["2.0"]) == (ratio.type, ratio.value)

    def test_a_password_goes_out_for_the_device_to_encrypt(self) -> None:
        """A new password value is sent in the clear, marked not encrypted."""
        component = structure(CLOCK, ComponentConfiguration)
        changed = component.with_values({"db.password": "n3w"})

        prop = next(p for p in changed.properties if p.name == "db.password")
        assert (["n3w"], False) == (prop.value, prop.encrypted)

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("port", "123"),
            ("port", True),
            ("port", 1.5),
            ("enabled", "true"),
            ("enabled", 1),
            ("servers", "a"),
            ("ratio", float("nan")),
        ],
    )
    def test_a_wrong_type_raises_configuration_error(
        self, name: str, value: object
    ) -> None:
        """A value that does not fit the property's type is refused before sending."""
        component = structure(CLOCK, ComponentConfiguration)

        with pytest.raises(ec_async.ConfigurationError, match=name):
            component.with_values({name: value})

    def test_without_a_metatype_the_python_type_decides(self) -> None:
        """A snapshot's component (no metatype) types a new property by its value."""
        component = ComponentConfiguration(id="pid")
        changed = component.with_values({"flag": True, "count": 3, "name": "x"})

        assert [("flag", "Boolean"), ("count", "Integer"), ("name", "String")] == [
            (p.name, p.type) for p in changed.properties
        ]

    def test_an_array_reads_as_a_list(self) -> None:
        """An array property reads as a list of typed values."""
        prop = ConfigurationProperty(
            name="ports", type="Long", array=True, value=["1", "2"]
        )

        assert [1, 2] == prop.typed_value

    def test_attribute_lookup(self) -> None:
        """ComponentDefinition.attribute finds an attribute by id, or None."""
        definition = ComponentDefinition(attributes=[AttributeDefinition(id="a")])

        assert ("a", None) == (
            getattr(definition.attribute("a"), "id", None),
            definition.attribute("b"),
        )


class TestTextValues:
    """Asset channels and request metrics carry values as text."""

    def test_channel_values_read_and_write_by_type(self) -> None:
        """A double channel reads a float and takes one, as text."""
        channel = AssetChannel(name="Setpoint", value_type="double", value="22.5")

        assert 22.5 == channel.typed_value
        assert "19.0" == channel.with_value(19).value
        with pytest.raises(ec_async.ConfigurationError, match="Setpoint"):
            channel.with_value("cold")

    def test_asset_with_values_keeps_only_the_named_channels(self) -> None:
        """An asset copy for writing holds just the channels given values."""
        asset = DeviceAsset(
            name="PLC",
            channels=[
                AssetChannel(name="A", value_type="boolean"),
                AssetChannel(name="B", value_type="integer"),
            ],
        )

        written = asset.with_values({"B": 7})

        assert [("B", "7")] == [(c.name, c.value) for c in written.channels]
        with pytest.raises(ec_async.ConfigurationError, match="C"):
            asset.with_values({"C": 1})

    @pytest.mark.parametrize(
        ("value", "value_type", "text"),
        [
            (True, "boolean", "true"),
            (7, "integer", "7"),
            (2**40, "long", str(2**40)),
            (0.5, "double", "0.5"),
            (b"\x00\xff", "binary", "AP8="),
            ("x", "string", "x"),
        ],
    )
    def test_metrics_are_typed_by_their_python_value(
        self, value: object, value_type: str, text: str
    ) -> None:
        """A request metric names its type and carries the value's text form."""
        metric = metric_of("m", value)

        assert {"name": "m", "valueType": value_type, "value": text} == metric
        assert (
            value
            == PayloadMetric(name="m", value_type=value_type, value=text).typed_value
        )


class TestModels:
    """Small behaviours of the other device management models."""

    def test_snapshot_time(self) -> None:
        """A snapshot's millisecond timestamp reads as a UTC datetime."""
        snapshot = Snapshot(id="1", timestamp=1_700_000_000_123)

        assert dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=dt.UTC) == (
            snapshot.taken_on
        )

    def test_the_download_password_never_shows(self) -> None:
        """repr(PackageDownload) leaves the HTTP password out."""
        package = PackageDownload(
            uri="https://h/p.dp", name="p", version="1", password="s3cret-pw"
        )

        assert "s3cret-pw" not in repr(package)
        assert "s3cret-pw" == unstructure(package)["password"]


class TestDeviceCallTimeouts:
    """How far the client's own timeouts stretch for a device call."""

    def test_read_and_total_outlast_the_device(self) -> None:
        """A 120 s device wait lifts read and total past it by the grace."""
        stretched = device_call_timeouts(Timeouts(connect=5, read=60, total=100), 120)

        assert (5, 120 + DEVICE_TIMEOUT_GRACE, 120 + DEVICE_TIMEOUT_GRACE + 5) == (
            stretched.connect,
            stretched.read,
            stretched.total,
        )

    def test_longer_client_timeouts_are_kept(self) -> None:
        """Timeouts already longer than the device's wait are left as they are."""
        base = Timeouts(connect=5, read=600, total=None)

        assert base == device_call_timeouts(base, 1)


class TestDeviceErrors:
    """Device-management error bodies become their typed errors."""

    def _error(self, body: dict[str, object]) -> ec_async.APIError:
        return error_from_response(
            method="POST",
            path="/_/devices/AQ/commands/_execute",
            status=500,
            content_type="application/json",
            body=json.dumps(body).encode(),
        )

    def test_timeout_info_is_a_device_timeout(self) -> None:
        """deviceManagementTimeoutExceptionInfo becomes DeviceTimeout (a TimeoutError)."""
        error = self._error(
            {
                "type": "deviceManagementTimeoutExceptionInfo",
                "httpErrorCode": 500,
                "kapuaErrorCode": "TIMEOUT",
                "timeout": 2500,
            }
        )

        assert isinstance(error, ec_async.DeviceTimeout)
        assert isinstance(error, TimeoutError)
        assert 2.5 == error.timeout

    def test_response_code_info_is_a_device_response_error(self) -> None:
        """A refusal carries the device's response code and message."""
        error = self._error(
            {
                "type": "deviceManagementResponseCodeExceptionInfo",
                "httpErrorCode": 500,
                "kapuaErrorCode": "RESPONSE_NOT_FOUND",
                "responseCode": "NOT_FOUND",
                "errorMessage": "Bundle 9 not found",
            }
        )

        assert isinstance(error, ec_async.DeviceResponseError)
        assert isinstance(error, ec_async.DeviceManagementError)
        assert ("NOT_FOUND", "Bundle 9 not found") == (
            error.response_code,
            error.device_message,
        )
