"""OpenTelemetry tracing: one span per API call (install ``ec-client[otel]``).

``import ec_async`` never imports OpenTelemetry; this module does, when a
``Tracing`` observer is made.
"""

from __future__ import annotations

import functools
import importlib.metadata
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ._errors import ConfigurationError
from ._observe import ObservedCall

if TYPE_CHECKING:
    from contextvars import Token

    from opentelemetry.context import Context
    from opentelemetry.trace import Span, TracerProvider

__all__ = ["Tracing"]

_INSTALL = "pip install 'ec-client[otel]'"


class Tracing:
    """A call observer that makes one OpenTelemetry span per API call.

    Give it to a client, ``Client(..., observers=[Tracing()])``. Each call
    (login, refresh and logout included) becomes a span of kind CLIENT named
    ``EC <operationId>``, current while the call runs: a span open around the
    call is its parent, and spans made beneath it (aiohttp's instrumentation,
    a login the call waited for) are its children. Its attributes are
    ``ec.operation_id``, ``ec.scope_id``, ``ec.device_id`` (when the path
    names a device), ``ec.retry_count``, ``http.request.method``,
    ``http.response.status_code`` (when an answer came), ``url.template``,
    ``server.address`` and ``server.port``; a call that raised has status
    ERROR, ``error.type`` and the exception recorded (ec-client's messages
    never carry a token, password or key). No request or response body is
    recorded.

    ``tracer_provider`` receives the spans; without it, OpenTelemetry's
    global provider does.
    """

    def __init__(self, tracer_provider: TracerProvider | None = None) -> None:
        try:
            from opentelemetry import context, trace
        except ImportError as exc:
            msg = f"ec_async.otel needs the OpenTelemetry API: {_INSTALL}"
            raise ConfigurationError(msg) from exc

        self._tracer = trace.get_tracer(
            "ec_async", _version(), tracer_provider=tracer_provider
        )
        self._client_kind = trace.SpanKind.CLIENT
        self._error = trace.StatusCode.ERROR
        self._in_context = trace.set_span_in_context
        self._attach = context.attach
        self._detach = context.detach

    def call_started(self, call: ObservedCall) -> tuple[Span, Token[Context]]:
        """Open the call's span and make it current."""
        address, port, base_path = _server(call.base_url)
        attributes: dict[str, str | int] = {
            "ec.operation_id": call.operation_id,
            "http.request.method": call.method,
            "url.template": base_path + call.path_template,
            "server.address": address,
            "server.port": port,
        }
        if call.scope_id is not None and call.scope_id != "_":
            attributes["ec.scope_id"] = call.scope_id
        if call.device_id is not None:
            attributes["ec.device_id"] = call.device_id

        span = self._tracer.start_span(
            f"EC {call.operation_id}",
            kind=self._client_kind,
            attributes=attributes,
        )
        token = self._attach(self._in_context(span))

        return span, token

    def call_ended(
        self, call: ObservedCall, state: tuple[Span, Token[Context]]
    ) -> None:
        """Record the outcome on the span, end it, and restore the caller's context."""
        span, token = state
        try:
            outcome: dict[str, str | int] = {"ec.retry_count": call.retry_count}
            if call.scope_id is not None:
                outcome["ec.scope_id"] = call.scope_id
            if call.status is not None:
                outcome["http.response.status_code"] = call.status
            error = call.error
            if error is not None:
                outcome["error.type"] = _type_name(error)
            span.set_attributes(outcome)
            if error is not None:
                span.record_exception(
                    error, {"exception.type": outcome["error.type"]}, escaped=True
                )
                span.set_status(self._error, str(error) or type(error).__name__)
        finally:
            self._detach(token)
            span.end()


@functools.cache
def _server(base_url: str) -> tuple[str, int, str]:
    """The host, port and path prefix of a client's base URL."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)

    return parts.hostname or "", port, parts.path.rstrip("/")


def _type_name(error: BaseException) -> str:
    """An error's class as users import it: ``ec_async.NotFound``, ``TimeoutError``."""
    kind = type(error)
    module = kind.__module__
    if module == "builtins":
        return kind.__qualname__
    if module.startswith("ec_async._"):
        # Our errors live in private modules and are exported by the package.
        module = "ec_async"
    return f"{module}.{kind.__qualname__}"


def _version() -> str | None:
    try:
        return importlib.metadata.version("ec-client")
    except importlib.metadata.PackageNotFoundError:
        return None
