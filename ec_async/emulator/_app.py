"""Assembles the aiohttp application: middleware chain and routes."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from ec_async.emulator._call import CONTEXT_KEY, add_routes
from ec_async.emulator._context import EmulatorContext
from ec_async.emulator._exchange import ExchangeObserver
from ec_async.emulator._latency import inject_latency
from ec_async.emulator._middlewares import (
    Middleware,
    authenticate_tokens,
    inject_faults,
    map_errors,
    record,
)
from ec_async.emulator._resources import ROUTES

__all__ = ["build_app", "middleware_chain"]

_MAX_BODY = 64 * 1024 * 1024


def middleware_chain(observers: Sequence[ExchangeObserver]) -> list[Middleware]:
    """Return the stages every request passes through, outermost first.

    Latency and fault injection belong right after ``record``: observers then
    see injected faults, and injected errors skip Kapua's error mapping.
    """
    return [
        record(observers),
        inject_latency,
        inject_faults,
        map_errors,
        authenticate_tokens,
    ]


def build_app(
    context: EmulatorContext, observers: Sequence[ExchangeObserver] = ()
) -> web.Application:
    """Return the application serving ``/v1`` for one emulator."""
    # Jetty sets no practical body limit; aiohttp's 1 MiB default would answer
    # large bodies with a 413 the real server never sends.
    app = web.Application(
        middlewares=middleware_chain(observers), client_max_size=_MAX_BODY
    )
    app[CONTEXT_KEY] = context
    add_routes(app, ROUTES)

    return app
