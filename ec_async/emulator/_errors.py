"""Failures the emulator answers with the real server's status and body.

Kapua has three shapes: a JSON ``exceptionInfo`` family from its exception
mappers, a bare status from Jersey, and Jetty's error page when the token
filter rejects a request before it reaches the application.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from ec_async.emulator._wire import compact, empty_response, json_response

__all__ = [
    "ApiError",
    "EmptyError",
    "KapuaError",
    "PlainTextError",
    "ThrowableError",
    "TokenRejected",
    "device_not_connected",
    "device_refused",
    "device_timeout",
    "duplicate_name",
    "entity_not_found",
    "entity_uniqueness",
    "illegal_access",
    "illegal_argument",
    "illegal_null_argument",
    "internal_error",
    "max_items_reached",
    "null_entity",
    "operation_not_supported",
    "optimistic_locking",
    "refresh_error",
]

# Jersey's servlet as named in Kapua's web.xml; Jetty names it on error pages.
_SERVLET_NAME = "Jersey Web Application"
_JETTY_VERSION = "9.4.53.v20231009"


class ApiError(Exception):
    """A failure the emulator turns into one fixed HTTP response."""

    status: int

    def response(self, request: web.Request) -> web.Response:
        """Return the response the real server sends for this failure."""
        raise NotImplementedError


class EmptyError(ApiError):
    """A status without an entity: failed logins, bad bodies, unknown routes."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status

    def response(self, request: web.Request) -> web.Response:
        """Return the bare status."""
        return empty_response(self.status)


class KapuaError(ApiError):
    """An ``exceptionInfo`` (or subtype) body from a Kapua exception mapper."""

    def __init__(
        self,
        status: int,
        kapua_error_code: str,
        message: str,
        *,
        type_name: str = "exceptionInfo",
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {
            "type": type_name,
            "httpErrorCode": status,
            "message": message,
            "kapuaErrorCode": kapua_error_code,
            **{
                key: value for key, value in (fields or {}).items() if value is not None
            },
        }

    def response(self, request: web.Request) -> web.Response:
        """Return the JSON error body."""
        return json_response(self.body, self.status)


class ThrowableError(ApiError):
    """A 500 ``throwableInfo``: a Java exception no Kapua mapper knows (§6)."""

    status = 500

    def __init__(self, message: str | None) -> None:
        super().__init__(message)
        self.message = message

    def response(self, request: web.Request) -> web.Response:
        """Return the body, without ``kapuaErrorCode``, as ThrowableInfo has none."""
        body: dict[str, Any] = {"type": "throwableInfo", "httpErrorCode": self.status}
        if self.message is not None:
            body["message"] = self.message

        return json_response(body, self.status)


class PlainTextError(ApiError):
    """A status with a plain-text message, as KapuaIllegalAccessException's mapper sends."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self, request: web.Request) -> web.Response:
        """Return the message as text/plain."""
        return web.Response(status=self.status, text=self.message)


class TokenRejected(ApiError):
    """A 401 from the token filter, rendered as Jetty's error page."""

    status = 401

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def response(self, request: web.Request) -> web.Response:
        """Return Jetty's page in the first form the request's Accept allows."""
        return jetty_error_page(request, self.status, self.message)


def entity_not_found(entity_type: str, entity_id: int) -> KapuaError:
    """Return the 404 for an unknown entity; the message carries the decimal id."""
    return KapuaError(
        404,
        "ENTITY_NOT_FOUND",
        f"The entity of type {entity_type} with id/name {entity_id} was not found.",
        type_name="entityNotFoundExceptionInfo",
        fields={"entityType": entity_type, "entityId": compact(entity_id)},
    )


def illegal_argument(name: str, value: str | None) -> KapuaError:
    """Return the 400 for an argument with an illegal value."""
    shown = "null" if value is None else value  # Java's rendering of a null

    return KapuaError(
        400,
        "ILLEGAL_ARGUMENT",
        f"An illegal value was provided for the argument {name}: {shown}.",
        type_name="illegalArgumentExceptionInfo",
        fields={"argumentName": name, "argumentValue": value},
    )


def illegal_null_argument(name: str) -> KapuaError:
    """Return the 400 for a required argument that is missing or empty."""
    return KapuaError(
        400,
        "ILLEGAL_NULL_ARGUMENT",
        f"An illegal null value was provided for the argument {name}.",
        type_name="illegalNullArgumentExceptionInfo",
        fields={"argumentName": name},
    )


def duplicate_name(name: str) -> KapuaError:
    """Return Kapua's duplicate-name error, which its mapper sends as a 500."""
    return KapuaError(
        500, "DUPLICATE_NAME", f"An entity with the same name {name} already exists."
    )


def entity_uniqueness(
    entity_type: str, values: Sequence[tuple[str, object]]
) -> KapuaError:
    """Return the 409 for an entity whose unique fields are taken already."""
    pairs = [f"{name}={value}" for name, value in values]

    return KapuaError(
        409,
        "ENTITY_UNIQUENESS",
        f"Duplicate {entity_type} entry for values: [{', '.join(pairs)}]",
        type_name="entityUniquenessExceptionInfo",
        fields={"entityType": entity_type, "uniquesFieldValues": pairs},
    )


def illegal_access(operation: str) -> PlainTextError:
    """Return the 403 for an operation nobody may do (deleting kapua-sys)."""
    return PlainTextError(
        403,
        "The user does not have sufficient privileges to perform the operation:"
        f" {operation}.",
    )


def max_items_reached(entity_label: str) -> KapuaError:
    """Return the 500 for a create past the scope's service configuration limit."""
    return KapuaError(
        500,
        "MAX_NUMBER_OF_ITEMS_REACHED",
        f"Max number of {entity_label} reached. Please increase the number of"
        f" {entity_label} allowed for this account.",
    )


def operation_not_supported(detail: str) -> KapuaError:
    """Return the 422 Kapua sends for SERVICE_OPERATION_NOT_SUPPORTED."""
    return KapuaError(
        422,
        "SERVICE_OPERATION_NOT_SUPPORTED",
        f"The requested operation is not supported: {detail}",
    )


def optimistic_locking() -> KapuaError:
    """Return the 500 for an update whose ``optlock`` is stale."""
    return KapuaError(
        500,
        "OPTIMISTIC_LOCKING",
        "The entity is out of state as it has been modified or deleted by another"
        " transaction.",
    )


def device_not_connected(device_id: int, connection_status: str | None) -> KapuaError:
    """Return the 409 for a management request to a device that is not connected.

    The message shows the decimal id and Java's ``null`` for a device that
    never connected; the body's ``connectionStatus`` is then left out.
    """
    shown = "null" if connection_status is None else connection_status

    return KapuaError(
        409,
        "DEVICE_NOT_CONNECTED",
        f"The device {device_id} is not CONNECTED. Current device connection status"
        f" is: {shown}",
        type_name="deviceNotConnectedExceptionInfo",
        fields={"deviceId": compact(device_id), "connectionStatus": connection_status},
    )


def device_timeout(timeout_ms: int) -> KapuaError:
    """Return the 500 for a device that did not answer within the request's timeout."""
    return KapuaError(
        500,
        "TIMEOUT",
        "The request has not received a response within the timeout of:"
        f" {timeout_ms}ms",
        type_name="deviceManagementTimeoutExceptionInfo",
        fields={"timeout": timeout_ms},
    )


# Kapua's message for each response code a device may refuse a request with.
_REFUSALS = {
    "BAD_REQUEST": (
        "RESPONSE_BAD_REQUEST",
        "The device has not understood the request.",
    ),
    "NOT_FOUND": (
        "RESPONSE_NOT_FOUND",
        "The device has not found the requested resource.",
    ),
    "INTERNAL_ERROR": (
        "RESPONSE_INTERNAL_ERROR",
        "The device accepted the request but has failed while processing.",
    ),
}


def device_refused(response_code: str, error_message: str) -> KapuaError:
    """Return the 500 for a device that answered with an error response code."""
    code, text = _REFUSALS.get(
        response_code,
        ("RESPONSE_UNKNOWN_CODE", "The device has returned an unknown response code."),
    )

    return KapuaError(
        500,
        code,
        f"{text} Error Code: {response_code} - Error Message: {error_message}",
        type_name="deviceManagementResponseCodeExceptionInfo",
        fields={"responseCode": response_code, "errorMessage": error_message},
    )


def refresh_error(detail: str) -> KapuaError:
    """Return the 401 for a failed refresh; ``detail`` may be empty, as in Kapua."""
    return KapuaError(
        401, "REFRESH_ERROR", f"Error while refreshing the AccessToken. {detail}"
    )


def null_entity() -> ThrowableError:
    """Return the 500 for a request without the body its operation reads.

    Jersey hands the resource ``null`` when a request has neither a body nor a
    Content-Type, and Kapua's resources use the entity at once (a creator's
    ``setScopeId``): a NullPointerException, whose message is null.
    """
    return ThrowableError(None)


def internal_error(detail: str) -> KapuaError:
    """Return a 500 for a failure Kapua reports as an internal error."""
    return KapuaError(500, "INTERNAL_ERROR", f"An internal error occurred: {detail}.")


def _accepted_types(request: web.Request) -> list[str]:
    """Return the Accept media types, best quality first, as Jetty orders them."""
    header = request.headers.get("Accept")
    if header is None:
        return ["*/*"]

    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        media_type, _, parameters = part.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type and quality > 0:
            weighted.append((-quality, position, media_type.lower()))

    return [media_type for _, _, media_type in sorted(weighted)]


def _html_page(uri: str, status: int, message: str) -> str:
    text = html.escape(message)
    return (
        "<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n'
        f"<title>Error {status} {text}</title>\n"
        "</head>\n"
        f"<body><h2>HTTP ERROR {status} {text}</h2>\n"
        "<table>\n"
        f"<tr><th>URI:</th><td>{html.escape(uri)}</td></tr>\n"
        f"<tr><th>STATUS:</th><td>{status}</td></tr>\n"
        f"<tr><th>MESSAGE:</th><td>{text}</td></tr>\n"
        f"<tr><th>SERVLET:</th><td>{_SERVLET_NAME}</td></tr>\n"
        "</table>\n"
        '<hr><a href="https://eclipse.org/jetty">'
        f"Powered by Jetty:// {_JETTY_VERSION}</a><hr/>\n\n"
        "</body>\n</html>\n"
    )


def _json_page(uri: str, status: int, message: str) -> str:
    members = {"url": uri, "status": str(status), "message": message}
    members["servlet"] = _SERVLET_NAME

    return (
        "{\n"
        + ",\n".join(
            f"{json.dumps(key)}:{json.dumps(value)}" for key, value in members.items()
        )
        + "\n}"
    )


def _text_page(uri: str, status: int, message: str) -> str:
    return (
        f"HTTP ERROR {status} {message}\n"
        f"URI: {uri}\nSTATUS: {status}\nMESSAGE: {message}\nSERVLET: {_SERVLET_NAME}\n"
    )


def jetty_error_page(request: web.Request, status: int, message: str) -> web.Response:
    """Return Jetty 9.4's error page: HTML, JSON or text by the Accept header.

    Jetty sends no body at all when the client accepts none of the three.
    """
    uri = request.rel_url.raw_path
    for media_type in _accepted_types(request):
        if media_type in {"text/html", "text/*", "*/*"}:
            return web.Response(
                status=status,
                body=_html_page(uri, status, message).encode("iso-8859-1", "replace"),
                content_type="text/html",
                charset="iso-8859-1",
            )
        if media_type in {"application/json", "text/json"}:
            return web.Response(
                status=status,
                text=_json_page(uri, status, message),
                content_type="application/json",
            )
        if media_type == "text/plain":
            return web.Response(status=status, text=_text_page(uri, status, message))

    return empty_response(status)
