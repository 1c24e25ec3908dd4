"""Peak memory while streaming 1,000,000 devices: flat, under 50 MB above the start.

A synthetic listing (``benchmarks/_synthetic.py``: a real emulator for login,
with one account's device list made up on the fly) serves the devices from a
process of its own; a fresh client process streams them with ``iter()``
(pages of 1,000, 4 at a time) and reports its resident set size right after
start-up and at its peak. The peak is the kernel's high-water mark
(``VmHWM``), not a sample.
"""

from __future__ import annotations

import json
import subprocess
import sys

import attrs

from ._processes import served

__all__ = ["Figures", "measure", "run"]

DEVICES = 1_000_000
BUDGET = 50 * 1024 * 1024


@attrs.frozen
class Figures:
    """Resident set sizes in bytes, and what was streamed."""

    start_rss: int
    peak_rss: int
    samples: list[tuple[int, int]]
    devices: int
    seconds: float

    def ratios(self) -> dict[str, float]:
        """Growth over the 50 MB budget (target below 1), and last sample over first."""
        return {
            "1M devices streamed: peak RSS growth / 50 MB": (
                self.peak_rss - self.start_rss
            )
            / BUDGET,
            "1M devices streamed: RSS at the end / at 10%": self.samples[-1][1]
            / self.samples[0][1],
        }


def run() -> dict[str, float]:
    """Stream a million devices in a fresh client process and return the ratios."""
    return measure().ratios()


def measure() -> Figures:
    """Start the synthetic server, run the client process against it."""
    command = [sys.executable, "-m", "benchmarks._synthetic", str(DEVICES)]
    with served(command) as (_, words):
        base_url, scope_id = words
        done = subprocess.run(  # noqa: S603 - our own interpreter and module.
            [sys.executable, "-m", "benchmarks._stream", base_url, scope_id],
            capture_output=True,
            text=True,
            check=True,
        )
    figures = json.loads(done.stdout)
    if figures["devices"] != DEVICES:
        msg = f"streamed {figures['devices']} devices, not {DEVICES}"
        raise RuntimeError(msg)
    return Figures(
        start_rss=figures["start_rss"],
        peak_rss=figures["peak_rss"],
        samples=[(count, rss) for count, rss in figures["samples"]],
        devices=figures["devices"],
        seconds=figures["seconds"],
    )


if __name__ == "__main__":
    figures = measure()
    megabyte = 1024 * 1024
    print(
        f"start {figures.start_rss / megabyte:.1f} MB, peak "
        f"{figures.peak_rss / megabyte:.1f} MB, {figures.devices} devices in "
        f"{figures.seconds:.1f} s"
    )
    print(
        "samples:",
        ", ".join(f"{count}: {rss / megabyte:.1f}" for count, rss in figures.samples),
    )
    for name, ratio in figures.ratios().items():
        print(f"{name}: {ratio:.2f}")
