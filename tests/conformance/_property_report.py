"""What the property run found: one report per operation, one summary per session.

Kept apart from the run itself so the pytest plugin can show the summary
without importing the generator.
"""

from __future__ import annotations

from collections import Counter

import attrs

from ._routing import Operation
from ._validator import Judgement

__all__ = ["OperationReport", "PropertySummary"]


@attrs.define
class OperationReport:
    """What one operation's run sent, what came back, and what was wrong."""

    operation: Operation
    requests: int = 0
    valid_requests: int = 0
    unsent: int = 0
    statuses: Counter[int] = attrs.field(factory=Counter)
    judgements: list[Judgement] = attrs.field(factory=list, repr=False)
    problems: dict[str, list[str]] = attrs.field(factory=dict)

    def add_problem(self, message: str, example: str) -> None:
        """Count one problem; the first request that showed it is kept as example."""
        self.problems.setdefault(message, []).append(example)

    def failure_text(self) -> str:
        """Return every distinct problem with its count and first example."""
        lines = [
            f"{len(self.problems)} kind(s) of problem in {self.requests} requests "
            f"to {self.operation.label}:"
        ]
        for message, examples in sorted(self.problems.items()):
            lines.append(f"  - {message} [{len(examples)}x]")
            lines.append(f"      e.g. {examples[0]}")

        return "\n".join(lines)


@attrs.define
class PropertySummary:
    """The session's property run: reports of served operations, and the others."""

    reports: list[OperationReport] = attrs.field(factory=list)
    not_implemented: list[Operation] = attrs.field(factory=list)

    def lines(self) -> list[str]:
        """Return the summary shown at the end of the test session."""
        served = len(self.reports)
        requests_sent = sum(report.requests for report in self.reports)
        valid = sum(report.valid_requests for report in self.reports)
        failing = [report for report in self.reports if report.problems]
        statuses: Counter[int] = Counter()
        for report in self.reports:
            statuses.update(report.statuses)
        listing = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))

        lines = [
            f"{served} of {served + len(self.not_implemented)} operations served by "
            f"the emulator, {len(failing)} with problems; {requests_sent} requests "
            f"({valid} valid), answers {listing or 'none'}",
        ]
        if self.not_implemented:
            names = sorted(op.operation_id or op.label for op in self.not_implemented)
            shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
            lines.append(f"not implemented ({len(names)}): {shown}")

        return lines
