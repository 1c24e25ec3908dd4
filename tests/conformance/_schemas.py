"""Checking values against the spec's OpenAPI 3.0 schemas.

Two checks: the schema itself (openapi-schema-validator, with the OAS 3.0
rules for readOnly/writeOnly and formats), and a walk that reports properties
no schema declares. The spec never sets ``additionalProperties``, so without
the walk a misspelt field would pass unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)

from ec_async._ids import decode_compact_id

from ._patches import node

__all__ = [
    "DISCRIMINATOR",
    "Direction",
    "SchemaChecker",
    "declared_only",
    "inline_refs",
    "resolve",
]

# "request" schemas are written by the client (readOnly fields must be
# absent); "response" schemas are read by it (writeOnly fields must be absent).
Direction = Literal["request", "response"]

# MOXy writes a "type" discriminator on every object and accepts it back
# (§2; the spec's own PUT examples send it), so it is never "undeclared".
DISCRIMINATOR = frozenset({"type"})

_COMPOSITIONS = ("allOf", "anyOf", "oneOf")
_MESSAGE_LIMIT = 240


# Keywords that do not take part in validation: a $ref carrying only these
# can be replaced by its target without changing any result.
_ANNOTATIONS = frozenset(
    {"$ref", "description", "title", "deprecated", "externalDocs", "xml"}
)
# Example values are data, not schemas; their "$ref" keys are not refs.
_DATA_KEYWORDS = frozenset({"example", "examples"})


def inline_refs(spec: dict[str, Any]) -> None:
    """Replace every plain ``{"$ref": ...}`` node by the node it names, in place.

    jsonschema looks a $ref up on each visit, which is about half the cost of
    checking a long list; afterwards the schema graph shares nodes instead.
    A $ref with validating siblings stays, and still resolves as before.
    """
    visited: set[int] = set()
    pending: list[Any] = [spec]
    while pending:
        value = pending.pop()
        if id(value) in visited:
            continue
        visited.add(id(value))
        keys = range(len(value)) if isinstance(value, list) else list(value)
        for key in keys:
            if key in _DATA_KEYWORDS:
                continue
            child = _plain_ref_target(spec, value[key])
            value[key] = child
            if isinstance(child, dict | list):
                pending.append(child)


def _plain_ref_target(spec: Mapping[str, Any], value: Any) -> Any:
    seen: set[str] = set()
    while isinstance(value, dict) and "$ref" in value and set(value) <= _ANNOTATIONS:
        ref = value["$ref"]
        if ref in seen or not ref.startswith("#/"):
            break
        seen.add(ref)
        value = node(spec, ref[1:])

    return value


def resolve(spec: Mapping[str, Any], value: Any) -> Any:
    """Follow ``$ref`` (local refs only, as in the bundled spec) to the target."""
    seen: set[str] = set()
    while isinstance(value, Mapping) and "$ref" in value:
        ref = value["$ref"]
        if ref in seen or not ref.startswith("#/"):
            raise ValueError(f"unresolvable $ref {ref!r}")
        seen.add(ref)
        value = node(spec, ref[1:])

    return value


def _format_checker() -> Any:
    """OAS 3.0's format checks, where non-ASCII text as ``byte`` is invalid.

    The library's ``byte`` check raises UnicodeEncodeError on such text,
    which it does not count as a failed check: the generated request that
    holds it would crash the validation instead of being judged.
    """
    checker = type(oas30_format_checker)(formats=())
    checker.checkers = dict(oas30_format_checker.checkers)
    check_byte, raises = checker.checkers["byte"]
    checker.checkers["byte"] = (check_byte, (*raises, UnicodeEncodeError))
    return checker


_FORMATS = _format_checker()


class SchemaChecker:
    """Validates instances against schema nodes of one (corrected) spec."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        # Built on the whole document, so `#/components/...` refs inside any
        # schema node resolve; `evolve` keeps that resolver per node.
        self._spec = spec
        self._roots = {
            "request": OAS30WriteValidator(spec, format_checker=_FORMATS),
            "response": OAS30ReadValidator(spec, format_checker=_FORMATS),
        }
        self._validators: dict[tuple[int, Direction], Any] = {}

    def errors(
        self,
        schema: Mapping[str, Any],
        instance: Any,
        *,
        direction: Direction,
        location: str,
        allowed_extras: frozenset[str] = frozenset(),
    ) -> list[str]:
        """Return readable messages for every way ``instance`` misfits ``schema``."""
        validator = self._validator(schema, direction)
        messages = [
            _describe(error, location) for error in validator.iter_errors(instance)
        ]

        undeclared = _undeclared(
            self._spec, [schema], instance, location, allowed_extras
        )
        messages.extend(
            f"{where}: property {name!r} is not declared by the spec"
            for where, name in undeclared
        )

        return messages

    def binds(self, schema: Mapping[str, Any], instance: Any) -> bool:
        """Return whether MOXy could unmarshal ``instance`` into ``schema``'s class.

        It cannot when the document is null, when a value has another JSON
        type than the schema declares, or when an id is not a compact id
        (``KapuaIdAdapter`` fails on it).
        Undeclared properties are ignored, as MOXy ignores them.
        """
        if instance is None:  # a null document is no object for MOXy to fill
            return False
        kapua_id = self._spec["components"]["schemas"].get("kapuaId")

        return _binds(self._spec, [schema], instance, kapua_id)

    def type_of(self, schema: Mapping[str, Any]) -> str | None:
        """Return the ``type`` a (possibly composed) schema declares, if any."""
        for level in _expand(self._spec, [schema]):
            if isinstance(level.get("type"), str):
                return str(level["type"])

        return None

    def _validator(self, schema: Mapping[str, Any], direction: Direction) -> Any:
        # Keyed by identity: schema nodes live as long as the corrected spec.
        key = (id(schema), direction)
        if key not in self._validators:
            self._validators[key] = self._roots[direction].evolve(schema=schema)

        return self._validators[key]


def _describe(error: Any, location: str) -> str:
    """Describe a top-level error; branch errors of anyOf/oneOf follow in brackets."""
    where = _location(location, error.absolute_path)
    if error.validator not in ("anyOf", "oneOf"):
        return _shorten(f"{where}: {error.message}")

    # The library's own text starts with the whole instance; the branch
    # errors (paths relative to this instance) say more in less space.
    reasons = sorted(
        {
            f"{_location(where, sub.relative_path)}: {sub.message}"
            for sub in error.context
        }
    )
    detail = "; ".join(reasons[:3]) or "it matches more than one alternative"

    return _shorten(f"{where}: fails {error.validator} [{detail}]")


def _location(prefix: str, path: Sequence[Any]) -> str:
    steps = (f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)

    return prefix + "".join(steps)


def _shorten(message: str) -> str:
    if len(message) <= _MESSAGE_LIMIT:
        return message

    return message[: _MESSAGE_LIMIT - 3] + "..."


def _expand(spec: Mapping[str, Any], schemas: Sequence[Any]) -> list[Mapping[str, Any]]:
    """Return every schema that applies at one level, refs and compositions unfolded."""
    levels: list[Mapping[str, Any]] = []
    seen: set[int] = set()
    pending = list(schemas)
    while pending:
        schema = resolve(spec, pending.pop())
        if not isinstance(schema, Mapping) or id(schema) in seen:
            continue
        seen.add(id(schema))
        levels.append(schema)
        for keyword in _COMPOSITIONS:
            pending.extend(schema.get(keyword, ()))

    return levels


_JSON_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def _has_json_type(instance: Any, kind: str) -> bool:
    if isinstance(instance, bool) and kind != "boolean":
        return False

    return isinstance(instance, _JSON_TYPES.get(kind, (object,)))


def _fits_java_integer(value: int, levels: Sequence[Mapping[str, Any]]) -> bool:
    """Return whether ``value`` fits the Java field: a long if int64, else an int."""
    bits = 64 if any(level.get("format") == "int64" for level in levels) else 32
    bound = 1 << (bits - 1)

    return -bound <= value < bound


def _is_compact_id(text: str) -> bool:
    try:
        decode_compact_id(text)
    except ValueError:
        return False

    return True


def _binds(
    spec: Mapping[str, Any], schemas: Sequence[Any], instance: Any, kapua_id: Any
) -> bool:
    if instance is None:  # null leaves any field unset
        return True
    levels = _expand(spec, schemas)
    kinds = {level["type"] for level in levels if isinstance(level.get("type"), str)}
    if kinds and not any(_has_json_type(instance, kind) for kind in kinds):
        return False
    if kinds == {"integer"} and not _fits_java_integer(instance, levels):
        return False
    is_id = any(level is kapua_id for level in levels)
    if is_id and isinstance(instance, str) and not _is_compact_id(instance):
        return False

    if isinstance(instance, Mapping):
        for name, value in instance.items():
            nested = [
                schema["properties"][name]
                for schema in levels
                if name in schema.get("properties", {})
            ]
            if nested and not _binds(spec, nested, value, kapua_id):
                return False
    elif isinstance(instance, list):
        items = [schema["items"] for schema in levels if "items" in schema]
        if items:
            return all(_binds(spec, items, item, kapua_id) for item in instance)

    return True


def _declared(levels: Sequence[Mapping[str, Any]]) -> frozenset[str] | None:
    """Return the declared property names, or None when the object is free-form."""
    names: set[str] = set()
    constrained = False
    for schema in levels:
        if schema.get("additionalProperties") not in (None, False):
            return None
        if "properties" in schema:
            constrained = True
            names.update(schema["properties"])

    # An object schema with no properties anywhere (e.g. jobCreator) says
    # nothing about its fields, so nothing is reported for it.
    return frozenset(names) if constrained else None


def _undeclared(
    spec: Mapping[str, Any],
    schemas: Sequence[Any],
    instance: Any,
    location: str,
    allowed: frozenset[str],
) -> Iterator[tuple[str, str]]:
    levels = _expand(spec, schemas)
    if isinstance(instance, Mapping):
        yield from _undeclared_in_object(spec, levels, instance, location, allowed)
    elif isinstance(instance, list):
        items = [schema["items"] for schema in levels if "items" in schema]
        if items:
            for index, item in enumerate(instance):
                yield from _undeclared(
                    spec, items, item, f"{location}[{index}]", allowed
                )


def declared_only(spec: Mapping[str, Any], schema: Any, instance: Any) -> Any:
    """Return a copy of ``instance`` without the properties ``schema`` does not declare.

    Free-form objects (no ``properties`` anywhere) keep everything.
    """
    levels = _expand(spec, [schema])
    if isinstance(instance, Mapping):
        declared = _declared(levels)
        kept: dict[str, Any] = {}
        for name, value in instance.items():
            if declared is not None and name not in declared:
                continue
            nested = [
                level["properties"][name]
                for level in levels
                if name in level.get("properties", {})
            ]
            kept[name] = declared_only(spec, {"allOf": nested}, value)
        return kept
    if isinstance(instance, list):
        items = [level["items"] for level in levels if "items" in level]

        return [declared_only(spec, {"allOf": items}, item) for item in instance]

    return instance


def _undeclared_in_object(
    spec: Mapping[str, Any],
    levels: Sequence[Mapping[str, Any]],
    instance: Mapping[str, Any],
    location: str,
    allowed: frozenset[str],
) -> Iterator[tuple[str, str]]:
    declared = _declared(levels)
    for name, value in instance.items():
        if declared is not None and name not in declared and name not in allowed:
            yield location, name
        nested = [
            schema["properties"][name]
            for schema in levels
            if name in schema.get("properties", {})
        ]
        if nested:
            yield from _undeclared(spec, nested, value, f"{location}.{name}", allowed)
