"""Run the ``run()`` of every ``benchmarks/bench_*.py`` module; print its ratios."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from typing import cast

import benchmarks


def main() -> None:
    """Run each benchmark module in name order and print one table of ratios."""
    rows: list[tuple[str, str, float]] = []
    for module_info in sorted(pkgutil.iter_modules(benchmarks.__path__)):
        if not module_info.name.startswith("bench_"):
            continue
        module = importlib.import_module(f"benchmarks.{module_info.name}")
        run = cast("Callable[[], Mapping[str, float]]", module.run)
        rows += [(module_info.name, name, ratio) for name, ratio in run().items()]

    width = max((len(name) for _, name, _ in rows), default=5)
    print(f"{'benchmark':<16} {'ratio':<{width}}  value")
    for module_name, name, ratio in rows:
        print(f"{module_name:<16} {name:<{width}}  {ratio:.2f}")


if __name__ == "__main__":
    main()
