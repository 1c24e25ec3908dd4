"""Client CPU time per request: ec_async against raw aiohttp, same requests, same server.

The emulator runs in a process of its own, so only the client's CPU is
counted (``time.process_time`` of this process). Both sides send the same
``GET /_/devices/{id}`` one at a time on a kept-alive connection: raw aiohttp
with a hand-set ``Authorization`` header, reading the body and decoding the
JSON; ec_async through its whole pipeline, returning a typed ``Device``.
Rounds alternate between the two, and the medians are compared.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp
import attrs

import ec_async
from ec_async.emulator import DEMO_PASSWORD

from ._processes import emulator_command, served

__all__ = ["Figures", "measure", "run"]

USERNAME = "acme-admin"
REQUESTS = 300
ROUNDS = 7


@attrs.frozen
class Figures:
    """Median CPU seconds per request, each way."""

    ec_async: float
    raw_aiohttp: float

    def ratios(self) -> dict[str, float]:
        """ec_async over raw aiohttp (target 1.15 at most)."""
        return {
            "CPU per request, ec_async / raw aiohttp": self.ec_async / self.raw_aiohttp
        }


def run() -> dict[str, float]:
    """Measure against a fresh emulator in another process and return the ratio."""
    return measure().ratios()


def measure() -> Figures:
    """Both clients against one emulator process, rounds interleaved."""
    with served(emulator_command("minimal")) as (_, words):
        return asyncio.run(_compare(words[3]))


async def _compare(base_url: str) -> Figures:
    async with ec_async.Client(
        base_url, username=USERNAME, password=DEMO_PASSWORD
    ) as ec:
        device_id = (await ec.devices.list(limit=1)).items[0].id
        token = ec.access_token
        assert token is not None  # logged in by the context manager.
        headers = {
            "Authorization": f"Bearer {token.token_id}",
            "Accept": "application/json",
        }
        url = f"{base_url}/_/devices/{device_id}"

        async with aiohttp.ClientSession() as session:

            async def raw() -> None:
                async with session.get(url, headers=headers) as response:
                    json.loads(await response.read())

            async def ours() -> None:
                await ec.devices.get(device_id)

            await _per_request(raw)  # Warm up both: connections, hooks, caches.
            await _per_request(ours)
            raw_rounds: list[float] = []
            our_rounds: list[float] = []
            for _ in range(ROUNDS):
                raw_rounds.append(await _per_request(raw))
                our_rounds.append(await _per_request(ours))

    return Figures(
        ec_async=statistics.median(our_rounds),
        raw_aiohttp=statistics.median(raw_rounds),
    )


async def _per_request(call: Callable[[], Awaitable[None]]) -> float:
    started = time.process_time()
    for _ in range(REQUESTS):
        await call()
    return (time.process_time() - started) / REQUESTS


if __name__ == "__main__":
    figures = measure()
    print(
        f"ec_async {figures.ec_async * 1e6:.0f} us, "
        f"raw aiohttp {figures.raw_aiohttp * 1e6:.0f} us per request"
    )
    for name, ratio in figures.ratios().items():
        print(f"{name}: {ratio:.2f}")
