"""``list --all-accounts`` and ``count --all-accounts``: one resource over an account tree.

They walk the tree below the scope, run one listing or count per account with
the bulk helper, show progress on stderr, and report each account that failed
on stderr, one line each, exiting with 1.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from typing import Any

from . import bulk
from ._accounts import AccountNode
from ._cli_common import EXIT_ERROR, EXIT_OK, one_line, view
from ._cli_output import Listing, Output
from ._cli_progress import reporter
from ._cli_resources import CountBy, Resource
from ._client import Client, Scope
from ._models import Account

__all__ = ["COUNT_COLUMNS", "count_everywhere", "list_everywhere"]

# The columns of a row of `count --all-accounts`, besides the split's.
COUNT_COLUMNS = ("account", "accountId", "depth", "count", "error")


async def list_everywhere(
    args: argparse.Namespace, ec: Client, resource: Resource
) -> int:
    """Every item of the scope's account and of every account below it."""
    options = {
        **resource.filters_of(args),
        **resource.iter_options,
        "page_size": args.limit,
    }
    nodes = await _tree(ec, view(ec, args), args)

    async def items_of(node: AccountNode) -> list[dict[str, Any]]:
        collection = resource.collection(ec.scope(node.account.id))
        return [resource.record(item) async for item in collection.iter(**options)]

    with reporter(f"listing {resource.name}", "accounts", args) as report:
        outcome = await bulk.run(
            items_of, nodes, concurrency=args.concurrency, progress=report
        )

    listing = Listing(Output.of(args), ("account", *resource.columns))
    for result in outcome.succeeded:
        account = result.item.account.name
        listing.extend({"account": account, **record} for record in result.unwrap())
    listing.close()
    _report_failures(outcome)

    return EXIT_ERROR if outcome.failed else EXIT_OK


async def count_everywhere(
    args: argparse.Namespace, ec: Client, resource: Resource, by: CountBy | None
) -> int:
    """How many of the resource each account of the tree holds, a row each."""
    nodes = await _tree(ec, view(ec, args), args)

    async def count(node: AccountNode) -> dict[str, int]:
        return await resource.count_in(ec.scope(node.account.id), by)

    with reporter(f"counting {resource.name}", "accounts", args) as report:
        outcome = await bulk.run(
            count, nodes, concurrency=args.concurrency, progress=report
        )

    output = Output.of(args)
    split = by.columns if by else ()
    table = output.format == "table"
    # A table for people shows an error column only when there are errors;
    # JSON and CSV for scripts keep one layout whatever the outcome.
    if table:
        columns = ["account", "count", *split, *(["error"] if outcome.failed else [])]
    else:
        columns = ["account", "accountId", "depth", "count", *split, "error"]
    listing = Listing(output, columns)
    listing.extend(_count_row(result, split, indent=table) for result in outcome)
    listing.close()
    if table:
        print(_summary(resource, outcome, split), file=sys.stderr)
    _report_failures(outcome)

    return EXIT_ERROR if outcome.failed else EXIT_OK


async def _root(
    ec: Client, scoped: Client | Scope, args: argparse.Namespace
) -> Account:
    if args.scope:
        return await ec.accounts.get(args.scope)
    return await scoped.accounts.current()


async def _tree(
    ec: Client, scoped: Client | Scope, args: argparse.Namespace
) -> list[AccountNode]:
    """The scope's own account and every account below it, each after its parent."""
    root = AccountNode(account=await _root(ec, scoped, args), depth=0)
    walked = [node async for node in scoped.accounts.walk(concurrency=args.concurrency)]
    return _tree_order(root, walked)


def _tree_order(root: AccountNode, below: list[AccountNode]) -> list[AccountNode]:
    # An account's scope id is its parent's id: lay the walk out as a tree,
    # each account followed by its children, as an indented table reads.
    children: dict[str | None, list[AccountNode]] = defaultdict(list)
    for node in below:
        children[node.account.scope_id].append(node)
    ordered: list[AccountNode] = []
    pending = [root]
    while pending:
        node = pending.pop()
        ordered.append(node)
        pending += reversed(children.pop(node.account.id, []))
    leftovers = [node for group in children.values() for node in group]

    return ordered + leftovers


def _count_row(
    result: bulk.Result[AccountNode, dict[str, int]],
    split: tuple[str, ...],
    *,
    indent: bool,
) -> dict[str, Any]:
    node = result.item
    counted = result.value if result.ok else None
    # A table shows the tree by indenting; JSON and CSV carry the depth instead.
    prefix = "  " * node.depth if indent else ""

    return {
        "account": prefix + node.account.name,
        "accountId": node.account.id,
        "depth": node.depth,
        **{
            column: None if counted is None else counted[column]
            for column in ("count", *split)
        },
        "error": None if result.error is None else one_line(result.error),
    }


def _summary(
    resource: Resource,
    outcome: bulk.Report[AccountNode, dict[str, int]],
    split: tuple[str, ...],
) -> str:
    totals = {
        column: sum(counted[column] for counted in outcome.values)
        for column in ("count", *split)
    }
    parts = ", ".join(f"{totals[column]} {column.lower()}" for column in split)
    detail = f" ({parts})" if parts else ""
    failed = f"; {len(outcome.failed)} failed" if outcome.failed else ""

    return (
        f"{totals['count']} {resource.name}{detail} in {len(outcome)} accounts"
        f"{failed}; {outcome.elapsed:.2f} s"
    )


def _report_failures(outcome: bulk.Report[AccountNode, Any]) -> None:
    for result in outcome.failed:
        assert result.error is not None  # a failed result carries its error.
        print(
            f"ec: error: {result.item.account.name}: {one_line(result.error)}",
            file=sys.stderr,
        )
