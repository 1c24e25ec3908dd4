"""System info (``/sys-info``): served without a token, as Kapua does."""

from __future__ import annotations

from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._wire import json_response

__all__ = ["ROUTES", "SYSTEM_INFO"]

# The Kapua build the emulator mimics (see shared/reference/kapua-api.md);
# buildNumber says which server this really is.
SYSTEM_INFO = {
    "type": "systemInfo",
    "version": "2.1.0-SNAPSHOT",
    "revision": "3690866ab59f881be388fc30e7df529c0f99de58",
    "buildDate": "2024-10-17T00:00:00Z UTC",
    "buildNumber": "ec-client-emulator",
    "buildBranch": "develop",
}


async def system_info(call: Call) -> web.StreamResponse:
    """GET /sys-info: the server's version."""
    return json_response(SYSTEM_INFO)


ROUTES = (Route("GET", "/sys-info", system_info),)
