"""Checks of a response as the emulator sent it: status, media type and body.

The order of the rules is explained in ``_server_rules``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ec_async.emulator._exchange import Exchange

from ._http import Body, is_json
from ._routing import Match, Operation
from ._schemas import DISCRIMINATOR, SchemaChecker, resolve
from ._server_rules import GENERIC_ANSWERS, RequestFacts, error_info, unmatched_statuses

__all__ = ["check_response"]


def check_response(
    spec: Mapping[str, Any],
    match: Match,
    exchange: Exchange,
    facts: RequestFacts,
    schemas: SchemaChecker,
) -> list[str]:
    """Return what is wrong with the response to the request in ``exchange``."""
    if match.operation is None:
        return _check_unmatched(match, exchange)

    body = Body.read(exchange.response_body, exchange.response_headers)
    status = exchange.status
    declared = _declared_response(spec, match.operation, status)

    typed = _check_typed_error(spec, status, body, declared, schemas)
    if typed is not None:
        return typed
    if _is_generic_answer(status, body, facts):
        return []
    if declared is None:
        listed = ", ".join(sorted(match.operation.definition.get("responses", {})))
        return [f"status: {status} is not declared (the spec lists {listed})"]

    return _check_declared(declared, status, body, schemas)


def _check_unmatched(match: Match, exchange: Exchange) -> list[str]:
    # The token filter runs before Jersey routes the request (§3.3).
    if exchange.status == 401:
        return []

    messages: list[str] = []
    expected = unmatched_statuses(match.path_known)
    if exchange.status not in expected:
        messages.append(
            f"status: Jersey answers an unmatched request with {min(expected)}, "
            f"not {exchange.status}"
        )
    if exchange.response_body:
        messages.append("body: Jersey answers an unmatched request without a body")

    return messages


def _check_typed_error(
    spec: Mapping[str, Any],
    status: int,
    body: Body,
    declared: Mapping[str, Any] | None,
    schemas: SchemaChecker,
) -> list[str] | None:
    """Check an error body by the info its ``type`` names; None if it names none.

    The status must be one the info's exception class is mapped to, unless the
    operation itself declares this body for it (refresh's 401 exceptionInfo).
    """
    document = body.document
    if status < 400 or not isinstance(document, dict):
        return None
    info = error_info(str(document.get("type", "")))
    schema = spec["components"]["schemas"].get(info.schema) if info else None
    if info is None or schema is None:
        return None

    messages: list[str] = []
    declared_here = declared is not None and not _check_declared(
        declared, status, body, schemas
    )
    if status not in info.statuses and not declared_here:
        sent_with = ", ".join(str(each) for each in sorted(info.statuses))
        messages.append(f"status: {info.type} is sent with {sent_with}, not {status}")

    code = document.get("httpErrorCode")
    if code is not None and str(code) != str(status):
        messages.append(
            f"body.httpErrorCode: {code!r} differs from the status {status}"
        )

    messages += schemas.errors(
        schema,
        document,
        direction="response",
        location="body",
        allowed_extras=DISCRIMINATOR,
    )

    return messages


def _is_generic_answer(status: int, body: Body, facts: RequestFacts) -> bool:
    media = None if body.empty else body.media

    return any(
        answer.status == status and answer.media_type == media and answer.applies(facts)
        for answer in GENERIC_ANSWERS
    )


def _declared_response(
    spec: Mapping[str, Any], operation: Operation, status: int
) -> Mapping[str, Any] | None:
    responses = operation.definition.get("responses", {})
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            declared: Mapping[str, Any] = resolve(spec, responses[key])
            return declared

    return None


def _check_declared(
    declared: Mapping[str, Any], status: int, body: Body, schemas: SchemaChecker
) -> list[str]:
    content: Mapping[str, Any] = declared.get("content") or {}
    if body.empty:
        if content and not declared.get("x-ec-empty-body-allowed"):
            return [f"body: missing; the spec declares {sorted(content)} for {status}"]
        return []
    if not content:
        return [f"body: the spec declares none for {status}, got {len(body.raw)} bytes"]
    if body.media is None or body.media not in content:
        return [f"header Content-Type: {body.media} is not one of {sorted(content)}"]
    if not is_json(body.media):
        return []
    if not body.parsed:
        return [f"body: not well-formed JSON ({body.json_error})"]

    schema = content[body.media].get("schema")
    if schema is None:
        return []

    return schemas.errors(
        schema,
        body.document,
        direction="response",
        location="body",
        allowed_extras=DISCRIMINATOR,
    )
