"""The client side of the memory benchmark, run in a fresh process of its own.

``python -m benchmarks._stream URL SCOPE`` logs in, streams every device of
SCOPE, and prints one JSON line: the resident set size after start-up (imports
and a logged-in client), its peak (``VmHWM``), samples along the way, the
number of devices and the seconds it took.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import ec_async
from ec_async.emulator import DEMO_PASSWORD

from ._processes import peak_rss_bytes, rss_bytes

__all__ = ["main"]

PAGE_SIZE = 1000
PAGES_AT_ONCE = 4
SAMPLES = 10


async def stream(base_url: str, scope_id: str) -> dict[str, object]:
    """Read every device once, keeping none; measure memory as it goes."""
    async with ec_async.Client(
        base_url, username="acme-admin", password=DEMO_PASSWORD
    ) as ec:
        devices = ec.scope(scope_id).devices
        total = (await devices.list(limit=1, ask_total_count=True)).total_count or 0
        started_rss = rss_bytes()
        started = time.perf_counter()
        samples: list[tuple[int, int]] = []
        count = 0
        async for _ in devices.iter(page_size=PAGE_SIZE, concurrency=PAGES_AT_ONCE):
            count += 1
            if count % (total // SAMPLES or 1) == 0:
                samples.append((count, rss_bytes()))
        seconds = time.perf_counter() - started

    return {
        "start_rss": started_rss,
        "peak_rss": peak_rss_bytes(),
        "samples": samples,
        "devices": count,
        "seconds": seconds,
    }


def main() -> None:
    """Stream, then print the figures as one JSON line."""
    print(json.dumps(asyncio.run(stream(sys.argv[1], sys.argv[2]))), flush=True)


if __name__ == "__main__":
    main()
