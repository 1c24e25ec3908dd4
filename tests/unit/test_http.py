"""Translating aiohttp's failures into ec-client's errors, without a socket."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey, RequestInfo
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

import ec_async
from ec_async import Timeouts
from ec_async._http import translate_failure

REQUEST = "GET /_/devices"
TIMEOUTS = Timeouts(connect=3.0, read=7.0)


def _key() -> ConnectionKey:
    return ConnectionKey("127.0.0.1", 9, False, True, None, None, None)


def test_a_refused_connection_was_never_sent() -> None:
    """A connect failure is a TransportError whose request was not sent."""
    refused = aiohttp.ClientConnectorError(_key(), OSError(111, "Connection refused"))

    error = translate_failure(refused, REQUEST, TIMEOUTS)

    assert type(error) is ec_async.TransportError
    assert not error.request_sent
    assert "could not connect to 127.0.0.1:9" in str(error)
    assert "Connection refused" in str(error)


def test_a_connect_timeout_was_never_sent() -> None:
    """A connect timeout is a RequestTimeout naming the connect limit, not sent."""
    error = translate_failure(aiohttp.ConnectionTimeoutError(), REQUEST, TIMEOUTS)

    assert isinstance(error, ec_async.RequestTimeout)
    assert not error.request_sent
    assert "within 3.0 s" in str(error)


def test_a_read_timeout_may_have_been_acted_on() -> None:
    """A read timeout names the read limit; the request did go out."""
    error = translate_failure(aiohttp.SocketTimeoutError(), REQUEST, TIMEOUTS)

    assert isinstance(error, ec_async.RequestTimeout)
    assert error.request_sent
    assert "sent nothing for 7.0 s" in str(error)


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        (aiohttp.ServerDisconnectedError(), "closed the connection"),
        (aiohttp.ClientPayloadError("Response payload is not completed"), "cut short"),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), "reset by peer"),
    ],
)
def test_failures_after_sending_are_ambiguous(
    failure: aiohttp.ClientError, says: str
) -> None:
    """Failures once the request was sent say so, and keep ``request_sent``."""
    error = translate_failure(failure, REQUEST, TIMEOUTS)

    assert isinstance(error, ec_async.TransportError)
    assert error.request_sent
    assert says in str(error)
    assert str(error).startswith(REQUEST)


def test_a_garbled_answer_does_not_quote_the_request_headers() -> None:
    """aiohttp's parse errors carry the request's headers; the message does not."""
    headers = CIMultiDictProxy(CIMultiDict({"Authorization": "Bearer s3cr3t-token"}))
    info = RequestInfo(URL("http://127.0.0.1/v1/_/devices"), "GET", headers)
    garbled = aiohttp.ClientResponseError(info, (), status=400, message="Bad status")

    error = translate_failure(garbled, REQUEST, TIMEOUTS)

    assert "not valid HTTP (Bad status)" in str(error)
    assert "s3cr3t" not in str(error)
    assert "s3cr3t" not in repr(error)
