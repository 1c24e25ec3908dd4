"""The request pipeline: record, map errors, authenticate, then the handler.

Each stage is one aiohttp middleware. Later stages such as latency or fault
injection slot in between ``record`` and ``map_errors``, so observers see what
the client saw and injected faults bypass the normal error mapping.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from multidict import CIMultiDict, CIMultiDictProxy

from ec_async.emulator._auth import authenticate, is_protected
from ec_async.emulator._call import CONTEXT_KEY, SESSION_KEY
from ec_async.emulator._errors import ApiError, TokenRejected
from ec_async.emulator._exchange import Exchange, ExchangeObserver
from ec_async.emulator._faults import answer_with_faults
from ec_async.emulator._wire import empty_response, json_response

__all__ = [
    "Middleware",
    "authenticate_tokens",
    "inject_faults",
    "map_errors",
    "record",
]

logger = logging.getLogger("ec_async.emulator")


def _response_body(response: web.StreamResponse) -> bytes:
    body = response.body if isinstance(response, web.Response) else None

    return body if isinstance(body, bytes) else b""


def record(observers: Sequence[ExchangeObserver]) -> Middleware:
    """Return the outermost stage: log each exchange and hand it to observers.

    An observer that raises turns the response into a 500, so a failed check
    in a test cannot pass unnoticed.
    """

    @web.middleware
    async def record_exchange(
        request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        request_body = await request.read()
        response = await handler(request)
        logger.debug(
            "%s %s -> %d", request.method, request.rel_url.raw_path, response.status
        )
        if not observers:
            return response
        if request.transport is None or request.transport.is_closing():
            # The connection was dropped on purpose: the client saw no answer,
            # so observers see none either.
            return response

        exchange = Exchange(
            method=request.method,
            path=request.rel_url.raw_path,
            query=tuple(request.query.items()),
            request_headers=CIMultiDictProxy(CIMultiDict(request.headers)),
            request_body=request_body,
            status=response.status,
            response_headers=CIMultiDictProxy(CIMultiDict(response.headers)),
            response_body=_response_body(response),
        )
        for observer in observers:
            observer(exchange)

        return response

    return record_exchange


@web.middleware
async def inject_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Break requests as the emulator's faults say: statuses, resets, bad bodies."""
    context = request.app[CONTEXT_KEY]
    if not context.faults.active:
        return await handler(request)
    now = context.clock.now_ms() / 1000

    return await answer_with_faults(context.faults, now, request, handler)


@web.middleware
async def map_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into the response the real server sends for it."""
    try:
        return await handler(request)
    except ApiError as error:
        return error.response(request)
    except web.HTTPException as error:
        # Jersey answers unknown routes and methods with a bare status.
        response = empty_response(error.status)
        if "Allow" in error.headers:
            response.headers["Allow"] = error.headers["Allow"]
        return response
    except Exception as error:
        logger.exception("emulator handler failed: %s %s", request.method, request.path)
        body = {"type": "throwableInfo", "httpErrorCode": 500, "message": str(error)}
        return json_response(body, 500)


@web.middleware
async def authenticate_tokens(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Reject protected requests without a valid token, as Kapua's filter does."""
    # Kapua's filter lets CORS preflights (OPTIONS) through unauthenticated.
    if request.method != "OPTIONS" and is_protected(request.path):
        context = request.app[CONTEXT_KEY]
        try:
            request[SESSION_KEY] = authenticate(request, context)
        except TokenRejected as rejected:
            context.counters.reject(rejected.reason)
            raise

    return await handler(request)
