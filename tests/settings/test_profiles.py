"""The profile file as Settings.resolve reads it: checked whole, never holding a secret."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

from ec_async import ConfigurationError, Settings
from ec_async._profiles import ProfileFile

from ._support import ProfileWriter, python_command, toml

URL = "https://ec.example/v1"


def _resolve(path: Path, profile: str | None = None) -> Settings:
    return Settings.resolve(profile=profile, environ={"EC_CONFIG_FILE": str(path)})


def _with_user(command: str, *extra: str) -> str:
    """A default profile logging in as ``u`` with ``command`` as password_command."""
    lines = [
        'default = "p"',
        "[profiles.p]",
        f"base_url = {toml(URL)}",
        'username = "u"',
        f"password_command = {toml(command)}",
        *extra,
    ]
    return "\n".join(lines) + "\n"


class TestReading:
    """A file that does not fit fails as a whole, naming the file and the key."""

    def test_two_profiles_and_a_default_are_read(
        self, write_profiles: ProfileWriter
    ) -> None:
        """Each profile's values arrive typed: strings, numbers and booleans."""
        path = write_profiles(
            'default = "lab"\n'
            "[profiles.lab]\n"
            'base_url = "http://127.0.0.1:8080/v1"\n'
            'username = "acme-admin"\n'
            "timeout = 20\n"
            "rate_limit = 2.5\n"
            "[profiles.prod]\n"
            f"base_url = {toml(URL)}\n"
            "allow_insecure_http = false\n"
            "max_connections = 8\n"
        )

        lab, prod = _resolve(path), _resolve(path, "prod")

        assert ("http://127.0.0.1:8080/v1", "acme-admin", 20.0, 2.5) == (
            lab.base_url,
            lab.username,
            lab.timeout,
            lab.rate_limit,
        )
        assert (URL, None, 8, False) == (
            prod.base_url,
            prod.username,
            prod.max_connections,
            prod.allow_insecure_http,
        )

    def test_malformed_toml_names_the_file_and_line(
        self, write_profiles: ProfileWriter
    ) -> None:
        """A syntax error says which file, and tomllib's line and column."""
        path = write_profiles(f"[profiles.p]\nbase_url = {toml(URL)}\ntimeout = \n")

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        message = str(raised.value)
        assert str(path) in message
        assert "not valid TOML" in message
        assert "line 3" in message

    @pytest.mark.parametrize(
        ("text", "complaint"),
        [
            (f"[profiles.p]\nbase_url = {toml(URL)}\ncolour = 'blue'\n", "colour"),
            (f"colour = 'blue'\n[profiles.p]\nbase_url = {toml(URL)}\n", "colour"),
            ("profiles = 3\n", "profiles must be tables"),
            ("[profiles]\np = 3\n", "profiles.p must be a table"),
            (f'default = "q"\n[profiles.p]\nbase_url = {toml(URL)}\n', "'q'"),
            ("[profiles.p]\nusername = 'u'\n", "needs base_url"),
            (f'[profiles."my lab"]\nbase_url = {toml(URL)}\n', "'my lab'"),
            (
                f"[profiles.p]\nbase_url = {toml(URL)}\nusername = 'u'\n"
                "api_key_command = 'x'\n",
                "a username or an api_key_command, not both",
            ),
            (
                f"[profiles.p]\nbase_url = {toml(URL)}\npassword_command = 'x'\n",
                "needs the username",
            ),
            (
                f"[profiles.p]\nbase_url = {toml(URL)}\nusername = 'u'\n"
                "password_command = 'pass \"unclosed'\n",
                "password_command must be a command line",
            ),
            ("[profiles.p]\nbase_url = 'http://10.1.2.3/v1'\n", "plain http"),
        ],
        ids=[
            "unknown-profile-key",
            "unknown-top-level-key",
            "profiles-not-a-table",
            "profile-not-a-table",
            "default-names-no-profile",
            "no-base-url",
            "name-with-a-space",
            "two-logins",
            "password-command-without-user",
            "unsplittable-command",
            "plain-http-elsewhere",
        ],
    )
    def test_a_file_that_does_not_fit_is_refused_whole(
        self, text: str, complaint: str, write_profiles: ProfileWriter
    ) -> None:
        """Even a profile nobody selected makes the file fail, naming file and key."""
        path = write_profiles(text)

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        assert str(path) in str(raised.value)
        assert complaint in str(raised.value)

    def test_an_unknown_key_lists_the_known_ones(
        self, write_profiles: ProfileWriter
    ) -> None:
        """A typo's error shows what the profile could have said."""
        path = write_profiles(f"[profiles.p]\nbase_url = {toml(URL)}\ntimout = 5\n")

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        assert f"{path}: [profiles.p] 'timout' is not a profile setting" in str(
            raised.value
        )
        assert "timeout" in str(raised.value)

    def test_a_file_that_is_not_utf8_is_refused(self, config_file: Path) -> None:
        """Latin-1 bytes: an error naming the file, not a traceback."""
        config_file.parent.mkdir(parents=True)
        config_file.write_bytes(b"[profiles.p]\nusername = '\xe9'\n")

        with pytest.raises(ConfigurationError, match="not UTF-8"):
            _resolve(config_file)

    def test_a_folder_in_place_of_the_file_is_refused(self, config_file: Path) -> None:
        """A path that cannot be read as a file says so."""
        config_file.mkdir(parents=True)

        with pytest.raises(ConfigurationError, match="cannot read the profile file"):
            _resolve(config_file)


class TestControlCharacters:
    """Nothing read from the file reaches a terminal raw: no ESC, no newline."""

    @pytest.mark.parametrize(
        ("text", "where"),
        [
            (
                f'[profiles.p]\nbase_url = {toml(URL)}\nusername = "u\\u001b[2J"\n',
                "username",
            ),
            ('[profiles."p\\u001b[2J"]\nbase_url = "x"\n', "profile name"),
            ('[profiles."p\\u001b[2J"]\n', "profile name"),
            (
                f'[profiles.p]\nbase_url = {toml(URL)}\n"k\\u001b[2J" = 1\n',
                "is not a profile setting",
            ),
        ],
        ids=["username", "profile-name", "profile-name-first", "unknown-key"],
    )
    def test_a_control_character_is_refused_and_never_printed(
        self, text: str, where: str, write_profiles: ProfileWriter
    ) -> None:
        """The error names the key or the profile; the escape itself stays out."""
        path = write_profiles(text)

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        assert where in str(raised.value)
        assert "\x1b" not in str(raised.value)


class TestClearSecrets:
    """A password or API key in the file is refused, with what to do instead."""

    PASSWORD = "clear-7c1d-password"

    @pytest.mark.parametrize(
        ("key", "instead"),
        [
            ("password", ["EC_PASSWORD", "prompt", "password_command"]),
            ("api_key", ["EC_API_KEY", "api_key_command"]),
        ],
    )
    def test_a_clear_secret_is_refused_with_what_to_do(
        self, key: str, instead: list[str], write_profiles: ProfileWriter
    ) -> None:
        """The error names the key and the ways to give the secret; never the value."""
        path = write_profiles(
            f"[profiles.p]\nbase_url = {toml(URL)}\n{key} = {toml(self.PASSWORD)}\n"
        )

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        message = str(raised.value)
        assert f"{path}: [profiles.p] {key}" in message
        assert "in clear" in message
        assert all(way in message for way in instead)
        assert self.PASSWORD not in message

    def test_a_secret_in_a_profile_not_used_still_fails(
        self, write_profiles: ProfileWriter
    ) -> None:
        """The file is refused even when another profile is selected."""
        path = write_profiles(
            f"[profiles.used]\nbase_url = {toml(URL)}\n"
            f"[profiles.other]\nbase_url = {toml(URL)}\npassword = 'x'\n"
        )

        with pytest.raises(ConfigurationError, match="other"):
            _resolve(path, "used")


class TestSecretCommands:
    """password_command and api_key_command: first line of stdout, or a clean error."""

    SECRET = "cmd-4e9a-secret"

    def test_the_first_line_is_the_secret(self, write_profiles: ProfileWriter) -> None:
        """A password manager's entry may hold more lines; the first is the password."""
        command = python_command(f"print({self.SECRET!r}); print('url: x')")

        settings = _resolve(write_profiles(_with_user(command)))

        assert self.SECRET == settings.password

    def test_the_command_runs_without_a_shell(
        self, write_profiles: ProfileWriter
    ) -> None:
        """Shell syntax in an argument stays as written: $HOME is not expanded."""
        command = python_command("import sys; print(sys.argv[1])") + " '$HOME;x'"

        settings = _resolve(write_profiles(_with_user(command)))

        assert "$HOME;x" == settings.password

    @pytest.mark.parametrize(
        ("code", "complaint"),
        [
            (f"print({SECRET!r}); raise SystemExit(3)", "failed with exit status 3"),
            ("pass", "printed nothing"),
            (
                "import sys; sys.stdout.buffer.write(b'\\xff\\xfe')",
                "printed something that is not UTF-8",
            ),
        ],
        ids=["exit-status", "no-output", "not-utf8"],
    )
    def test_a_failing_command_is_an_error_without_its_output(
        self, code: str, complaint: str, write_profiles: ProfileWriter
    ) -> None:
        """The error says what went wrong and which key; it never holds the output."""
        path = write_profiles(_with_user(python_command(code)))

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        message = str(raised.value)
        assert f"{path}: [profiles.p] password_command {complaint}" in message
        assert self.SECRET not in message
        assert raised.value.__context__ is None
        assert raised.value.__cause__ is None

    def test_a_command_that_cannot_start_is_named(
        self, tmp_path: Path, write_profiles: ProfileWriter
    ) -> None:
        """A missing program: the error names the program, not the output."""
        missing = tmp_path / "no-such-helper"

        with pytest.raises(ConfigurationError, match="could not start"):
            _resolve(write_profiles(_with_user(f"{missing} --get")))

    def test_a_command_that_hangs_is_stopped_at_its_timeout(
        self, write_profiles: ProfileWriter
    ) -> None:
        """command_timeout = 0.5 ends a command that would sleep for a minute."""
        command = python_command("import time; time.sleep(60)")
        path = write_profiles(_with_user(command, "command_timeout = 0.5"))
        started = time.monotonic()

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        assert "did not finish within 0.5 seconds" in str(raised.value)
        assert time.monotonic() - started < 10

    @pytest.mark.parametrize(
        ("code", "complaint"),
        [
            ("print(); print('later')", "printed nothing: its first line is empty"),
            ("print('pass\\0word')", "NUL character"),
        ],
        ids=["blank-first-line", "nul"],
    )
    def test_a_first_line_that_cannot_be_a_secret_is_refused(
        self, code: str, complaint: str, write_profiles: ProfileWriter
    ) -> None:
        """The secret is the first line: empty, or holding NUL, it is no password."""
        path = write_profiles(_with_user(python_command(code)))

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        assert complaint in str(raised.value)
        assert "later" not in str(raised.value)

    @pytest.mark.parametrize(
        ("code", "complaint"),
        [
            (
                f"[print({SECRET!r}, flush=True) for _ in iter(int, 1)]",
                "printed more than 64 KiB",
            ),
            ("import time; time.sleep(60)", "did not finish within 0.5 seconds"),
        ],
        ids=["flood", "hang"],
    )
    def test_a_command_that_will_not_stop_is_ended(
        self, code: str, complaint: str, tmp_path: Path, write_profiles: ProfileWriter
    ) -> None:
        """Endless output is cut at 64 KiB, a hang at its timeout; no process stays."""
        pid_file = tmp_path / "pid"
        prelude = f"import os; open({str(pid_file)!r}, 'w').write(str(os.getpid()))"
        # A flood must stop at the size cap, well before its generous timeout.
        timeout = "0.5" if "sleep" in code else "20"
        command = python_command(f"{prelude}; {code}")
        path = write_profiles(_with_user(command, f"command_timeout = {timeout}"))
        started = time.monotonic()

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        assert complaint in str(raised.value)
        assert self.SECRET not in str(raised.value)
        assert time.monotonic() - started < 10
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid_file.read_text()), 0)

    def test_a_child_left_in_the_background_does_not_hold_it_up(
        self, tmp_path: Path, write_profiles: ProfileWriter
    ) -> None:
        """`sleep 50 & echo pw`: the secret is taken once the command itself exits."""
        pid_file = tmp_path / "child"
        code = (
            "import subprocess, sys; "
            "child = subprocess.Popen([sys.executable, '-c', "
            "'import time; time.sleep(50)']); "
            f"open({str(pid_file)!r}, 'w').write(str(child.pid)); "
            f"print({self.SECRET!r})"
        )
        path = write_profiles(_with_user(python_command(code), "command_timeout = 20"))
        started = time.monotonic()

        try:
            settings = _resolve(path)
        finally:
            with contextlib.suppress(ProcessLookupError, FileNotFoundError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)

        assert self.SECRET == settings.password
        assert time.monotonic() - started < 10

    @pytest.mark.parametrize("seconds", ["3600.5", "2147484", "1e300"])
    def test_a_command_timeout_past_an_hour_is_refused(
        self, seconds: str, write_profiles: ProfileWriter
    ) -> None:
        """command_timeout is at most 3600 seconds, an hour to type a passphrase."""
        path = write_profiles(
            _with_user(python_command("print(1)"), f"command_timeout = {seconds}")
        )

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        assert f"{path}: [profiles.p] command_timeout must be" in str(raised.value)
        assert "at most 3600" in str(raised.value)

    def test_a_command_timeout_of_an_hour_is_taken(
        self, write_profiles: ProfileWriter
    ) -> None:
        """3600 itself is within the limit."""
        command = python_command(f"print({self.SECRET!r})")
        path = write_profiles(_with_user(command, "command_timeout = 3600"))

        assert self.SECRET == _resolve(path).password


class TestFileKinds:
    """Only a regular file, or none yet, is the profile file: never a FIFO or a device."""

    @staticmethod
    def _special(kind: str, tmp_path: Path) -> Path:
        """A FIFO, a link to a FIFO, or a folder, where the profile file should be."""
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        if kind == "fifo":
            return fifo
        if kind == "link-to-fifo":
            link = tmp_path / "link.toml"
            link.symlink_to(fifo)
            return link
        folder = tmp_path / "folder"
        folder.mkdir()
        return folder

    @pytest.mark.parametrize("kind", ["fifo", "link-to-fifo", "folder"])
    def test_reading_refuses_what_is_not_a_regular_file(
        self, kind: str, tmp_path: Path
    ) -> None:
        """Resolving returns at once with an error naming the path, never waiting."""
        path = self._special(kind, tmp_path)

        with pytest.raises(ConfigurationError) as raised:
            _resolve(path)

        assert f"the profile file {path}" in str(raised.value)
        assert "must be a regular file" in str(raised.value)

    @pytest.mark.parametrize("kind", ["fifo", "link-to-fifo", "folder"])
    def test_writing_refuses_what_is_not_a_regular_file(
        self, kind: str, tmp_path: Path
    ) -> None:
        """Saving leaves the FIFO or folder as it was instead of replacing it."""
        path = self._special(kind, tmp_path)
        before = os.stat(path).st_mode
        changed = ProfileFile(path).with_profile("p", {"base_url": URL})

        with pytest.raises(ConfigurationError) as raised:
            changed.save()

        assert "must be a regular file" in str(raised.value)
        assert before == os.stat(path).st_mode

    def test_reading_dev_null_as_a_file_of_nothing_is_refused(self) -> None:
        """/dev/null is a device: refused when read, and so never written."""
        with pytest.raises(ConfigurationError, match="must be a regular file"):
            _resolve(Path(os.devnull))
