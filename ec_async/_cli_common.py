"""What every ``ec`` command shares: exit codes, one-line errors, the scope acted in."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ._client import Client, Scope
from ._errors import APIError, ConfigurationError, ECError

__all__ = [
    "EXIT_AUTH",
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_USAGE",
    "LOOPBACK_URL",
    "Parser",
    "Runner",
    "exit_code",
    "flags_only",
    "one_line",
    "printable",
    "usage",
    "view",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_INTERRUPTED = 130

EXIT_CODES = """\
exit codes:
  0    success
  1    error (the server failed, a network error, some accounts failed)
  2    usage or configuration (a bad flag, column, URL or missing credentials)
  3    authentication or permission refused (401, 403)
  4    not found (404)
  130  interrupted (Ctrl+C)"""

# The emulator's address in help examples: `ec emulator` serves there.
LOOPBACK_URL = "http://127.0.0.1:8080/v1"

# A command that talks to the server: it gets its arguments and a logged-in client.
Runner = Callable[[argparse.Namespace, Client], Awaitable[int]]


def usage(message: str) -> ECError:
    """The error of a command used wrongly; it exits with the usage code."""
    return ConfigurationError(message)


def exit_code(exc: ECError) -> int:
    """The exit code an error ends the command with."""
    if isinstance(exc, ConfigurationError):
        return EXIT_USAGE
    if isinstance(exc, APIError) and exc.status in {401, 403}:
        return EXIT_AUTH
    if isinstance(exc, APIError) and exc.status == 404:
        return EXIT_NOT_FOUND
    return EXIT_ERROR


def one_line(exc: ECError) -> str:
    """An error as one line: ``<status> <server code>: <message>`` for the server's."""
    if isinstance(exc, APIError):
        code = f" {exc.error_code}" if exc.error_code else ""
        message = exc.server_message or exc.hint or f"{exc.method} {exc.path} failed"
        text = f"{exc.status}{code}: {message}"
    else:
        text = str(exc) or type(exc).__name__

    return printable(" ".join(text.split()))


# C0 and C1 control characters and DEL, shown escaped: text from a server or a
# file must not move the cursor, retitle the terminal or break a line.
_ESCAPES = {
    **{code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))},
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


def printable(text: str) -> str:
    """``text`` with control characters escaped, for a terminal."""
    return text.translate(_ESCAPES)


def view(client: Client, args: argparse.Namespace) -> Client | Scope:
    """The client, or its view of the account ``--scope`` names."""
    return client.scope(args.scope) if args.scope else client


class Parser(argparse.ArgumentParser):
    """An argument parser that takes flags only as spelled in full.

    argparse would read ``--password SECRET`` as an abbreviation of
    ``--password-command`` and store the secret as a command to run.
    Subcommands' parsers are of the same class, so none abbreviates.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)


def flags_only(arguments: Sequence[str]) -> str:
    """Unrecognised arguments named by their flags only: a value may be a secret."""
    flags: list[str] = []
    hidden = 0
    for argument in arguments:
        if argument.startswith("-"):
            flag, equals, _ = argument.partition("=")
            flags.append(flag)
            hidden += bool(equals)
        else:
            hidden += 1
    shown = " ".join(flags)
    if hidden:
        values = "value" if hidden == 1 else "values"
        shown = f"{shown} (and {hidden} {values}, not shown)".lstrip()
    return shown
