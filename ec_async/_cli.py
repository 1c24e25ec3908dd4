"""The ``ec`` command: log in; list, get, count and delete resources; run the emulator.

Settings come from flags or the environment (``EC_BASE_URL``, ``EC_USERNAME``,
``EC_PASSWORD``, ``EC_API_KEY``). Secrets are never taken as flags: they come
from the environment or a prompt, and no token is ever printed. Errors are
one line on stderr, never a traceback; the exit code says what kind.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import math
import os
import sqlite3
import ssl
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._cli_common import (
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    LOOPBACK_URL,
    Parser,
    Runner,
    exit_code,
    flags_only,
    one_line,
)
from ._cli_output import Output, add_output_flags, check_columns, print_one
from ._cli_profiles import add_profile_commands
from ._cli_verbs import add_resource_commands, examples
from ._client import Client
from ._errors import ConfigurationError, ECError
from ._settings import Settings

if TYPE_CHECKING:
    from .emulator import EmulatorConfig, Fault

__all__ = ["main"]

# A command that needs no server (the emulator, the demo).
Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]

_SESSION_COLUMNS = ("account", "scopeId", "userId", "expiresOn", "refreshExpiresOn")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = _build_parser()
    args, unknown = parser.parse_known_args(argv)
    # Complain with the usage of the command the flags were given to.
    command_parser: argparse.ArgumentParser = getattr(args, "command_parser", parser)
    if unknown:
        command_parser.error(f"unrecognized arguments: {flags_only(unknown)}")
    if not hasattr(args, "run") and not hasattr(args, "handler"):
        command_parser.print_help()
        return EXIT_USAGE
    try:
        check: Callable[[argparse.Namespace], None] | None = getattr(
            args, "check", None
        )
        if check is not None:
            check(args)
        # Settings (and a password prompt) before the event loop starts, so
        # Ctrl+C at the prompt stops the command at once.
        settings = _settings_from(args) if hasattr(args, "run") else None
        return asyncio.run(_dispatch(args, settings))
    except ECError as exc:
        _error(one_line(exc))
        return exit_code(exc)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader left (`ec devices list --all-accounts | head`); say nothing
        # more, and keep Python from complaining as it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except OSError as exc:
        # Writing the output failed (a full disk, a closed terminal).
        _error(" ".join(str(exc).split()))
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - a command line shows no traceback.
        # Its message may quote what it was given; the type alone is safe to show.
        _error(f"unexpected {type(exc).__name__}, a bug in ec-client: please report it")
        return EXIT_ERROR


def _error(text: str) -> None:
    print(f"ec: error: {text}", file=sys.stderr)


async def _dispatch(args: argparse.Namespace, settings: Settings | None) -> int:
    """Run the command, logged in first unless it needs no server."""
    if settings is None:
        handler: Handler = args.handler
        return await handler(args)
    run: Runner = args.run
    async with Client.from_settings(settings) as ec:
        return await run(args, ec)


def _build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ec",
        description="Everyware Cloud from the command line: every resource "
        "answers list, get and count (and delete where it is safe).",
        epilog=examples(
            "ec emulator --seed minimal &",
            f"export EC_BASE_URL={LOOPBACK_URL} EC_USERNAME=acme-admin EC_PASSWORD=...",
            "ec devices list --all --status CONNECTED -o csv > connected.csv",
            "ec devices count --all-accounts --by status",
        )
        + "\n\n"
        + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_profile_flag(parser, default=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    login = commands.add_parser(
        "login",
        help="check the credentials and show the session",
        description="Log in, show the session (never a token), and log out.",
        epilog=examples(
            f"EC_PASSWORD=... ec login --base-url {LOOPBACK_URL} --username acme-admin",
            "EC_API_KEY=... ec login -o json",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_output_flags(login)
    login.set_defaults(
        run=_login,
        check=_check_session_columns,
        command_parser=login,
    )

    for command in [login, *add_resource_commands(commands)]:
        _add_connection_flags(command)

    emulator = commands.add_parser(
        "emulator",
        help="serve the embedded EC emulator",
        description="Serve the embedded EC emulator until Ctrl+C.",
        epilog=examples(
            "ec emulator",
            "ec emulator --seed minimal --port 0",
            "ec emulator --latency 40 --fault 'GET /*/devices:503=0.1'",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    emulator.set_defaults(command_parser=emulator)
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on")
    emulator.add_argument(
        "--port", type=int, default=8080, help="port (0 picks a free one)"
    )
    emulator.add_argument(
        "--seed",
        default="demo",
        help="demo, minimal, empty, or fleet (100 accounts of 1,000 devices)",
    )
    emulator.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="hold every request this many milliseconds, as a distant server would",
    )
    emulator.add_argument(
        "--jitter",
        type=float,
        default=0.0,
        metavar="MS",
        help="add up to this many random milliseconds to each request's latency",
    )
    emulator.add_argument(
        "--database", default=":memory:", help="SQLite file to keep data in"
    )
    emulator.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help=(
            "inject faults, e.g. 'GET /*/devices:503=0.1,reset=0.05,truncate=0.02,"
            "retry-after=1'; rules: STATUS=RATE, reset, truncate, malformed, "
            "content-type, slow (rates), delay, retry-after, retry-after-date "
            "(seconds); repeat for more paths, the first match applies"
        ),
    )
    emulator.add_argument(
        "--fault-seed", type=int, default=0, help="seed of the fault draws (0)"
    )
    emulator.add_argument(
        "--certfile", help="serve https with this PEM certificate (and key)"
    )
    emulator.add_argument("--keyfile", help="the certificate's key, if separate")
    emulator.set_defaults(handler=_emulator)

    demo = commands.add_parser(
        "demo",
        help="run the main job on the embedded emulator",
        description="Start the demo emulator, walk every account and device, "
        "and print a summary.",
        epilog=examples("ec demo"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.set_defaults(handler=_demo, command_parser=demo)

    add_profile_commands(commands)
    return parser


def _check_session_columns(args: argparse.Namespace) -> None:
    columns: str | None = args.columns
    check_columns(columns, dict.fromkeys(_SESSION_COLUMNS))


def _add_connection_flags(parser: argparse.ArgumentParser) -> None:
    # Flags default to None so that Settings.resolve can fall back to the
    # environment, then the profile; flags > EC_* > profile > default.
    parser.add_argument("--base-url", help="e.g. https://host/v1 (EC_BASE_URL)")
    parser.add_argument(
        "--username",
        help="user name (EC_USERNAME); the password comes from EC_PASSWORD, "
        "the profile's password_command, or a prompt",
    )
    parser.add_argument(
        "--ca-bundle",
        help="PEM file of the CA that signed the server's certificate (EC_CA_BUNDLE)",
    )
    parser.add_argument(
        "--client-cert",
        help="PEM client certificate, with its key unless --client-key (EC_CLIENT_CERT)",
    )
    parser.add_argument(
        "--client-key", help="PEM key of the client certificate (EC_CLIENT_KEY)"
    )
    _add_profile_flag(parser, default=argparse.SUPPRESS)
    parser.add_argument(
        "--scope", help="act in this child account id instead of your own"
    )


def _add_profile_flag(parser: argparse.ArgumentParser, default: object) -> None:
    # Accepted before the command (`ec --profile lab devices list`) and after
    # it; after it, an absent flag must not hide one given before.
    parser.add_argument(
        "--profile",
        default=default,
        metavar="NAME",
        help="use this profile of the profile file (EC_PROFILE; see `ec profile`)",
    )


def _settings_from(args: argparse.Namespace) -> Settings:
    """The command's settings, asking for the password if nothing gave one."""
    settings = Settings.resolve(
        base_url=args.base_url,
        username=args.username,
        ca_bundle=args.ca_bundle,
        client_cert=args.client_cert,
        client_key=args.client_key,
        profile=args.profile,
    )
    if settings.username is None and settings.api_key is None:
        raise _usage(
            "no credentials: set EC_USERNAME (and EC_PASSWORD) or EC_API_KEY, "
            "or use a profile (`ec profile add`)"
        )
    if settings.username is not None and settings.password is None:
        password = _prompt_password(settings.username)
        settings = attrs.evolve(settings, password=password)
    return settings


def _prompt_password(username: str) -> str:
    if not sys.stdin.isatty():
        raise _usage(
            "EC_PASSWORD is not set and there is no terminal to ask on; "
            "or give the profile a password_command"
        )
    try:
        password = getpass.getpass(f"Password for {username}: ")
    except EOFError:  # Ctrl+D at the prompt.
        password = ""
    if not password:
        raise _usage(f"no password given for {username}")
    return password


def _usage(message: str) -> ECError:
    return ConfigurationError(message)


async def _login(args: argparse.Namespace, ec: Client) -> int:
    account = await ec.accounts.current()
    token = ec.access_token
    assert token is not None  # the client logged in before the command ran.
    session = {
        "account": account.name,
        "scopeId": ec.scope_id,
        "userId": ec.user_id,
        "expiresOn": token.expires_on.isoformat(),
        "refreshExpiresOn": token.refresh_expires_on.isoformat(),
    }
    print_one(session, Output.of(args))

    return EXIT_OK


async def _emulator(args: argparse.Namespace) -> int:
    from .emulator import EmulatorConfig, Fault

    if not all(0 <= value < math.inf for value in (args.latency, args.jitter)):
        raise _usage("--latency and --jitter must be zero or more milliseconds")
    try:
        faults = tuple(Fault.parse(spec) for spec in args.fault)
    except ValueError as exc:
        raise _usage(f"--fault: {exc}") from None
    config = EmulatorConfig(
        faults=faults,
        fault_seed=args.fault_seed,
        latency=args.latency / 1000,
        latency_jitter=args.jitter / 1000,
    )
    try:
        await _serve(args, config, faults)
    except (OSError, ValueError, OverflowError, sqlite3.Error) as exc:
        # Bad ports, seeds and database paths: say so in one line.
        raise _usage(f"the emulator could not start: {exc}") from None
    return EXIT_OK


async def _serve(
    args: argparse.Namespace, config: EmulatorConfig, faults: tuple[Fault, ...]
) -> None:
    """Serve the emulator until interrupted."""
    from .emulator import DEMO_API_KEY, DEMO_PASSWORD, Emulator

    async with Emulator(
        seed=args.seed,
        database=args.database,
        host=args.host,
        port=args.port,
        config=config,
        ssl_context=_server_tls(args.certfile, args.keyfile),
    ) as emu:
        print(f"EC emulator serving {emu.base_url}")
        for fault in faults:
            print(f"  injecting faults into {fault.method} {fault.path}")
        if emu.seed.tenants:
            # The published demo credentials belong to the first tenant's admin.
            username = f"{emu.seed.tenants[0]}-admin"
            print(f"  user:     {username}")
            print(f"  password: {DEMO_PASSWORD}")
            print(f"  api key:  {DEMO_API_KEY}")
            print(
                f"  try: EC_BASE_URL={emu.base_url} EC_USERNAME={username} EC_PASSWORD=... ec devices list"
            )
        print("Press Ctrl+C to stop.", flush=True)
        await asyncio.Event().wait()


def _server_tls(certfile: str | None, keyfile: str | None) -> ssl.SSLContext | None:
    if certfile is None:
        if keyfile is not None:
            raise _usage("--keyfile needs --certfile")
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise _usage(f"cannot load --certfile {certfile!r}: {exc}") from None
    return context


async def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return await run_demo()


if __name__ == "__main__":
    sys.exit(main())
