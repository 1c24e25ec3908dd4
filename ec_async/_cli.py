"""The ``ec`` command: log in, list, get and count accounts and devices, run the emulator.

Settings come from flags or the environment (``EC_BASE_URL``, ``EC_USERNAME``,
``EC_PASSWORD``, ``EC_API_KEY``). Secrets are never taken as flags: they come
from the environment or a prompt, and no token is ever printed.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sqlite3
import ssl
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from ._client import Client, Scope
from ._convert import unstructure
from ._errors import APIError, ConfigurationError, ECError

if TYPE_CHECKING:
    from .emulator import EmulatorConfig, Fault

__all__ = ["main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4

Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return asyncio.run(handler(args))
    except ECError as exc:
        print(f"ec: error: {exc}", file=sys.stderr)
        return _exit_code(exc)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left (`ec devices list --all-accounts | head`); say nothing
        # more, and keep Python from complaining as it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR


def _exit_code(exc: ECError) -> int:
    if isinstance(exc, ConfigurationError):
        return EXIT_USAGE
    if isinstance(exc, APIError) and exc.status in {401, 403}:
        return EXIT_AUTH
    if isinstance(exc, APIError) and exc.status == 404:
        return EXIT_NOT_FOUND
    return EXIT_ERROR


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ec",
        description="Everyware Cloud from the command line.",
        epilog="Example: EC_BASE_URL=http://127.0.0.1:8080/v1 EC_USERNAME=me ec devices list --all",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    login = commands.add_parser(
        "login", help="check the credentials and show the session"
    )
    _add_connection_flags(login)
    login.set_defaults(handler=_login)

    accounts = commands.add_parser("accounts", help="child accounts")
    account_commands = accounts.add_subparsers(
        title="accounts commands", metavar="ACTION"
    )
    accounts_list = account_commands.add_parser("list", help="list child accounts")
    _add_connection_flags(accounts_list)
    accounts_list.add_argument(
        "--recursive", action="store_true", help="every descendant"
    )
    accounts_list.set_defaults(handler=_accounts_list)

    devices = commands.add_parser("devices", help="devices")
    device_commands = devices.add_subparsers(title="devices commands", metavar="ACTION")
    devices_list = device_commands.add_parser("list", help="list devices")
    _add_connection_flags(devices_list)
    devices_list.add_argument(
        "--all", action="store_true", help="every page, not just the first"
    )
    devices_list.add_argument("--client-id", help="only the device with this client id")
    devices_list.add_argument(
        "--status", help="connection status: CONNECTED, DISCONNECTED"
    )
    devices_list.add_argument(
        "--limit", type=int, default=50, help="page size (default 50)"
    )
    devices_list.add_argument(
        "--all-accounts",
        action="store_true",
        help="every page of the scope's account and of every account below it",
    )
    _add_fan_out_flags(devices_list)
    devices_list.set_defaults(handler=_devices_list)
    devices_count = device_commands.add_parser(
        "count", help="count devices, per account with --all-accounts"
    )
    _add_connection_flags(devices_count)
    devices_count.add_argument(
        "--all-accounts",
        action="store_true",
        help="the scope's account and every account below it, one row each",
    )
    devices_count.add_argument(
        "--by",
        choices=["status"],
        help="split the counts by connection status (reads every device)",
    )
    _add_fan_out_flags(devices_count)
    devices_count.set_defaults(handler=_devices_count)
    devices_get = device_commands.add_parser("get", help="show one device")
    _add_connection_flags(devices_get)
    devices_get.add_argument("device_id", metavar="ID")
    devices_get.set_defaults(handler=_devices_get)

    emulator = commands.add_parser("emulator", help="serve the embedded EC emulator")
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

    demo = commands.add_parser("demo", help="run the main job on the embedded emulator")
    demo.set_defaults(handler=_demo)

    return parser


def _add_connection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url",
        default=os.environ.get("EC_BASE_URL"),
        help="e.g. https://host/v1 (EC_BASE_URL)",
    )
    parser.add_argument(
        "--username",
        default=os.environ.get("EC_USERNAME"),
        help="user name (EC_USERNAME); the password comes from EC_PASSWORD or a prompt",
    )
    parser.add_argument(
        "--ca-bundle",
        default=os.environ.get("EC_CA_BUNDLE"),
        help="PEM file of the CA that signed the server's certificate (EC_CA_BUNDLE)",
    )
    parser.add_argument(
        "--client-cert",
        default=os.environ.get("EC_CLIENT_CERT"),
        help="PEM client certificate, with its key unless --client-key (EC_CLIENT_CERT)",
    )
    parser.add_argument(
        "--client-key",
        default=os.environ.get("EC_CLIENT_KEY"),
        help="PEM key of the client certificate (EC_CLIENT_KEY)",
    )
    parser.add_argument(
        "--scope", help="act in this child account id instead of your own"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def _add_fan_out_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="accounts worked on at once with --all-accounts (default 16)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="show no progress on stderr"
    )


def _client_from(args: argparse.Namespace) -> Client:
    if not args.base_url:
        raise _usage("no server: pass --base-url or set EC_BASE_URL")
    api_key = os.environ.get("EC_API_KEY")
    tls: dict[str, Any] = {
        "ca_bundle": args.ca_bundle,
        "client_cert": args.client_cert,
        "client_key": args.client_key,
    }
    if args.username:
        password = os.environ.get("EC_PASSWORD") or _prompt_password(args.username)
        return Client(args.base_url, username=args.username, password=password, **tls)
    if api_key:
        return Client(args.base_url, api_key=api_key, **tls)
    raise _usage("no credentials: set EC_USERNAME (and EC_PASSWORD) or EC_API_KEY")


def _prompt_password(username: str) -> str:
    if not sys.stdin.isatty():
        raise _usage("EC_PASSWORD is not set and there is no terminal to ask on")
    return getpass.getpass(f"Password for {username}: ")


def _usage(message: str) -> ECError:
    return ConfigurationError(message)


def _view(client: Client, args: argparse.Namespace) -> Client | Scope:
    return client.scope(args.scope) if args.scope else client


async def _login(args: argparse.Namespace) -> int:
    async with _client_from(args) as ec:
        account = await ec.accounts.current()
        token = ec.access_token
        assert token is not None  # the context manager logged in.
        session = {
            "account": account.name,
            "scopeId": ec.scope_id,
            "userId": ec.user_id,
            "expiresOn": token.expires_on.isoformat(),
            "refreshExpiresOn": token.refresh_expires_on.isoformat(),
        }
    _emit(
        [session],
        args.json,
        ["account", "scopeId", "userId", "expiresOn", "refreshExpiresOn"],
    )
    return EXIT_OK


async def _accounts_list(args: argparse.Namespace) -> int:
    async with _client_from(args) as ec:
        view = _view(ec, args)
        if args.recursive:
            accounts = list(await view.accounts.descendants())
        else:
            accounts = [account async for account in view.accounts.iter()]
    rows = [unstructure(account) for account in accounts]
    _emit(rows, args.json, ["id", "name", "parentAccountPath", "createdOn"])
    return EXIT_OK


async def _devices_list(args: argparse.Namespace) -> int:
    if args.all_accounts:
        from ._cli_fleet import list_devices_everywhere

        return await list_devices_everywhere(args)
    filters: dict[str, Any] = {
        "client_id": args.client_id,
        "status": args.status,
        "fetch_attributes": ["connection"],
    }
    async with _client_from(args) as ec:
        devices = _view(ec, args).devices
        if args.all:
            found = [
                device
                async for device in devices.iter(
                    page_size=max(args.limit, 1), **filters
                )
            ]
        else:
            found = list(await devices.list(limit=args.limit, **filters))
    rows = [_device_row(unstructure(device)) for device in found]
    _emit(
        rows,
        args.json,
        ["id", "clientId", "displayName", "connection", "modelName", "firmwareVersion"],
    )
    return EXIT_OK


async def _devices_count(args: argparse.Namespace) -> int:
    from ._cli_fleet import count_devices

    return await count_devices(args)


async def _devices_get(args: argparse.Namespace) -> int:
    async with _client_from(args) as ec:
        device = await _view(ec, args).devices.get(args.device_id)
    row = unstructure(device)
    _emit([row], args.json, list(row))
    return EXIT_OK


def _device_row(document: dict[str, Any]) -> dict[str, Any]:
    connection: dict[str, Any] = document.get("connection") or {}
    return {**document, "connection": connection.get("status", "")}


async def _emulator(args: argparse.Namespace) -> int:
    from .emulator import EmulatorConfig, Fault

    if args.latency < 0 or args.jitter < 0:
        raise _usage("--latency and --jitter must not be negative")
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
        if args.seed in {"demo", "fleet"}:
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


def _emit(
    rows: list[dict[str, Any]],
    as_json: bool,
    columns: list[str],
    out: TextIO | None = None,
) -> None:
    stream = out or sys.stdout
    if as_json:
        json.dump(rows, stream, indent=2, default=str)
        stream.write("\n")
        return
    _print_table(rows, columns, stream)


def _print_table(
    rows: list[dict[str, Any]], columns: list[str], stream: TextIO
) -> None:
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [
        max([len(column), *(len(line[index]) for line in cells)])
        for index, column in enumerate(columns)
    ]
    stream.write(
        "  ".join(
            column.ljust(width) for column, width in zip(columns, widths, strict=True)
        ).rstrip()
        + "\n"
    )
    for line in cells:
        stream.write(
            "  ".join(
                cell.ljust(width) for cell, width in zip(line, widths, strict=True)
            ).rstrip()
            + "\n"
        )
    stream.write(f"({len(rows)} {'row' if len(rows) == 1 else 'rows'})\n")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if attrs.has(type(value)):
        return str(unstructure(value))
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


if __name__ == "__main__":
    sys.exit(main())
