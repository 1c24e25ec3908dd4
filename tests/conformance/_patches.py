"""Small, checked edits to a copy of the spec, the building blocks of spec defects.

Every edit first checks that the spec still shows the defect it corrects and
raises ``DefectGone`` otherwise, so a fixed upstream spec fails loudly instead
of being silently re-patched.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "DefectGone",
    "Patch",
    "add_operation",
    "add_property",
    "add_response",
    "add_schemas",
    "both",
    "drop_keyword",
    "move_response",
    "node",
    "operation_pointer",
    "remove_parameter",
    "rename_property",
    "rename_required",
    "replace_node",
    "retype_property",
    "set_security",
    "widen_one_of",
]

Spec = dict[str, Any]
Patch = Callable[[Spec], None]


class DefectGone(LookupError):
    """The spec no longer shows a listed defect: remove or update its entry."""


def node(spec: Mapping[str, Any], pointer: str) -> Any:
    """Return the value at a JSON pointer such as ``/components/schemas/device``."""
    value: Any = spec
    for token in pointer.split("/")[1:]:
        key = token.replace("~1", "/").replace("~0", "~")
        try:
            value = value[int(key)] if isinstance(value, list) else value[key]
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise DefectGone(f"{pointer}: no such node") from exc

    return value


def operation_pointer(path: str, method: str) -> str:
    """Return the JSON pointer of an operation, e.g. ``/paths/~1sys-info/get``."""
    escaped = path.replace("~", "~0").replace("/", "~1")

    return f"/paths/{escaped}/{method}"


def _expect(condition: bool, pointer: str, detail: str) -> None:
    if not condition:
        raise DefectGone(f"{pointer}: {detail}")


def both(*patches: Patch) -> Patch:
    """Return one patch applying each of ``patches`` in order."""

    def patch(spec: Spec) -> None:
        for each in patches:
            each(spec)

    return patch


def rename_property(schema: str, old: str, new: str) -> Patch:
    """Rename property ``old`` of the (sub)schema at ``schema`` to ``new``."""

    def patch(spec: Spec) -> None:
        properties = node(spec, f"{schema}/properties")
        _expect(old in properties and new not in properties, schema, f"no {old!r}")
        properties[new] = properties.pop(old)

    return patch


def rename_required(schema: str, old: str, new: str) -> Patch:
    """Replace ``old`` by ``new`` in the ``required`` list at ``schema``."""

    def patch(spec: Spec) -> None:
        required = node(spec, f"{schema}/required")
        _expect(old in required, schema, f"{old!r} is not required")
        required[required.index(old)] = new

    return patch


def retype_property(schema: str, name: str, old: str, new: str) -> Patch:
    """Change the ``type`` of property ``name`` from ``old`` to ``new``."""

    def patch(spec: Spec) -> None:
        prop = node(spec, f"{schema}/properties/{name}")
        _expect(prop.get("type") == old, schema, f"{name} is not of type {old}")
        prop["type"] = new

    return patch


def add_property(schema: str, name: str, definition: Mapping[str, Any]) -> Patch:
    """Declare property ``name`` on the (sub)schema at ``schema``."""

    def patch(spec: Spec) -> None:
        properties = node(spec, schema).setdefault("properties", {})
        _expect(name not in properties, schema, f"{name!r} is already declared")
        properties[name] = copy.deepcopy(dict(definition))

    return patch


def drop_keyword(pointer: str, keyword: str) -> Patch:
    """Remove ``keyword`` (e.g. ``readOnly``) from the schema at ``pointer``."""

    def patch(spec: Spec) -> None:
        target = node(spec, pointer)
        _expect(keyword in target, pointer, f"has no {keyword!r}")
        del target[keyword]

    return patch


def replace_node(
    pointer: str, key: str, current: Callable[[Any], bool], value: Any
) -> Patch:
    """Set ``key`` under ``pointer`` to ``value`` if ``current`` accepts the old value.

    ``key`` is an index when ``pointer`` names a list.
    """

    def patch(spec: Spec) -> None:
        parent = node(spec, pointer)
        slot: Any = int(key) if isinstance(parent, list) else key
        old = parent[slot] if isinstance(parent, list) else parent.get(key)
        _expect(current(old), pointer, f"unexpected {key!r}")
        parent[slot] = copy.deepcopy(value)

    return patch


def move_response(path: str, method: str, old: str, new: str) -> Patch:
    """Declare the response an operation lists under status ``old`` as ``new``."""
    pointer = f"{operation_pointer(path, method)}/responses"

    def patch(spec: Spec) -> None:
        responses = node(spec, pointer)
        _expect(old in responses and new not in responses, pointer, f"no {old} only")
        responses[new] = responses.pop(old)

    return patch


def add_response(path: str, method: str, status: str, response: Any) -> Patch:
    """Declare an extra ``status`` response on an operation."""
    pointer = f"{operation_pointer(path, method)}/responses"

    def patch(spec: Spec) -> None:
        responses = node(spec, pointer)
        _expect(status not in responses, pointer, f"{status} is already declared")
        responses[status] = copy.deepcopy(response)

    return patch


def remove_parameter(path: str, method: str, ref: str) -> Patch:
    """Remove the parameter ``{"$ref": ref}`` from an operation."""
    pointer = f"{operation_pointer(path, method)}/parameters"

    def patch(spec: Spec) -> None:
        parameters = node(spec, pointer)
        _expect({"$ref": ref} in parameters, pointer, f"no parameter {ref}")
        parameters.remove({"$ref": ref})

    return patch


def set_security(path: str, method: str, security: list[Any]) -> Patch:
    """Give one operation its own ``security`` instead of the global one."""
    pointer = operation_pointer(path, method)

    def patch(spec: Spec) -> None:
        operation = node(spec, pointer)
        _expect("security" not in operation, pointer, "already sets security")
        operation["security"] = security

    return patch


def add_operation(path: str, method: str, operation: Mapping[str, Any]) -> Patch:
    """Add an operation the spec lacks (its path item is created if needed)."""

    def patch(spec: Spec) -> None:
        item = spec["paths"].setdefault(path, {})
        _expect(method not in item, operation_pointer(path, method), "exists")
        item[method] = copy.deepcopy(dict(operation))

    return patch


def add_schemas(schemas: Mapping[str, Any]) -> Patch:
    """Add component schemas the spec lacks."""

    def patch(spec: Spec) -> None:
        components = node(spec, "/components/schemas")
        for name, schema in schemas.items():
            _expect(name not in components, "/components/schemas", f"has {name}")
            components[name] = copy.deepcopy(schema)

    return patch


def widen_one_of(pointers: Sequence[str]) -> Patch:
    """Turn the ``oneOf`` at each pointer into ``anyOf``."""

    def patch(spec: Spec) -> None:
        for pointer in pointers:
            schema = node(spec, pointer)
            _expect("oneOf" in schema, pointer, "has no oneOf")
            schema["anyOf"] = schema.pop("oneOf")

    return patch
