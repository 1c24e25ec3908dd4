"""The private converter: wire names, dates, unknown fields, decode errors."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import ec_async
from ec_async._convert import format_datetime, structure, unstructure

DEVICE = {
    "type": "device",
    "id": "LQNak9Yzkus",
    "scopeId": "AQ",
    "clientId": "RPI4-00A3F2",
    "status": "ENABLED",
    "customAttribute1": "rack-7",
    "createdOn": "2017-03-27T17:00:37.22Z",
    "optlock": 3,
    "tagIds": ["Ag"],
    "futureField": {"nested": True},
}


def test_device_wire_names() -> None:
    """camelCase wire names land on snake_case fields, numbered ones included."""
    device = structure(DEVICE, ec_async.Device)

    assert device.client_id == "RPI4-00A3F2"
    assert device.custom_attribute_1 == "rack-7"
    assert device.tag_ids == ["Ag"]


def test_short_fractions_parse_as_utc() -> None:
    """Dates with two fraction digits, as older servers print, parse to aware UTC."""
    device = structure(DEVICE, ec_async.Device)

    assert (
        dt.datetime(2017, 3, 27, 17, 0, 37, 220000, tzinfo=dt.UTC) == device.created_on
    )


def test_unknown_fields_are_kept_and_sent_back() -> None:
    """A field the model does not declare survives a read-modify-write."""
    device = structure(DEVICE, ec_async.Device)
    changed = attrs.evolve(device, display_name="Pump 7")

    document = unstructure(changed)

    assert device.extra["futureField"] == {"nested": True}
    assert document["futureField"] == {"nested": True}
    assert document["displayName"] == "Pump 7"
    assert "type" not in document


def test_dates_go_out_with_milliseconds() -> None:
    """Dates are written as the server writes them: three digits and Z."""
    document = unstructure(structure(DEVICE, ec_async.Device))

    assert document["createdOn"] == "2017-03-27T17:00:37.220Z"


def test_early_years_keep_four_digits() -> None:
    """The year 999 goes out as 0999, the ISO 8601 form the server parses."""
    early = dt.datetime(999, 1, 2, 3, 4, 5, 6000, tzinfo=dt.UTC)

    assert "0999-01-02T03:04:05.006Z" == format_datetime(early)


def test_decode_error_names_every_field() -> None:
    """A body that does not fit names each failing field, not just the first."""
    broken = {**DEVICE, "optlock": "three", "createdOn": 12}
    del broken["clientId"]

    with pytest.raises(ec_async.DecodeError) as caught:
        structure(broken, ec_async.Device)

    text = str(caught.value)
    assert len(caught.value.problems) == 3
    for field in ("clientId", "optlock", "createdOn"):
        assert field in text


def test_access_token_repr_hides_secrets() -> None:
    """Neither the JWT nor the refresh token shows in a token's repr."""
    token = structure(
        {
            "id": "x",
            "scopeId": "AQ",
            "userId": "AQ",
            "tokenId": "eyJhbGciOiJSUzI1NiJ9.secret-jwt",
            "refreshToken": "4d97e180-secret-refresh",
            "expiresOn": "2030-01-01T00:00:00.000Z",
            "refreshExpiresOn": "2030-01-01T05:00:00.000Z",
        },
        ec_async.AccessToken,
    )

    assert "secret" not in repr(token)


def test_optional_scalars_and_other_date_forms() -> None:
    """Optional numbers and texts are coerced; spaced, lower-z, 7-digit dates parse."""
    device = structure(
        {
            **DEVICE,
            "optlock": "4",
            "displayName": 7,
            "modifiedOn": " 2017-03-27T17:00:37.1234567z ",
        },
        ec_async.Device,
    )

    assert (4, "7") == (device.optlock, device.display_name)
    assert (
        dt.datetime(2017, 3, 27, 17, 0, 37, 123456, tzinfo=dt.UTC) == device.modified_on
    )
