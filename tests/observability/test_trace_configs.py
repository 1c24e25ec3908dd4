"""aiohttp trace configs a caller gives the client hear every HTTP request."""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
import pytest

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator
from tests.sync.facades import Facade

from .conftest import ADMIN


def _recording(seen: list[tuple[str, ...]]) -> aiohttp.TraceConfig:
    """A trace config noting each request's start and end as (event, method, path)."""

    async def on_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        seen.append(("start", params.method, params.url.path))

    async def on_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        seen.append(
            ("end", params.method, params.url.path, str(params.response.status))
        )

    config = aiohttp.TraceConfig()
    config.on_request_start.append(on_start)
    config.on_request_end.append(on_end)
    return config


class TestTraceConfigs:
    """``Client(trace_configs=[...])`` reaches the HTTP session, on both facades."""

    def test_the_login_and_a_call_are_traced(
        self, facade: Facade, served: Emulator
    ) -> None:
        """The login, the call and the logout each start and end, in that order."""
        seen: list[tuple[str, ...]] = []
        with facade.client(
            served.base_url,
            username=ADMIN,
            password=DEMO_PASSWORD,
            trace_configs=[_recording(seen)],
        ) as ec:
            facade.run(ec.devices.count())

        assert [
            ("start", "POST", "/v1/authentication/user"),
            ("end", "POST", "/v1/authentication/user", "200"),
            ("start", "POST", "/v1/_/devices/_count"),
            ("end", "POST", "/v1/_/devices/_count", "200"),
            ("start", "POST", "/v1/authentication/logout"),
            ("end", "POST", "/v1/authentication/logout", "204"),
        ] == seen

    def test_anything_else_is_refused(self, served: Emulator) -> None:
        """A trace config that is not an ``aiohttp.TraceConfig`` fails at once."""
        with pytest.raises(ec_async.ConfigurationError, match=r"aiohttp\.TraceConfig"):
            ec_async.Client(served.base_url, trace_configs=[object()])  # type: ignore[list-item]

    def test_a_single_trace_config_must_be_in_a_list(self, served: Emulator) -> None:
        """``trace_configs=TraceConfig()`` is refused at once, not at the first call."""
        with pytest.raises(ec_async.ConfigurationError, match=r"aiohttp\.TraceConfig"):
            ec_async.Client(served.base_url, trace_configs=aiohttp.TraceConfig())  # type: ignore[arg-type]
