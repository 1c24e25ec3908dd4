"""The profile file as Settings.resolve reads it: checked whole, never holding a secret."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ec_async import ConfigurationError, Settings

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

        assert f"{path}: [profiles.p] timout is not a profile setting" in str(
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
