"""The exception tree of ec-client, and the mapping from HTTP failures onto it.

::

    ECError
    ├── ConfigurationError (ValueError)      bad arguments to ec-client itself
    ├── ClientClosed (RuntimeError)          the client was closed, or forked
    ├── NotAuthenticated                     logged out, or no way to log in
    ├── SessionExpired                       the session ended and could not be renewed
    ├── TokenVerificationError               a token failed signature verification
    ├── TransportError (ConnectionError)     the request did not complete
    │   └── TLSError                         the TLS handshake or certificate failed
    ├── RequestTimeout (TimeoutError)        a deadline passed
    ├── WaitTimeout (TimeoutError)           a wait helper gave up; the job goes on
    ├── DecodeError (ValueError)             a body is not what the API promises
    ├── PagingError                          a list did not end as it should
    └── APIError                             the server answered with an error status
        ├── BadRequest (ValueError)          400
        │   └── LimitExceeded                a limit below what an account uses
        ├── AuthenticationError              401
        │   └── MfaRequired                  403 on login: a second factor is needed
        ├── PermissionDenied                 403
        ├── NotFound (LookupError)           404
        ├── Conflict                         409, and the server's 500s for conflicts
        │   ├── DuplicateName
        │   ├── OptimisticLockError
        │   └── DeviceNotConnected
        ├── DeviceManagementError            500: a device failed a management request
        │   ├── DeviceResponseError          the device answered with an error code
        │   └── DeviceTimeout (TimeoutError) the device did not answer in time
        ├── RateLimited                      429
        ├── JobEngineError                   the job engine refused (Kapua sends 500)
        │   └── JobAlreadyRunning
        └── ServerError                      other 5xx
            └── LimitReached                 a create past an account's limit
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._guards import is_mapping

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequest",
    "ClientClosed",
    "ConfigurationError",
    "Conflict",
    "DecodeError",
    "DeviceManagementError",
    "DeviceNotConnected",
    "DeviceResponseError",
    "DeviceTimeout",
    "DuplicateName",
    "ECError",
    "JobAlreadyRunning",
    "JobEngineError",
    "LimitExceeded",
    "LimitReached",
    "MfaRequired",
    "NotAuthenticated",
    "NotFound",
    "OptimisticLockError",
    "PagingError",
    "PermissionDenied",
    "RateLimited",
    "RequestTimeout",
    "ServerError",
    "SessionExpired",
    "TLSError",
    "TokenVerificationError",
    "TransportError",
    "WaitTimeout",
    "error_from_response",
]


class ECError(Exception):
    """The root of every error ec-client raises."""


class ConfigurationError(ECError, ValueError):
    """ec-client was given arguments it cannot work with."""


class ClientClosed(ECError, RuntimeError):
    """The client was closed (or, for ``ec_sync``, inherited across a fork)."""


class NotAuthenticated(ECError):
    """No session: the client was logged out, or has no credentials to log in."""


class SessionExpired(ECError):
    """The session could not be refreshed and the client cannot log in again."""


class TokenVerificationError(ECError):
    """An access token failed verification against the key the caller supplied."""


class TransportError(ECError, ConnectionError):
    """The request did not complete: connection refused, reset or closed early.

    ``request_sent`` is ``False`` when the connection failed before any byte
    of the request left, so the server cannot have acted on it; ec-client
    retries such failures even for operations that are not safe to repeat.
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class TLSError(TransportError):
    """The TLS handshake failed, so nothing was sent; it is never retried.

    The server's certificate is not trusted (pass ``ca_bundle``), names
    another host, or the server refused the client certificate.
    """


class RequestTimeout(ECError, TimeoutError):
    """A connect, read or overall deadline passed before the server answered.

    ``request_sent`` is ``False`` for a connect timeout, when nothing was sent.
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class WaitTimeout(ECError, TimeoutError):
    """A wait helper's deadline passed; what it waited for goes on, unharmed."""


class DecodeError(ECError, ValueError):
    """A response body is not what the API promises.

    ``problems`` lists every reason found, each naming the field path that
    failed, so that one error shows the whole mismatch.
    """

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        self.problems = problems
        details = "".join(f"\n  - {problem}" for problem in problems)
        super().__init__(message + details)


class PagingError(ECError):
    """A paged listing did not end within its page limit, or went backwards."""


class APIError(ECError):
    """The server answered with an error status.

    Carries the request's method and path (never a token), the status, and the
    server's ``kapuaErrorCode`` and message when it sent them. ``body`` holds the
    decoded error document, or ``None`` when the body was empty or not JSON.
    """

    _advice = ""

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status: int,
        error_code: str | None,
        server_message: str | None,
        body: Mapping[str, Any] | None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.error_code = error_code
        self.server_message = server_message
        self.body = body
        super().__init__(self._describe())

    @property
    def hint(self) -> str:
        """What to do about this error, in a few words; empty when nothing helps."""
        return self._advice

    def _describe(self) -> str:
        code = f" {self.error_code}" if self.error_code else ""
        text = f": {self.server_message}" if self.server_message else ""
        hint = f" ({self.hint})" if self.hint else ""

        return f"{self.method} {self.path} failed with {self.status}{code}{text}{hint}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only __init__ needs help to survive pickling (multiprocessing).
        state = self.__dict__.copy()
        return (_rebuild_api_error, (type(self), state))


def _rebuild_api_error(cls: type[APIError], state: dict[str, Any]) -> APIError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error._describe())

    return error


class BadRequest(APIError, ValueError):
    """400: the server rejected an argument; ``argument_name`` says which."""

    _advice = "check the named argument"

    @property
    def argument_name(self) -> str | None:
        """The name of the rejected argument, when the server said."""
        return _body_text(self.body, "argumentName")

    @property
    def argument_value(self) -> str | None:
        """The rejected value, when the server said."""
        return _body_text(self.body, "argumentValue")


class AuthenticationError(APIError):
    """401: the credentials or the access token were refused."""

    _advice = "check the credentials; the server never says which part was wrong"


class MfaRequired(AuthenticationError):
    """403 on login: the user has MFA on, and no code or trust key was given."""

    _advice = (
        "log in again with UsernamePassword(..., authentication_code=<TOTP code>) "
        "or the trust_key of a trusted machine"
    )


class PermissionDenied(APIError):
    """403: the user lacks a permission; ``permission`` is the one required."""

    _advice = "ask an administrator for the permission named, in this account"

    @property
    def permission(self) -> Mapping[str, Any] | None:
        """The permission the server required, as it sent it."""
        if self.body is None:
            return None
        permission = self.body.get("permission")
        return permission if is_mapping(permission) else None


class NotFound(APIError, LookupError):
    """404: no such entity in this scope."""

    _advice = "check the id and the scope it was looked up in"

    @property
    def hint(self) -> str:
        """What to do; a 404 without Kapua's error body means no such path at all."""
        if self.error_code is None:
            return (
                "the server has no such path: check that base_url ends with the "
                "API version, like https://host/v1"
            )
        return self._advice

    @property
    def entity_type(self) -> str | None:
        """The kind of entity that was missing, as the server named it."""
        return _body_text(self.body, "entityType")

    @property
    def entity_id(self) -> str | None:
        """The id or name that was looked up."""
        return _body_text(self.body, "entityId")


class Conflict(APIError):
    """The request conflicts with the server's current state."""


class DuplicateName(Conflict):
    """An entity with the same name already exists (Kapua answers 500 or 409)."""

    _advice = "choose another name, or fetch the existing entity"


class OptimisticLockError(Conflict):
    """The entity changed since it was read (Kapua answers 500).

    Read it again, apply the change to the fresh copy, and update that.
    """

    _advice = "read the entity again and reapply the change"


class DeviceNotConnected(Conflict):
    """The device is not connected, so it cannot be managed now."""

    _advice = "wait for the device to connect, then try again"


class DeviceManagementError(APIError):
    """The device was reached but the management request failed there (500)."""

    _advice = "the device failed the request; it may have acted anyway"


class DeviceResponseError(DeviceManagementError):
    """The device answered with an error response code (bad request, not found, ...)."""

    _advice = "the device refused the request; see its error message"

    @property
    def response_code(self) -> str | None:
        """The device's response code, such as ``NOT_FOUND`` or ``BAD_REQUEST``."""
        return _body_text(self.body, "responseCode")

    @property
    def device_message(self) -> str | None:
        """The error message the device gave."""
        return _body_text(self.body, "errorMessage")


class DeviceTimeout(DeviceManagementError, TimeoutError):
    """The device did not answer within the request's ``timeout``.

    The server gave up waiting, not the client; the device may still act on
    the request, so check its state before sending an action again.
    """

    _advice = "the device may be busy or its link slow; pass a longer timeout"

    @property
    def timeout(self) -> float | None:
        """The server's timeout for the request, in seconds."""
        text = _body_text(self.body, "timeout")
        try:
            return None if text is None else int(text) / 1000
        except ValueError:
            return None


class RateLimited(APIError):
    """429: too many requests."""

    _advice = "slow down; ec-client retries these for safe operations"


class JobEngineError(APIError):
    """The job engine refused: no steps or targets, already running, not stopped.

    Kapua reports these as 500s with a ``job...ExceptionInfo`` body; they are
    answers, not server faults, and are never retried.
    """

    _advice = "check the job's steps, targets and running state"

    @property
    def job_id(self) -> str | None:
        """The job the engine named."""
        return _body_text(self.body, "jobId")

    @property
    def execution_id(self) -> str | None:
        """The execution the engine named, when it named one."""
        return _body_text(self.body, "executionId")


class JobAlreadyRunning(JobEngineError):
    """The job is running already; stop it, or start with ``enqueue=True``."""

    _advice = "wait for the running execution, or stop it first"


class ServerError(APIError):
    """A 5xx the server gave no more specific meaning."""

    _advice = "the server failed; ec-client retries 502, 503 and 504 of safe operations"


class LimitReached(ServerError):
    """A create went past the account's service configuration limit (Kapua's 500).

    Its parent account's administrator raises ``maxNumberChildEntities``.
    """

    _advice = "the account's service configuration allows no more of these"


class LimitExceeded(BadRequest):
    """400: a service configuration would allow less than the account uses.

    Or more than its parent account can give (``PARENT_LIMIT_EXCEEDED``).
    """

    _advice = "the account, or its parent, already uses more than this allows"

    @property
    def service_pid(self) -> str | None:
        """The service whose limit was exceeded."""
        return _body_text(self.body, "servicePid")

    @property
    def limit_exceeded_by(self) -> int | None:
        """By how many entities the limit would be exceeded."""
        value = None if self.body is None else self.body.get("limitExceededBy")
        return value if isinstance(value, int) else None


_BY_CODE: Mapping[str, type[APIError]] = {
    "DUPLICATE_NAME": DuplicateName,
    "DUPLICATE_NAME_IN_ANOTHER_ACCOUNT": DuplicateName,
    "ENTITY_UNIQUENESS": DuplicateName,
    "MAX_NUMBER_OF_ITEMS_REACHED": LimitReached,
    "LIMIT_EXCEEDED": LimitExceeded,
    "PARENT_LIMIT_EXCEEDED": LimitExceeded,
    # A user name taken in another account (Kapua's message is cut short).
    "ENTITY_ALREADY_EXIST_IN_ANOTHER_ACCOUNT": DuplicateName,
    "REQUIRE_MFA_CREDENTIALS": MfaRequired,
    "OPTIMISTIC_LOCKING": OptimisticLockError,
    "DEVICE_NOT_CONNECTED": DeviceNotConnected,
    "SUBJECT_UNAUTHORIZED": PermissionDenied,
    "ENTITY_NOT_FOUND": NotFound,
    "RESPONSE_BAD_REQUEST": DeviceResponseError,
    "RESPONSE_NOT_FOUND": DeviceResponseError,
    "RESPONSE_INTERNAL_ERROR": DeviceResponseError,
    "RESPONSE_UNKNOWN_CODE": DeviceResponseError,
    "JOB_ALREADY_RUNNING": JobAlreadyRunning,
    "JOB_STEP_MISSING": JobEngineError,
    "JOB_TARGET_MISSING": JobEngineError,
    "JOB_TARGET_INVALID": JobEngineError,
    "JOB_EXECUTION_ENQUEUED": JobEngineError,
    "JOB_STARTING": JobEngineError,
    "JOB_RESUMING": JobEngineError,
    "JOB_RUNNING": JobEngineError,
    "JOB_STOPPING": JobEngineError,
    "JOB_EXECUTION_STOPPING": JobEngineError,
    "JOB_NOT_RUNNING": JobEngineError,
    "JOB_CHECK_RUNNING": JobEngineError,
}

_BY_TYPE: Mapping[str, type[APIError]] = {
    "mfaRequiredExceptionInfo": MfaRequired,
    "deviceNotConnectedExceptionInfo": DeviceNotConnected,
    "subjectUnauthorizedExceptionInfo": PermissionDenied,
    "entityNotFoundExceptionInfo": NotFound,
    "entityUniquenessExceptionInfo": DuplicateName,
    "deviceManagementTimeoutExceptionInfo": DeviceTimeout,
    "deviceManagementResponseCodeExceptionInfo": DeviceResponseError,
    "deviceManagementRequestContentExceptionInfo": DeviceManagementError,
    "deviceManagementResponseContentExceptionInfo": DeviceManagementError,
}

_GATEWAY_STATUSES = frozenset({502, 503, 504})

_BY_STATUS: Mapping[int, type[APIError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def error_from_response(
    *, method: str, path: str, status: int, content_type: str, body: bytes
) -> APIError:
    """Build the typed error for an error response; pure, so tests need no socket."""
    document = _parse_error_document(content_type, body)
    error_code = _body_text(document, "kapuaErrorCode")
    error_class = _classify(status, error_code, _body_text(document, "type"))

    return error_class(
        method=method,
        path=path,
        status=status,
        error_code=error_code,
        server_message=_server_message(document, content_type, body, status),
        body=document,
    )


def _classify(
    status: int, error_code: str | None, type_name: str | None
) -> type[APIError]:
    by_code = _BY_CODE.get(error_code or "")
    by_type = _BY_TYPE.get(type_name or "")
    by_status = _BY_STATUS.get(status)
    if by_code or by_type or by_status:
        return by_code or by_type or by_status or APIError
    if status >= 500:
        return ServerError
    if 400 <= status < 500:
        return BadRequest if status == 422 else APIError
    return APIError


def _parse_error_document(content_type: str, body: bytes) -> Mapping[str, Any] | None:
    if not body or "json" not in content_type:
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return document if is_mapping(document) else None


def _server_message(
    document: Mapping[str, Any] | None, content_type: str, body: bytes, status: int
) -> str | None:
    if document is not None:
        return _body_text(document, "message")
    if content_type.startswith("text/plain") and body:
        return body.decode("utf-8", "replace").strip()[:500] or None
    if content_type == "text/html" and status in _GATEWAY_STATUSES:
        return (
            "the answer was an HTML page, so a proxy or load balancer in front "
            "of the EC server answered; the server may be down or restarting"
        )
    # Empty 401s and Jetty's HTML error pages carry nothing worth repeating.
    return None


def _body_text(body: Mapping[str, Any] | None, key: str) -> str | None:
    if body is None:
        return None
    value = body.get(key)
    return None if value is None else str(value)
