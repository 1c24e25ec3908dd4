"""Job engine actions are sent once: a failed start is never retried.

A small proxy on loopback sits between the client and the emulator and
answers 503 for the paths a test names, counting every request it sees.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from anyio.from_thread import start_blocking_portal

import ec_async
from ec_async import JobStartOptions, RetryPolicy
from ec_async.emulator import Emulator
from tests.sync.facades import Facade

from ._support import ADMIN, PASSWORD, build_job, fleet

# Quick retries: three attempts a few milliseconds apart.
RETRY = RetryPolicy(attempts=3, initial_delay=0.01, max_delay=0.02)

Failing = Callable[[str, str], bool]


class FlakyProxy:
    """Forwards to an emulator, answering 503 where ``failing(method, path)``."""

    def __init__(self, target: str, failing: Failing) -> None:
        self.target = target
        self.failing = failing
        self.hits: collections.Counter[tuple[str, str]] = collections.Counter()
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Serve on a free loopback port."""
        self._http = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        path = request.rel_url.raw_path
        self.hits[(request.method, path)] += 1
        if self.failing(request.method, path):
            return web.Response(status=503)
        assert self._http is not None  # started before serving.
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in {"authorization", "content-type", "accept"}
        }
        async with self._http.request(
            request.method,
            self.target + str(request.rel_url),
            headers=headers,
            data=await request.read(),
        ) as answer:
            return web.Response(
                status=answer.status,
                body=await answer.read(),
                headers={"Content-Type": answer.headers.get("Content-Type", "")},
            )

    def count(self, method: str, suffix: str) -> int:
        """How many requests with this method reached a path ending in ``suffix``."""
        return sum(
            hits
            for (seen, path), hits in self.hits.items()
            if seen == method and path.endswith(suffix)
        )


@contextlib.contextmanager
def flaky(emulator: Emulator, failing: Failing) -> Iterator[FlakyProxy]:
    """A FlakyProxy in front of ``emulator``, on its own loop thread."""
    root = emulator.base_url.removesuffix("/v1")
    with start_blocking_portal() as portal:
        proxy = FlakyProxy(root, failing)
        portal.call(proxy.start)
        try:
            yield proxy
        finally:
            portal.call(proxy.close)


def _engine_path(method: str, path: str) -> bool:
    return path.endswith(("/_start", "/_stop", "/_resume", "/_isRunning"))


class TestJobEngineRetries:
    """Which job engine calls the client sends again after a 503."""

    def test_start_stop_and_resume_are_sent_once(
        self, facade: Facade, served: Emulator
    ) -> None:
        """Each action fails at once with ServerError, after exactly one request."""
        scope_id, devices = fleet(served, "r-once", 2)
        with facade.client(served.base_url, username=ADMIN, password=PASSWORD) as ec:
            job_id = build_job(facade, ec, scope_id, "once", devices)

        with (
            flaky(served, _engine_path) as proxy,
            facade.client(
                proxy.base_url, username=ADMIN, password=PASSWORD, retry=RETRY
            ) as ec,
        ):
            jobs = ec.scope(scope_id).jobs
            executions_of = jobs.executions(job_id)
            actions: list[Callable[[], Any]] = [
                lambda: jobs.start(job_id),
                lambda: jobs.restart(job_id),
                lambda: jobs.start(job_id, JobStartOptions(enqueue=True)),
                lambda: jobs.stop(job_id),
                lambda: executions_of.resume("AQ"),
                lambda: executions_of.stop("AQ"),
            ]
            for action in actions:
                with pytest.raises(ec_async.ServerError):
                    facade.run(action())
            executions = facade.run(jobs.executions(job_id).count())

        assert 3 == proxy.count("POST", "/_start")
        assert 2 == proxy.count("POST", "/_stop")
        assert 1 == proxy.count("POST", "/_resume")
        assert 0 == executions

    def test_a_read_is_retried(self, facade: Facade, served: Emulator) -> None:
        """is_running, a safe read, is tried three times before giving up."""
        with (
            flaky(served, _engine_path) as proxy,
            facade.client(
                proxy.base_url, username=ADMIN, password=PASSWORD, retry=RETRY
            ) as ec,
            pytest.raises(ec_async.ServerError),
        ):
            facade.run(ec.jobs.is_running("AQ"))

        assert 3 == proxy.count("GET", "/_isRunning")

    def test_run_sends_its_start_once(self, facade: Facade, served: Emulator) -> None:
        """run() lists executions, then starts once: a refused start ends it."""
        scope_id, devices = fleet(served, "r-run", 1)
        with facade.client(served.base_url, username=ADMIN, password=PASSWORD) as ec:
            job_id = build_job(facade, ec, scope_id, "run", devices)

        with (
            flaky(served, _engine_path) as proxy,
            facade.client(
                proxy.base_url, username=ADMIN, password=PASSWORD, retry=RETRY
            ) as ec,
            pytest.raises(ec_async.ServerError),
        ):
            facade.run(ec.scope(scope_id).jobs.run(job_id, timeout=5))

        assert 1 == proxy.count("POST", "/_start")
