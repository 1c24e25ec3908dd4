"""Progress of the ``ec`` commands that page or fan out, drawn on standard error.

Shown when standard error is a terminal (``--progress`` forces it, and
``--no-progress`` hides it): a rich bar when rich is installed, otherwise one
plain line rewritten in place, or, off a terminal, a line now and then.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
)
from contextlib import contextmanager
from typing import Any, TextIO, TypeVar

from . import bulk

__all__ = ["Report", "add_progress_flag", "counted", "reporter"]

T = TypeVar("T")

Report = Callable[[bulk.Progress], None]

# How often a plain line is rewritten on a terminal, and written off one.
_TERMINAL_EVERY = 0.1
_LOG_EVERY = 1.0


def add_progress_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--progress/--no-progress`` to a command that pages or fans out."""
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on stderr (default: when stderr is a terminal)",
    )


@contextmanager
def reporter(
    label: str, unit: str, args: argparse.Namespace, stream: TextIO | None = None
) -> Generator[Report | None, None, None]:
    """A progress callback on standard error, or ``None`` when none is shown."""
    out = stream or sys.stderr
    if not (args.progress or (args.progress is None and out.isatty())):
        yield None
        return
    if out.isatty():
        try:
            from rich.progress import Progress as RichProgress
        except ImportError:
            pass
        else:
            with _rich_reporter(RichProgress, label, unit, out) as report:
                yield report
            return
    lines = _LineReporter(label, unit, out)
    try:
        yield lines
    finally:
        lines.finish()


async def counted(
    items: AsyncIterator[T], report: Report | None
) -> AsyncGenerator[T, None]:
    """The items, reporting how many have come so far (their total is unknown).

    Closing it closes ``items`` too, at once: left to the event loop's
    shutdown (the reader of stdout went away, say), the two would be closed
    concurrently, and the listing's close would fail noisily.
    """
    started = time.perf_counter()
    completed = 0
    try:
        async for item in items:
            completed += 1
            if report is not None:
                elapsed = time.perf_counter() - started
                report(bulk.Progress(completed, 0, None, elapsed))
            yield item
    finally:
        close: Callable[[], Awaitable[object]] | None = getattr(items, "aclose", None)
        if close is not None:
            await close()


@contextmanager
def _rich_reporter(
    progress_class: Any, label: str, unit: str, out: TextIO
) -> Generator[Report, None, None]:
    from rich.console import Console
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}" + "{task.fields[of]} " + unit),
        TimeElapsedColumn(),
    )
    # Records go to stdout while the bar is drawn; rich must leave stdout alone.
    with progress_class(
        *columns,
        console=Console(file=out),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    ) as bar:
        task = bar.add_task(label, total=None, of="")

        def report(progress: bulk.Progress) -> None:
            of = "" if progress.total is None else f"/{progress.total}"
            bar.update(task, completed=progress.completed, total=progress.total, of=of)

        yield report


class _LineReporter:
    """Progress as plain text: one line rewritten on a terminal, else a line a second."""

    def __init__(self, label: str, unit: str, out: TextIO) -> None:
        self._label = label
        self._unit = unit
        self._out = out
        self._live = out.isatty()
        self._every = _TERMINAL_EVERY if self._live else _LOG_EVERY
        self._shown_at: float | None = None
        self._last: bulk.Progress | None = None
        self._last_shown = True

    def __call__(self, progress: bulk.Progress) -> None:
        self._last = progress
        now = time.monotonic()
        done = progress.total is not None and progress.completed >= progress.total
        if done or self._shown_at is None or now - self._shown_at >= self._every:
            self._show(progress)
            self._shown_at = now
            self._last_shown = True
        else:
            self._last_shown = False

    def finish(self) -> None:
        """Show where the work ended, and end the line on a terminal."""
        if self._last is None:
            return
        if not self._last_shown:
            self._show(self._last)
        if self._live:
            self._out.write("\n")
            self._out.flush()

    def _show(self, progress: bulk.Progress) -> None:
        text = self._text(progress)
        self._out.write("\r" + text if self._live else text + "\n")
        self._out.flush()

    def _text(self, progress: bulk.Progress) -> str:
        of = f"/{progress.total}" if progress.total is not None else ""
        failed = f", {progress.failed} failed" if progress.failed else ""
        return (
            f"{self._label}: {progress.completed}{of} {self._unit}{failed}, "
            f"{progress.elapsed:.1f} s"
        )
