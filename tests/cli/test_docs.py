"""Every ``ec`` command of docs/cli.md runs, in order, and prints what the page shows.

A line ``...`` of the page's output stands for any lines, and a line ending in
``...`` for any rest of that line. ``# exit N`` after a command is the exit
code it must end with (0 otherwise); ``VAR=value`` before ``ec`` sets the
environment for that command alone.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import attrs
import pytest

from ec_async._cli import main
from ec_async.emulator import DEMO_PASSWORD, Emulator

from .conftest import ADMIN

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
_BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)
_EXIT = re.compile(r"#\s*exit (\d+)\s*$")
# What the page's readers start; the test starts its own emulator instead.
_SETUP = ("$ ec emulator ", "$ export ")
_PAGE_URL = "http://127.0.0.1:8080/v1"


@attrs.frozen
class Example:
    """One command of the page, and what it must print and end with."""

    line: str
    argv: list[str]
    env: dict[str, str]
    code: int
    output: list[str]


def _examples() -> list[Example]:
    examples: list[Example] = []
    for block in _BLOCK.findall(DOC.read_text(encoding="utf-8")):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.MULTILINE):
            if not chunk.strip() or chunk.startswith(_SETUP):
                continue
            line, *output = chunk.rstrip("\n").split("\n")
            words = shlex.split(line.removeprefix("$ "), comments=True)
            env: dict[str, str] = {}
            while "=" in words[0]:
                name, value = words.pop(0).split("=", 1)
                env[name] = value
            assert "ec" == words[0], f"not an ec command: {line}"
            found = _EXIT.search(line)
            code = int(found.group(1)) if found else 0
            examples.append(Example(line, words[1:], env, code, output))
    return examples


def _pattern(output: list[str]) -> re.Pattern[str]:
    parts = []
    for line in output:
        if line == "...":
            parts.append(r"(?:.*\n)*?")
        elif line.endswith("..."):
            parts.append(re.escape(line[:-3]) + r".*\n")
        else:
            parts.append(re.escape(line) + r"\n")
    return re.compile("".join(parts))


def test_the_page_has_examples() -> None:
    """The page shows commands, so the test below checks something."""
    assert len(_examples()) >= 15


def test_every_example_prints_what_the_page_shows(
    served: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each command, run in the page's order, ends as the page says it does."""
    monkeypatch.setenv("EC_BASE_URL", served.base_url)
    monkeypatch.setenv("EC_USERNAME", ADMIN)
    monkeypatch.setenv("EC_PASSWORD", DEMO_PASSWORD)
    for example in _examples():
        with monkeypatch.context() as scoped:
            for name, value in example.env.items():
                scoped.setenv(name, value)
            argv = [
                served.base_url if arg == _PAGE_URL else arg for arg in example.argv
            ]
            code = main(argv)
        out, err = capsys.readouterr()

        assert (example.line, example.code) == (example.line, code), err
        assert _pattern(example.output).fullmatch(out + err), (
            f"{example.line}\n{out}{err}"
        )
