"""``ec <resource> list|get|count|delete``: the same commands for every resource.

The commands are built from the rows of ``_cli_resources.RESOURCES``; each
one checks its flags before it connects, so that a bad column or a missing
``--yes`` costs no login.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from collections.abc import Callable, Sequence
from typing import TypeAlias

from ._cli_common import EXIT_OK, LOOPBACK_URL, Parser, Runner, usage, view
from ._cli_fleet import COUNT_COLUMNS, count_everywhere, list_everywhere
from ._cli_output import Listing, Output, add_output_flags, check_columns, print_one
from ._cli_progress import add_progress_flag, counted, reporter
from ._cli_resources import RESOURCES, CountBy, Resource
from ._client import Client
from ._errors import ECError

__all__ = ["add_resource_commands", "examples", "positive"]

Check = Callable[[argparse.Namespace], None]
SubParsers: TypeAlias = "argparse._SubParsersAction[Parser]"

_DEFAULT_LIMIT = 50
_DEFAULT_CONCURRENCY = 16


def examples(*lines: str) -> str:
    """A help epilog of example command lines."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def positive(text: str) -> int:
    """A whole number of at least 1, from the command line."""
    try:
        value = int(text)
    except ValueError:
        msg = f"expected a whole number, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 1:
        msg = f"must be at least 1, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def add_resource_commands(commands: SubParsers) -> list[argparse.ArgumentParser]:
    """Add a command group per resource; return the commands that need a server."""
    servers: list[argparse.ArgumentParser] = []
    for resource in RESOURCES:
        verbs = ["list", "get", "count", *(["delete"] if resource.deletable else [])]
        group = commands.add_parser(
            resource.name,
            help=resource.about,
            description=f"{resource.about.capitalize()}: {', '.join(verbs)}.",
            epilog=examples(*_list_examples(resource)[:1], *_get_examples(resource)),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        group.set_defaults(command_parser=group)
        actions = group.add_subparsers(
            title=f"{resource.name} commands", metavar="ACTION"
        )
        servers += [
            _add_list(actions, resource),
            _add_get(actions, resource),
            _add_count(actions, resource),
        ]
        if resource.deletable:
            servers.append(_add_delete(actions, resource))

    return servers


def _command(
    actions: SubParsers,
    name: str,
    summary: str,
    lines: Sequence[str],
    run: Runner,
    check: Check,
) -> argparse.ArgumentParser:
    parser = actions.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=examples(*lines),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run, check=check, command_parser=parser)

    return parser


def _add_fan_out_flags(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--all-accounts",
        action="store_true",
        help=f"{what} in the scope's account and in every account below it",
    )
    parser.add_argument(
        "--concurrency",
        type=positive,
        default=_DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"accounts worked on at once with --all-accounts "
        f"(default {_DEFAULT_CONCURRENCY})",
    )
    add_progress_flag(parser)


# list


def _list_examples(resource: Resource) -> list[str]:
    return [
        f"ec {resource.name} list --base-url {LOOPBACK_URL}{resource.example_filter}",
        f"ec {resource.name} list --all -o csv --columns "
        f"{','.join(resource.columns[:3])} > {resource.name}.csv",
        f"ec {resource.name} list --all-accounts -o json",
    ]


def _add_list(actions: SubParsers, resource: Resource) -> argparse.ArgumentParser:
    parser = _command(
        actions,
        "list",
        f"list {resource.about}: the first page, or every page with --all",
        _list_examples(resource),
        functools.partial(_list, resource),
        functools.partial(_check_list, resource),
    )
    for flag in resource.filters:
        parser.add_argument(
            flag.flag, type=flag.parse, choices=flag.choices, help=flag.help
        )
    if resource.recursive:
        parser.add_argument(
            "--recursive",
            action="store_true",
            help="every account below the scope, at any depth, in one request",
        )
    parser.add_argument(
        "--all", action="store_true", help="every page, not just the first"
    )
    parser.add_argument(
        "--limit",
        type=positive,
        default=_DEFAULT_LIMIT,
        metavar="N",
        help=f"rows per page (default {_DEFAULT_LIMIT})",
    )
    _add_fan_out_flags(parser, f"list {resource.name}, with an account column,")
    add_output_flags(parser)

    return parser


def _check_list(resource: Resource, args: argparse.Namespace) -> None:
    if getattr(args, "recursive", False):
        if args.all_accounts or args.all:
            raise usage("--recursive lists every account already; leave out --all")
        if any(getattr(args, flag.keyword) for flag in resource.filters):
            raise usage("--recursive takes no filters: the server lists every account")
    extra = {"account": None} if args.all_accounts else {}
    check_columns(args.columns, {**resource.schema(), **extra})


async def _list(resource: Resource, args: argparse.Namespace, ec: Client) -> int:
    if args.all_accounts:
        return await list_everywhere(args, ec, resource)
    collection = resource.collection(view(ec, args))
    filters = resource.filters_of(args)
    listing = Listing(Output.of(args), resource.columns)
    more = False
    if getattr(args, "recursive", False):
        listing.extend(map(resource.record, await collection.descendants()))
    elif args.all:
        with reporter(f"listing {resource.name}", resource.name, args) as report:
            items = collection.iter(
                page_size=args.limit, **filters, **resource.iter_options
            )
            async with contextlib.aclosing(counted(items, report)) as found:
                async for item in found:
                    listing.add(resource.record(item))
    else:
        page = await collection.list(limit=args.limit, **filters)
        listing.extend(map(resource.record, page))
        more = page.limit_exceeded
    listing.close()
    if more:
        _note(f"more {resource.name} than shown: pass --all for every page")

    return EXIT_OK


# get


def _get_examples(resource: Resource) -> list[str]:
    return [
        f"ec {resource.name} get {resource.example_id} --base-url {LOOPBACK_URL}",
        f"ec {resource.name} get {resource.example_id} -o json",
    ]


def _add_get(actions: SubParsers, resource: Resource) -> argparse.ArgumentParser:
    parser = _command(
        actions,
        "get",
        f"show one {resource.noun} by id: every field, or the --columns asked for",
        _get_examples(resource),
        functools.partial(_get, resource),
        functools.partial(_check_get, resource),
    )
    parser.add_argument("id", metavar="ID", help=f"the {resource.noun}'s id")
    add_output_flags(parser)

    return parser


def _check_get(resource: Resource, args: argparse.Namespace) -> None:
    check_columns(args.columns, resource.schema())


async def _get(resource: Resource, args: argparse.Namespace, ec: Client) -> int:
    item = await resource.collection(view(ec, args)).get(args.id)
    print_one(resource.record(item), Output.of(args))

    return EXIT_OK


# count


def _add_count(actions: SubParsers, resource: Resource) -> argparse.ArgumentParser:
    by = f" --by {next(iter(resource.count_by))}" if resource.count_by else ""
    parser = _command(
        actions,
        "count",
        f"count {resource.about} in the scope, or in each account of the tree "
        "with --all-accounts",
        [
            f"ec {resource.name} count --base-url {LOOPBACK_URL}",
            f"ec {resource.name} count --all-accounts{by}",
            f"ec {resource.name} count --all-accounts -o csv > {resource.name}.csv",
        ],
        functools.partial(_count, resource),
        functools.partial(_check_count, resource),
    )
    if resource.count_by:
        parser.add_argument(
            "--by",
            choices=list(resource.count_by),
            help="split each count (reads every item, page by page)",
        )
    _add_fan_out_flags(parser, "count")
    add_output_flags(parser)

    return parser


def _split_of(resource: Resource, args: argparse.Namespace) -> CountBy | None:
    by: str | None = getattr(args, "by", None)
    return None if by is None else resource.count_by[by]


def _check_count(resource: Resource, args: argparse.Namespace) -> None:
    by = _split_of(resource, args)
    split = by.columns if by else ()
    if args.all_accounts:
        known = dict.fromkeys((*COUNT_COLUMNS, *split))
    else:
        known = dict.fromkeys(("scopeId", "count", *split))
    check_columns(args.columns, known)


async def _count(resource: Resource, args: argparse.Namespace, ec: Client) -> int:
    by = _split_of(resource, args)
    if args.all_accounts:
        return await count_everywhere(args, ec, resource, by)
    if by is None:
        counts = await resource.count_in(view(ec, args), None)
    else:
        # Only a split count pages, so only a split count shows progress.
        with reporter(f"counting {resource.name}", resource.name, args) as report:
            counts = await resource.count_in(view(ec, args), by, report)
    print_one({"scopeId": args.scope or ec.scope_id, **counts}, Output.of(args))

    return EXIT_OK


# delete


def _add_delete(actions: SubParsers, resource: Resource) -> argparse.ArgumentParser:
    parser = _command(
        actions,
        "delete",
        f"delete {resource.name} by id, asking first on a terminal "
        "(elsewhere pass --yes)",
        [
            f"ec {resource.name} delete {resource.example_id} "
            f"--base-url {LOOPBACK_URL}",
            f"ec {resource.name} delete {resource.example_id} --yes",
        ],
        functools.partial(_delete, resource),
        functools.partial(_confirm_delete, resource),
    )
    parser.add_argument(
        "ids", nargs="+", metavar="ID", help=f"the id of a {resource.noun}"
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="delete without asking (needed off a terminal)",
    )

    return parser


def _confirm_delete(resource: Resource, args: argparse.Namespace) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise usage("not deleting without --yes: there is no terminal to ask on")
    what = resource.noun if len(args.ids) == 1 else resource.name
    sys.stderr.write(f"Delete {len(args.ids)} {what} ({', '.join(args.ids)})? [y/N] ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in {"y", "yes"}:
        raise ECError("nothing deleted")


async def _delete(resource: Resource, args: argparse.Namespace, ec: Client) -> int:
    collection = resource.collection(view(ec, args))
    for item_id in args.ids:
        await collection.delete(item_id)
        _note(f"deleted {resource.noun} {item_id}")

    return EXIT_OK


def _note(text: str) -> None:
    print(f"ec: {text}", file=sys.stderr)
