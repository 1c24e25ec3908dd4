"""Progress of the commands that page: on stderr, on a terminal, never on stdout."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest

from ec_async._cli import main

from .conftest import Terminal, World


def _list_all(world: World, *flags: str) -> list[str]:
    return [
        "devices",
        "list",
        "--all",
        "--limit",
        "1",
        "--scope",
        world.scope_id,
        *flags,
    ]


class TestOnATerminal:
    """stderr a terminal: a bar (rich) or a rewritten line (without rich)."""

    def test_rich_draws_the_bar_and_stdout_keeps_the_records(
        self,
        world: World,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The bar is on stderr; stdout parses as the JSON of three devices."""
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)

        assert 0 == main(_list_all(world, "-o", "json"))

        rows = json.loads(capsys.readouterr().out)
        assert {"w-on", "w-off", "w-new"} == {row["clientId"] for row in rows}
        assert "listing devices" in terminal.getvalue()
        assert "\x1b[" in terminal.getvalue()  # drawn with terminal controls

    def test_without_rich_one_line_is_rewritten(
        self,
        world: World,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The line counts the devices read, ends at three, then a newline."""
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.setitem(sys.modules, "rich.progress", None)

        assert 0 == main(_list_all(world, "-o", "csv"))

        text = terminal.getvalue()
        assert text.startswith("\rlisting devices: 1 devices, ")
        assert "\rlisting devices: 3 devices, " in text
        assert text.endswith("\n")
        assert 1 == text.count("\n")
        assert 4 == len(list(csv.reader(io.StringIO(capsys.readouterr().out))))

    def test_no_progress_hides_it(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """--no-progress: nothing on the terminal."""
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)

        assert 0 == main(_list_all(world, "--no-progress"))
        assert "" == terminal.getvalue()

    def test_a_split_count_pages_with_progress(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """count --by status reads every device, and says so."""
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.setitem(sys.modules, "rich.progress", None)
        count = ["devices", "count", "--by", "status", "--scope", world.scope_id]

        assert 0 == main(count)
        assert "\rcounting devices: 3 devices, " in terminal.getvalue()

    def test_a_plain_count_draws_nothing(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """One _count request does not page: no bar."""
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)

        assert 0 == main(["devices", "count", "--scope", world.scope_id])
        assert "" == terminal.getvalue()


class TestOffATerminal:
    """stderr a file or a pipe: quiet unless asked."""

    def test_nothing_by_default(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A script's stderr stays empty."""
        assert 0 == main(_list_all(world))
        assert "" == capsys.readouterr().err

    def test_progress_forces_plain_lines(
        self, world: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--progress writes whole lines, the last with the total."""
        assert 0 == main(_list_all(world, "--progress", "-o", "json"))
        out, err = capsys.readouterr()

        assert 3 == len(json.loads(out))
        assert err.startswith("listing devices: 1 devices, ")
        assert "\r" not in err
        assert err.splitlines()[-1].startswith("listing devices: 3 devices, ")
