"""``ec profile``: list, show, add, remove and choose the profiles of the profile file.

The file is ``$EC_CONFIG_FILE``, else ``$XDG_CONFIG_HOME/ec/config.toml``, else
``~/.config/ec/config.toml``. It never holds a password or an API key.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from ._profiles import Profile, ProfileFile, profile_file_path

__all__ = ["add_profile_commands"]

_DESCRIPTION = """\
List, show, add, remove and choose the profiles of the profile file: named EC
servers to log in to, one of them the default.

The file is $EC_CONFIG_FILE, else $XDG_CONFIG_HOME/ec/config.toml, else
~/.config/ec/config.toml. It never holds a password or an API key."""

_EPILOG = """\
examples:
  ec profile add lab --base-url http://127.0.0.1:8080/v1 --username acme-admin \\
      --password-command "pass show ec/lab" --default
  ec profile list
  ec --profile lab devices list
"""


def add_profile_commands(commands: Any) -> None:
    """Register ``ec profile ...`` on the ``ec`` command's subparsers.

    ``commands`` is what ``add_subparsers`` returned, a type argparse keeps private.
    """
    profile = commands.add_parser(
        "profile",
        help="named EC servers to log in to, one the default",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    profile.set_defaults(command_parser=profile)
    verbs = profile.add_subparsers(title="profile commands", metavar="ACTION")

    listing = verbs.add_parser("list", help="list the profiles; * marks the default")
    listing.set_defaults(handler=_list, command_parser=listing)

    show = verbs.add_parser("show", help="show one profile's settings")
    show.add_argument("name", metavar="NAME")
    show.set_defaults(handler=_show, command_parser=show)

    add = verbs.add_parser(
        "add",
        help="add a profile (secrets come from commands, never the file)",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--base-url", required=True, help="e.g. https://host/v1")
    login = add.add_mutually_exclusive_group()
    login.add_argument("--username", help="the user to log in as")
    login.add_argument(
        "--api-key-command",
        metavar="COMMAND",
        help="a command that prints the API key, run without a shell",
    )
    add.add_argument(
        "--password-command",
        metavar="COMMAND",
        help="a command that prints the user's password; else EC_PASSWORD or a prompt",
    )
    add.add_argument("--ca-bundle", help="PEM file of the server's CA")
    add.add_argument("--client-cert", help="PEM client certificate")
    add.add_argument("--client-key", help="PEM key of the client certificate")
    add.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http to a host other than this machine",
    )
    add.add_argument(
        "--default", action="store_true", help="make it the default profile"
    )
    add.set_defaults(handler=_add, command_parser=add)

    remove = verbs.add_parser("remove", help="remove a profile")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=_remove, command_parser=remove)

    use = verbs.add_parser("use", help="make a profile the default")
    use.add_argument("name", metavar="NAME")
    use.set_defaults(handler=_use, command_parser=use)


def _file() -> ProfileFile:
    return ProfileFile.load(profile_file_path(os.environ))


async def _list(args: argparse.Namespace) -> int:
    found = _file()
    if not found.profiles:
        print(
            f"no profiles in {found.path}; add one with "
            "`ec profile add NAME --base-url URL`"
        )
        return 0

    rows = [("", "NAME", "BASE_URL", "LOGIN")]
    for name, profile in found.profiles.items():
        mark = "*" if name == found.default else ""
        rows.append((mark, name, str(profile.values["base_url"]), _login(profile)))
    widths = [max(len(row[index]) for row in rows) for index in range(4)]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 0


def _login(profile: Profile) -> str:
    values = profile.values
    if "username" in values:
        source = "password_command" if "password_command" in values else "EC_PASSWORD"
        return f"{values['username']} ({source})"
    if "api_key_command" in values:
        return "API key (api_key_command)"
    return "EC_USERNAME or EC_API_KEY"


async def _show(args: argparse.Namespace) -> int:
    found = _file()
    profile = found.get(args.name)
    default = " (the default)" if args.name == found.default else ""
    print(f"# profile {profile.name}{default}, in {found.path}")
    for line in profile.toml_lines():
        print(line)
    return 0


async def _add(args: argparse.Namespace) -> int:
    flags = (
        "base_url",
        "username",
        "password_command",
        "api_key_command",
        "ca_bundle",
        "client_cert",
        "client_key",
    )
    values: dict[str, object] = {
        key: getattr(args, key) for key in flags if getattr(args, key) is not None
    }
    if args.allow_insecure_http:
        values["allow_insecure_http"] = True

    found = _file()
    changed = found.with_profile(args.name, values, default=args.default)
    changed.save()
    default = " (the default)" if changed.default == args.name else ""
    print(f"added profile {args.name}{default} to {changed.path}")
    return 0


async def _remove(args: argparse.Namespace) -> int:
    found = _file()
    changed = found.without(args.name)
    changed.save()
    note = "; no profile is the default now" if found.default == args.name else ""
    print(f"removed profile {args.name} from {changed.path}{note}")
    return 0


async def _use(args: argparse.Namespace) -> int:
    changed = _file().with_default(args.name)
    changed.save()
    print(f"{args.name} is the default profile now, in {changed.path}")
    return 0
