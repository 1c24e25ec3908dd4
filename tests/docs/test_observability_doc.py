"""Every example in docs/observability.md runs as written and prints what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "observability.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)

# A line each example's output must hold, as the text after it shows.
PRINTS = [
    "DEBUG   deviceCount scope=",
    "POST /v1/_/devices/_count 200",
    "deviceList in ",
    "ec_async.NotFound",
]


def test_every_example_is_checked() -> None:
    """Each runnable example has the line it must print listed above."""
    assert len(PRINTS) == len(EXAMPLES)


@pytest.mark.parametrize(
    ("source", "expected"),
    list(zip(EXAMPLES, PRINTS, strict=False)),
    ids=[f"example {n}" for n in range(1, len(EXAMPLES) + 1)],
)
def test_example_runs(
    source: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example runs to the end and prints the line its text promises."""
    exec(compile(source, str(DOC), "exec"), {"__name__": "__main__"})  # noqa: S102 - our own docs.

    assert expected in capsys.readouterr().out
