"""Every example of docs/users.md runs, and prints what its comments say."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "users.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
_EXPECTED = re.compile(r"print\(.*\)\s+# (.*)$")


def _examples() -> list[tuple[int, str]]:
    text = DOCS.read_text()
    return [
        (text.count("\n", 0, match.start()) + 2, match.group(1))
        for match in _BLOCK.finditer(text)
    ]


@pytest.mark.parametrize(
    ("line", "source"), _examples(), ids=lambda value: str(value)[:12]
)
def test_example_runs_as_documented(line: int, source: str) -> None:
    """The example runs to the end and each print shows its commented value."""
    printed: list[str] = []

    def record(*values: Any) -> None:
        printed.append(" ".join(str(value) for value in values))

    code = compile(source, f"{DOCS}:{line}", "exec")
    exec(code, {"__name__": "__docs__", "print": record})  # noqa: S102 - our docs

    expected = [
        found.group(1)
        for found in map(_EXPECTED.search, source.splitlines())
        if found is not None
    ]
    assert expected == printed
    assert printed, "every example shows a result"
