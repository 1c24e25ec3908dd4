"""A server whose one account lists a million devices, made up as they are asked for.

``python -m benchmarks._synthetic DEVICES`` runs a "minimal" emulator and, in
front of it, a loopback proxy that answers ``GET /v1/{scope}/devices`` for
``acme-south`` with made-up devices (ids ascending with their position, as a
listing sorted by id has them) and passes every other request through, login
included. It prints ``<proxy base URL> <scope id>`` and serves until stopped.

Seeding a million rows would take the emulator half a minute and a gigabyte,
and SQLite's OFFSET would make the last pages slow; the client cannot tell.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import aiohttp
from aiohttp import web

from ec_async._ids import encode_compact_id
from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig

__all__ = ["main"]

_ACCOUNT = "acme-south"
_FORWARDED = ("Authorization", "Content-Type", "Accept")


async def serve(devices: int) -> None:
    """Serve until cancelled."""
    config = EmulatorConfig(failed_login_delay=0)
    async with (
        Emulator(seed="minimal", config=config) as emulator,
        aiohttp.ClientSession() as session,
    ):
        scope_id = emulator.admin.account_id(_ACCOUNT)
        template = await _device_template(session, emulator.base_url, scope_id)
        listing = f"/v1/{scope_id}/devices"

        async def handle(request: web.Request) -> web.StreamResponse:
            if request.method == "GET" and request.path == listing:
                return _page(request, template, devices)
            return await _forward(session, emulator.base_url, request)

        app = web.Application()
        app.router.add_route("*", "/v1{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        print(f"http://{host}:{port}/v1 {scope_id}", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


async def _device_template(
    session: aiohttp.ClientSession, base_url: str, scope_id: str
) -> str:
    """One real device of the account as JSON text, with slots for id and client id."""
    login = {"username": "acme-admin", "password": DEMO_PASSWORD}
    async with session.post(f"{base_url}/authentication/user", json=login) as answer:
        token = (await answer.json())["tokenId"]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{base_url}/{scope_id}/devices?limit=1"
    async with session.get(url, headers=headers) as answer:
        device: dict[str, Any] = (await answer.json())["items"][0]
    device |= {"id": "\x00id", "clientId": "\x00client"}
    text = json.dumps(device, separators=(",", ":"))
    text = text.replace("{", "{{").replace("}", "}}")
    return text.replace('"\\u0000id"', '"{id}"').replace(
        '"\\u0000client"', '"{client}"'
    )


def _page(request: web.Request, template: str, devices: int) -> web.Response:
    offset = int(request.query.get("offset", "0"))
    limit = int(request.query.get("limit", "50"))
    end = min(offset + limit, devices)
    items = ",".join(
        template.format(
            id=encode_compact_id(position + 1), client=f"SYN-{position:07d}"
        )
        for position in range(offset, end)
    )
    total = f',"totalCount":{devices}' if request.query.get("askTotalCount") else ""
    body = (
        f'{{"type":"deviceListResult","limitExceeded":{json.dumps(end < devices)},'
        f'"size":{max(end - offset, 0)},"items":[{items}]{total}}}'
    )
    return web.Response(body=body.encode(), content_type="application/json")


async def _forward(
    session: aiohttp.ClientSession, base_url: str, request: web.Request
) -> web.Response:
    url = base_url + request.match_info["tail"]
    headers = {
        name: request.headers[name] for name in _FORWARDED if name in request.headers
    }
    async with session.request(
        request.method,
        url,
        params=request.query,
        data=await request.read(),
        headers=headers,
    ) as answer:
        body = await answer.read()
        return web.Response(
            status=answer.status,
            body=body,
            headers={"Content-Type": answer.headers.get("Content-Type", "")}
            if body
            else None,
        )


def main() -> None:
    """Serve the number of devices given on the command line."""
    asyncio.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
