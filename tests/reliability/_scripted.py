"""A loopback HTTP server that answers with exactly the bytes a test scripts.

Logins and refreshes succeed with a fresh token unless ``login_script`` holds
an answer for the next login; every other request gets the next scripted raw
answer, or the route's well-formed default. The
connection is closed after a scripted answer, so a broken one cannot leave
the client waiting for bytes that never come.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import itertools
import json
import re
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import attrs

__all__ = [
    "DEVICE",
    "Received",
    "ScriptedServer",
    "access_token",
    "http_response",
    "json_response",
]

DEVICE: Mapping[str, Any] = {
    "type": "device",
    "id": "AQ",
    "scopeId": "AQ",
    "clientId": "SCRIPTED-1",
    "status": "ENABLED",
    "createdOn": "2024-01-01T00:00:00.000Z",
    "optlock": 1,
}

_DEFAULTS: tuple[tuple[str, re.Pattern[str], Any], ...] = (
    ("GET", re.compile(r"/v1/[^/]+/devices/[^/]+"), DEVICE),
    (
        "GET",
        re.compile(r"/v1/[^/]+/devices"),
        {"type": "deviceListResult", "items": []},
    ),
    ("POST", re.compile(r"/v1/[^/]+/devices/_count"), {"count": 0}),
    ("POST", re.compile(r"/v1/[^/]+/devices"), DEVICE),
    ("GET", re.compile(r"/v1/account"), {"type": "account", "id": "AQ", "name": "a"}),
)


def http_response(
    status: int,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    *,
    reason: str = "Scripted",
    content_length: bool = True,
) -> bytes:
    """The raw bytes of an HTTP/1.1 answer; Content-Length is added unless told."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    given = dict(headers or {})
    if content_length and not any(k.lower() == "content-length" for k in given):
        given["Content-Length"] = str(len(body))
    lines += [f"{name}: {value}" for name, value in given.items()]

    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def json_response(document: Any, status: int = 200) -> bytes:
    """A well-formed JSON answer."""
    body = json.dumps(document).encode()
    return http_response(status, body, {"Content-Type": "application/json"})


def access_token(token: str, refresh: str) -> dict[str, Any]:
    """An AccessToken as Kapua writes it, valid for 30 minutes from now."""
    now = dt.datetime.now(dt.UTC)
    stamp = "%Y-%m-%dT%H:%M:%S.000Z"
    return {
        "type": "accessToken",
        "id": "AQ",
        "scopeId": "AQ",
        "userId": "Ag",
        "tokenId": token,
        "refreshToken": refresh,
        "createdOn": now.strftime(stamp),
        "expiresOn": (now + dt.timedelta(minutes=30)).strftime(stamp),
        "refreshExpiresOn": (now + dt.timedelta(hours=5)).strftime(stamp),
    }


@attrs.frozen
class Received:
    """One request as the scripted server read it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


class ScriptedServer:
    """``async with ScriptedServer() as server:`` serves at ``server.base_url``."""

    def __init__(self) -> None:
        self.script: collections.deque[bytes] = collections.deque()
        self.login_script: collections.deque[bytes] = collections.deque()
        self.received: list[Received] = []
        self.issued: list[str] = []
        self._numbers = itertools.count(1)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.base_url = ""

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    def api_requests(self) -> list[Received]:
        """The requests other than logins, refreshes and logouts."""
        return [r for r in self.received if "/authentication/" not in r.path]

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while await self._answer_one(reader, writer):
                pass
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer_one(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
        length = int(headers.get("Content-Length", "0"))
        body = await reader.readexactly(length) if length else b""
        path = path.split("?", 1)[0]
        self.received.append(Received(method, path, headers, body))

        is_login = path.endswith(("/authentication/user", "/authentication/apikey"))
        if is_login and self.login_script:
            writer.write(self.login_script.popleft())
            await writer.drain()
            return False
        if path.startswith("/v1/authentication/"):
            writer.write(self._authentication(path))
            await writer.drain()
            return True
        if self.script:
            writer.write(self.script.popleft())
            await writer.drain()
            return False  # Close: a broken answer must not stall the client.
        writer.write(self._default(method, path))
        await writer.drain()
        return True

    def _authentication(self, path: str) -> bytes:
        if path.endswith("/logout"):
            return http_response(204)
        number = next(self._numbers)
        token = f"scripted-token-{number:04d}-{'x' * 24}"
        refresh = f"scripted-refresh-{number:04d}-{'y' * 24}"
        self.issued += [token, refresh]
        return json_response(access_token(token, refresh))

    def _default(self, method: str, path: str) -> bytes:
        for route_method, pattern, document in _DEFAULTS:
            if method == route_method and pattern.fullmatch(path):
                return json_response(document)
        return http_response(404)
