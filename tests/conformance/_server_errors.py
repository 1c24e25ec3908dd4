"""The 5xx answers the real server gives on purpose, each with what triggers it.

Kapua maps several business failures to 500 (§6): a conforming emulator must
reproduce them, and must answer no other 5xx. The property run accepts a 5xx
only when one entry here explains it: the body names the entry's error and the
request is of the kind that can cause it. Add an entry, with its reason and
reference, when the server is known to answer another 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ec_async.emulator._exchange import Exchange

from ._http import Body
from ._routing import Operation

__all__ = ["SERVER_ERRORS", "ServerError", "explain_server_error"]

# The /_start, /_stop ... actions of a job and of its executions.
_JOB_ACTION = re.compile(r"/jobs/\{jobId\}(/executions/\{executionId\})?/_\w+$")
# Everything below a device except its registry entry and its stored events.
_DEVICE_MANAGEMENT = re.compile(r"^/\{scopeId\}/devices/\{deviceId\}/(?!events\b)")


@attrs.frozen
class ServerError:
    """One 5xx the server sends: the error it names, when, why and where it is said."""

    name: str
    when: str
    reason: str
    reference: str
    names_it: Callable[[Mapping[str, Any]], bool] = attrs.field(repr=False, eq=False)
    can_cause: Callable[[Operation, Exchange], bool] = attrs.field(repr=False, eq=False)


def _code(*codes: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda body: body.get("kapuaErrorCode") in codes


def _type(*types: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda body: body.get("type") in types


def _writes(operation: Operation, exchange: Exchange) -> bool:
    return operation.method in {"POST", "PUT"}


def _creates(operation: Operation, exchange: Exchange) -> bool:
    return operation.method == "POST" and not operation.template.endswith(
        ("/_query", "/_count")
    )


def _lacks_its_body(operation: Operation, exchange: Exchange) -> bool:
    # Whether or not the spec marks the body required: the resource reads it.
    reads_body = "requestBody" in operation.definition
    sent_type = any(name.lower() == "content-type" for name in exchange.request_headers)

    return reads_body and not exchange.request_body and not sent_type


def _sorts(operation: Operation, exchange: Exchange) -> bool:
    return any(name == "sortParam" for name, _ in exchange.query)


def _configures_a_service(operation: Operation, exchange: Exchange) -> bool:
    return operation.method == "PUT" and "/serviceConfigurations" in operation.template


def _manages_a_device(operation: Operation, exchange: Exchange) -> bool:
    return bool(_DEVICE_MANAGEMENT.search(operation.template))


def _drives_a_job(operation: Operation, exchange: Exchange) -> bool:
    return bool(_JOB_ACTION.search(operation.template))


SERVER_ERRORS: tuple[ServerError, ...] = (
    ServerError(
        "DUPLICATE_NAME",
        "a create or update reuses a name (or a device's clientId) of its scope",
        "KapuaDuplicateNameException is a KapuaException, mapped to 500",
        "§6",
        _code("DUPLICATE_NAME"),
        _writes,
    ),
    ServerError(
        "OPTIMISTIC_LOCKING",
        "an update carries an optlock other than the stored one",
        "JPA's OptimisticLockException ends as KapuaOptimisticLockingException: 500",
        "§6, §8",
        _code("OPTIMISTIC_LOCKING"),
        _writes,
    ),
    ServerError(
        "MAX_NUMBER_OF_ITEMS_REACHED",
        "a create goes past the account's maxNumberChildEntities",
        "KapuaMaxNumberOfItemsReachedException is a KapuaException, mapped to 500",
        "§6, §10",
        _code("MAX_NUMBER_OF_ITEMS_REACHED"),
        _creates,
    ),
    ServerError(
        "unknown sortParam",
        "a list is sorted by an attribute the entity does not have",
        "JPA fails on the unknown attribute and Kapua reports an internal error "
        "[inferred]",
        "§7, §15",
        _code("INTERNAL_ERROR"),
        _sorts,
    ),
    ServerError(
        "self-edit of a service configuration",
        "a user changes a service configuration value of its own account",
        "setConfigValues refuses the self-edit with a KapuaException, which is "
        "mapped to 500 with an INTERNAL_ERROR code [inferred]",
        "§6, §10",
        _code("INTERNAL_ERROR"),
        _configures_a_service,
    ),
    ServerError(
        "null entity",
        "a request without the body its operation reads, and without Content-Type",
        "Jersey passes null when there is no entity and no Content-Type; the "
        "resource dereferences it (NullPointerException, throwableInfo) [inferred]",
        "§6",
        _type("throwableInfo"),
        _lacks_its_body,
    ),
    ServerError(
        "device management failure",
        "a device does not answer in time, or answers an error or a bad payload",
        "device-management timeout, send and response exceptions are mapped to 500",
        "§6",
        lambda body: (
            _type(
                "deviceManagementResponseCodeExceptionInfo",
                "deviceManagementRequestContentExceptionInfo",
                "deviceManagementResponseContentExceptionInfo",
            )(body)
            or _code(
                "TIMEOUT", "SEND_ERROR", "REQUEST_EXCEPTION", "RESPONSE_PARSE_ERROR"
            )(body)
        ),
        _manages_a_device,
    ),
    ServerError(
        "job engine failure",
        "a job is started, stopped or resumed in a state that does not allow it",
        "job-engine exceptions are mapped to 500 with jobScopedEngineExceptionInfo",
        "§6",
        _type("jobScopedEngineExceptionInfo"),
        _drives_a_job,
    ),
)


def explain_server_error(
    operation: Operation, exchange: Exchange
) -> ServerError | None:
    """Return the entry that explains a 5xx answer, or None if none does."""
    body = Body.read(exchange.response_body, exchange.response_headers)
    document = body.document if body.parsed else None
    if not isinstance(document, dict):
        return None

    for entry in SERVER_ERRORS:
        if entry.names_it(document) and entry.can_cause(operation, exchange):
            return entry

    return None
