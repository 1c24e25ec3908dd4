"""The examples of docs/tenancy.md run as written against the emulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "tenancy.md"
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _examples() -> list[str]:
    return _BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_page_has_examples() -> None:
    """The page shows one example per section, six at least."""
    assert len(_examples()) >= 6


@pytest.mark.parametrize("number", range(len(_examples())))
def test_example_runs(number: int, capsys: pytest.CaptureFixture[str]) -> None:
    """Each example runs without an error and prints what it shows."""
    source = _examples()[number]

    exec(compile(source, f"{DOC.name} example {number + 1}", "exec"), {})  # noqa: S102 - running the page's own examples is the point

    assert capsys.readouterr().out
