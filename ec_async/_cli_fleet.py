"""The ``ec`` commands that fan out over an account tree: list and count devices.

They walk the tree below the scope, run one operation per account with the
bulk helper, show progress on stderr (a rich bar on a terminal when rich is
installed, plain lines otherwise), and end with a summary.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import Any, TextIO

from . import bulk
from ._accounts import AccountNode
from ._cli import EXIT_ERROR, EXIT_OK, _client_from, _device_row, _emit, _view
from ._client import Client, Scope
from ._convert import unstructure
from ._models import Account, ConnectionStatus, Device

__all__ = ["count_devices", "list_devices_everywhere"]

_STATUSES = [status.value for status in ConnectionStatus]
_DEVICE_COLUMNS = [
    "account",
    "id",
    "clientId",
    "displayName",
    "connection",
    "modelName",
    "firmwareVersion",
]
# Pages of one account's listing fetched at once, on top of the accounts at once.
_PAGES_AT_ONCE = 2


async def list_devices_everywhere(args: argparse.Namespace) -> int:
    """``ec devices list --all-accounts``: every device of the scope and below."""
    filters: dict[str, Any] = {
        "client_id": args.client_id,
        "status": args.status,
        "fetch_attributes": ["connection"],
        "page_size": max(args.limit, 1),
        "concurrency": _PAGES_AT_ONCE,
    }
    async with _client_from(args) as ec:
        view = _view(ec, args)
        nodes = await _tree(ec, view, args)

        async def devices_of(node: AccountNode) -> list[Device]:
            devices = ec.scope(node.account.id).devices
            return [device async for device in devices.iter(**filters)]

        with _reporter("listing devices", args) as report_progress:
            report = await bulk.run(
                devices_of,
                nodes,
                concurrency=args.concurrency,
                progress=report_progress,
            )

    rows = [
        {"account": result.item.account.name, **_device_row(unstructure(device))}
        for result in report.succeeded
        for device in result.unwrap()
    ]
    _emit(rows, args.json, _DEVICE_COLUMNS)
    _report_failures(report)
    return EXIT_ERROR if report.failed else EXIT_OK


async def count_devices(args: argparse.Namespace) -> int:
    """``ec devices count``: devices per account, optionally by connection status."""
    by_status = args.by == "status"
    async with _client_from(args) as ec:
        view = _view(ec, args)
        if args.all_accounts:
            nodes = await _tree(ec, view, args)
        else:
            nodes = [AccountNode(account=await _root(ec, view, args), depth=0)]

        async def count(node: AccountNode) -> Counter[str]:
            devices = ec.scope(node.account.id).devices
            if not by_status:
                return Counter({"devices": await devices.count()})
            statuses: Counter[str] = Counter()
            pages = devices.iter_pages(
                fetch_attributes=["connection"], concurrency=_PAGES_AT_ONCE
            )
            async for page in pages:
                statuses.update(_status_of(device) for device in page)
            statuses["devices"] = sum(statuses.values())
            return statuses

        with _reporter("counting devices", args) as report_progress:
            report = await bulk.run(
                count, nodes, concurrency=args.concurrency, progress=report_progress
            )

    columns = ["account", "devices", *(_STATUSES if by_status else [])]
    rows = [_count_row(result, columns, args.json) for result in report]
    totals: Counter[str] = Counter()
    for counted in report.values:
        totals.update(counted)
    summary = {
        "accounts": len(report),
        "failed": len(report.failed),
        "devices": totals["devices"],
        **({status: totals[status] for status in _STATUSES} if by_status else {}),
        "seconds": round(report.elapsed, 3),
    }
    if args.json:
        _emit_document({"accounts": rows, "summary": summary}, sys.stdout)
    else:
        _emit(rows, False, [*columns, "error"] if report.failed else columns)
        sys.stdout.write(_summary_line(summary) + "\n")
    _report_failures(report)
    return EXIT_ERROR if report.failed else EXIT_OK


async def _root(ec: Client, view: Client | Scope, args: argparse.Namespace) -> Account:
    if args.scope:
        return await ec.accounts.get(args.scope)
    return await view.accounts.current()


async def _tree(
    ec: Client, view: Client | Scope, args: argparse.Namespace
) -> list[AccountNode]:
    """The scope's own account and every account below it, each after its parent."""
    root = AccountNode(account=await _root(ec, view, args), depth=0)
    walked = [node async for node in view.accounts.walk(concurrency=args.concurrency)]
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


def _status_of(device: Device) -> str:
    status = device.connection.status if device.connection else None
    return status if status in _STATUSES else ConnectionStatus.NULL.value


def _count_row(
    result: bulk.Result[AccountNode, Counter[str]], columns: list[str], as_json: bool
) -> dict[str, Any]:
    node = result.item
    name = node.account.name if as_json else "  " * node.depth + node.account.name
    row: dict[str, Any] = {"account": name}
    if as_json:
        row |= {"accountId": node.account.id, "depth": node.depth}
    counted = result.value if result.ok and result.value is not None else None
    for column in columns[1:]:
        row[column] = None if counted is None else counted[column]
    row["error"] = None if result.error is None else str(result.error)
    return row


def _summary_line(summary: dict[str, Any]) -> str:
    statuses = ", ".join(
        f"{summary[status]} {status.lower()}"
        for status in _STATUSES
        if status in summary
    )
    failed = f"; {summary['failed']} failed" if summary["failed"] else ""
    detail = f" ({statuses})" if statuses else ""
    return (
        f"{summary['devices']} devices{detail} in {summary['accounts']} accounts"
        f"{failed}; {summary['seconds']:.2f} s"
    )


def _report_failures(report: bulk.Report[AccountNode, Any]) -> None:
    for result in report.failed:
        print(f"ec: {result.item.account.name}: {result.error}", file=sys.stderr)


def _emit_document(document: dict[str, Any], stream: TextIO) -> None:
    json.dump(document, stream, indent=2, default=str)
    stream.write("\n")


@contextmanager
def _reporter(
    label: str, args: argparse.Namespace, stream: TextIO | None = None
) -> Generator[Callable[[bulk.Progress], None] | None, None, None]:
    """A progress callback on stderr, or ``None`` when asked for no progress."""
    out = stream or sys.stderr
    if args.no_progress:
        yield None
        return
    if out.isatty():
        try:
            from rich.progress import Progress as RichProgress
        except ImportError:
            pass
        else:
            with _rich_reporter(RichProgress, label, out) as report:
                yield report
            return
    reporter = _LineReporter(label, out)
    try:
        yield reporter
    finally:
        reporter.finish()


@contextmanager
def _rich_reporter(
    progress_class: Any, label: str, out: TextIO
) -> Generator[Callable[[bulk.Progress], None], None, None]:
    from rich.console import Console

    with progress_class(console=Console(file=out), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def report(progress: bulk.Progress) -> None:
            bar.update(task, completed=progress.completed, total=progress.total)

        yield report


class _LineReporter:
    """Progress as plain text: one line rewritten on a terminal, else every tenth."""

    def __init__(self, label: str, out: TextIO) -> None:
        self._label = label
        self._out = out
        self._live = out.isatty()
        self._shown = -1
        self._last: bulk.Progress | None = None

    def __call__(self, progress: bulk.Progress) -> None:
        self._last = progress
        if self._live:
            self._out.write("\r" + self._text(progress))
            self._out.flush()
            return
        tenth = 10 * progress.completed // progress.total if progress.total else None
        if tenth is not None and tenth > self._shown:
            self._shown = tenth
            self._out.write(self._text(progress) + "\n")

    def finish(self) -> None:
        """End the line (on a terminal) once the work is done."""
        if self._live and self._last is not None:
            self._out.write("\n")

    def _text(self, progress: bulk.Progress) -> str:
        of = f"/{progress.total}" if progress.total is not None else ""
        failed = f", {progress.failed} failed" if progress.failed else ""
        return (
            f"{self._label}: {progress.completed}{of} accounts{failed}, "
            f"{progress.elapsed:.1f} s"
        )
