"""Mapping error responses onto the typed error tree, without a socket."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

import ec_async
from ec_async._errors import error_from_response


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def _error(
    status: int, body: bytes = b"", content_type: str = "application/json"
) -> ec_async.APIError:
    return error_from_response(
        method="GET",
        path="/_/devices/AQ",
        status=status,
        content_type=content_type,
        body=body,
    )


def test_not_found_carries_entity() -> None:
    """A 404 entityNotFoundExceptionInfo becomes NotFound with its entity."""
    body = _json(
        {
            "type": "entityNotFoundExceptionInfo",
            "httpErrorCode": 404,
            "message": "The entity of type device with id/name 1 was not found.",
            "kapuaErrorCode": "ENTITY_NOT_FOUND",
            "entityType": "device",
            "entityId": "AQ",
        }
    )

    error = _error(404, body)

    assert isinstance(error, ec_async.NotFound)
    assert isinstance(error, LookupError)
    assert (error.entity_type, error.entity_id) == ("device", "AQ")
    assert "ENTITY_NOT_FOUND" in str(error)
    assert "GET /_/devices/AQ" in str(error)


def test_permission_denied_carries_permission() -> None:
    """A 403 names the permission that was required."""
    permission = {
        "domain": "device",
        "action": "read",
        "targetScopeId": "AQ",
        "forwardable": False,
    }
    body = _json(
        {
            "type": "subjectUnauthorizedExceptionInfo",
            "httpErrorCode": 403,
            "message": "User does not have permission to perform this action. Required permission: device:read:1:*.",
            "kapuaErrorCode": "SUBJECT_UNAUTHORIZED",
            "permission": permission,
        }
    )

    error = _error(403, body)

    assert isinstance(error, ec_async.PermissionDenied)
    assert permission == error.permission


def test_bad_request_names_argument() -> None:
    """A 400 names the argument the server rejected."""
    body = _json(
        {
            "type": "illegalArgumentExceptionInfo",
            "httpErrorCode": 400,
            "kapuaErrorCode": "ILLEGAL_ARGUMENT",
            "argumentName": "deviceId",
            "argumentValue": "%%%",
        }
    )

    error = _error(400, body)

    assert isinstance(error, ec_async.BadRequest)
    assert isinstance(error, ValueError)
    assert error.argument_name == "deviceId"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("DUPLICATE_NAME", ec_async.DuplicateName),
        ("OPTIMISTIC_LOCKING", ec_async.OptimisticLockError),
    ],
)
def test_server_500_conflicts_are_conflicts(
    code: str, expected: type[ec_async.APIError]
) -> None:
    """Kapua sends duplicate names and stale optlocks as 500; they map to Conflict kinds."""
    body = _json(
        {
            "type": "exceptionInfo",
            "httpErrorCode": 500,
            "kapuaErrorCode": code,
            "message": "x",
        }
    )

    error = _error(500, body)

    assert isinstance(error, expected)
    assert isinstance(error, ec_async.Conflict)
    assert error.status == 500


def test_device_not_connected_is_typed() -> None:
    """A 409 deviceNotConnectedExceptionInfo becomes DeviceNotConnected."""
    body = _json(
        {
            "type": "deviceNotConnectedExceptionInfo",
            "httpErrorCode": 409,
            "kapuaErrorCode": "DEVICE_NOT_CONNECTED",
            "deviceId": "AQ",
            "connectionStatus": "DISCONNECTED",
        }
    )

    assert isinstance(_error(409, body), ec_async.DeviceNotConnected)


def test_empty_401_still_explains() -> None:
    """A failed login's empty 401 gives a message that says what to check."""
    error = _error(401, b"", content_type="")

    assert isinstance(error, ec_async.AuthenticationError)
    assert "401" in str(error)
    assert "credentials" in str(error)


def test_html_401_is_not_repeated() -> None:
    """Jetty's HTML error page is not dumped into the message."""
    page = b"<html><body><h2>HTTP ERROR 401 The provided access token is expired</h2></body></html>"

    error = _error(401, page, content_type="text/html")

    assert isinstance(error, ec_async.AuthenticationError)
    assert "<html>" not in str(error)


def test_non_json_5xx_is_server_error() -> None:
    """A proxy's 502 page maps to ServerError."""
    assert isinstance(
        _error(502, b"Bad gateway", content_type="text/html"), ec_async.ServerError
    )


def test_api_error_pickles() -> None:
    """Errors survive pickling, as multiprocessing and the sync facade's threads need."""
    error = _error(404, b"", content_type="")

    restored = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes.

    assert type(error) is type(restored)
    assert str(error) == str(restored)


def test_a_gateway_html_page_blames_the_proxy() -> None:
    """A 502/503/504 HTML page says a proxy answered, not the EC server."""
    error = _error(503, b"<html><body>503</body></html>", "text/html")

    assert isinstance(error, ec_async.ServerError)
    assert "proxy or load balancer" in str(error)


def test_kapuas_own_html_401_is_not_blamed_on_a_proxy() -> None:
    """Jetty's HTML page for a refused token is Kapua's own: no proxy hint."""
    error = _error(401, b"<html><body>401</body></html>", "text/html")

    assert isinstance(error, ec_async.AuthenticationError)
    assert "proxy" not in str(error)


def test_an_error_body_nested_too_deep_is_ignored() -> None:
    """A JSON error document nested past the parser's depth is left out."""
    error = _error(500, b"[" * 100_000 + b"]" * 100_000)

    assert isinstance(error, ec_async.ServerError)
    assert error.body is None


def test_transport_errors_keep_request_sent_through_pickling() -> None:
    """``request_sent`` survives pickling, as multiprocessing needs."""
    error = ec_async.TransportError("refused", request_sent=False)

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes.

    assert (str(error), False) == (str(copy), copy.request_sent)
