"""Matching a raw request path to the spec operation that serves it.

Literal segments beat templated ones, segment by segment from the left, as in
JAX-RS: ``/{scopeId}/devices/_count`` wins over ``/{scopeId}/devices/{deviceId}``.
A trailing slash is ignored, as Jersey ignores it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

import attrs

__all__ = ["HTTP_METHODS", "Match", "Operation", "Router"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@attrs.frozen
class Operation:
    """One operation of the spec: method, path template and operationId."""

    method: str
    template: str
    operation_id: str | None
    definition: Mapping[str, Any] = attrs.field(repr=False, eq=False)
    path_item: Mapping[str, Any] = attrs.field(repr=False, eq=False)

    @property
    def label(self) -> str:
        """Return e.g. ``GET /{scopeId}/devices (deviceList)``."""
        operation_id = self.operation_id or "no operationId"

        return f"{self.method} {self.template} ({operation_id})"


@attrs.frozen
class Match:
    """The operation a request reached, or why none did."""

    operation: Operation | None
    path_params: Mapping[str, str]
    path_known: bool


@attrs.frozen
class _Template:
    segments: tuple[str | None, ...]  # None marks a {parameter}
    names: tuple[str, ...]
    operations: Mapping[str, Operation]

    def bind(self, segments: list[str]) -> dict[str, str] | None:
        values: list[str] = []
        for expected, actual in zip(self.segments, segments, strict=True):
            if expected is None:
                if not actual:
                    return None
                values.append(actual)
            elif expected != actual:
                return None

        return dict(zip(self.names, values, strict=True))


def _split(path: str) -> list[str]:
    trimmed = path[:-1] if path.endswith("/") and len(path) > 1 else path

    return [unquote(segment) for segment in trimmed.split("/")[1:]]


def _compile(template: str, path_item: Mapping[str, Any]) -> _Template:
    segments: list[str | None] = []
    names: list[str] = []
    for segment in _split(template):
        if segment.startswith("{") and segment.endswith("}"):
            segments.append(None)
            names.append(segment[1:-1])
        elif "{" in segment:
            raise ValueError(f"{template}: partial-segment parameters unsupported")
        else:
            segments.append(segment)

    operations = {
        method.upper(): Operation(
            method.upper(),
            template,
            definition.get("operationId"),
            definition,
            path_item,
        )
        for method, definition in path_item.items()
        if method in HTTP_METHODS
    }

    return _Template(tuple(segments), tuple(names), operations)


def _specificity(template: _Template) -> tuple[bool, ...]:
    # False (literal) sorts before True (parameter): literal-first wins.
    return tuple(segment is None for segment in template.segments)


class Router:
    """Finds the operation for a method and a raw path under the base path."""

    def __init__(self, paths: Mapping[str, Any], base_path: str) -> None:
        by_length: defaultdict[int, list[_Template]] = defaultdict(list)
        for template, path_item in paths.items():
            compiled = _compile(template, path_item)
            by_length[len(compiled.segments)].append(compiled)

        self._base_path = base_path.rstrip("/")
        self._by_length = {
            length: sorted(templates, key=_specificity)
            for length, templates in by_length.items()
        }
        self.operations: tuple[Operation, ...] = tuple(
            operation
            for templates in self._by_length.values()
            for template in templates
            for operation in template.operations.values()
        )

    def match(self, method: str, raw_path: str) -> Match:
        """Return the operation serving ``method raw_path`` (path with ``/v1``)."""
        if not raw_path.startswith(f"{self._base_path}/"):
            return Match(None, {}, path_known=False)

        segments = _split(raw_path[len(self._base_path) :])
        for template in self._by_length.get(len(segments), ()):
            values = template.bind(segments)
            if values is None:
                continue
            operation = template.operations.get(method.upper())

            return Match(operation, values if operation else {}, path_known=True)

        return Match(None, {}, path_known=False)
