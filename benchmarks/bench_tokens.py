"""What a token renewal costs a storm of concurrent calls, on the embedded emulator.

``run()`` reports, for two kinds of storm, the refreshes that went on the wire
per storm and the 50th and 99th percentile call latency of the storm over the
same calls with no renewal among them:

- *expiry mid-burst*: ``CALLS`` calls at once; after a third are answered the
  server's clock passes the token's expiry, so the rest are refused (401),
  wait for one refresh, and are replayed;
- *refresh ahead*: ``CALLS`` calls spread over ``WINDOW`` seconds around the
  moment the client refreshes ahead of expiry, against the same spread at a
  moment with no refresh.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import statistics
import threading
import time
from collections.abc import Awaitable, Callable

import attrs

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig, Exchange

__all__ = ["Storm", "measure", "run"]

USERNAME = "acme-admin"
CALLS = 1000
ROUNDS = 3
WINDOW = 0.4
# Past the default 30-minute token lifetime, on the server's clock.
PAST_EXPIRY = 31 * 60
# Seconds the refresh-ahead storm's tokens live; the client refreshes at 4/5.
SHORT_TTL = 3.0
_ISSUERS = ("/authentication/user", "/authentication/refresh")


@attrs.frozen
class Storm:
    """Latencies of the calls with and without a renewal, and refreshes sent."""

    calm: list[float]
    stormy: list[float]
    refreshes: int
    rejected: int
    rounds: int

    def ratios(self, name: str) -> dict[str, float]:
        """Refreshes per storm, 401s per call, storm over calm latency percentiles."""
        return {
            f"{name}: refreshes on the wire per storm": self.refreshes / self.rounds,
            f"{name}: 401s per call": self.rejected / (self.rounds * CALLS),
            f"{name}: p50 latency, storm / no renewal": _percentile(self.stormy, 50)
            / _percentile(self.calm, 50),
            f"{name}: p99 latency, storm / no renewal": _percentile(self.stormy, 99)
            / _percentile(self.calm, 99),
        }


def run() -> dict[str, float]:
    """Measure both storms on fresh emulators and return the ratios."""
    expiry, ahead = measure()
    return expiry.ratios("expiry mid-burst") | ahead.ratios("refresh ahead")


def measure() -> tuple[Storm, Storm]:
    """The expiry mid-burst storm, then the refresh-ahead storm."""
    return _expiry_mid_burst(), _refresh_ahead()


def _expiry_mid_burst() -> Storm:
    answered = 0
    expire_at: int | None = None
    lock = threading.Lock()
    holder: list[Emulator] = []

    def expire_midway(exchange: Exchange) -> None:
        nonlocal answered
        if not exchange.path.endswith("/account"):
            return
        with lock:
            answered += 1
            if answered == expire_at:
                holder[0].admin.advance_clock(PAST_EXPIRY)

    async def rounds(ec: ec_async.Client) -> tuple[list[float], list[float]]:
        nonlocal answered, expire_at
        calm: list[float] = []
        stormy: list[float] = []
        await _burst(ec)  # Warm the connections.
        for _ in range(ROUNDS):
            with lock:
                answered, expire_at = 0, None
            calm += await _burst(ec)
            with lock:
                answered, expire_at = 0, CALLS // 3
            stormy += await _burst(ec)
        return calm, stormy

    config = EmulatorConfig(failed_login_delay=0)
    with Emulator.in_thread(
        seed="minimal", config=config, observers=[expire_midway]
    ) as emulator:
        holder.append(emulator)
        calm, stormy = asyncio.run(_with_client(emulator.base_url, rounds))
        counters = emulator.counters
        return Storm(
            calm, stormy, counters.refreshes, sum(counters.rejected.values()), ROUNDS
        )


def _refresh_ahead() -> Storm:
    issued: list[tuple[float, float]] = []
    refreshes = 0
    news = threading.Condition()

    def note_token(exchange: Exchange) -> None:
        if exchange.status == 200 and exchange.path.endswith(_ISSUERS):
            with news:
                issued.append((time.monotonic(), _lifetime(exchange.response_body)))
                news.notify_all()

    def wait_for_token(count: int) -> tuple[float, float]:
        with news:
            if not news.wait_for(lambda: len(issued) >= count, timeout=60):
                msg = "the client stopped refreshing its token"
                raise RuntimeError(msg)
            return issued[count - 1]

    async def rounds(ec: ec_async.Client) -> tuple[list[float], list[float]]:
        nonlocal refreshes
        calm: list[float] = []
        stormy: list[float] = []
        known = 1
        for _ in range(ROUNDS):
            # The client refreshes when a fifth of the lifetime is left: a
            # spread at 3/10 of it sees no refresh, one at 4/5 sees one.
            sent, lifetime = await asyncio.to_thread(wait_for_token, known)
            calm += await _spread(ec, sent + 0.3 * lifetime)
            before = len(issued)
            stormy += await _spread(ec, sent + 0.8 * lifetime)
            refreshes += len(issued) - before
            known = max(len(issued), known + 1)
        return calm, stormy

    config = EmulatorConfig(failed_login_delay=0, access_token_ttl=SHORT_TTL)
    with Emulator.in_thread(
        seed="minimal", config=config, observers=[note_token]
    ) as emulator:
        calm, stormy = asyncio.run(_with_client(emulator.base_url, rounds))
        rejected = sum(emulator.counters.rejected.values())
        return Storm(calm, stormy, refreshes, rejected, ROUNDS)


async def _with_client(
    base_url: str,
    work: Callable[[ec_async.Client], Awaitable[tuple[list[float], list[float]]]],
) -> tuple[list[float], list[float]]:
    async with ec_async.Client(
        base_url, username=USERNAME, password=DEMO_PASSWORD
    ) as ec:
        return await work(ec)


async def _timed(ec: ec_async.Client, start_at: float) -> float:
    await asyncio.sleep(max(start_at - time.monotonic(), 0.0))
    started = time.perf_counter()
    await ec.accounts.current()
    return time.perf_counter() - started


async def _burst(ec: ec_async.Client) -> list[float]:
    """``CALLS`` calls started at once; the latency of each."""
    now = time.monotonic()
    return list(await asyncio.gather(*(_timed(ec, now) for _ in range(CALLS))))


async def _spread(ec: ec_async.Client, centre: float) -> list[float]:
    """``CALLS`` calls started evenly over ``WINDOW`` seconds around ``centre``."""
    first = centre - WINDOW / 2
    step = WINDOW / CALLS
    return list(
        await asyncio.gather(
            *(_timed(ec, first + index * step) for index in range(CALLS))
        )
    )


def _lifetime(body: bytes) -> float:
    """Seconds an issued token lives: from createdOn to expiresOn or its JWT's exp."""
    token = json.loads(body)
    payload = token["tokenId"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    created = dt.datetime.fromisoformat(token["createdOn"])
    expires = min(
        dt.datetime.fromisoformat(token["expiresOn"]),
        dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
    )
    return (expires - created).total_seconds()


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100)[percent - 1]


if __name__ == "__main__":
    for name, ratio in run().items():
        print(f"{name}: {ratio:.2f}")
