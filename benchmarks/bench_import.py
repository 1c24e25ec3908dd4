"""``import ec_async`` against ``import aiohttp``, each timed in fresh interpreters.

Each measurement is a new process that times one import statement with
``time.perf_counter`` (interpreter start-up is left out); the two alternate,
and the medians are compared. ec_async imports aiohttp, so the ratio is what
ec-client adds on top of its HTTP library.

ec_async is compiled to bytecode first, as pip does when it installs a
package (aiohttp's was compiled when it was installed): an editable checkout
run with ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module
from source on every import, which no installed copy does.
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
from pathlib import Path

import attrs

import ec_async

__all__ = ["Figures", "measure", "run"]

ROUNDS = 15
_TIMED = (
    "import time; started = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - started)"
)


@attrs.frozen
class Figures:
    """Median seconds to import each module in a fresh interpreter."""

    ec_async: float
    aiohttp: float

    def ratios(self) -> dict[str, float]:
        """ec_async over aiohttp (target 1.3 at most)."""
        return {"import time, ec_async / aiohttp": self.ec_async / self.aiohttp}


def run() -> dict[str, float]:
    """Time both imports and return the ratio."""
    return measure().ratios()


def measure() -> Figures:
    """Alternate fresh interpreters importing each module; take the medians."""
    compileall.compile_dir(Path(ec_async.__file__).parent, quiet=1)
    times: dict[str, list[float]] = {"ec_async": [], "aiohttp": []}
    for _ in range(ROUNDS):
        for module, seconds in times.items():
            seconds.append(_import_time(module))
    return Figures(
        ec_async=statistics.median(times["ec_async"]),
        aiohttp=statistics.median(times["aiohttp"]),
    )


def _import_time(module: str) -> float:
    done = subprocess.run(  # noqa: S603 - our own interpreter, a fixed statement.
        [sys.executable, "-c", _TIMED.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


if __name__ == "__main__":
    figures = measure()
    print(
        f"ec_async {figures.ec_async * 1000:.0f} ms, aiohttp {figures.aiohttp * 1000:.0f} ms"
    )
    for name, ratio in figures.ratios().items():
        print(f"{name}: {ratio:.2f}")
