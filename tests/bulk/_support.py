"""Helpers of the bulk tests: clients, account trees, and a proxy that bends replies."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from aiohttp import web
from multidict import MultiDict

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig, Exchange

__all__ = [
    "ADMIN",
    "FAST",
    "client",
    "device_offsets",
    "fleet",
    "rewriting_proxy",
]

ADMIN = "acme-admin"
# The real server's settings, minus the random pause after a failed login.
FAST = EmulatorConfig(failed_login_delay=0)

QueryRewrite = Callable[[MultiDict[str]], MultiDict[str]]
BodyRewrite = Callable[[Any], Any]


def client(base_url: str, **options: Any) -> ec_async.Client:
    """An async client logged in as acme's admin, who may act in every acme account."""
    return ec_async.Client(base_url, username=ADMIN, password=DEMO_PASSWORD, **options)


def fleet(emulator: Emulator, name: str, size: int, parent: str = "acme") -> str:
    """A new account below ``parent`` holding ``size`` devices; even ones connected."""
    admin = emulator.admin
    scope_id = admin.create_account(admin.account_id(parent), name)
    for index in range(size):
        admin.create_device(scope_id, f"{name}-{index:03d}", connected=index % 2 == 0)
    return scope_id


def device_offsets(exchanges: list[Exchange], scope_id: str) -> list[int]:
    """The offsets of the device list requests made in one scope, in answer order."""
    return [
        int(dict(exchange.query).get("offset", "0"))
        for exchange in exchanges
        if exchange.method == "GET" and exchange.path.endswith(f"/{scope_id}/devices")
    ]


@contextlib.asynccontextmanager
async def rewriting_proxy(
    target: str,
    *,
    query: QueryRewrite | None = None,
    body: BodyRewrite | None = None,
) -> AsyncIterator[str]:
    """A loopback proxy to ``target`` that rewrites list queries and JSON replies.

    It stands in for a server with a quirk (one that ignores ``offset``, or
    reports wrong totals) in front of a faithful emulator; yields its base URL.
    """
    async with aiohttp.ClientSession() as session:

        async def forward(request: web.Request) -> web.Response:
            params = MultiDict(request.query)
            if query is not None and request.method == "GET":
                params = query(params)
            url = target + request.match_info["tail"]
            async with session.request(
                request.method,
                url,
                params=params,
                data=await request.read(),
                headers={
                    name: value
                    for name, value in request.headers.items()
                    if name in {"Authorization", "Content-Type", "Accept"}
                },
            ) as answer:
                content = await answer.read()
                content_type = answer.headers.get("Content-Type", "")
            if body is not None and content and "json" in content_type:
                content = json.dumps(body(json.loads(content))).encode()
            return web.Response(
                status=answer.status, body=content, content_type="application/json"
            )

        app = web.Application()
        app.router.add_route("*", "/v1{tail:.*}", forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            host, port = runner.addresses[0][:2]
            yield f"http://{host}:{port}/v1"
        finally:
            await runner.cleanup()
