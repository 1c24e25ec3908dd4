"""Every Python example in README.md runs as written, with warnings as errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_readme_has_examples() -> None:
    """The README shows runnable code, so the test below checks something."""
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize(
    "source", EXAMPLES, ids=[f"example {n}" for n in range(1, len(EXAMPLES) + 1)]
)
def test_example_runs(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The example runs to the end; one that defines a test, that test passes too."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(source, str(README), "exec"), namespace)  # noqa: S102 - our own docs.

    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            _run_fixture_test(value)
            return
    assert capsys.readouterr().out.strip()


def _run_fixture_test(test: object) -> None:
    """Run a README test function with the fixtures ec_async.testing provides."""
    import ec_sync
    from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig

    config = EmulatorConfig(failed_login_delay=0.0)
    with (
        Emulator.in_thread(seed="minimal", config=config) as emulator,
        ec_sync.Client(
            emulator.base_url, username="acme-admin", password=DEMO_PASSWORD
        ) as client,
    ):
        test(client)  # type: ignore[operator]
