"""The embedded emulator: an aiohttp server on loopback over an SQLite store."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import threading
from collections.abc import Generator, Sequence
from types import TracebackType

from aiohttp import web

from ec_async.emulator._admin import EmulatorAdmin
from ec_async.emulator._app import build_app
from ec_async.emulator._clock import Clock
from ec_async.emulator._config import EmulatorConfig
from ec_async.emulator._context import EmulatorContext
from ec_async.emulator._counters import EmulatorCounters, IssuedSecrets
from ec_async.emulator._exchange import ExchangeObserver
from ec_async.emulator._faults import Faults
from ec_async.emulator._seed import SeedSpec, resolve_seed, seed_store
from ec_async.emulator._store import Store
from ec_async.emulator._tokens import TokenSigner

__all__ = ["Emulator"]

logger = logging.getLogger("ec_async.emulator")

# A file database keeps its key, so tokens it issued survive a restart.
_KEY_META = "jwt_private_key"


def _signer_for(store: Store) -> TokenSigner:
    stored = store.get_meta(_KEY_META)
    if stored is not None:
        return TokenSigner(stored)
    signer = TokenSigner.generate()
    store.set_meta(_KEY_META, signer.private_key_pem)

    return signer


class Emulator:
    """An in-process Kapua REST server for tests, demos and offline work.

    ``async with Emulator(seed="minimal") as emulator:`` serves ``/v1`` on a
    free loopback port at ``emulator.base_url``. A ``database`` path keeps the
    data between runs; a file that already holds data is reused, not re-seeded.
    With an ``ssl_context`` it serves https. ``faults`` injects failures, and
    ``issued_secrets`` lists every token and key it handed out.
    """

    def __init__(
        self,
        *,
        seed: str | SeedSpec = "demo",
        database: str | os.PathLike[str] = ":memory:",
        host: str = "127.0.0.1",
        port: int = 0,
        config: EmulatorConfig = EmulatorConfig(),  # noqa: B008 - frozen, shared safely
        observers: Sequence[ExchangeObserver] = (),
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.seed: SeedSpec = resolve_seed(seed)
        self.database = database
        self.host = host
        self.port = port
        self.config = config
        self.observers: tuple[ExchangeObserver, ...] = tuple(observers)
        self.counters: EmulatorCounters = EmulatorCounters()
        self.faults: Faults = Faults(config.faults, config.fault_seed)
        self.ssl_context = ssl_context
        self._issued = IssuedSecrets()
        self._context: EmulatorContext | None = None
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    def _require_context(self) -> EmulatorContext:
        if self._context is None:
            msg = "the emulator is not started"
            raise RuntimeError(msg)

        return self._context

    @property
    def base_url(self) -> str:
        """Return the API root, ``http://127.0.0.1:<port>/v1`` (https with TLS)."""
        if self._base_url is None:
            msg = "the emulator is not started"
            raise RuntimeError(msg)

        return self._base_url

    @property
    def public_key_pem(self) -> str:
        """Return the PEM public key that verifies this emulator's JWTs."""
        return self._require_context().signer.public_key_pem

    @property
    def issued_secrets(self) -> frozenset[str]:
        """Every access token, refresh token and API key issued since it started."""
        return self._issued.snapshot()

    @property
    def admin(self) -> EmulatorAdmin:
        """Return direct, synchronous access to the emulator's data."""
        return EmulatorAdmin(self._require_context())

    def _open_store(self) -> EmulatorContext:
        store = Store(self.database)
        clock = Clock(self.config.clock_offset)
        if store.is_seeded():
            logger.info("emulator reusing the data in %s", self.database)
        else:
            seed_store(store, self.seed, clock.now_ms())

        return EmulatorContext(
            store=store,
            config=self.config,
            clock=clock,
            counters=self.counters,
            signer=_signer_for(store),
            faults=self.faults,
            issued=self._issued,
        )

    async def start(self) -> None:
        """Open (and seed) the store, then start serving."""
        if self._runner is not None:
            msg = "the emulator is already started"
            raise RuntimeError(msg)
        # Seeding a large spec takes seconds; keep the caller's loop responsive.
        self._context = await asyncio.to_thread(self._open_store)
        runner = web.AppRunner(
            build_app(self._context, self.observers), access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, ssl_context=self.ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            self._context.store.close()
            self._context = None
            raise
        self._runner = runner
        # Triggers kept in a file database go on firing after a restart.
        self._context.jobs.wake_scheduler()
        host, port = runner.addresses[0][:2]
        authority = f"[{host}]" if ":" in host else host  # an IPv6 literal
        scheme = "http" if self.ssl_context is None else "https"
        self._base_url = f"{scheme}://{authority}:{port}/v1"
        logger.info("emulator serving %s", self._base_url)

    async def close(self) -> None:
        """Stop serving and close the store."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._context is not None:
            await self._context.fleet.close()
            await self._context.jobs.close()
            self._context.store.close()
            self._context = None
        self._base_url = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @classmethod
    @contextlib.contextmanager
    def in_thread(
        cls,
        *,
        seed: str | SeedSpec = "demo",
        database: str | os.PathLike[str] = ":memory:",
        host: str = "127.0.0.1",
        port: int = 0,
        config: EmulatorConfig = EmulatorConfig(),  # noqa: B008 - frozen, shared safely
        observers: Sequence[ExchangeObserver] = (),
        ssl_context: ssl.SSLContext | None = None,
    ) -> Generator[Emulator, None, None]:
        """Run an emulator on its own event loop in a daemon thread.

        For synchronous callers that block their own thread while they talk to
        it. Observers are called on the emulator's thread.
        """
        emulator = cls(
            seed=seed,
            database=database,
            host=host,
            port=port,
            config=config,
            observers=observers,
            ssl_context=ssl_context,
        )
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=_run_until_stopped, args=(loop,), name="ec-emulator", daemon=True
        )
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(emulator.start(), loop).result()
            yield emulator
        finally:
            asyncio.run_coroutine_threadsafe(emulator.close(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()


def _run_until_stopped(loop: asyncio.AbstractEventLoop) -> None:
    """Run ``loop`` until stopped, then close it, all on the calling thread.

    Closing on the emulator's own thread keeps ``in_thread`` usable from a
    thread whose event loop is running (a notebook's, say).
    """
    try:
        loop.run_forever()
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
