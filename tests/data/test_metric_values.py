"""Payload metrics: Python values to the server's text and back, by value type."""

from __future__ import annotations

import datetime as dt
import math

import pytest

import ec_async
from ec_async import DataMessage, DataPayload, Metric, MetricType
from ec_async._convert import request_body, structure
from ec_async._data_models import metric_from_text, metric_text, metric_type_of


class TestMetricTypes:
    """The type a metric is stored with, inferred from its Python value."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (True, MetricType.BOOLEAN),
            (7, MetricType.INTEGER),
            (2**31 - 1, MetricType.INTEGER),
            (2**31, MetricType.LONG),
            (-(2**31) - 1, MetricType.LONG),
            (21.5, MetricType.DOUBLE),
            ("on", MetricType.STRING),
            (b"\x00\x01", MetricType.BINARY),
            (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), MetricType.DATE),
        ],
    )
    def test_inferred_from_the_value(
        self, value: ec_async.MetricValue, expected: MetricType
    ) -> None:
        """Java's Integer holds 32 bits; a bigger int must travel as a long."""
        assert expected == metric_type_of(value)

    def test_unsupported_values_are_refused(self) -> None:
        """A value no metric type holds raises ConfigurationError."""
        with pytest.raises(ec_async.ConfigurationError, match="metric value"):
            metric_type_of([1, 2])


class TestMetricText:
    """Values written as ObjectValueConverter.toString writes them."""

    @pytest.mark.parametrize(
        ("value", "value_type", "text"),
        [
            (True, "boolean", "true"),
            (False, "boolean", "false"),
            (-12, "integer", "-12"),
            (2**40, "long", "1099511627776"),
            (0.5, "double", "0.5"),
            (3, "double", "3.0"),
            (math.inf, "double", "Infinity"),
            (-math.inf, "float", "-Infinity"),
            (math.nan, "double", "NaN"),
            ("a b", "string", "a b"),
            (b"\xff\x00", "binary", "/wA="),
            (
                dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC),
                "date",
                "2024-05-06T07:08:09.000Z",
            ),
        ],
    )
    def test_written_as_java_text(
        self, value: ec_async.MetricValue, value_type: str, text: str
    ) -> None:
        """Each type's text is what the server's Java parsers read back."""
        assert text == metric_text(value, value_type)

    def test_an_int_too_big_for_integer_is_refused(self) -> None:
        """2**31 cannot be sent as an integer metric; it needs long."""
        with pytest.raises(ec_async.ConfigurationError, match="does not fit"):
            metric_text(2**31, "integer")

    def test_a_value_of_another_type_is_refused(self) -> None:
        """A string sent as a double raises before anything is sent."""
        with pytest.raises(ec_async.ConfigurationError, match="cannot be sent"):
            metric_text("warm", "double")


class TestMetricFromText:
    """Values read back to Python, by valueType."""

    @pytest.mark.parametrize(
        ("raw", "value_type", "expected"),
        [
            ("42", "integer", 42),
            ("42", "int", 42),
            ("9007199254740993", "long", 9007199254740993),
            ("20.25", "double", 20.25),
            (5.0, "double", 5.0),
            ("1.0E10", "float", 1.0e10),
            ("TRUE", "boolean", True),
            ("false", "boolean", False),
            ("AAE=", "binary", b"\x00\x01"),
            ("plain", "string", "plain"),
            (0, "string", "0"),
            ("kept as sent", "geopoint", "kept as sent"),
        ],
    )
    def test_read_by_type(
        self, raw: object, value_type: str, expected: ec_async.MetricValue
    ) -> None:
        """Text (or, leniently, a JSON number as in the spec's examples) becomes typed."""
        assert expected == metric_from_text(raw, value_type)

    def test_dates_in_iso_and_java_form(self) -> None:
        """Date metrics parse from ISO 8601 and from Java's Date.toString."""
        expected = dt.datetime(2019, 9, 12, 9, 25, 5, tzinfo=dt.UTC)

        assert expected == metric_from_text("2019-09-12T09:25:05.000Z", "date")
        assert expected == metric_from_text("Thu Sep 12 09:25:05 UTC 2019", "date")

    @pytest.mark.parametrize(
        ("raw", "value_type"),
        [("warm", "double"), ("1.5", "integer"), ("yes", "boolean"), ("%%", "binary")],
    )
    def test_bad_text_is_a_decode_problem(self, raw: str, value_type: str) -> None:
        """Text that does not fit its type raises ValueError (a DecodeError when structured)."""
        with pytest.raises(ValueError):  # noqa: PT011 - the message varies by type.
            metric_from_text(raw, value_type)


WIRE = {
    "type": "jsonDatastoreMessage",
    "datastoreId": "bb07d7fc-dc62-492f-b8da-7e28df69e112",
    "scopeId": "AQ",
    "timestamp": "2019-09-12T09:25:05.096Z",
    "deviceId": "WyczTs_GuDM",
    "clientId": "Client-Id-1",
    "channel": {"type": "kapuaDataChannel", "semanticParts": ["heater", "data"]},
    "payload": {
        "metrics": [
            {"valueType": "double", "value": "5.0", "name": "temperatureExternal"},
            {"valueType": "integer", "value": "0", "name": "errorCode"},
            {"valueType": "boolean", "value": "true", "name": "on"},
        ],
        "body": "aGVsbG8=",
    },
}


class TestMessageModels:
    """DataMessage and its payload on the wire."""

    def test_decoded_with_typed_metrics(self) -> None:
        """The message's metrics come out as Python values, the body as bytes."""
        message = structure(WIRE, DataMessage)

        assert {
            "temperatureExternal": 5.0,
            "errorCode": 0,
            "on": True,
        } == message.metrics
        assert b"hello" == message.payload.body
        assert message.channel is not None
        assert "heater/data" == message.channel.name

    def test_a_bad_metric_names_its_path(self) -> None:
        """A metric that does not fit its type fails decoding, naming the message."""
        wire = {
            **WIRE,
            "payload": {
                "metrics": [{"valueType": "double", "value": "x", "name": "t"}]
            },
        }

        with pytest.raises(ec_async.DecodeError, match="DataMessage"):
            structure(wire, DataMessage)

    def test_request_body_sends_text_and_leaves_out_server_fields(self) -> None:
        """A new message sends metric values as text, and no datastoreId or timestamp."""
        message = DataMessage(
            datastore_id="ignored",
            timestamp=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            client_id="c1",
            device_id="AQ",
            channel="a/b",
            payload=DataPayload(
                metrics=[Metric(name="n", value=3), Metric(name="x", value=0.25)],
                body=b"\x01",
            ),
        )

        body = request_body(message)

        assert {"semanticParts": ["a", "b"]} == body["channel"]
        assert [
            {"name": "n", "valueType": "integer", "value": "3"},
            {"name": "x", "valueType": "double", "value": "0.25"},
        ] == body["payload"]["metrics"]
        assert "AQ==" == body["payload"]["body"]
        assert {"datastoreId", "timestamp", "scopeId"}.isdisjoint(body)

    def test_payload_of_infers_each_type(self) -> None:
        """DataPayload.of types each metric from its value."""
        payload = DataPayload.of({"on": False, "count": 2**33, "name": "x"})

        assert ["boolean", "long", "string"] == [m.value_type for m in payload.metrics]
