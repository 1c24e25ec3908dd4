"""Errors: one line on stderr with the server's code, and an exit code that says what kind."""

from __future__ import annotations

import errno
import io
import sys

import pytest

from ec_async._cli import main
from ec_async.emulator import DEMO_PASSWORD, Emulator, Permission

from .conftest import OBSERVER, World


def _one_line(err: str) -> str:
    """The single line of stderr, checked to be single and free of tracebacks."""
    assert "Traceback" not in err
    assert 1 == err.count("\n"), err
    return err.rstrip("\n")


class TestServerErrors:
    """The server's status, kapuaErrorCode and message, in one line."""

    @pytest.mark.parametrize(
        "command",
        [
            ["devices", "get", "AAAAAAAAAAA"],
            ["users", "get", "AAAAAAAAAAA"],
            ["jobs", "get", "AAAAAAAAAAA"],
        ],
    )
    def test_not_found_exits_4(
        self, command: list[str], as_admin: Emulator, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """404 ENTITY_NOT_FOUND, and nothing on stdout."""
        code = main(command)
        out, err = capsys.readouterr()

        assert 4 == code
        assert "" == out
        assert _one_line(err).startswith("ec: error: 404 ENTITY_NOT_FOUND: ")

    @pytest.mark.parametrize(
        ("resource", "permission"), [("devices", "device:read"), ("users", "user:read")]
    )
    def test_permission_denied_exits_3(
        self,
        resource: str,
        permission: str,
        as_admin: Emulator,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The observer may read accounts only: 403 SUBJECT_UNAUTHORIZED, naming the permission."""
        monkeypatch.setenv("EC_USERNAME", OBSERVER)
        code = main([resource, "list"])
        line = _one_line(capsys.readouterr().err)

        assert 3 == code
        assert line.startswith("ec: error: 403 SUBJECT_UNAUTHORIZED: ")
        assert permission in line

    def test_the_observer_may_still_list_accounts(
        self,
        as_admin: Emulator,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The same user, a permission held: exit 0."""
        monkeypatch.setenv("EC_USERNAME", OBSERVER)

        assert 0 == main(["accounts", "list"])
        assert "" == capsys.readouterr().err

    def test_a_wrong_password_exits_3_without_echoing_it(
        self,
        as_admin: Emulator,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """401 with the hint, since the server says nothing more; no secret shown."""
        monkeypatch.setenv("EC_PASSWORD", "Not-The-Passw0rd!")
        code = main(["devices", "list"])
        line = _one_line(capsys.readouterr().err)

        assert 3 == code
        assert line.startswith("ec: error: 401: check the credentials")
        assert "Not-The-Passw0rd!" not in line

    def test_a_failing_account_is_one_line_too(
        self,
        world: World,
        as_admin: Emulator,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--all-accounts, devices readable in the top account only: a line per refusal."""
        as_admin.admin.create_user(
            world.scope_id,
            "w-viewer",
            password=DEMO_PASSWORD,
            permissions=[
                Permission(
                    domain="account",
                    action="read",
                    target_scope_id=world.scope_id,
                    forwardable=True,
                ),
                Permission(
                    domain="device", action="read", target_scope_id=world.scope_id
                ),
            ],
        )
        monkeypatch.setenv("EC_USERNAME", "w-viewer")
        code = main(["devices", "count", "--all-accounts", "-o", "json"])
        lines = capsys.readouterr().err.splitlines()

        assert 1 == code
        assert ["t-world-a", "t-world-b"] == sorted(
            line.split(": ")[2] for line in lines
        )
        assert all(": 403 SUBJECT_UNAUTHORIZED: " in line for line in lines)


class TestLocalErrors:
    """Errors found before or without an answer from the server."""

    def test_no_server_exits_2(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No --base-url, no EC_BASE_URL and no profile: a usage error saying so."""
        monkeypatch.delenv("EC_BASE_URL", raising=False)
        code = main(["devices", "list"])

        line = _one_line(capsys.readouterr().err)
        assert 2 == code
        assert line.startswith("ec: error: no server: pass base_url, set EC_BASE_URL")

    def test_nothing_listening_exits_1(
        self, as_admin: Emulator, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A refused connection is one line and exit 1."""
        code = main(["devices", "list", "--base-url", "http://127.0.0.1:1/v1"])

        assert 1 == code
        assert _one_line(capsys.readouterr().err).startswith("ec: error: ")


class _FullDisk(io.StringIO):
    """An output that cannot be written to."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


class TestOutputErrors:
    """The records cannot be written: one line, exit 1."""

    def test_a_full_disk(
        self,
        as_admin: Emulator,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The system's reason, without a traceback."""
        monkeypatch.setattr(sys, "stdout", _FullDisk())
        code = main(["users", "list", "-o", "csv"])

        assert 1 == code
        assert (
            f"ec: error: [Errno {errno.ENOSPC}] No space left on device"
            == _one_line(capsys.readouterr().err)
        )


class TestUsage:
    """Argument errors show the usage of the command they were given to."""

    @pytest.mark.parametrize(
        ("command", "complaint"),
        [
            (["devices", "list", "--bogus"], "unrecognized arguments: --bogus"),
            (["devices", "list", "-o", "xml"], "invalid choice: 'xml'"),
            (["devices", "list", "--limit", "0"], "must be at least 1, got 0"),
            (["devices", "get"], "the following arguments are required: ID"),
        ],
        ids=["unknown flag", "bad choice", "bad number", "missing id"],
    )
    def test_the_subcommands_usage(
        self,
        command: list[str],
        complaint: str,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Exit 2 with `usage: ec devices <verb>`, not the top-level usage."""
        with pytest.raises(SystemExit) as exited:
            main(command)
        err = capsys.readouterr().err

        assert 2 == exited.value.code
        assert err.startswith(f"usage: ec devices {command[1]} ")
        assert f"\nec devices {command[1]}: error: " in err
        assert complaint in err

    @pytest.mark.parametrize("extra", [["--all"], ["--name", "acme-south"]])
    def test_recursive_takes_no_paging_or_filters(
        self, extra: list[str], as_admin: Emulator, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The server lists every account at once and ignores both: exit 2."""
        code = main(["accounts", "list", "--recursive", *extra])

        assert 2 == code
        assert _one_line(capsys.readouterr().err).startswith("ec: error: --recursive ")

    def test_a_group_without_a_verb_shows_its_help(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`ec devices` alone lists the devices commands, exit 2."""
        code = main(["devices"])
        out = capsys.readouterr().out

        assert 2 == code
        assert out.startswith("usage: ec devices ")
        assert "devices commands:" in out
