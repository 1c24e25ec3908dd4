"""Collecting the exchanges of a test, judging them, and counting what was exercised."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import pytest

from ec_async.emulator._exchange import Exchange

from ._routing import Operation
from ._validator import Judgement, SpecValidator, Violation

__all__ = ["SpecCoverage", "SpecObserver"]


@attrs.define
class _InvalidRequests:
    reason: str
    exchanges: int = 0


@attrs.frozen
class _Record:
    exchange: Exchange
    expectation: _InvalidRequests | None


class SpecObserver:
    """An exchange observer that judges what it saw against the spec at teardown.

    The emulator may call it from its own thread; judging waits until the
    test asks, so the emulator's answers are not slowed down.
    """

    def __init__(self, validator: SpecValidator) -> None:
        self._validator = validator
        self._lock = threading.Lock()
        self._records: list[_Record] = []
        self._expectations: list[_InvalidRequests] = []
        self._active: _InvalidRequests | None = None
        self._judgements: list[Judgement] = []

    def __call__(self, exchange: Exchange) -> None:
        """Record one exchange (the emulator's ``ExchangeObserver`` signature)."""
        with self._lock:
            self._records.append(_Record(exchange, self._active))
            if self._active is not None:
                self._active.exchanges += 1

    @contextlib.contextmanager
    def expect_invalid_requests(self, reason: str) -> Iterator[None]:
        """Excuse request-side violations inside the block, which must have one.

        For tests that send a bad request on purpose; responses are still
        checked, and the block fails if no request in it broke the spec.
        """
        expectation = _InvalidRequests(reason)
        with self._lock:
            self._active = expectation
            self._expectations.append(expectation)
        try:
            yield
        finally:
            with self._lock:
                self._active = None

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        """Return the exchanges seen so far, in order."""
        with self._lock:
            return tuple(record.exchange for record in self._records)

    def judgements(self) -> list[Judgement]:
        """Return the judgement of every exchange seen so far."""
        return [judgement for _, judgement in self._judged()]

    def violations(self) -> list[Violation]:
        """Return every violation not excused by ``expect_invalid_requests``."""
        return self._sort()[0]

    def problems(self) -> list[str]:
        """Return every violation and every unmet expectation, as text."""
        violations, unmet = self._sort()

        return [str(violation) for violation in violations] + unmet

    def verify(self) -> None:
        """Fail the current test, listing every problem, if there is any."""
        problems = self.problems()
        if problems:
            listing = "\n".join(f"  - {problem}" for problem in problems)
            pytest.fail(
                f"{len(problems)} Kapua spec violation(s):\n{listing}", pytrace=False
            )

    def _judged(self) -> list[tuple[_Record, Judgement]]:
        # Each exchange is judged once, however often the results are asked for.
        with self._lock:
            records = list(self._records)
        for record in records[len(self._judgements) :]:
            self._judgements.append(self._validator.judge(record.exchange))

        return list(zip(records, self._judgements, strict=True))

    def _sort(self) -> tuple[list[Violation], list[str]]:
        judged = self._judged()
        with self._lock:
            expectations = list(self._expectations)

        kept: list[Violation] = []
        met: set[int] = set()
        for record, judgement in judged:
            violations = judgement.violations
            if record.expectation is None:
                kept.extend(violations)
                continue
            if any(violation.side == "request" for violation in violations):
                met.add(id(record.expectation))
            kept.extend(v for v in violations if v.side == "response")

        unmet = [
            f"expected an invalid request ({expectation.reason}), but "
            + ("the block sent none" if not expectation.exchanges else "all conformed")
            for expectation in expectations
            if id(expectation) not in met
        ]

        return kept, unmet


class SpecCoverage:
    """Counts, per operation and status, the exchanges the session judged."""

    def __init__(self) -> None:
        self.operations: tuple[Operation, ...] = ()
        self.statuses: Counter[tuple[Operation, int]] = Counter()
        self.unmatched: Counter[tuple[str, str, int]] = Counter()

    def add(
        self, operations: tuple[Operation, ...], judgements: Iterable[Judgement]
    ) -> None:
        """Count the judged exchanges of one test."""
        self.operations = self.operations or operations
        for judgement in judgements:
            exchange = judgement.exchange
            if judgement.operation is None:
                self.unmatched[exchange.method, exchange.path, exchange.status] += 1
            else:
                self.statuses[judgement.operation, exchange.status] += 1

    @property
    def exercised(self) -> set[Operation]:
        """Return the operations at least one exchange reached."""
        return {operation for operation, _ in self.statuses}

    def summary(self) -> str:
        """Return a one-line summary for the terminal."""
        exchanges = self.statuses.total() + self.unmatched.total()

        return (
            f"{len(self.exercised)} of {len(self.operations)} operations exercised "
            f"by {exchanges} exchanges ({self.unmatched.total()} matched none)"
        )

    def as_json(self) -> dict[str, Any]:
        """Return the full coverage, one entry per operation of the spec."""
        by_operation: dict[Operation, dict[str, int]] = {}
        for (operation, status), count in sorted(
            self.statuses.items(), key=lambda item: item[0][1]
        ):
            by_operation.setdefault(operation, {})[str(status)] = count

        rows = [
            {
                "method": operation.method,
                "path": operation.template,
                "operationId": operation.operation_id,
                "statuses": by_operation.get(operation, {}),
            }
            for operation in sorted(
                self.operations, key=lambda op: (op.template, op.method)
            )
        ]
        unmatched = [
            {"method": method, "path": path, "status": status, "count": count}
            for (method, path, status), count in sorted(self.unmatched.items())
        ]

        return {"summary": self.summary(), "operations": rows, "unmatched": unmatched}
