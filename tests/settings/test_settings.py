"""Settings: each value from its argument, else EC_*, else the profile, else the default."""

from __future__ import annotations

import inspect
import logging
import time
from pathlib import Path
from typing import Any, NamedTuple

import pytest

import ec_async
import ec_sync
from ec_async import ConfigurationError, RetryPolicy, Settings, Timeouts
from ec_async.emulator import DEMO_API_KEY, DEMO_PASSWORD, Emulator, EmulatorConfig

from ._support import ProfileWriter, python_command, toml

ADMIN = "acme-admin"
PROFILE_URL = "https://profile.example/v1"


class Case(NamedTuple):
    """One setting, a value for each source, and what each source gives."""

    name: str
    variable: str
    argument: object
    text: str
    toml: str
    from_argument: object
    from_variable: object
    from_profile: object
    default: object


CASES = [
    Case(
        "base_url",
        "EC_BASE_URL",
        "https://argument.example/v1",
        "https://variable.example/v1",
        toml(PROFILE_URL),
        "https://argument.example/v1",
        "https://variable.example/v1",
        PROFILE_URL,
        None,
    ),
    Case(
        "ca_bundle",
        "EC_CA_BUNDLE",
        "/argument/ca.pem",
        "/variable/ca.pem",
        toml("/profile/ca.pem"),
        "/argument/ca.pem",
        "/variable/ca.pem",
        "/profile/ca.pem",
        None,
    ),
    Case(
        "client_cert",
        "EC_CLIENT_CERT",
        "/argument/cert.pem",
        "/variable/cert.pem",
        toml("/profile/cert.pem"),
        "/argument/cert.pem",
        "/variable/cert.pem",
        "/profile/cert.pem",
        None,
    ),
    Case(
        "client_key",
        "EC_CLIENT_KEY",
        "/argument/key.pem",
        "/variable/key.pem",
        toml("/profile/key.pem"),
        "/argument/key.pem",
        "/variable/key.pem",
        "/profile/key.pem",
        None,
    ),
    # Client defaults: Timeouts(connect=10, read=60, total=300), 3 attempts,
    # no rate limit, 100 connections, https only (or loopback).
    Case("timeout", "EC_TIMEOUT", 12.5, "45", "90", 12.5, 45.0, 90.0, 300.0),
    Case("connect_timeout", "EC_CONNECT_TIMEOUT", 1.5, "2.5", "3", 1.5, 2.5, 3.0, 10.0),
    Case("read_timeout", "EC_READ_TIMEOUT", 4.0, "5", "6.5", 4.0, 5.0, 6.5, 60.0),
    Case("retry_attempts", "EC_RETRY_ATTEMPTS", 2, "5", "7", 2, 5, 7, 3),
    Case("rate_limit", "EC_RATE_LIMIT", 1.5, "20", "8", 1.5, 20.0, 8.0, None),
    Case("max_connections", "EC_MAX_CONNECTIONS", 4, "16", "64", 4, 16, 64, 100),
    Case(
        "allow_insecure_http",
        "EC_ALLOW_INSECURE_HTTP",
        True,
        "off",
        "true",
        True,
        False,
        True,
        False,
    ),
]

LEVELS = ["argument", "variable", "profile", "default"]


def _precedence_params() -> list[Any]:
    return [
        pytest.param(case, level, id=f"{case.name}-{level}")
        for case in CASES
        for level in LEVELS
        # base_url has no default: a client needs a server.
        if not (case.name == "base_url" and level == "default")
    ]


def _environ(config_file: Path, **variables: str) -> dict[str, str]:
    return {"EC_CONFIG_FILE": str(config_file), **variables}


class TestPrecedence:
    """Settings.resolve takes each value from the first source that has one."""

    @pytest.mark.parametrize(("case", "level"), _precedence_params())
    def test_the_first_source_that_has_a_value_wins(
        self, case: Case, level: str, write_profiles: ProfileWriter
    ) -> None:
        """An argument beats its EC_* variable, which beats the profile, then the default."""
        present = LEVELS[LEVELS.index(level) :]
        lines = ['default = "p"', "[profiles.p]", f"base_url = {toml(PROFILE_URL)}"]
        if "profile" in present and case.name != "base_url":
            lines.append(f"{case.name} = {case.toml}")
        path = write_profiles("\n".join(lines) + "\n")
        variables = {case.variable: case.text} if "variable" in present else {}
        arguments: dict[str, Any] = (
            {case.name: case.argument} if level == "argument" else {}
        )

        settings = Settings.resolve(**arguments, environ=_environ(path, **variables))

        expected = {
            "argument": case.from_argument,
            "variable": case.from_variable,
            "profile": case.from_profile,
            "default": case.default,
        }[level]
        assert expected == getattr(settings, case.name)

    def test_an_empty_variable_counts_as_unset(
        self, write_profiles: ProfileWriter
    ) -> None:
        """EC_TIMEOUT= (empty) gives way to the profile, as an unset variable does."""
        path = write_profiles(
            f'default = "p"\n[profiles.p]\nbase_url = {toml(PROFILE_URL)}\ntimeout = 90\n'
        )

        settings = Settings.resolve(environ=_environ(path, EC_TIMEOUT=""))

        assert 90.0 == settings.timeout

    def test_environ_defaults_to_the_process_environment(
        self, config_file: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without environ, resolve reads os.environ."""
        monkeypatch.setenv("EC_BASE_URL", "https://process.example/v1")
        monkeypatch.setenv("EC_MAX_CONNECTIONS", "7")

        settings = Settings.resolve()

        assert ("https://process.example/v1", 7) == (
            settings.base_url,
            settings.max_connections,
        )

    def test_without_a_server_anywhere_resolve_says_where_to_give_one(
        self, config_file: Path
    ) -> None:
        """No base_url argument, variable or profile: the error lists all three."""
        with pytest.raises(ConfigurationError) as raised:
            Settings.resolve(environ=_environ(config_file))

        message = str(raised.value)
        assert "base_url" in message
        assert "EC_BASE_URL" in message
        assert str(config_file) in message


class TestLogin:
    """The login comes whole from the first source naming a user or an API key."""

    def test_username_argument_beats_variable_beats_profile(
        self, write_profiles: ProfileWriter
    ) -> None:
        """Each level's user name wins over the ones below it."""
        path = write_profiles(
            f'default = "p"\n[profiles.p]\nbase_url = {toml(PROFILE_URL)}\n'
            'username = "from-profile"\n'
        )
        environ = _environ(path, EC_USERNAME="from-variable")

        assert [
            "from-argument",
            "from-variable",
            "from-profile",
        ] == [
            Settings.resolve(username="from-argument", environ=environ).username,
            Settings.resolve(environ=environ).username,
            Settings.resolve(environ=_environ(path)).username,
        ]

    def test_password_argument_beats_variable_beats_password_command(
        self, write_profiles: ProfileWriter
    ) -> None:
        """The profile's password_command runs only when no password was given."""
        command = python_command("print('from-command')")
        path = write_profiles(
            f'default = "p"\n[profiles.p]\nbase_url = {toml(PROFILE_URL)}\n'
            f'username = "u"\npassword_command = {toml(command)}\n'
        )
        environ = _environ(path, EC_PASSWORD="from-variable")

        assert ["from-argument", "from-variable", "from-command"] == [
            Settings.resolve(password="from-argument", environ=environ).password,
            Settings.resolve(environ=environ).password,
            Settings.resolve(environ=_environ(path)).password,
        ]

    def test_api_key_argument_beats_variable_beats_api_key_command(
        self, write_profiles: ProfileWriter
    ) -> None:
        """The profile's api_key_command runs only when no key was given."""
        command = python_command("print('key-from-command')")
        path = write_profiles(
            f'default = "p"\n[profiles.p]\nbase_url = {toml(PROFILE_URL)}\n'
            f"api_key_command = {toml(command)}\n"
        )
        environ = _environ(path, EC_API_KEY="key-from-variable")

        assert ["key-from-argument", "key-from-variable", "key-from-command"] == [
            Settings.resolve(api_key="key-from-argument", environ=environ).api_key,
            Settings.resolve(environ=environ).api_key,
            Settings.resolve(environ=_environ(path)).api_key,
        ]

    def test_an_api_key_in_the_environment_replaces_the_profiles_user(
        self, write_profiles: ProfileWriter
    ) -> None:
        """EC_API_KEY names a login above the profile's, so its username is not used."""
        path = write_profiles(
            f'default = "p"\n[profiles.p]\nbase_url = {toml(PROFILE_URL)}\n'
            'username = "profile-user"\n'
        )

        settings = Settings.resolve(environ=_environ(path, EC_API_KEY="k"))

        assert (None, "k") == (settings.username, settings.api_key)

    def test_a_username_argument_replaces_an_api_key_variable(
        self, config_file: Path
    ) -> None:
        """An argument's user wins over EC_API_KEY, with EC_PASSWORD as its password."""
        environ = _environ(
            config_file,
            EC_BASE_URL=PROFILE_URL,
            EC_API_KEY="k",
            EC_PASSWORD="pw",
        )

        settings = Settings.resolve(username="u", environ=environ)

        assert ("u", "pw", None) == (
            settings.username,
            settings.password,
            settings.api_key,
        )

    def test_a_user_and_an_api_key_from_one_source_are_refused(
        self, config_file: Path
    ) -> None:
        """EC_USERNAME and EC_API_KEY both set: an error naming both, not a guess."""
        environ = _environ(
            config_file, EC_BASE_URL=PROFILE_URL, EC_USERNAME="u", EC_API_KEY="k"
        )

        with pytest.raises(ConfigurationError, match="EC_USERNAME and EC_API_KEY"):
            Settings.resolve(environ=environ)

    def test_the_password_command_serves_only_the_profiles_own_user(
        self, write_profiles: ProfileWriter
    ) -> None:
        """Another user (EC_USERNAME) gets no password from the profile's command."""
        failing = python_command("raise SystemExit(9)")
        path = write_profiles(
            f'default = "p"\n[profiles.p]\nbase_url = {toml(PROFILE_URL)}\n'
            f'username = "profile-user"\npassword_command = {toml(failing)}\n'
        )

        settings = Settings.resolve(environ=_environ(path, EC_USERNAME="other"))

        assert ("other", None) == (settings.username, settings.password)

    def test_a_password_alone_is_ignored_without_a_user(
        self, config_file: Path
    ) -> None:
        """EC_PASSWORD with an API key login stays out of the settings."""
        environ = _environ(
            config_file, EC_BASE_URL=PROFILE_URL, EC_API_KEY="k", EC_PASSWORD="pw"
        )

        settings = Settings.resolve(environ=environ)

        assert (None, None, "k") == (
            settings.username,
            settings.password,
            settings.api_key,
        )


class TestProfileChoice:
    """Which profile resolve reads: the argument, else EC_PROFILE, else the default."""

    @pytest.fixture
    def two(self, write_profiles: ProfileWriter) -> Path:
        """A file with profiles a (the default) and b."""
        return write_profiles(
            'default = "a"\n'
            '[profiles.a]\nbase_url = "https://a.example/v1"\n'
            '[profiles.b]\nbase_url = "https://b.example/v1"\n'
        )

    def test_the_default_profile_serves_when_none_is_named(self, two: Path) -> None:
        """No name anywhere: the file's default profile."""
        assert (
            "https://a.example/v1" == Settings.resolve(environ=_environ(two)).base_url
        )

    def test_ec_profile_names_another(self, two: Path) -> None:
        """EC_PROFILE=b picks b over the default."""
        settings = Settings.resolve(environ=_environ(two, EC_PROFILE="b"))

        assert "https://b.example/v1" == settings.base_url

    def test_the_profile_argument_beats_ec_profile(self, two: Path) -> None:
        """profile='a' wins over EC_PROFILE=b."""
        settings = Settings.resolve(profile="a", environ=_environ(two, EC_PROFILE="b"))

        assert "https://a.example/v1" == settings.base_url

    def test_a_missing_profile_is_an_error_naming_file_and_profile(
        self, two: Path
    ) -> None:
        """A named profile the file lacks: the error names both and the known ones."""
        with pytest.raises(ConfigurationError) as raised:
            Settings.resolve(profile="c", environ=_environ(two))

        message = str(raised.value)
        assert str(two) in message
        assert "'c'" in message
        assert "a, b" in message

    def test_a_named_profile_without_a_file_is_an_error(
        self, config_file: Path
    ) -> None:
        """EC_PROFILE set but no file: an error, not silently no profile."""
        with pytest.raises(ConfigurationError, match="no profile 'lab'"):
            Settings.resolve(environ=_environ(config_file, EC_PROFILE="lab"))

    def test_no_file_and_no_name_means_no_profile(self, config_file: Path) -> None:
        """Without a file the environment alone configures the client."""
        environ = _environ(config_file, EC_BASE_URL="https://variable.example/v1")

        settings = Settings.resolve(environ=environ)

        assert "https://variable.example/v1" == settings.base_url
        assert not config_file.exists()


class TestFileLocation:
    """The profile file is $EC_CONFIG_FILE, else under $XDG_CONFIG_HOME, else ~/.config."""

    @staticmethod
    def _profile_at(path: Path, url: str) -> None:
        path.parent.mkdir(parents=True)
        path.write_text(f'default = "here"\n[profiles.here]\nbase_url = "{url}"\n')

    def test_xdg_config_home(self, tmp_path: Path) -> None:
        """$XDG_CONFIG_HOME/ec/config.toml when EC_CONFIG_FILE is unset."""
        self._profile_at(tmp_path / "xdg" / "ec" / "config.toml", "https://xdg/v1")
        environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)}

        assert "https://xdg/v1" == Settings.resolve(environ=environ).base_url

    def test_home_config_when_xdg_is_unset_or_relative(self, tmp_path: Path) -> None:
        """~/.config/ec/config.toml; a relative XDG_CONFIG_HOME is ignored, per XDG."""
        self._profile_at(tmp_path / ".config" / "ec" / "config.toml", "https://home/v1")

        found = [
            Settings.resolve(environ=environ).base_url
            for environ in (
                {"HOME": str(tmp_path)},
                {"HOME": str(tmp_path), "XDG_CONFIG_HOME": "relative/dir"},
            )
        ]

        assert ["https://home/v1", "https://home/v1"] == found

    def test_ec_config_file_wins(self, tmp_path: Path) -> None:
        """EC_CONFIG_FILE beats XDG_CONFIG_HOME."""
        self._profile_at(tmp_path / "xdg" / "ec" / "config.toml", "https://xdg/v1")
        self._profile_at(tmp_path / "own" / "ec.toml", "https://own/v1")
        environ = {
            "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
            "EC_CONFIG_FILE": str(tmp_path / "own" / "ec.toml"),
        }

        assert "https://own/v1" == Settings.resolve(environ=environ).base_url


BAD_VARIABLES = [
    ("EC_TIMEOUT", "abc", "a number of seconds above 0"),
    ("EC_TIMEOUT", "0", "a number of seconds above 0"),
    ("EC_TIMEOUT", "-5", "a number of seconds above 0"),
    ("EC_TIMEOUT", "nan", "a number of seconds above 0"),
    ("EC_TIMEOUT", "inf", "a number of seconds above 0"),
    ("EC_CONNECT_TIMEOUT", "fast", "a number of seconds above 0"),
    ("EC_READ_TIMEOUT", "0", "a number of seconds above 0"),
    ("EC_RETRY_ATTEMPTS", "0", "a whole number of at least 1"),
    ("EC_RETRY_ATTEMPTS", "2.5", "a whole number of at least 1"),
    ("EC_RATE_LIMIT", "-1", "a number of requests per second above 0"),
    ("EC_RATE_LIMIT", "none", "a number of requests per second above 0"),
    ("EC_MAX_CONNECTIONS", "0", "a whole number of at least 1"),
    ("EC_MAX_CONNECTIONS", "ten", "a whole number of at least 1"),
    ("EC_ALLOW_INSECURE_HTTP", "maybe", "true or false"),
    # Only ASCII numbers: Python's float() and int() would take these.
    ("EC_TIMEOUT", "\uff15", "a number of seconds above 0"),
    ("EC_TIMEOUT", "1_000", "a number of seconds above 0"),
    ("EC_READ_TIMEOUT", "\u0661\u0662", "a number of seconds above 0"),
    ("EC_MAX_CONNECTIONS", "\u0663", "a whole number of at least 1"),
    ("EC_RETRY_ATTEMPTS", "1_0", "a whole number of at least 1"),
    ("EC_RATE_LIMIT", "Infinity", "a number of requests per second above 0"),
    # Spaces alone are set, not empty, and are no number.
    ("EC_TIMEOUT", "   ", "a number of seconds above 0"),
    ("EC_MAX_CONNECTIONS", " ", "a whole number of at least 1"),
]


class TestBadValues:
    """A value that does not fit raises ConfigurationError naming where it came from."""

    @pytest.mark.parametrize(("variable", "text", "expected"), BAD_VARIABLES)
    def test_a_bad_variable_is_named_with_what_is_expected(
        self, variable: str, text: str, expected: str, config_file: Path
    ) -> None:
        """EC_TIMEOUT=abc and co: the variable, what it takes, and what it held."""
        environ = _environ(config_file, EC_BASE_URL=PROFILE_URL, **{variable: text})

        with pytest.raises(ConfigurationError) as raised:
            Settings.resolve(environ=environ)

        assert f"{variable} must be {expected}" in str(raised.value)
        assert repr(text) in str(raised.value)

    @pytest.mark.parametrize(
        ("text", "seconds"),
        [("2.5", 2.5), ("30", 30.0), ("+4", 4.0), (".5", 0.5), ("1e2", 100.0)],
    )
    def test_ascii_numbers_are_read(
        self, text: str, seconds: float, config_file: Path
    ) -> None:
        """Digits with a sign, a point or an exponent, as numbers are written."""
        environ = _environ(config_file, EC_BASE_URL=PROFILE_URL, EC_TIMEOUT=text)

        assert seconds == Settings.resolve(environ=environ).timeout

    @pytest.mark.parametrize(
        "url",
        [
            "https//bob:Hunter2pw@ec.example/v1",
            "bob:Hunter2pw@ec.example/v1",
            "https://ec.example/v1?key=Hunter2pw",
            "https://ec.example/v1#Hunter2pw",
        ],
    )
    def test_a_mistyped_url_is_not_quoted(self, url: str, config_file: Path) -> None:
        """A URL that is refused never shows what may be its password."""
        with pytest.raises(ConfigurationError) as raised:
            Settings.resolve(environ=_environ(config_file, EC_BASE_URL=url))

        assert str(raised.value).startswith("EC_BASE_URL: ")
        assert "Hunter2pw" not in str(raised.value)

    def test_a_mistyped_profile_url_is_not_quoted(
        self, write_profiles: ProfileWriter
    ) -> None:
        """The same from a profile: the file and key, never the password."""
        url = "https//bob:Hunter2pw@ec.example/v1"
        path = write_profiles(f'default = "p"\n[profiles.p]\nbase_url = {toml(url)}\n')

        with pytest.raises(ConfigurationError) as raised:
            Settings.resolve(environ=_environ(path))

        assert f"{path}: [profiles.p] base_url" in str(raised.value)
        assert "Hunter2pw" not in str(raised.value)

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("timeout", -1.0),
            ("connect_timeout", 0),
            ("read_timeout", float("nan")),
            ("retry_attempts", 0),
            ("retry_attempts", True),
            ("rate_limit", 0.0),
            ("max_connections", 0),
            ("max_connections", 2.0),
            ("allow_insecure_http", "yes"),
            ("ca_bundle", ""),
        ],
    )
    def test_a_bad_argument_is_named(
        self, name: str, value: Any, config_file: Path
    ) -> None:
        """An argument that does not fit names the argument, not a variable."""
        environ = _environ(config_file, EC_BASE_URL=PROFILE_URL)

        with pytest.raises(ConfigurationError, match=rf"^{name} must be"):
            Settings.resolve(**{name: value}, environ=environ)

    @pytest.mark.parametrize(
        ("url", "complaint"),
        [
            ("ftp://files.example/v1", "http(s) URL"),
            ("http://10.1.2.3/v1", "refusing to send tokens over plain http"),
        ],
    )
    def test_a_bad_server_url_names_its_variable(
        self, url: str, complaint: str, config_file: Path
    ) -> None:
        """EC_BASE_URL with another scheme, or plain http elsewhere, is refused."""
        with pytest.raises(ConfigurationError) as raised:
            Settings.resolve(environ=_environ(config_file, EC_BASE_URL=url))

        assert str(raised.value).startswith("EC_BASE_URL: ")
        assert complaint in str(raised.value)

    def test_allow_insecure_http_lets_plain_http_through(
        self, config_file: Path
    ) -> None:
        """EC_ALLOW_INSECURE_HTTP=1 accepts http to another host (nothing is sent)."""
        environ = _environ(
            config_file,
            EC_BASE_URL="http://10.1.2.3/v1",
            EC_ALLOW_INSECURE_HTTP="1",
        )

        settings = Settings.resolve(environ=environ)

        assert (True, "http://10.1.2.3/v1") == (
            settings.allow_insecure_http,
            settings.base_url,
        )

    @pytest.mark.parametrize(
        ("line", "expected"),
        [
            ('timeout = "30"', "a number of seconds above 0"),
            ("max_connections = 0", "a whole number of at least 1"),
            ('allow_insecure_http = "yes"', "true or false"),
            ("rate_limit = -2.5", "a number of requests per second above 0"),
        ],
    )
    def test_a_bad_profile_value_names_file_profile_and_key(
        self, line: str, expected: str, write_profiles: ProfileWriter
    ) -> None:
        """A profile value of the wrong kind: file, [profiles.NAME], key, expectation."""
        path = write_profiles(
            f'default = "p"\n[profiles.p]\nbase_url = {toml(PROFILE_URL)}\n{line}\n'
        )
        key = line.split(" ", 1)[0]

        with pytest.raises(ConfigurationError) as raised:
            Settings.resolve(environ=_environ(path))

        assert f"{path}: [profiles.p] {key} must be {expected}" in str(raised.value)


class TestSecrets:
    """Passwords and API keys never show in a repr, an error or a log."""

    PASSWORD = "pw-9f3c1e-never-shown"
    API_KEY = "key-77b2d0-never-shown"

    def test_repr_and_str_hide_the_password_and_api_key(self) -> None:
        """The secrets are left out; the other fields show."""
        with_password = Settings(
            base_url=PROFILE_URL, username="u", password=self.PASSWORD
        )
        with_key = Settings(base_url=PROFILE_URL, api_key=self.API_KEY)

        shown = " ".join(
            text
            for settings in (with_password, with_key)
            for text in (repr(settings), str(settings))
        )

        assert "username='u'" in shown
        assert self.PASSWORD not in shown
        assert self.API_KEY not in shown

    def test_a_secret_of_the_wrong_kind_is_not_quoted(self, config_file: Path) -> None:
        """EC_API_KEY holding undecodable bytes: the error names it, not its value."""
        environ = _environ(
            config_file, EC_BASE_URL=PROFILE_URL, EC_API_KEY="key-77b2d0\udcff"
        )

        with pytest.raises(ConfigurationError) as raised:
            Settings.resolve(environ=environ)

        assert "EC_API_KEY must be" in str(raised.value)
        assert "key-77b2d0" not in str(raised.value)
        assert raised.value.__context__ is None

    def test_credentials_in_the_url_are_not_quoted(self, config_file: Path) -> None:
        """EC_BASE_URL carrying user:password is refused without repeating it."""
        url = f"https://u:{self.PASSWORD}@ec.example/v1"

        with pytest.raises(ConfigurationError) as raised:
            Settings.resolve(environ=_environ(config_file, EC_BASE_URL=url))

        assert self.PASSWORD not in str(raised.value)

    def test_resolving_logs_sources_never_secrets(
        self, write_profiles: ProfileWriter, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The DEBUG line says where each value came from, and no secret."""
        command = python_command(f"print({self.PASSWORD!r})")
        path = write_profiles(
            f'default = "p"\n[profiles.p]\nbase_url = {toml(PROFILE_URL)}\n'
            f'username = "u"\npassword_command = {toml(command)}\n'
        )
        caplog.set_level(logging.DEBUG, logger="ec_async")

        from_command = Settings.resolve(environ=_environ(path))
        Settings.resolve(environ=_environ(path, EC_API_KEY=self.API_KEY))

        logged = caplog.text + " ".join(repr(r.args) for r in caplog.records)
        assert self.PASSWORD == from_command.password
        assert "password from password_command of profile 'p'" in logged
        assert "api_key from EC_API_KEY" in logged
        assert self.PASSWORD not in logged
        assert self.API_KEY not in logged


class TestSettings:
    """Settings made directly check their values as resolve does."""

    def test_the_defaults_are_the_clients(self) -> None:
        """Unset knobs mean what a Client made without them does."""
        settings = Settings(base_url=PROFILE_URL)
        timeouts, retry = Timeouts(), RetryPolicy()
        client_defaults = inspect.signature(ec_async.Client).parameters

        assert (timeouts.connect, timeouts.read, timeouts.total) == (
            settings.connect_timeout,
            settings.read_timeout,
            settings.timeout,
        )
        assert retry.attempts == settings.retry_attempts
        assert client_defaults["max_connections"].default == settings.max_connections
        assert client_defaults["rate_limit"].default == settings.rate_limit
        assert (
            client_defaults["allow_insecure_http"].default
            == settings.allow_insecure_http
        )

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"max_connections": 0}, "Settings.max_connections must be"),
            ({"timeout": 0}, "Settings.timeout must be"),
            ({"username": "u", "api_key": "k"}, "a username or an api_key, not both"),
            ({"password": "p"}, "password needs the username"),
            ({"base_url": "http://10.1.2.3/v1"}, "refusing to send tokens"),
        ],
    )
    def test_values_that_do_not_fit_are_refused(
        self, options: dict[str, Any], message: str
    ) -> None:
        """Each check of resolve also guards direct construction."""
        with pytest.raises(ConfigurationError, match=message):
            Settings(**{"base_url": PROFILE_URL, **options})

    def test_the_sync_package_shares_the_class(self) -> None:
        """ec_sync.Settings is ec_async.Settings: one object serves both clients."""
        assert ec_async.Settings is ec_sync.Settings


class TestFromSettings:
    """Client.from_settings builds a working client, through both packages."""

    def test_the_sync_client_logs_in_with_resolved_settings(
        self, served: Emulator, config_file: Path
    ) -> None:
        """EC_* variables alone are enough for ec_sync.Client.from_settings."""
        environ = _environ(
            config_file,
            EC_BASE_URL=served.base_url,
            EC_USERNAME=ADMIN,
            EC_PASSWORD=DEMO_PASSWORD,
        )

        with ec_sync.Client.from_settings(Settings.resolve(environ=environ)) as ec:
            count = ec.devices.count()
            account = ec.accounts.current().name

        assert (10, "acme") == (count, account)

    @pytest.mark.anyio
    async def test_the_async_client_logs_in_with_an_api_key_from_a_command(
        self, served: Emulator, write_profiles: ProfileWriter
    ) -> None:
        """A profile's api_key_command logs ec_async.Client in."""
        command = python_command(f"print({DEMO_API_KEY!r})")
        path = write_profiles(
            f'default = "p"\n[profiles.p]\nbase_url = {toml(served.base_url)}\n'
            f"api_key_command = {toml(command)}\n"
        )
        settings = Settings.resolve(environ=_environ(path))

        async with ec_async.Client.from_settings(settings) as ec:
            count = await ec.devices.count()

        assert 10 == count

    def test_object_options_reach_the_client(
        self, served: Emulator, config_file: Path
    ) -> None:
        """An observer passed beside the settings hears the login and the count."""
        environ = _environ(
            config_file,
            EC_BASE_URL=served.base_url,
            EC_USERNAME=ADMIN,
            EC_PASSWORD=DEMO_PASSWORD,
        )
        heard: list[str] = []

        class Listener:
            def call_started(self, call: ec_async.ObservedCall) -> None:
                heard.append(call.operation_id)

            def call_ended(self, call: ec_async.ObservedCall, state: None) -> None:
                pass

        settings = Settings.resolve(environ=environ)
        with ec_sync.Client.from_settings(settings, observers=[Listener()]) as ec:
            ec.devices.count()

        assert ["authenticationUser", "deviceCount", "authenticationLogout"] == heard

    @pytest.mark.parametrize("package", [ec_async, ec_sync], ids=["async", "sync"])
    def test_something_else_than_settings_is_refused(self, package: Any) -> None:
        """from_settings(None) says what it expected instead of an AttributeError."""
        with pytest.raises(ConfigurationError, match="expected a Settings"):
            package.Client.from_settings(None)

    @pytest.mark.parametrize("package", [ec_async, ec_sync], ids=["async", "sync"])
    def test_a_user_without_a_password_is_refused(self, package: Any) -> None:
        """A username alone cannot log in: the error says where a password comes from."""
        settings = Settings(base_url=PROFILE_URL, username="u")

        with pytest.raises(ConfigurationError, match="EC_PASSWORD"):
            package.Client.from_settings(settings)

    def test_the_timeout_reaches_the_client(self, config_file: Path) -> None:
        """EC_TIMEOUT=0.3 ends a call to a server that takes a second to answer."""
        slow = EmulatorConfig(latency=1.0, failed_login_delay=0)
        with Emulator.in_thread(seed="minimal", config=slow) as emulator:
            environ = _environ(
                config_file,
                EC_BASE_URL=emulator.base_url,
                EC_USERNAME=ADMIN,
                EC_PASSWORD=DEMO_PASSWORD,
                EC_TIMEOUT="0.3",
            )
            settings = Settings.resolve(environ=environ)
            started = time.monotonic()
            with (
                pytest.raises(ec_async.RequestTimeout),
                ec_sync.Client.from_settings(settings) as ec,
            ):
                ec.devices.count()
            elapsed = time.monotonic() - started

        assert elapsed < 1.0
