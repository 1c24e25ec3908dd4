"""``SpecValidator``: judges one HTTP exchange against the corrected Kapua spec."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs

from ec_async.emulator._exchange import Exchange

from ._defects import KNOWN_DEFECTS, SpecDefect
from ._request import Parameters, check_request, parameters_of
from ._response import check_response
from ._routing import Match, Operation, Router
from ._schemas import SchemaChecker, inline_refs
from ._server_rules import RequestFacts
from ._spec import load_spec

__all__ = [
    "Judgement",
    "SpecValidator",
    "Violation",
    "corrected_spec",
    "default_validator",
]

Side = Literal["request", "response"]

# §2: the servlet is mapped on /v1/*; the spec's first server says the same.
_DEFAULT_BASE_PATH = "/v1"


@attrs.frozen
class Violation:
    """One way an exchange departs from the spec, on one side of it."""

    side: Side
    method: str
    path_template: str | None
    operation_id: str | None
    message: str
    raw_path: str = ""

    @property
    def operation(self) -> str:
        """Return e.g. ``GET /{scopeId}/devices (deviceList)``."""
        if self.path_template is None:
            return f"{self.method} {self.raw_path} (no operation in the spec)"

        return f"{self.method} {self.path_template} ({self.operation_id or 'no operationId'})"

    def __str__(self) -> str:
        return f"{self.side} of {self.operation}: {self.message}"


@attrs.frozen
class Judgement:
    """The operation an exchange reached and every violation found in it."""

    exchange: Exchange
    operation: Operation | None
    violations: tuple[Violation, ...]


def corrected_spec(
    spec: Mapping[str, Any], defects: Iterable[SpecDefect]
) -> dict[str, Any]:
    """Return a private copy of ``spec`` with every defect's correction applied."""
    corrected = copy.deepcopy(dict(spec))
    for defect in defects:
        defect.patch(corrected)

    return corrected


class SpecValidator:
    """Checks exchanges against the spec, as corrected by ``defects``."""

    def __init__(
        self, spec: Mapping[str, Any], defects: Iterable[SpecDefect] = KNOWN_DEFECTS
    ) -> None:
        self.defects = tuple(defects)
        # The corrected spec with its plain refs inlined: nodes are shared,
        # and the graph is meant for reading, not for dumping.
        self.spec = corrected_spec(spec, self.defects)
        inline_refs(self.spec)
        self._router = Router(self.spec["paths"], _base_path(self.spec))
        self._schemas = SchemaChecker(self.spec)
        self._parameters: dict[Operation, Parameters] = {}

    @property
    def operations(self) -> tuple[Operation, ...]:
        """Return every operation of the corrected spec."""
        return self._router.operations

    def validate(self, exchange: Exchange) -> list[Violation]:
        """Return every violation in ``exchange``, request side first."""
        return list(self.judge(exchange).violations)

    def judge(self, exchange: Exchange) -> Judgement:
        """Return the operation ``exchange`` reached and its violations."""
        match = self._router.match(exchange.method, exchange.path)

        request_messages, facts = self._check_request(match, exchange)
        response_messages = check_response(
            self.spec, match, exchange, facts, self._schemas
        )

        violations = [
            _violation("request", match, exchange, message)
            for message in request_messages
        ]
        violations += [
            _violation("response", match, exchange, message)
            for message in response_messages
        ]

        return Judgement(exchange, match.operation, tuple(violations))

    def _check_request(
        self, match: Match, exchange: Exchange
    ) -> tuple[list[str], RequestFacts]:
        operation = match.operation
        if operation is None:
            reason = (
                "the spec has this path, but not this method"
                if match.path_known
                else "no path template of the spec matches"
            )
            return [f"path: {reason}"], RequestFacts()

        if operation not in self._parameters:
            self._parameters[operation] = parameters_of(self.spec, operation)

        return check_request(
            self.spec,
            operation,
            self._parameters[operation],
            match,
            exchange,
            self._schemas,
        )


@functools.cache
def default_validator() -> SpecValidator | None:
    """Return the process-wide validator with every known defect, or None.

    Built once: the spec is parsed once per process and corrected once.
    """
    spec = load_spec()

    return None if spec is None else SpecValidator(spec)


def _violation(side: Side, match: Match, exchange: Exchange, message: str) -> Violation:
    operation = match.operation

    return Violation(
        side=side,
        method=exchange.method.upper(),
        path_template=operation.template if operation else None,
        operation_id=operation.operation_id if operation else None,
        message=message,
        raw_path=exchange.path,
    )


def _base_path(spec: Mapping[str, Any]) -> str:
    for server in spec.get("servers", ()):
        url = str(server.get("url", ""))
        if url.startswith("/"):
            return url

    return _DEFAULT_BASE_PATH
