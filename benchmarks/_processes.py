"""Servers in processes of their own, so that their CPU time is not the client's.

``served(...)`` starts a command that prints its base URL on its first line
(``ec emulator`` does), yields that line's words, and stops the process.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Generator, Sequence

__all__ = ["cpu_seconds", "emulator_command", "peak_rss_bytes", "rss_bytes", "served"]


def emulator_command(seed: str, *, latency_ms: float = 0.0) -> list[str]:
    """The ``ec emulator`` command line for a seed, on a free loopback port."""
    return [
        sys.executable,
        "-m",
        "ec_async._cli",
        "emulator",
        "--seed",
        seed,
        "--port",
        "0",
        "--latency",
        str(latency_ms),
    ]


@contextlib.contextmanager
def served(
    command: Sequence[str],
) -> Generator[tuple[subprocess.Popen[str], list[str]], None, None]:
    """Run ``command`` until its first line is out; yield the process and that line."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module.
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            msg = f"{' '.join(command[2:5])} exited before it was ready"
            raise RuntimeError(msg)
        yield process, line.split()
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime and stime
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_bytes() -> int:
    """This process's resident set size now (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """The highest resident set size of this program so far (Linux ``VmHWM``).

    Unlike ``ru_maxrss``, it starts afresh at ``exec``, so a child started by
    a big parent does not inherit the parent's peak.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    msg = "no VmHWM in /proc/self/status"
    raise RuntimeError(msg)
