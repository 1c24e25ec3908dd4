"""What the server answers beyond each operation's declared responses (§3.3, §6).

The spec lists error statuses per operation, but the server picks an error
body by exception class, wherever it is thrown. So three rules apply, in order:

1. A 4xx/5xx JSON body whose ``type`` names a Kapua error info is checked
   against that info's schema and against the statuses its exception class is
   mapped to (``ERROR_INFOS``), whether or not the operation lists the status;
   its ``httpErrorCode`` must equal the HTTP status.
2. Bodiless (or plain-text) answers that Jersey or the authorization layer give
   for any operation are accepted only when the request fact that triggers them
   holds (``GENERIC_ANSWERS``), e.g. an empty 400 only after a body MOXy
   cannot unmarshal.
3. A request no operation matches gets Jersey's 404 (no template matches the
   path) or 405 (the path matches with another method), with no body; 401 may
   come first because the token filter runs before routing.

Any other status must be declared by the operation.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

__all__ = [
    "ERROR_INFOS",
    "GENERIC_ANSWERS",
    "ErrorInfo",
    "GenericAnswer",
    "RequestFacts",
    "error_info",
    "unmatched_statuses",
]


@attrs.frozen
class ErrorInfo:
    """A Kapua error body: its ``type``, its component schema, its statuses."""

    type: str
    schema: str
    statuses: frozenset[int]


def _info(type_name: str, *statuses: int, schema: str | None = None) -> ErrorInfo:
    return ErrorInfo(type_name, schema or type_name, frozenset(statuses))


# From the exception-to-status table of §6 (plus §3.3 for MFA). exceptionInfo
# on 401 is not here: only the refresh operation sends it, and its corrected
# declaration says so.
ERROR_INFOS: tuple[ErrorInfo, ...] = (
    # PasswordLength 400, SERVICE_DISABLED 404, duplicated password or MFA
    # option 409, SERVICE_OPERATION_NOT_SUPPORTED 422, DUPLICATE_NAME,
    # OPTIMISTIC_LOCKING and every other KapuaException 500.
    _info("exceptionInfo", 400, 404, 409, 422, 500),
    _info("throwableInfo", 422, 500),
    _info("entityNotFoundExceptionInfo", 404),
    _info("illegalArgumentExceptionInfo", 400),
    _info("illegalNullArgumentExceptionInfo", 400),
    _info("subjectUnauthorizedExceptionInfo", 403),
    _info("entityUniquenessExceptionInfo", 409),
    # 409 since Kapua 2.0.x (June 2024); older servers sent 400 or 500.
    _info(
        "deviceNotConnectedExceptionInfo", 409, schema="DeviceNotConnectedExceptionInfo"
    ),
    _info(
        "serviceConfigurationLimitExceededExceptionInfo",
        400,
        schema="ServiceConfigurationLimitExceededExceptionInfo",
    ),
    _info(
        "serviceConfigurationParentLimitExceededExceptionInfo",
        400,
        schema="ServiceConfigurationParentLimitExceededExceptionInfo",
    ),
    _info("internalUserOnlyExceptionInfo", 403, schema="InternalUserOnlyExceptionInfo"),
    _info("selfManagedOnlyExceptionInfo", 403, schema="SelfManagedOnlyExceptionInfo"),
    _info("mfaRequiredExceptionInfo", 403),
    _info("deviceManagementResponseCodeExceptionInfo", 500),
    _info("deviceManagementRequestContentExceptionInfo", 500),
    _info("deviceManagementResponseContentExceptionInfo", 500),
    _info("deviceManagementTimeoutExceptionInfo", 500),
    _info("jobScopedEngineExceptionInfo", 500),
    _info("jobMissingStepExceptionInfo", 500),
    _info("jobMissingTargetExceptionInfo", 500),
    _info("jobRunningExceptionInfo", 500),
    _info("jobInvalidTargetExceptionInfo", 500),
    _info("jobAlreadyRunningExceptionInfo", 500),
    _info("jobResumingExceptionInfo", 500),
)

# Root names are lower camel on the wire; some spec examples capitalise them.
_BY_TYPE = {entry.type.lower(): entry for entry in ERROR_INFOS}


def error_info(type_name: str) -> ErrorInfo | None:
    """Return the error info a body's ``type`` names, if it is a known one."""
    return _BY_TYPE.get(type_name.lower())


@attrs.frozen
class RequestFacts:
    """What the request check learnt that can explain a generic answer."""

    malformed_json: bool = False
    unbindable_body: bool = False
    undeclared_content_type: bool = False
    xml_body: bool = False


@attrs.frozen
class GenericAnswer:
    """An answer any operation may give: a status, its body kind and its trigger."""

    status: int
    media_type: str | None
    when: str
    applies: Callable[[RequestFacts], bool] = attrs.field(repr=False, eq=False)
    reference: str


def _always(facts: RequestFacts) -> bool:
    return True


GENERIC_ANSWERS: tuple[GenericAnswer, ...] = (
    GenericAnswer(
        400,
        None,
        "Jersey rejects a request body that is not well-formed JSON",
        lambda facts: facts.malformed_json,
        "§3.3",
    ),
    GenericAnswer(
        400,
        None,
        "MOXy cannot unmarshal a body value of the wrong JSON type or an id that "
        "is not a compact id; MOXyJsonProvider turns the UnmarshalException into "
        "a bare 400, as for broken JSON [inferred]",
        lambda facts: facts.unbindable_body,
        "§3.3, §5",
    ),
    GenericAnswer(
        403,
        None,
        "KapuaAuthorizationException is mapped to 403 without a body",
        _always,
        "§6",
    ),
    GenericAnswer(
        403,
        "text/plain",
        "KapuaIllegalAccessException is mapped to 403 with a plain-text message",
        _always,
        "§6",
    ),
    GenericAnswer(
        415,
        None,
        "Jersey rejects a Content-Type the operation does not consume",
        lambda facts: facts.undeclared_content_type,
        "§6",
    ),
    GenericAnswer(
        415,
        None,
        "an XML body: the real server reads XML as well as JSON, the emulator "
        "reads JSON only (a limitation the README lists), so it answers as "
        "Jersey does for a media type an operation does not consume",
        lambda facts: facts.xml_body,
        "§2",
    ),
)


def unmatched_statuses(path_known: bool) -> frozenset[int]:
    """Return the bodiless statuses Jersey gives a request no operation matches."""
    return frozenset({405 if path_known else 404})
