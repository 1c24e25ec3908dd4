"""The examples of docs/reliability.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
# Only ``python`` blocks run; ``py`` blocks show code that needs your own files.
BLOCKS = re.findall(r"^```python\n(.*?)^```$", DOC.read_text(), re.S | re.M)


@pytest.mark.parametrize(
    "source", BLOCKS, ids=[f"block-{i}" for i in range(len(BLOCKS))]
)
def test_example_runs(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each example finishes without an error and prints what it promises."""
    exec(compile(source, str(DOC), "exec"), {"__name__": "__main__"})  # noqa: S102

    assert capsys.readouterr().out.strip()


def test_every_example_is_found() -> None:
    """The fence pattern finds all four runnable examples of the page."""
    assert 4 == len(BLOCKS)
