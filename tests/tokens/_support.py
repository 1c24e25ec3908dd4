"""Helpers of the token tests: a recorded emulator and a relay that holds requests."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import attrs

import ec_async
from ec_async.emulator import (
    DEMO_PASSWORD,
    Emulator,
    EmulatorConfig,
    Exchange,
    ExchangeObserver,
)
from tests.conformance import SpecObserver

__all__ = ["ADMIN", "PASSWORD", "Gate", "Rule", "Served", "lifetime_of", "serve"]

ADMIN = "acme-admin"
PASSWORD = DEMO_PASSWORD


@attrs.define
class Served:
    """A running emulator and every exchange it answered, in order."""

    emulator: Emulator
    exchanges: list[Exchange] = attrs.Factory(list)
    answered_at: list[float] = attrs.Factory(list)
    _news: asyncio.Event = attrs.Factory(asyncio.Event)

    def note(self, exchange: Exchange) -> None:
        """Record an exchange the emulator answered (its observer)."""
        self.answered_at.append(time.monotonic())
        self.exchanges.append(exchange)
        self._news.set()

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        """Return once ``condition`` holds, checking after each exchange."""
        while not condition():
            self._news.clear()
            await self._news.wait()

    @property
    def base_url(self) -> str:
        """The emulator's API root."""
        return self.emulator.base_url

    def sent(self, method: str, path_end: str) -> int:
        """How many requests ``method`` to a path ending in ``path_end`` arrived."""
        return sum(
            1
            for exchange in self.exchanges
            if exchange.method == method and exchange.path.endswith(path_end)
        )

    def issued(self) -> list[tuple[float, dict[str, Any]]]:
        """Each token a login or refresh issued, with when it was answered."""
        return [
            (moment, json.loads(exchange.response_body))
            for moment, exchange in zip(self.answered_at, self.exchanges, strict=True)
            if exchange.status == 200
            and exchange.path.endswith(
                ("/authentication/user", "/authentication/refresh")
            )
        ]

    def client(self, base_url: str | None = None, **options: Any) -> ec_async.Client:
        """The tenant admin's async client, optionally through another URL."""
        if not {"username", "api_key", "credentials_provider"} & options.keys():
            options |= {"username": ADMIN, "password": PASSWORD}
        return ec_async.Client(base_url or self.base_url, **options)


@contextlib.asynccontextmanager
async def serve(
    spec_observer: SpecObserver,
    observers: Sequence[ExchangeObserver] = (),
    **config: Any,
) -> AsyncIterator[Served]:
    """A spec-checked "minimal" emulator on this loop, its exchanges recorded.

    ``config`` holds ``EmulatorConfig`` settings; failed logins are not delayed.
    """
    settings = EmulatorConfig(**{"failed_login_delay": 0.0, **config})
    emulator = Emulator(seed="minimal", config=settings)
    served = Served(emulator)
    emulator.observers = (spec_observer, *observers, served.note)
    async with emulator:
        yield served


def lifetime_of(token: Mapping[str, Any]) -> float:
    """Seconds an AccessToken document is usable from its ``createdOn``.

    The server refuses the token from its JWT's ``exp``, which counts whole
    seconds, or from ``expiresOn``, whichever comes first.
    """
    payload = token["tokenId"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    created = dt.datetime.fromisoformat(token["createdOn"])
    expires = min(
        dt.datetime.fromisoformat(token["expiresOn"]),
        dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
    )
    return (expires - created).total_seconds()


@attrs.define(eq=False)
class Rule:
    """What the gate does to requests whose first bytes contain ``marker``.

    A held request waits until ``release()``; then, or at once when not held,
    a dropped one has its connection closed, so the client sees a transport
    failure, and an answered one gets an empty ``status`` response from the
    gate itself. Any other request goes on to the server.
    """

    marker: bytes
    held: bool = False
    drop: bool = False
    status: int | None = None
    arrivals: int = 0
    arrived: asyncio.Event = attrs.field(factory=asyncio.Event)
    released: asyncio.Event = attrs.field(factory=asyncio.Event)

    def release(self) -> None:
        """Let every held request, and the ones still to come, through."""
        self.released.set()


class Gate:
    """A loopback TCP relay in front of a server that holds or drops chosen requests.

    The client cannot be paused between taking a token and sending it, so a
    test that needs a request to reach the server late puts this in between.
    """

    def __init__(self, target_url: str) -> None:
        target = urlsplit(target_url)
        self._target = (target.hostname or "127.0.0.1", target.port or 80)
        self._prefix = target.path
        self._rules: list[Rule] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pumps: set[asyncio.Task[None]] = set()
        self.base_url = ""

    def hold(self, marker: str, *, drop: bool = False) -> Rule:
        """Hold requests containing ``marker``, to pass or ``drop`` them on release."""
        return self._add(Rule(marker.encode(), held=True, drop=drop))

    def drop(self, marker: str) -> Rule:
        """Close the connection of requests containing ``marker``."""
        return self._add(Rule(marker.encode(), drop=True))

    def answer(self, marker: str, status: int) -> Rule:
        """Answer requests containing ``marker`` with an empty ``status`` response."""
        return self._add(Rule(marker.encode(), status=status))

    def remove(self, rule: Rule) -> None:
        """Stop applying ``rule`` to later requests."""
        self._rules.remove(rule)

    def _add(self, rule: Rule) -> Rule:
        self._rules.append(rule)
        return rule

    async def __aenter__(self) -> Gate:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}{self._prefix}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for rule in self._rules:
            rule.release()
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        for writer in list(self._writers):
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        await self._server.wait_closed()

    async def _relay(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self._target)
        self._writers |= {client_writer, server_writer}
        upstream = asyncio.ensure_future(
            self._pump(client_reader, server_writer, client_writer, inspect=True)
        )
        downstream = asyncio.ensure_future(
            self._pump(server_reader, client_writer, server_writer, inspect=False)
        )
        self._pumps |= {upstream, downstream}
        await asyncio.gather(upstream, downstream, return_exceptions=True)
        for writer in (client_writer, server_writer):
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            self._writers.discard(writer)
        self._pumps -= {upstream, downstream}

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        other: asyncio.StreamWriter,
        *,
        inspect: bool,
    ) -> None:
        try:
            while chunk := await reader.read(65536):
                rule = self._rule_for(chunk) if inspect else None
                if rule is not None:
                    rule.arrivals += 1
                    rule.arrived.set()
                    if rule.held:
                        await rule.released.wait()
                    if rule.drop:
                        break
                    if rule.status is not None:
                        other.write(
                            f"HTTP/1.1 {rule.status} Refused\r\n"
                            "Content-Length: 0\r\n\r\n".encode()
                        )
                        await other.drain()
                        continue
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            other.close()

    def _rule_for(self, chunk: bytes) -> Rule | None:
        return next((rule for rule in self._rules if rule.marker in chunk), None)
