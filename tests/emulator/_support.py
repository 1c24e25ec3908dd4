"""A thin HTTP helper for emulator tests: raw requests, raw replies."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDictProxy

from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig, SeedSpec

__all__ = ["FAST", "Api", "Reply", "running"]

# The real server's settings, minus the random pause after a failed login.
FAST = EmulatorConfig(failed_login_delay=0)


@attrs.frozen
class Reply:
    """One response, read in full."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body)


class Api:
    """Sends requests to one emulator, optionally with a bearer token."""

    def __init__(self, http: aiohttp.ClientSession, emulator: Emulator) -> None:
        self.http = http
        self.emulator = emulator

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        params: Mapping[str, str] | list[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request to ``base_url + path`` and read the whole reply."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        async with self.http.request(
            method,
            self.emulator.base_url + path,
            json=body,
            params=params,
            headers=sent,
        ) as response:
            return Reply(response.status, response.headers, await response.read())

    async def login(
        self, username: str, password: str = DEMO_PASSWORD
    ) -> dict[str, Any]:
        """Log in with a password and return the AccessToken; fail if refused."""
        reply = await self.call(
            "POST",
            "/authentication/user",
            body={"username": username, "password": password},
        )
        assert reply.status == 200, reply.body
        token: dict[str, Any] = reply.json()

        return token

    async def token(self, username: str, password: str = DEMO_PASSWORD) -> str:
        """Log in and return just the JWT to send as bearer token."""
        return str((await self.login(username, password))["tokenId"])


@contextlib.asynccontextmanager
async def running(
    *, seed: str | SeedSpec = "minimal", config: EmulatorConfig = FAST, **options: Any
) -> AsyncIterator[Api]:
    """Start an emulator and a client session for the duration of a block."""
    async with (
        Emulator(seed=seed, config=config, **options) as emulator,
        aiohttp.ClientSession() as http,
    ):
        yield Api(http, emulator)
