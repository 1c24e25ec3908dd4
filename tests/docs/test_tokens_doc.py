"""Every example in docs/tokens.md runs as written, with warnings as errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "tokens.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def test_the_page_has_examples() -> None:
    """The page shows runnable code, so the test below checks something."""
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize(
    "source", EXAMPLES, ids=[f"example {n}" for n in range(1, len(EXAMPLES) + 1)]
)
def test_example_runs(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The example runs to the end and prints what the text around it says."""
    exec(compile(source, str(DOC), "exec"), {"__name__": "__main__"})  # noqa: S102 - our own docs.

    assert capsys.readouterr().out.strip()
