"""Bodies that are not what the API promises raise typed errors that say what to do."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

import ec_async

from ._scripted import (
    DEVICE,
    ScriptedServer,
    access_token,
    http_response,
    json_response,
)
from .conftest import NO_WAIT

pytestmark = pytest.mark.anyio

PROXY_PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    """A scripted server: every login succeeds, data answers are scripted."""
    async with ScriptedServer() as scripted:
        yield scripted


def _client(server: ScriptedServer, **options: Any) -> ec_async.Client:
    return ec_async.Client(
        server.base_url, username="someone", password="Some-Passw0rd!", **options
    )


def _document(**changes: Any) -> bytes:
    return json_response({**DEVICE, **changes})


class TestBodies:
    """What a successful status carries, when it is not the JSON promised."""

    async def test_an_html_page_from_a_proxy(self, server: ScriptedServer) -> None:
        """A 200 HTML page is a DecodeError that suspects a proxy or portal."""
        server.script.append(
            http_response(200, PROXY_PAGE, {"Content-Type": "text/html"})
        )
        async with _client(server, retry=NO_WAIT) as ec:
            with pytest.raises(ec_async.DecodeError) as caught:
                await ec.devices.get("AQ")

        assert "expected JSON but got text/html" in str(caught.value)
        assert "proxy" in str(caught.value)
        assert "check base_url" in str(caught.value)

    async def test_invalid_json(self, server: ScriptedServer) -> None:
        """Broken JSON is a DecodeError that quotes the start of the body."""
        server.script.append(
            http_response(200, b'{"id": "AQ", ', {"Content-Type": "application/json"})
        )
        async with _client(server) as ec:
            with pytest.raises(ec_async.DecodeError) as caught:
                await ec.devices.get("AQ")

        assert "not valid JSON" in str(caught.value)
        assert '\'{"id": "AQ", \'' in str(caught.value)
        assert "try again" in str(caught.value)

    async def test_deeply_nested_json(self, server: ScriptedServer) -> None:
        """JSON nested beyond the parser's depth is a DecodeError, not a crash."""
        body = b"[" * 200_000 + b"]" * 200_000
        server.script.append(
            http_response(200, body, {"Content-Type": "application/json"})
        )
        async with _client(server) as ec:
            with pytest.raises(ec_async.DecodeError, match="not valid JSON"):
                await ec.devices.get("AQ")

    async def test_a_truncated_body(self, server: ScriptedServer) -> None:
        """Fewer bytes than Content-Length promised is a TransportError, retried."""
        whole = json.dumps(DEVICE).encode()
        headers = {
            "Content-Type": "application/json",
            "Content-Length": str(len(whole)),
        }
        server.script.append(http_response(200, whole[:20], headers))
        async with _client(server, retry=NO_WAIT) as ec:
            device = await ec.devices.get("AQ")
            server.script.extend([http_response(200, whole[:20], headers)] * 3)
            with pytest.raises(ec_async.TransportError) as caught:
                await ec.devices.get("AQ")

        assert "AQ" == device.id
        assert "cut short" in str(caught.value)

    async def test_a_wrong_content_type(self, server: ScriptedServer) -> None:
        """Good JSON labelled as an octet stream is still refused, typed."""
        server.script.append(
            http_response(
                200,
                json.dumps(DEVICE).encode(),
                {"Content-Type": "application/octet-stream"},
            )
        )
        async with _client(server) as ec:
            with pytest.raises(ec_async.DecodeError) as caught:
                await ec.devices.get("AQ")

        assert "expected JSON but got application/octet-stream" in str(caught.value)

    @pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
    async def test_a_body_too_large(
        self, server: ScriptedServer, declared: bool
    ) -> None:
        """A body over max_body_size is refused, declared or not, naming the limit."""
        body = json.dumps({**DEVICE, "padding": "x" * 5000}).encode()
        server.script.append(
            http_response(
                200,
                body,
                {"Content-Type": "application/json"},
                content_length=declared,
            )
        )
        async with _client(server, max_body_size=4096) as ec:
            with pytest.raises(ec_async.DecodeError) as caught:
                await ec.devices.get("AQ")

        assert "larger than the configured limit of 4096 bytes" in str(caught.value)
        assert "raise max_body_size" in str(caught.value)

    async def test_a_compressed_body_counts_after_decompression(
        self, server: ScriptedServer
    ) -> None:
        """A small gzip body that inflates past the limit is refused too."""
        inflated = json.dumps({**DEVICE, "padding": "x" * 100_000}).encode()
        server.script.append(
            http_response(
                200,
                gzip.compress(inflated),
                {"Content-Type": "application/json", "Content-Encoding": "gzip"},
            )
        )
        async with _client(server, max_body_size=10_000) as ec:
            with pytest.raises(ec_async.DecodeError, match="larger than"):
                await ec.devices.get("AQ")

    async def test_corrupt_compression(self, server: ScriptedServer) -> None:
        """A body that claims gzip but is not is a typed error, not zlib's."""
        server.script.extend(
            [
                http_response(
                    200,
                    b"not gzip at all",
                    {"Content-Type": "application/json", "Content-Encoding": "gzip"},
                )
            ]
            * 3
        )
        async with _client(server, retry=NO_WAIT) as ec:
            with pytest.raises(ec_async.TransportError, match="could not be decoded"):
                await ec.devices.get("AQ")


class TestModels:
    """JSON that parses but does not fit the model names every field that failed."""

    async def test_a_device_with_wrong_fields(self, server: ScriptedServer) -> None:
        """Two wrong fields are both named, in the server's camelCase."""
        server.script.append(_document(createdOn="yesterday", optlock="many"))
        async with _client(server) as ec:
            with pytest.raises(ec_async.DecodeError) as caught:
                await ec.devices.get("AQ")

        problems = " ".join(caught.value.problems)
        assert "does not fit Device" in str(caught.value)
        assert "createdOn" in problems
        assert "optlock" in problems

    async def test_an_empty_body_where_a_device_was_promised(
        self, server: ScriptedServer
    ) -> None:
        """A 200 with nothing in it does not fit a Device."""
        server.script.append(http_response(200))
        async with _client(server) as ec:
            with pytest.raises(ec_async.DecodeError, match="does not fit Device"):
                await ec.devices.get("AQ")

    async def test_a_list_with_bad_items(self, server: ScriptedServer) -> None:
        """Every bad item of a page is reported with its index."""
        items = [DEVICE, {**DEVICE, "createdOn": 7}, "not an object", DEVICE]
        server.script.append(json_response({"items": items}))
        async with _client(server) as ec:
            with pytest.raises(ec_async.DecodeError) as caught:
                await ec.devices.list()

        problems = caught.value.problems
        assert 2 == len(problems)
        assert problems[0].startswith("items[1]: ")
        assert problems[1].startswith("items[2]: ")

    @pytest.mark.parametrize(
        "document",
        [[], {"items": "none"}, {"items": None}, "a string", 42],
        ids=["array", "string-items", "null-items", "string", "number"],
    )
    async def test_a_list_result_of_the_wrong_shape(
        self, server: ScriptedServer, document: Any
    ) -> None:
        """Anything but an object holding an items array is refused, typed."""
        server.script.append(json_response(document))
        async with _client(server) as ec:
            with pytest.raises(ec_async.DecodeError, match="expected a list result"):
                await ec.devices.list()

    async def test_paging_fields_of_the_wrong_type_are_ignored(
        self, server: ScriptedServer
    ) -> None:
        """A string size, a negative total or a "false" flag are not trusted."""
        server.script.append(
            json_response(
                {
                    "items": [DEVICE],
                    "size": "1",
                    "totalCount": -5,
                    "limitExceeded": "false",
                }
            )
        )
        async with _client(server) as ec:
            page = await ec.devices.list()

        assert (1, None, False) == (page.size, page.total_count, page.limit_exceeded)

    @pytest.mark.parametrize(
        "document",
        [{"count": "10"}, {"count": True}, {"count": -1}, {}, [3]],
        ids=["string", "boolean", "negative", "missing", "array"],
    )
    async def test_a_count_of_the_wrong_shape(
        self, server: ScriptedServer, document: Any
    ) -> None:
        """A count that is not a whole number of zero or more is refused."""
        server.script.append(json_response(document))
        async with _client(server) as ec:
            with pytest.raises(ec_async.DecodeError, match="countResult"):
                await ec.devices.count()

    async def test_iterating_items_whose_ids_are_not_kapua_ids(
        self, server: ScriptedServer
    ) -> None:
        """Iteration orders by id, so an id that is not one is a DecodeError."""
        server.script.append(json_response({"items": [{**DEVICE, "id": "not an id!"}]}))
        async with _client(server) as ec:
            with pytest.raises(ec_async.DecodeError, match="is not a Kapua id"):
                [device async for device in ec.devices.iter()]


class TestLogins:
    """Login answers are decoded as strictly, and never quoted."""

    @pytest.mark.parametrize("token", ["", "two words", "line\r\nX-Injected: 1"])
    async def test_a_token_that_cannot_be_sent_back(
        self, server: ScriptedServer, token: str
    ) -> None:
        """A token no header can carry is a DecodeError at login, not later."""
        server.login_script.append(json_response(access_token(token, "r" * 36)))
        with pytest.raises(ec_async.DecodeError) as caught:
            async with _client(server):
                pass

        assert "cannot be sent back in an HTTP header" in str(caught.value)

    async def test_a_login_answer_that_is_not_json_is_not_quoted(
        self, server: ScriptedServer
    ) -> None:
        """Login bodies may hold secrets: the error gives only their length."""
        body = b'{"tokenId": "almost-a-secret-token", '
        server.login_script.append(
            http_response(200, body, {"Content-Type": "application/json"})
        )
        with pytest.raises(ec_async.DecodeError) as caught:
            async with _client(server):
                pass

        assert f"{len(body)} bytes, not shown" in str(caught.value)
        assert "almost-a-secret" not in str(caught.value)
        assert caught.value.__cause__ is None


class TestErrorBodies:
    """Error statuses with bodies no Kapua server sends still map to typed errors."""

    async def test_a_gateway_page_says_a_proxy_answered(
        self, server: ScriptedServer
    ) -> None:
        """A 502 HTML page is a ServerError that blames the proxy, after retries."""
        server.script.extend(
            [http_response(502, PROXY_PAGE, {"Content-Type": "text/html"})] * 3
        )
        async with _client(server, retry=NO_WAIT) as ec:
            with pytest.raises(ec_async.ServerError) as caught:
                await ec.devices.get("AQ")

        assert 502 == caught.value.status
        assert "proxy or load balancer" in str(caught.value)
        assert 3 == len(server.api_requests())

    async def test_a_redirect_is_not_followed(self, server: ScriptedServer) -> None:
        """A 301 raises APIError naming where it pointed, without its query."""
        server.script.append(
            http_response(301, b"", {"Location": "https://elsewhere.invalid/v1?t=1"})
        )
        async with _client(server) as ec:
            with pytest.raises(ec_async.APIError) as caught:
                await ec.devices.get("AQ")

        assert 301 == caught.value.status
        assert "https://elsewhere.invalid/v1;" in str(caught.value)
        assert "t=1" not in str(caught.value)
        assert "never follows redirects" in str(caught.value)
