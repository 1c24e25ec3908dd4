"""The examples of docs/device-management.md run, and print what they say they do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "device-management.md"
EXAMPLES = [
    block
    for block in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    if "Emulator" in block
]
# `print(...)  # expected` in an example: the line it prints starts with this.
_EXPECTED = re.compile(r"^\s*print\(.*\)\s+# (.+)$", re.MULTILINE)


@pytest.mark.parametrize(
    "source", EXAMPLES, ids=[f"example-{n}" for n in range(1, len(EXAMPLES) + 1)]
)
def test_the_example_runs_and_prints_what_it_says(
    source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each example runs as written; each commented print shows what its comment says."""
    exec(compile(source, str(DOC), "exec"), {"__name__": "__docs__"})  # noqa: S102 - our own docs.

    printed = capsys.readouterr().out.splitlines()
    expected = [text.split("  (")[0].strip() for text in _EXPECTED.findall(source)]
    remaining = iter(printed)
    for text in expected:
        assert any(line.startswith(text) for line in remaining), (text, printed)


def test_there_are_examples() -> None:
    """The document has the four runnable examples this test checks."""
    assert 4 == len(EXAMPLES)
