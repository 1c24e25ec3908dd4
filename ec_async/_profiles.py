"""The profile file: named EC servers in TOML, one of them the default, never a secret.

Read with ``tomllib``; written whole to a temporary file that replaces the old
one, so a reader never sees half a file and a failed write changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shlex
import stat
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import attrs

from ._errors import ConfigurationError
from ._guards import is_dict
from ._setting_kinds import LINE, SECONDS, SETTINGS, Kind
from ._urls import check_base_url

__all__ = [
    "DEFAULT_COMMAND_TIMEOUT",
    "PROFILE_KEYS",
    "Profile",
    "ProfileFile",
    "profile_file_path",
]

DEFAULT_COMMAND_TIMEOUT = 30.0
_LONGEST_COMMAND_TIMEOUT = 3600.0

# The most a password_command or api_key_command may print: a secret is one
# short line, and a command that prints on and on must not fill the memory.
_MOST_OUTPUT = 64 * 1024

_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _command(value: object) -> str:
    command = str(LINE.from_value(value))
    if not shlex.split(command):
        raise ValueError
    return command


def _command_timeout(value: object) -> float:
    seconds = SECONDS.from_value(value)
    assert isinstance(seconds, float)
    if seconds > _LONGEST_COMMAND_TIMEOUT:
        raise ValueError
    return seconds


_COMMAND = Kind(
    'a command line without control characters, like "pass show ec/prod"',
    _command,
    str,
    quote=False,
)
_COMMAND_SECONDS = Kind(
    f"a number of seconds above 0 and at most {_LONGEST_COMMAND_TIMEOUT:g}, like 30",
    _command_timeout,
    float,
)
_SETTING_KINDS = {
    setting.name: setting.kind for setting in SETTINGS if not setting.secret
}

PROFILE_KEYS: Mapping[str, Kind] = {
    "base_url": _SETTING_KINDS["base_url"],
    "username": _SETTING_KINDS["username"],
    "password_command": _COMMAND,
    "api_key_command": _COMMAND,
    "command_timeout": _COMMAND_SECONDS,
    **{
        name: kind
        for name, kind in _SETTING_KINDS.items()
        if name not in {"base_url", "username"}
    },
}
"""What a profile may hold, in the order the file is written."""

# Secrets a profile must not hold: where each comes from instead.
_REFUSED = {
    "password": ("EC_PASSWORD", "the password prompt", "password_command"),
    "api_key": ("EC_API_KEY", None, "api_key_command"),
}

_HEADER = """\
# EC profiles, written by `ec profile`; comments here are not kept.
# Never put a password or API key here: they come from EC_PASSWORD or
# EC_API_KEY, the password prompt, or a password_command / api_key_command.
"""


def profile_file_path(environ: Mapping[str, str]) -> Path:
    """Where the profiles live: ``$EC_CONFIG_FILE``, else the XDG config folder."""
    explicit = environ.get("EC_CONFIG_FILE")
    if explicit:
        return Path(explicit).expanduser()

    # The XDG base directory spec says to ignore a relative XDG_CONFIG_HOME.
    config_home = environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(config_home):
        home = environ.get("HOME")
        config_home = os.path.join(home or Path.home(), ".config")
    return Path(config_home) / "ec" / "config.toml"


@attrs.frozen
class Profile:
    """One named server of the file, its values checked and typed."""

    name: str
    path: Path
    values: Mapping[str, object]

    def where(self, key: str) -> str:
        """How an error names one of this profile's keys."""
        return f"{self.path}: [profiles.{self.name}] {key}"

    def toml_lines(self) -> list[str]:
        """The profile's ``key = value`` lines, as the file holds them."""
        return [
            f"{key} = {_toml_value(self.values[key])}"
            for key in PROFILE_KEYS
            if key in self.values
        ]

    def secret(self, key: str) -> str | None:
        """Run the profile's ``password_command`` or ``api_key_command``, if it has one.

        The first line the command prints is the secret. It runs without a
        shell, with its standard input and error left to the user's terminal,
        so a password manager can ask for its passphrase.
        """
        command = self.values.get(key)
        if command is None:
            return None
        assert isinstance(command, str)  # checked when the file was read.
        timeout = self.values.get("command_timeout", DEFAULT_COMMAND_TIMEOUT)
        assert isinstance(timeout, float)

        printed, failure = _run(shlex.split(command), timeout)
        if failure is not None:
            # Never the command's output: on a failure it may hold the secret.
            msg = f"{self.where(key)} {failure}"
            raise ConfigurationError(msg)
        return printed


def _run(argv: list[str], timeout: float) -> tuple[str, str | None]:
    """The first line ``argv`` prints, or why there is none."""
    try:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE)  # noqa: S603 - the user's own command, without a shell.
    except OSError as exc:
        return "", f"could not start {argv[0]!r}: {exc.strerror}"

    # Only the command itself is stopped, not a process group of its own:
    # that would take the terminal from a password manager asking for its
    # passphrase.
    with process:
        try:
            output, failure = _output(process, timeout)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
    if failure is not None:
        return "", failure
    if process.returncode < 0:
        return "", f"was ended by signal {-process.returncode}"
    if process.returncode != 0:
        return "", f"failed with exit status {process.returncode}"
    return _first_line(output)


def _output(
    process: subprocess.Popen[bytes], timeout: float
) -> tuple[bytes, str | None]:
    """What ``process`` prints until it exits, or why reading stopped.

    The command is done once it has exited, even while a child it left in
    the background holds its output open.
    """
    assert process.stdout is not None
    late = f"did not finish within {timeout:g} seconds"
    deadline = time.monotonic() + timeout
    descriptor = process.stdout.fileno()
    os.set_blocking(descriptor, False)
    output = bytearray()

    with selectors.DefaultSelector() as selector:
        selector.register(descriptor, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return b"", late
            exited = process.poll() is not None
            # Look now and then whether it exited; once it has, take only
            # what it already printed.
            ready = selector.select(0 if exited else min(remaining, 0.05))
            chunk = os.read(descriptor, _MOST_OUTPUT) if ready else None
            if chunk == b"" or (chunk is None and exited):
                break
            if chunk is not None:
                output += chunk
            if len(output) > _MOST_OUTPUT:
                return b"", f"printed more than {_MOST_OUTPUT // 1024} KiB"

    try:
        process.wait(max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        return b"", late
    return bytes(output), None


def _first_line(output: bytes) -> tuple[str, str | None]:
    if not output:
        return "", "printed nothing"
    try:
        text = output.decode("utf-8")
    except UnicodeDecodeError:
        return "", "printed something that is not UTF-8 text"
    secret = text.splitlines()[0]
    if not secret:
        return "", "printed nothing: its first line is empty"
    if "\0" in secret:
        return "", "printed a first line holding a NUL character"
    return secret, None


@attrs.frozen
class ProfileFile:
    """Every profile of one file, and which one is the default."""

    path: Path
    profiles: Mapping[str, Profile] = attrs.field(factory=dict[str, Profile])
    default: str | None = None

    @classmethod
    def load(cls, path: Path) -> ProfileFile:
        """Read and check the file; a file that does not exist holds no profiles."""
        import tomllib  # Here, so clients built without Settings never load it.

        try:
            document = tomllib.loads(_read(path).decode("utf-8"))
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            msg = f"cannot read the profile file {path}: {exc.strerror}"
            raise ConfigurationError(msg) from None
        except UnicodeDecodeError:
            msg = f"the profile file {path} is not UTF-8 text"
            raise ConfigurationError(msg) from None
        except tomllib.TOMLDecodeError as exc:
            msg = f"the profile file {path} is not valid TOML: {exc}"
            raise ConfigurationError(msg) from None
        return _parse(path, document)

    def get(self, name: str) -> Profile:
        """The profile called ``name``; a ``ConfigurationError`` saying how to add it."""
        profile = self.profiles.get(name)
        if profile is None:
            known = ", ".join(sorted(self.profiles)) or "none"
            msg = (
                f"no profile {name!r} in {self.path} (profiles: {known}); add it with "
                f"`ec profile add {name} --base-url URL`"
            )
            raise ConfigurationError(msg)
        return profile

    def select(self, name: str | None) -> Profile | None:
        """The profile ``name``, else the default one, else none."""
        if name is not None:
            return self.get(name)
        if self.default is not None:
            return self.profiles[self.default]
        return None

    def with_profile(
        self, name: str, values: Mapping[str, object], *, default: bool = False
    ) -> ProfileFile:
        """This file with one more profile, checked as if read from the file."""
        if name in self.profiles:
            msg = f"{self.path} already has a profile {name!r}; remove it first"
            raise ConfigurationError(msg)
        profile = _profile(self.path, name, values)
        profiles = {**self.profiles, name: profile}
        chosen = name if default or self.default is None else self.default
        return attrs.evolve(self, profiles=profiles, default=chosen)

    def without(self, name: str) -> ProfileFile:
        """This file without the profile ``name``; removing the default leaves none."""
        self.get(name)
        profiles = {key: value for key, value in self.profiles.items() if key != name}
        default = None if self.default == name else self.default
        return attrs.evolve(self, profiles=profiles, default=default)

    def with_default(self, name: str) -> ProfileFile:
        """This file with ``name`` as its default profile."""
        self.get(name)
        return attrs.evolve(self, default=name)

    def render(self) -> str:
        """The file's TOML text, as ``save`` writes it."""
        lines = [_HEADER.rstrip("\n")]
        if self.default is not None:
            lines.append(f"default = {_toml_value(self.default)}")
        for name, profile in self.profiles.items():
            lines += ["", f"[profiles.{name}]", *profile.toml_lines()]
        return "\n".join(lines) + "\n"

    def save(self) -> None:
        """Write the file whole, readable by its owner alone, or leave it as it was."""
        text = self.render()
        target = Path(os.path.realpath(self.path))
        try:
            _refuse_special(self.path, "write", os.stat(target).st_mode)
        except FileNotFoundError:
            pass
        except OSError as exc:
            msg = f"cannot write the profile file {self.path}: {exc.strerror}"
            raise ConfigurationError(msg) from None
        try:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _replace(target, text)
        except OSError as exc:
            msg = f"cannot write the profile file {self.path}: {exc.strerror}"
            raise ConfigurationError(msg) from None


def _read(path: Path) -> bytes:
    """The bytes of the file at ``path``, which must be a regular file."""
    # Non-blocking, so that opening a FIFO does not wait for a writer; the
    # check below then refuses it before any read.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        _refuse_special(path, "read", os.fstat(descriptor).st_mode)
    except BaseException:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as file:
        return file.read()


def _refuse_special(path: Path, doing: str, mode: int) -> None:
    """Refuse a folder, FIFO, device or socket where the profile file should be.

    Replacing ``/dev/null`` with a file, or waiting forever on a FIFO, is
    never what the user meant.
    """
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        what = "a folder"
    elif stat.S_ISFIFO(mode):
        what = "a FIFO"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    else:
        what = "not a file"
    msg = (
        f"cannot {doing} the profile file {path}: it is {what}, and must be a "
        "regular file (or not exist yet)"
    )
    raise ConfigurationError(msg)


def _replace(target: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            # mkstemp makes it 0600 already on POSIX; say so, and stay portable.
            os.chmod(temporary, 0o600)
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _parse(path: Path, document: Mapping[str, object]) -> ProfileFile:
    unknown = sorted(set(document) - {"default", "profiles"})
    if unknown:
        msg = (
            f"{path}: unknown key {unknown[0]!r} at the top level; a profile file "
            "holds `default = NAME` and [profiles.NAME] tables"
        )
        raise ConfigurationError(msg)

    tables: object = document.get("profiles", {})
    if not is_dict(tables):
        msg = f"{path}: profiles must be tables, like [profiles.NAME]"
        raise ConfigurationError(msg)
    profiles: dict[str, Profile] = {}
    for name, values in tables.items():
        _check_name(path, name)
        if not is_dict(values):
            msg = f"{path}: profiles.{name} must be a table, [profiles.{name}]"
            raise ConfigurationError(msg)
        profiles[name] = _profile(path, name, values)

    default = document.get("default")
    if default is not None and (not isinstance(default, str) or default not in tables):
        known = ", ".join(sorted(tables)) or "none"
        msg = f"{path}: default = {default!r} names no profile (profiles: {known})"
        raise ConfigurationError(msg)
    return ProfileFile(path, profiles, default)


def _profile(path: Path, name: str, values: Mapping[str, object]) -> Profile:
    """One profile's values, checked: known keys, right kinds, no secrets."""
    _check_name(path, name)
    profile = Profile(name, path, {})

    for key in values:
        if key in _REFUSED:
            raise _refusal(profile, key)
        if key not in PROFILE_KEYS:
            # Quoted, so that control characters in it reach no terminal.
            msg = (
                f"{profile.where(repr(key))} is not a profile setting; "
                f"known: {', '.join(PROFILE_KEYS)}"
            )
            raise ConfigurationError(msg)
    checked = {
        key: PROFILE_KEYS[key].read(values[key], profile.where(key))
        for key in PROFILE_KEYS
        if key in values
    }

    if "base_url" not in checked:
        msg = f"{path}: [profiles.{name}] needs base_url, the server's URL"
        raise ConfigurationError(msg)
    _check_login(profile, checked)
    try:
        check_base_url(
            str(checked["base_url"]), bool(checked.get("allow_insecure_http"))
        )
    except ConfigurationError as exc:
        msg = f"{profile.where('base_url')}: {exc}"
        raise ConfigurationError(msg) from None
    return attrs.evolve(profile, values=checked)


def _check_name(path: Path, name: str) -> None:
    if not _NAME.fullmatch(name):
        msg = f"{path}: profile name {name!r} must be letters, digits, '-' and '_' only"
        raise ConfigurationError(msg)


def _check_login(profile: Profile, values: Mapping[str, object]) -> None:
    if "username" in values and "api_key_command" in values:
        msg = (
            f"{profile.path}: [profiles.{profile.name}] logs in with a username "
            "or an api_key_command, not both"
        )
        raise ConfigurationError(msg)
    if "password_command" in values and "username" not in values:
        msg = f"{profile.where('password_command')} needs the username it logs in"
        raise ConfigurationError(msg)


def _refusal(profile: Profile, key: str) -> ConfigurationError:
    variable, prompt, command = _REFUSED[key]
    sources = [f"set {variable}"]
    if prompt is not None:
        sources.append(f"type it at {prompt}")
    sources.append(f"set {command} to a command that prints it")
    what = key.replace("_", " ")
    return ConfigurationError(
        f"{profile.where(key)}: a profile must not hold the {what} in clear; "
        f"remove it, then {', or '.join(sources)}"
    )


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_value(value: object) -> str:
    """A TOML literal for a string, boolean, integer or finite float."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    assert isinstance(value, str)
    characters = [
        _ESCAPES.get(character)
        or (
            f"\\u{ord(character):04X}"
            if ord(character) < 0x20 or ord(character) == 0x7F
            else character
        )
        for character in value
    ]
    return '"' + "".join(characters) + '"'
