"""Checks of a request as the client sent it: token, path and query parameters, body."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ec_async.emulator._exchange import Exchange

from ._http import Body, header, is_json
from ._routing import Match, Operation
from ._schemas import DISCRIMINATOR, SchemaChecker, resolve
from ._server_rules import RequestFacts

__all__ = ["check_request", "parameters_of"]

# Java's Integer.parseInt and Long.parseLong accept an optional sign.
_INTEGER = re.compile(r"[+-]?\d+")

Parameters = Mapping[tuple[str, str], Mapping[str, Any]]


def parameters_of(spec: Mapping[str, Any], operation: Operation) -> Parameters:
    """Return the operation's parameters by (location, name), path-level ones first."""
    declared = (
        *operation.path_item.get("parameters", ()),
        *operation.definition.get("parameters", ()),
    )
    parameters: dict[tuple[str, str], Mapping[str, Any]] = {}
    for raw in declared:
        parameter = resolve(spec, raw)
        parameters[parameter["in"], parameter["name"]] = parameter

    return parameters


def check_request(
    spec: Mapping[str, Any],
    operation: Operation,
    parameters: Parameters,
    match: Match,
    exchange: Exchange,
    schemas: SchemaChecker,
) -> tuple[list[str], RequestFacts]:
    """Return what is wrong with the request, and facts the response may depend on."""
    messages = _check_security(spec, operation, exchange.request_headers)
    messages += _check_path(parameters, match.path_params, schemas)
    messages += _check_query(parameters, exchange.query, schemas)

    body_messages, facts = _check_body(spec, operation, exchange, schemas)

    return messages + body_messages, facts


def _check_security(
    spec: Mapping[str, Any], operation: Operation, headers: Mapping[str, str]
) -> list[str]:
    requirements = operation.definition.get("security", spec.get("security", []))
    # An empty list, or an empty requirement among alternatives, means optional.
    if not requirements or any(not requirement for requirement in requirements):
        return []

    # The spec's only scheme is kapuaToken, an HTTP bearer token.
    authorization = header(headers, "Authorization")
    if authorization is None:
        return ["header Authorization: missing; the operation needs a bearer token"]
    if not authorization.startswith("Bearer ") or not authorization[7:].strip():
        return ["header Authorization: not of the form 'Bearer <token>'"]

    return []


def _check_path(
    parameters: Parameters, values: Mapping[str, str], schemas: SchemaChecker
) -> list[str]:
    messages: list[str] = []
    for (location, name), parameter in parameters.items():
        if location != "path":
            continue
        if name not in values:
            messages.append(
                f"path.{name}: declared, but the path template has no {{{name}}}"
            )
            continue
        messages += _check_value(parameter, [values[name]], f"path.{name}", schemas)

    return messages


def _check_query(
    parameters: Parameters,
    query: Iterable[tuple[str, str]],
    schemas: SchemaChecker,
) -> list[str]:
    sent: defaultdict[str, list[str]] = defaultdict(list)
    for name, value in query:
        sent[name].append(value)

    # Jersey ignores unknown query parameters, so a misspelt filter would be
    # dropped silently by the server: report it here instead.
    messages = [
        f"query.{name}: not a parameter of this operation"
        for name in sent
        if ("query", name) not in parameters
    ]
    for (location, name), parameter in parameters.items():
        if location != "query":
            continue
        if name in sent:
            messages += _check_value(parameter, sent[name], f"query.{name}", schemas)
        elif parameter.get("required"):
            messages.append(f"query.{name}: required, but not sent")

    return messages


def _check_value(
    parameter: Mapping[str, Any],
    raw_values: list[str],
    location: str,
    schemas: SchemaChecker,
) -> list[str]:
    schema = parameter.get("schema", {})
    kind = schemas.type_of(schema)
    if kind != "array" and len(raw_values) > 1:
        return [f"{location}: sent {len(raw_values)} times, but it is not an array"]

    item_kind = schemas.type_of(schema.get("items", {})) if kind == "array" else kind
    try:
        items = [_cast(raw, item_kind) for raw in raw_values]
    except ValueError as exc:
        return [f"{location}: {exc}"]

    value = items if kind == "array" else items[0]

    return schemas.errors(schema, value, direction="request", location=location)


def _cast(raw: str, kind: str | None) -> Any:
    """Turn the text of a parameter into the JSON value its schema describes."""
    if kind == "integer":
        if not _INTEGER.fullmatch(raw):
            raise ValueError(f"{raw!r} is not an integer")
        return int(raw)
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"{raw!r} is not a finite number")
        return number
    if kind == "boolean":
        # Jersey would read anything but "true" as false; the spec says boolean.
        if raw.lower() not in ("true", "false"):
            raise ValueError(f"{raw!r} is not a boolean (true or false)")
        return raw.lower() == "true"

    return raw


def _check_body(
    spec: Mapping[str, Any],
    operation: Operation,
    exchange: Exchange,
    schemas: SchemaChecker,
) -> tuple[list[str], RequestFacts]:
    declared = resolve(spec, operation.definition.get("requestBody"))
    body = Body.read(exchange.request_body, exchange.request_headers)
    if body.empty:
        # An empty document is not well-formed JSON to MOXy either.
        facts = RequestFacts(malformed_json=is_json(body.media))
        if declared and declared.get("required"):
            return ["body: missing, but the operation requires one"], facts
        return [], facts
    if not declared:
        return ["body: sent, but the operation takes no request body"], RequestFacts()

    content = declared.get("content", {})
    if body.media is None or body.media not in content:
        message = f"header Content-Type: {body.media} is not one of {sorted(content)}"
        return [message], RequestFacts(undeclared_content_type=True)
    if not is_json(body.media):
        return [], RequestFacts(xml_body=True)
    if not body.parsed:
        message = f"body: not well-formed JSON ({body.json_error})"
        return [message], RequestFacts(malformed_json=True)

    schema = content[body.media].get("schema")
    if schema is None:
        return [], RequestFacts()

    messages = schemas.errors(
        schema,
        body.document,
        direction="request",
        location="body",
        allowed_extras=DISCRIMINATOR,
    )
    facts = RequestFacts(unbindable_body=not schemas.binds(schema, body.document))

    return messages, facts
