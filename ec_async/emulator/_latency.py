"""Latency injection: hold each request as a distant server would, before handling it."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler

from ec_async.emulator._call import CONTEXT_KEY

__all__ = ["inject_latency"]


@web.middleware
async def inject_latency(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Wait the configured latency plus up to its jitter, then handle the request.

    Placed right after ``record``, so the wait is part of what a client sees
    while observers still see every exchange.
    """
    context = request.app[CONTEXT_KEY]
    latency = context.config.latency
    jitter = context.config.latency_jitter
    if jitter:
        latency += context.random.uniform(0.0, jitter)
    if latency:
        await asyncio.sleep(latency)

    return await handler(request)
