"""Settings: one place for what a client needs, from arguments, ``EC_*`` or a profile."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any, Self

import attrs

from ._errors import ConfigurationError
from ._profiles import Profile, ProfileFile, profile_file_path
from ._setting_kinds import SETTINGS, Setting
from ._urls import check_base_url

__all__ = ["Settings"]

logger = logging.getLogger("ec_async.settings")

_BY_NAME = {setting.name: setting for setting in SETTINGS}
_LOGIN = frozenset({"username", "password", "api_key"})


@attrs.frozen(kw_only=True)
class Settings:
    """What a client needs to reach one EC server; made by ``Settings.resolve()``.

    ``resolve`` takes each value from the first place that has it: its own
    argument, then the environment variable ``EC_`` + the upper-case field
    name (``EC_BASE_URL``, ``EC_TIMEOUT``, ...), then a profile of the
    ``ec`` profile file, then the default shown here, which is the client's.
    ``Client.from_settings(settings)`` builds a client from the result. The
    password and API key never show in a repr or an error.

    ``timeout`` covers a whole call, retries included; ``connect_timeout`` and
    ``read_timeout`` one connection and one read. ``retry_attempts`` counts
    the first try. ``rate_limit`` caps the requests per second.
    """

    base_url: str
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    api_key: str | None = attrs.field(default=None, repr=False)
    ca_bundle: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    timeout: float = 300.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retry_attempts: int = 3
    rate_limit: float | None = None
    max_connections: int = 100
    allow_insecure_http: bool = False

    def __attrs_post_init__(self) -> None:
        for setting in SETTINGS:
            value = getattr(self, setting.name)
            if value is not None:
                where = f"Settings.{setting.name}"
                setting.kind.read(value, where, secret=setting.secret)
        check_base_url(self.base_url, self.allow_insecure_http)
        if self.username is not None and self.api_key is not None:
            msg = "Settings take a username or an api_key, not both"
            raise ConfigurationError(msg)
        if self.password is not None and self.username is None:
            msg = "Settings.password needs the username it belongs to"
            raise ConfigurationError(msg)

    @classmethod
    def resolve(
        cls,
        *,
        base_url: str | None = None,
        username: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        ca_bundle: str | None = None,
        client_cert: str | None = None,
        client_key: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        retry_attempts: int | None = None,
        rate_limit: float | None = None,
        max_connections: int | None = None,
        allow_insecure_http: bool | None = None,
        profile: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Self:
        """Each setting from its argument, else ``EC_*``, else the profile, else the default.

        An argument left ``None``, and a variable that is unset or empty, give
        way to the next source. The profile is ``profile``, else the one
        ``EC_PROFILE`` names, else the file's default; the file is
        ``$EC_CONFIG_FILE``, else ``$XDG_CONFIG_HOME/ec/config.toml``, else
        ``~/.config/ec/config.toml``, and a missing file has no profiles.

        The login comes whole from the first source that names one: a
        username, or an API key (both at once is an error). Its password is
        ``password``, else ``EC_PASSWORD``, else, for a profile's user, what
        the profile's ``password_command`` prints; a profile's API key is what
        its ``api_key_command`` prints. ``environ`` replaces ``os.environ``.
        A value that does not fit raises ``ConfigurationError`` naming where
        it came from, never quoting a secret.
        """
        arguments: dict[str, object] = {
            "base_url": base_url,
            "username": username,
            "password": password,
            "api_key": api_key,
            "ca_bundle": ca_bundle,
            "client_cert": client_cert,
            "client_key": client_key,
            "timeout": timeout,
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
            "retry_attempts": retry_attempts,
            "rate_limit": rate_limit,
            "max_connections": max_connections,
            "allow_insecure_http": allow_insecure_http,
        }
        environment = os.environ if environ is None else environ
        path = profile_file_path(environment)
        chosen = ProfileFile.load(path).select(
            profile or _variable(environment, "EC_PROFILE")
        )

        found = _Found(arguments, environment, chosen)
        for setting in SETTINGS:
            if setting.name not in _LOGIN:
                found.pick(setting)
        found.check_base_url(path)
        found.login()

        logger.debug(
            "settings resolved: %s",
            ", ".join(f"{name} from {where}" for name, where in found.sources.items()),
        )
        return cls(**found.values)


def _variable(environ: Mapping[str, str], name: str) -> str | None:
    """An environment variable's text; unset and empty are the same."""
    return environ.get(name) or None


@attrs.define
class _Found:
    """The values ``resolve`` has picked so far, and where each came from."""

    arguments: Mapping[str, object]
    environ: Mapping[str, str]
    profile: Profile | None
    values: dict[str, Any] = attrs.field(factory=dict[str, Any])
    sources: dict[str, str] = attrs.field(factory=dict[str, str])

    def pick(self, setting: Setting) -> bool:
        """Take ``setting`` from the first source that has it; whether one did."""
        name = setting.name
        given = self.arguments[name]
        text = _variable(self.environ, setting.variable)
        if given is not None:
            value = setting.kind.read(given, name, secret=setting.secret)
            self._keep(name, value, "argument")
        elif text is not None:
            value = setting.kind.read_text(
                text, setting.variable, secret=setting.secret
            )
            self._keep(name, value, setting.variable)
        elif self.profile is not None and name in self.profile.values:
            self._keep(name, self.profile.values[name], self._profile_source())
        return name in self.values

    def check_base_url(self, path: object) -> None:
        """Refuse a missing or unusable server URL, naming where it came from."""
        if "base_url" not in self.values:
            msg = (
                "no server: pass base_url, set EC_BASE_URL, or choose a profile "
                f"of {path} (EC_PROFILE) that has one"
            )
            raise ConfigurationError(msg)
        allow = bool(self.values.get("allow_insecure_http", False))
        try:
            check_base_url(self.values["base_url"], allow)
        except ConfigurationError as exc:
            msg = f"{self.sources['base_url']}: {exc}"
            raise ConfigurationError(msg) from None

    def login(self) -> None:
        """Take the login from the first source naming a user or an API key."""
        username, api_key = _BY_NAME["username"], _BY_NAME["api_key"]
        for level in ("argument", "environment"):
            given = [
                setting
                for setting in (username, api_key)
                if self._given_at(setting, level)
            ]
            if len(given) == 2:
                names = _names(given, level)
                msg = f"{names[0]} and {names[1]} are both given; a login uses one"
                raise ConfigurationError(msg)
            if given:
                self.pick(given[0])
                if given[0] is username:
                    self._password(profile_user=False)
                return

        if self.profile is None:
            return
        if "username" in self.profile.values:
            self.pick(username)
            self._password(profile_user=True)
            return
        secret = self.profile.secret("api_key_command")
        if secret is not None:
            self._keep("api_key", secret, self._profile_source("api_key_command"))

    def _given_at(self, setting: Setting, level: str) -> bool:
        if level == "argument":
            return self.arguments[setting.name] is not None
        return _variable(self.environ, setting.variable) is not None

    def _password(self, *, profile_user: bool) -> None:
        # A profile's password_command gives its own user's password only.
        if self.pick(_BY_NAME["password"]):
            return
        if profile_user and self.profile is not None:
            secret = self.profile.secret("password_command")
            if secret is not None:
                where = self._profile_source("password_command")
                self._keep("password", secret, where)

    def _keep(self, name: str, value: object, source: str) -> None:
        self.values[name] = value
        self.sources[name] = source

    def _profile_source(self, key: str | None = None) -> str:
        assert self.profile is not None
        name = f"profile {self.profile.name!r}"
        return name if key is None else f"{key} of {name}"


def _names(settings: list[Setting], level: str) -> list[str]:
    if level == "argument":
        return [setting.name for setting in settings]
    return [setting.variable for setting in settings]
