"""A handful of shell commands, enough for plausible output from a simulated gateway."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ec_async.emulator._wire import format_date

__all__ = ["Shell"]

_FILES = {
    "/etc/hostname": "{client_id}\n",
    "/etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nNAME="Debian GNU/Linux"\n'
    'VERSION_ID="11"\nID=debian\n',
    "/opt/eclipse/kura/kura/kura.properties": "kura.version=KURA_{framework}\n"
    "kura.device.name={client_id}\n",
}
_DIRECTORIES = {
    "/": [
        "bin",
        "boot",
        "dev",
        "etc",
        "home",
        "opt",
        "proc",
        "root",
        "sys",
        "tmp",
        "usr",
        "var",
    ],
    "/opt": ["eclipse"],
    "/opt/eclipse": ["kura"],
    "/opt/eclipse/kura": ["bin", "data", "kura", "log", "packages", "plugins", "user"],
    "/root": [],
    "/tmp": ["hsperfdata_root", "kura"],  # noqa: S108 - a listing shown, never opened.
}


# stdout, stderr, the exit code and the seconds the command kept the device busy.
_Output = tuple[str, str, int, float]


class Shell:
    """A few shell commands, enough for plausible command output."""

    def __init__(
        self,
        device: Mapping[str, Any],
        now: int,
        working_dir: str,
        environment: Sequence[str],
    ) -> None:
        self.device = device
        self.now = now
        self.working_dir = working_dir
        self.environment = environment

    def run(self, words: Sequence[str], stdin: str) -> _Output:
        """Return stdout, stderr, the exit code and the seconds the command took."""
        name, arguments = words[0], list(words[1:])
        handler: Callable[[list[str], str], _Output] | None = getattr(
            self, f"_cmd_{name.replace('-', '_')}", None
        )
        if handler is None:
            return "", f"sh: 1: {name}: not found\n", 127, 0.0

        return handler(arguments, stdin)

    def _fill(self, text: str) -> str:
        return text.format(
            client_id=self.device["client_id"],
            framework=self.device.get("application_framework_version") or "5.4.1",
        )

    def _cmd_echo(self, arguments: list[str], stdin: str) -> _Output:
        return " ".join(arguments) + "\n", "", 0, 0.0

    def _cmd_true(self, arguments: list[str], stdin: str) -> _Output:
        return "", "", 0, 0.0

    def _cmd_false(self, arguments: list[str], stdin: str) -> _Output:
        return "", "", 1, 0.0

    def _cmd_pwd(self, arguments: list[str], stdin: str) -> _Output:
        return self.working_dir + "\n", "", 0, 0.0

    def _cmd_whoami(self, arguments: list[str], stdin: str) -> _Output:
        return "root\n", "", 0, 0.0

    def _cmd_hostname(self, arguments: list[str], stdin: str) -> _Output:
        return f"{self.device['client_id']}\n", "", 0, 0.0

    def _cmd_uname(self, arguments: list[str], stdin: str) -> _Output:
        if "-a" in arguments:
            release = self.device.get("os_version") or "6.1.21-v8+"
            return (
                f"Linux {self.device['client_id']} {release} #1 SMP PREEMPT aarch64 GNU/Linux\n",
                "",
                0,
                0.0,
            )
        return "Linux\n", "", 0, 0.0

    def _cmd_date(self, arguments: list[str], stdin: str) -> _Output:
        return f"{format_date(self.now)}\n", "", 0, 0.0

    def _cmd_env(self, arguments: list[str], stdin: str) -> _Output:
        lines = ["HOME=/root", f"PWD={self.working_dir}", *self.environment]
        return "".join(f"{line}\n" for line in lines), "", 0, 0.0

    def _cmd_cat(self, arguments: list[str], stdin: str) -> _Output:
        if not arguments:
            return stdin, "", 0, 0.0
        out, err, code = "", "", 0
        for path in arguments:
            if path in _FILES:
                out += self._fill(_FILES[path])
            else:
                err += f"cat: {path}: No such file or directory\n"
                code = 1
        return out, err, code, 0.0

    def _cmd_ls(self, arguments: list[str], stdin: str) -> _Output:
        paths = [each for each in arguments if not each.startswith("-")] or [
            self.working_dir
        ]
        out, err, code = "", "", 0
        for path in paths:
            if path in _DIRECTORIES:
                out += "".join(f"{entry}\n" for entry in _DIRECTORIES[path])
            elif path in _FILES:
                out += f"{path}\n"
            else:
                err += f"ls: cannot access '{path}': No such file or directory\n"
                code = 2
        return out, err, code, 0.0

    def _cmd_sleep(self, arguments: list[str], stdin: str) -> _Output:
        try:
            seconds = float(arguments[0]) if arguments else -1.0
        except ValueError:
            seconds = -1.0
        if seconds < 0:
            return "", "sleep: invalid time interval\n", 1, 0.0
        return "", "", 0, seconds
