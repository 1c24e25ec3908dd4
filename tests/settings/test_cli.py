"""``ec profile ...`` end to end, and ``ec --profile NAME`` against the emulator."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pytest

from ec_async import Settings
from ec_async._cli import main
from ec_async.emulator import DEMO_API_KEY, DEMO_PASSWORD, Emulator

from ._support import ProfileWriter, python_command

ADMIN = "acme-admin"
URL = "https://ec.example/v1"
# A loopback port nothing answers on: a profile aimed here must not be used.
DEAD = "http://127.0.0.1:9/v1"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class TestProfileCommands:
    """Adding, listing, showing, choosing and removing profiles."""

    def test_the_first_profile_added_becomes_the_default(
        self, config_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`list` marks the default with *; the first profile is it until told."""
        _run(capsys, "profile", "add", "lab", "--base-url", DEAD, "--username", "u")
        _run(capsys, "profile", "add", "prod", "--base-url", URL)

        code, out, _ = _run(capsys, "profile", "list")

        lines = out.splitlines()
        assert 0 == code
        assert ["NAME", "BASE_URL", "LOGIN"] == lines[0].split()
        assert ["*", "lab", DEAD, "u", "(EC_PASSWORD)"] == lines[1].split()
        assert ["prod", URL, "EC_USERNAME", "or", "EC_API_KEY"] == lines[2].split()

    def test_default_use_and_remove_move_the_mark(
        self, config_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--default takes the mark, `use` moves it, removing its holder clears it."""
        _run(capsys, "profile", "add", "a", "--base-url", URL)
        _run(capsys, "profile", "add", "b", "--base-url", URL, "--default")
        after_add = tomllib.loads(config_file.read_text())["default"]
        _run(capsys, "profile", "use", "a")
        after_use = tomllib.loads(config_file.read_text())["default"]
        code, out, _ = _run(capsys, "profile", "remove", "a")
        document = tomllib.loads(config_file.read_text())

        assert ("b", "a") == (after_add, after_use)
        assert 0 == code
        assert "no profile is the default now" in out
        assert "default" not in document
        assert ["b"] == list(document["profiles"])

    def test_show_prints_the_profile_as_the_file_holds_it(
        self, config_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """One `key = value` line per setting, after a comment naming the file."""
        _run(
            capsys,
            *("profile", "add", "lab", "--base-url", DEAD, "--username", "u"),
            *("--password-command", "pass show ec/lab", "--ca-bundle", "/ca.pem"),
        )

        code, out, _ = _run(capsys, "profile", "show", "lab")

        assert 0 == code
        assert [
            f"# profile lab (the default), in {config_file}",
            f'base_url = "{DEAD}"',
            'username = "u"',
            'password_command = "pass show ec/lab"',
            'ca_bundle = "/ca.pem"',
        ] == out.splitlines()

    def test_list_without_a_file_says_how_to_add_one(
        self, config_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No file yet is not an error."""
        code, out, _ = _run(capsys, "profile", "list")

        assert 0 == code
        assert "no profiles" in out
        assert "ec profile add" in out

    @pytest.mark.parametrize(
        "argv",
        [
            ["profile", "show", "nope"],
            ["profile", "use", "nope"],
            ["profile", "remove", "nope"],
            ["profile", "add", "lab", "--base-url", URL],
            ["profile", "add", "x", "--base-url", URL, "--password-command", "p"],
            ["profile", "add", "x", "--base-url", "http://10.1.2.3/v1"],
            ["profile", "add", "x y", "--base-url", URL],
        ],
        ids=[
            "show-missing",
            "use-missing",
            "remove-missing",
            "add-existing",
            "password-command-without-user",
            "plain-http-elsewhere",
            "bad-name",
        ],
    )
    def test_a_refused_change_exits_2_and_leaves_the_file(
        self, argv: list[str], config_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A usage error, one line on stderr, and the file byte for byte as it was."""
        _run(capsys, "profile", "add", "lab", "--base-url", URL)
        before = config_file.read_bytes()

        code, _, err = _run(capsys, *argv)

        assert 2 == code
        assert err.startswith("ec: error: ")
        assert 1 == len(err.splitlines())
        assert before == config_file.read_bytes()

    def test_what_add_writes_reads_back_the_same(
        self, config_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Quotes, backslashes and accents survive the file."""
        username = 'we"ird\\name-é-名'
        command = python_command("print('x')")
        code, _, _ = _run(
            capsys,
            *("profile", "add", "odd", "--base-url", DEAD, "--username", username),
            *("--password-command", command),
        )

        document = tomllib.loads(config_file.read_text(encoding="utf-8"))
        settings = Settings.resolve(profile="odd")

        assert 0 == code
        assert {
            "base_url": DEAD,
            "username": username,
            "password_command": command,
        } == document["profiles"]["odd"]
        assert (username, "x") == (settings.username, settings.password)

    @pytest.mark.parametrize(
        "flags",
        [
            ["--username", "bob\x1b[2J"],
            ["--username", "bob\nroot"],
            ["--ca-bundle", "/etc/ca\x9b.pem"],
            ["--password-command", "pass\x1b]0;x\x07 show"],
        ],
        ids=["escape", "newline", "c1-csi", "command"],
    )
    def test_control_characters_are_refused_unprinted(
        self,
        flags: list[str],
        config_file: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A value that would reach `list` or `show` raw is refused; nothing is written."""
        base = ["profile", "add", "p", "--base-url", URL]
        if flags[0] == "--password-command":
            base += ["--username", "u"]

        code, out, err = _run(capsys, *base, *flags)

        key = flags[0].removeprefix("--").replace("-", "_")
        assert 2 == code
        assert f"[profiles.p] {key} must be" in err
        assert "control characters" in err
        assert not any(character in out + err for character in "\x1b\x07\x9b")
        assert not config_file.exists()

    def test_the_file_is_for_its_owner_alone(
        self, write_profiles: ProfileWriter, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Written with mode 0600, even over a file others could read."""
        path = write_profiles("")
        path.chmod(0o644)

        _run(capsys, "profile", "add", "lab", "--base-url", URL)

        assert 0o600 == stat.S_IMODE(path.stat().st_mode)

    @pytest.mark.parametrize("step", ["fsync", "replace"])
    def test_a_failed_write_leaves_the_old_file_whole(
        self,
        step: str,
        config_file: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A disk error mid-write or at the swap: the old file, and no stray file."""
        _run(capsys, "profile", "add", "lab", "--base-url", URL)
        before = config_file.read_bytes()

        def full_disk(*args: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, step, full_disk)
        code, _, err = _run(capsys, "profile", "add", "prod", "--base-url", URL)

        assert 2 == code
        assert "No space left on device" in err
        assert before == config_file.read_bytes()
        assert ["config.toml"] == os.listdir(config_file.parent)

    def test_a_file_holding_a_password_is_refused(
        self, write_profiles: ProfileWriter, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`profile list` on such a file exits 2 and says what to do instead."""
        write_profiles(f'[profiles.p]\nbase_url = "{URL}"\npassword = "hunter2"\n')

        code, out, err = _run(capsys, "profile", "list")

        assert 2 == code
        assert "EC_PASSWORD" in err
        assert "hunter2" not in out + err

    def test_add_offers_no_flag_for_a_secret(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Secrets come from commands, variables or a prompt, never the command line."""
        with pytest.raises(SystemExit):
            main(["profile", "add", "--help"])
        text = capsys.readouterr().out

        assert "--password-command" in text
        assert "--password " not in text
        assert "--api-key " not in text

    @pytest.mark.parametrize(
        "flags",
        [
            ("--username", ADMIN, "--password", "Hunter-2-secret"),
            ("--username", ADMIN, "--pass=Hunter-2-secret"),
            ("--api", "Hunter-2-secret"),
        ],
        ids=["--password", "--pass=", "--api"],
    )
    def test_a_secret_flag_is_refused_not_taken_for_a_command(
        self,
        config_file: Path,
        capsys: pytest.CaptureFixture[str],
        flags: tuple[str, ...],
    ) -> None:
        """`--password X` is no abbreviation of --password-command: usage error, no file."""
        with pytest.raises(SystemExit) as exited:
            main(["profile", "add", "lab", "--base-url", URL, *flags])
        err = capsys.readouterr().err

        assert 2 == exited.value.code
        assert "unrecognized arguments: --" in err
        assert "Hunter-2-secret" not in err
        assert not config_file.exists()


class TestConnecting:
    """Commands take their server and login from flags, then EC_*, then the profile."""

    @pytest.fixture
    def lab(
        self, served: Emulator, config_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> str:
        """A profile `lab` for the emulator's admin, password by command.

        The default profile is `dead`, aimed where nothing answers, so a
        command that reaches the emulator proves `lab` was chosen.
        """
        command = python_command(f"print({DEMO_PASSWORD!r})")
        _run(
            capsys,
            *("profile", "add", "lab", "--base-url", served.base_url),
            *("--username", ADMIN, "--password-command", command),
        )
        _run(capsys, "profile", "add", "dead", "--base-url", DEAD, "--default")
        return served.base_url

    @staticmethod
    def _devices(capsys: pytest.CaptureFixture[str], *argv: str) -> int:
        code, out, err = _run(capsys, *argv, "-o", "json")
        assert (0, "") == (code, err)
        return len(json.loads(out))

    def test_profile_before_the_command(
        self, lab: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`ec --profile lab devices list` lists acme's 10 devices."""
        assert 10 == self._devices(capsys, "--profile", "lab", "devices", "list")

    def test_profile_after_the_command(
        self, lab: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`ec devices list --profile lab` works the same."""
        assert 10 == self._devices(capsys, "devices", "list", "--profile", "lab")

    def test_the_default_profile_needs_no_flag(
        self, lab: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without --profile or EC_PROFILE the default one serves."""
        _run(capsys, "profile", "use", "lab")
        code, out, _ = _run(capsys, "login", "-o", "json")

        assert 0 == code
        assert "acme" == json.loads(out)["account"]

    def test_a_flag_beats_the_profile(
        self, served: Emulator, config_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--base-url replaces the profile's dead URL; its user and command still serve."""
        command = python_command(f"print({DEMO_PASSWORD!r})")
        _run(
            capsys,
            *("profile", "add", "stale", "--base-url", DEAD, "--username", ADMIN),
            *("--password-command", command),
        )

        assert 10 == self._devices(
            capsys, "devices", "list", "--base-url", served.base_url
        )

    def test_a_variable_beats_the_profile(
        self,
        served: Emulator,
        config_file: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """EC_BASE_URL and EC_PASSWORD win over the profile's URL and failing command."""
        failing = python_command("raise SystemExit(1)")
        _run(
            capsys,
            *("profile", "add", "stale", "--base-url", DEAD, "--username", ADMIN),
            *("--password-command", failing),
        )
        monkeypatch.setenv("EC_BASE_URL", served.base_url)
        monkeypatch.setenv("EC_PASSWORD", DEMO_PASSWORD)

        assert 10 == self._devices(capsys, "devices", "list")

    def test_the_flag_beats_ec_profile(
        self,
        lab: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """EC_PROFILE names the dead profile, --profile a good one: the flag wins."""
        monkeypatch.setenv("EC_PROFILE", "dead")

        assert 10 == self._devices(capsys, "devices", "list", "--profile", "lab")

    def test_an_api_key_command_logs_in(
        self, served: Emulator, config_file: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A profile with api_key_command needs no user at all."""
        command = python_command(f"print({DEMO_API_KEY!r})")
        _run(
            capsys,
            *("profile", "add", "keyed", "--base-url", served.base_url),
            *("--api-key-command", command),
        )

        assert 10 == self._devices(capsys, "--profile", "keyed", "devices", "list")

    def test_a_missing_profile_is_a_usage_error(
        self, lab: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--profile naming no profile exits 2, naming it and the known ones."""
        code, _, err = _run(capsys, "--profile", "nope", "devices", "list")

        assert 2 == code
        assert "no profile 'nope'" in err
        assert "(profiles: dead, lab)" in err

    def test_a_bad_variable_is_a_usage_error(
        self,
        lab: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """EC_TIMEOUT=abc stops the command before anything is sent."""
        monkeypatch.setenv("EC_TIMEOUT", "abc")

        code, _, err = _run(capsys, "devices", "list")

        assert 2 == code
        assert "EC_TIMEOUT must be a number of seconds above 0" in err
