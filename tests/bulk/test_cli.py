"""The ``ec`` fleet commands: devices count and devices list over an account tree."""

from __future__ import annotations

import io
import json
import sys

import pytest

from ec_async._cli import main
from ec_async.emulator import DEMO_PASSWORD, Emulator, Permission

from ._support import ADMIN

# client id suffix -> connection: True connected, False disconnected, None never.
TOP: dict[str, bool | None] = {
    "a": True,
    "b": True,
    "c": True,
    "d": False,
    "e": False,
    "f": None,
}
KID: dict[str, bool | None] = {"g": True, "h": True, "i": False, "j": False}


@pytest.fixture
def tree(served: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """``t-cli`` (6 devices) below acme, with a child ``t-cli-kid`` (4 devices)."""
    admin = served.admin
    ids = {"top": admin.create_account(admin.account_id("acme"), "t-cli")}
    ids["kid"] = admin.create_account(ids["top"], "t-cli-kid")
    for scope, devices in ((ids["top"], TOP), (ids["kid"], KID)):
        for suffix, connected in devices.items():
            admin.create_device(scope, f"cli-{suffix}", connected=connected)
    monkeypatch.setenv("EC_BASE_URL", served.base_url)
    monkeypatch.setenv("EC_USERNAME", ADMIN)
    monkeypatch.setenv("EC_PASSWORD", DEMO_PASSWORD)
    return ids


def _statuses(devices: dict[str, bool | None]) -> dict[str, int]:
    values = list(devices.values())
    return {
        "CONNECTED": values.count(True),
        "DISCONNECTED": values.count(False),
        "MISSING": 0,
        "NULL": values.count(None),
    }


class TestDevicesCount:
    """ec devices count."""

    def test_json_by_status_over_the_tree(
        self, tree: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """-o json gives a row per account, split by connection status."""
        count = ["devices", "count", "--all-accounts", "--by", "status", "-o", "json"]
        status = main([*count, "--scope", tree["top"]])
        document = json.loads(capsys.readouterr().out)

        assert 0 == status
        rows = [
            {key: row[key] for key in ("account", "depth", "count", "error")}
            | {key: row[key] for key in _statuses(TOP)}
            for row in document
        ]
        assert [
            {"account": "t-cli", "depth": 0, "count": 6, "error": None}
            | _statuses(TOP),
            {"account": "t-cli-kid", "depth": 1, "count": 4, "error": None}
            | _statuses(KID),
        ] == rows

    def test_table_progress_and_summary(
        self, tree: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A table on stdout; the summary and, with --progress, plain lines on stderr."""
        count = ["devices", "count", "--all-accounts", "--by", "status", "--progress"]
        status = main([*count, "--scope", tree["top"]])
        out, err = capsys.readouterr()

        assert 0 == status
        assert "  t-cli-kid" in out
        connected = _statuses(TOP)["CONNECTED"] + _statuses(KID)["CONNECTED"]
        assert f"10 devices ({connected} connected," in err
        assert "in 2 accounts;" in err
        assert "counting devices: 2/2 accounts" in err
        assert "accounts;" not in out

    def test_no_progress_keeps_stderr_quiet(
        self, tree: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--no-progress prints nothing on stderr when all goes well."""
        count = ["devices", "count", "--scope", tree["kid"], "--no-progress"]
        main([*count, "--all-accounts", "-o", "json"])
        out, err = capsys.readouterr()

        assert "" == err
        assert [4] == [row["count"] for row in json.loads(out)]

    def test_a_refused_account_is_reported_not_fatal(
        self,
        tree: dict[str, str],
        served: Emulator,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A user who may not read the child's devices gets its row as an error, exit 1."""
        served.admin.create_user(
            tree["top"],
            "t-cli-viewer",
            password=DEMO_PASSWORD,
            permissions=[
                Permission(
                    domain="account",
                    action="read",
                    target_scope_id=tree["top"],
                    forwardable=True,
                ),
                Permission(domain="device", action="read", target_scope_id=tree["top"]),
            ],
        )
        monkeypatch.setenv("EC_USERNAME", "t-cli-viewer")

        status = main(["devices", "count", "--all-accounts", "-o", "json"])
        out, err = capsys.readouterr()
        rows = json.loads(out)

        assert 1 == status
        assert [(6, None), (None, "403 SUBJECT_UNAUTHORIZED")] == [
            (row["count"], row["error"] and row["error"][:24]) for row in rows
        ]
        assert "ec: error: t-cli-kid: 403 SUBJECT_UNAUTHORIZED: " in err


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class TestProgress:
    """Progress on a terminal: a rich bar, or one rewritten line without rich."""

    def test_rich_draws_on_a_terminal(
        self, tree: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With rich installed, the bar's label is drawn on the terminal."""
        terminal = _Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)

        status = main(["devices", "count", "--all-accounts", "--scope", tree["top"]])

        assert 0 == status
        assert "counting devices" in terminal.getvalue()
        assert "\x1b[" in terminal.getvalue()  # drawn with terminal controls

    def test_without_rich_one_line_is_rewritten(
        self, tree: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without rich, a terminal gets one line rewritten in place, then a newline."""
        terminal = _Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.setitem(sys.modules, "rich.progress", None)

        count = ["devices", "count", "--all-accounts", "-o", "json"]
        main([*count, "--scope", tree["top"]])

        text = terminal.getvalue()
        assert text.startswith("\rcounting devices: 1/2 accounts")
        assert "\rcounting devices: 2/2 accounts" in text
        assert text.endswith("\n")
        assert 1 == text.count("\n")


class TestDevicesListAllAccounts:
    """ec devices list --all-accounts."""

    def test_every_device_of_the_tree_with_its_account(
        self, tree: dict[str, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """-o json lists all ten devices, each with the name of its account."""
        listing = ["devices", "list", "--all-accounts", "-o", "json", "--limit", "3"]
        status = main([*listing, "--scope", tree["top"]])
        rows = json.loads(capsys.readouterr().out)

        assert 0 == status
        expected = [("t-cli", f"cli-{suffix}") for suffix in TOP]
        expected += [("t-cli-kid", f"cli-{suffix}") for suffix in KID]
        assert sorted(expected) == sorted(
            (row["account"], row["clientId"]) for row in rows
        )
