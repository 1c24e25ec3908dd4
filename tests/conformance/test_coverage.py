"""Spec coverage: every operation of the required tags is implemented by ec_async.

Each public method names the operation it implements with ``@operation``; this
reads those marks off the code and compares them with the spec (as corrected by
the known defects, so the server's extra endpoints count too).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from typing import Any

import ec_async
from ec_async._pipeline import Operation
from ec_async._resources import operations_of

from ._defects import KNOWN_DEFECTS
from ._spec import load_spec, requires_spec
from ._validator import corrected_spec

pytestmark = requires_spec

# Tags whose every operation ec_async must implement. A tag joins this set
# when the issue that brings it in is done.
REQUIRED_TAGS = frozenset(
    {
        "Access Info",
        "Access Permission",
        "Access Role",
        "Account",
        "Authentication",
        "Credential",
        "Current Account",
        "Data Channel",
        "Data Client",
        "Data Message",
        "Data Metric",
        "Device",
        "Device Connection",
        "Device Event",
        "Device Management - Asset",
        "Device Management - Bundle",
        "Device Management - Command",
        "Device Management - Configuration",
        "Device Management - Inventory",
        "Device Management - Keystore",
        "Device Management - Notification",
        "Device Management - Operation",
        "Device Management - Package",
        "Device Management - Request",
        "Device Management - Snapshot",
        "Domain",
        "Endpoint Info",
        "Group",
        "Job",
        "Job - Execution",
        "Job - Step",
        "Job - Step Definition",
        "Job - Target",
        "Job - Trigger",
        "Job - Trigger Definition",
        "Job - Trigger Fired",
        "Job Engine",
        "Role",
        "Service Configuration",
        "Stream",
        "System Info",
        "Tag",
        "User",
        "User - Mfa",
        "User Credentials",
        "User Profile",
        "Users - Mfa",
        "Users Credentials",
    }
)

# Operations of required tags left out on purpose: operationId -> the reason.
NOT_IMPLEMENTED: Mapping[str, str] = {
    "authenticationRefresh": "sent by the token manager (ec_async._tokens) ahead "
    "of expiry and after a 401; a refresh rotates the token pair, so no public "
    "method offers it to callers",
}

# The spec gives GET /sys-info no operationId; ec_async names it this.
UNNAMED = {("get", "/sys-info"): "systemInfoGet"}


def _spec_operations() -> Iterator[tuple[str, str, str, str]]:
    """Every operation of the corrected spec: (operationId, method, path, tag)."""
    spec = load_spec()
    assert spec is not None
    for path, item in corrected_spec(spec, KNOWN_DEFECTS)["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "tags" in operation:
                name = operation.get("operationId") or UNNAMED[(method, path)]
                yield name, method, path, operation["tags"][0]


def _implemented() -> dict[str, list[tuple[str, Operation]]]:
    """operationId -> every (Class.method, Operation) of ec_async that claims it."""
    found: dict[str, list[tuple[str, Operation]]] = {}
    for name in ec_async.__all__:
        cls = getattr(ec_async, name)
        if not inspect.isclass(cls):
            continue
        for attribute in dir(cls):
            marks: Any = getattr(getattr(cls, attribute), "__ec_operations__", ())
            for op in marks:
                found.setdefault(op.id, []).append((f"{name}.{attribute}", op))
    return found


def test_operations_of_reads_the_marks() -> None:
    """The marks are readable by script: Devices declares its seven operations."""
    ids = {op.id for op in operations_of(ec_async.Devices)}

    assert {
        "deviceList",
        "deviceGet",
        "deviceQuery",
        "deviceCount",
        "deviceCreate",
        "deviceUpdate",
        "deviceDelete",
    } == ids


def test_required_tags_are_covered() -> None:
    """Every operation of a required tag is implemented, or excused with a reason."""
    implemented = _implemented()
    missing = sorted(
        f"{tag}: {name} ({method.upper()} {path})"
        for name, method, path, tag in _spec_operations()
        if tag in REQUIRED_TAGS
        and name not in implemented
        and name not in NOT_IMPLEMENTED
    )

    assert [] == missing


def test_declared_operations_match_the_spec() -> None:
    """Each declared operation exists in the spec with the same method and path."""
    spec_routes = {
        name: (method.upper(), path) for name, method, path, _ in _spec_operations()
    }
    wrong = [
        f"{where}: {op.id} is {op.method} {op.path}, the spec says {spec_routes.get(op.id)}"
        for marks in _implemented().values()
        for where, op in marks
        if spec_routes.get(op.id) != (op.method, op.path)
    ]

    assert [] == wrong


def test_exceptions_name_real_operations() -> None:
    """Every excused operation exists in the spec, so the list cannot rot silently."""
    names = {operation[0] for operation in _spec_operations()}

    assert [] == sorted(set(NOT_IMPLEMENTED) - names)
