"""ec_async.otel: one OpenTelemetry span per API call, exported to memory only."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

import attrs
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind, StatusCode

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig, Fault
from ec_async.otel import Tracing
from tests.sync.facades import Facade

from .conftest import ADMIN, NO_WAIT, client_of, new_gateway

LOGIN = "EC authenticationUser"
LOGOUT = "EC authenticationLogout"


@attrs.frozen
class Traced:
    """A tracer provider of the test's own, and the spans it finished."""

    provider: TracerProvider
    exporter: InMemorySpanExporter

    def names(self) -> list[str]:
        """The names of the finished spans, in the order they ended."""
        return [span.name for span in self.exporter.get_finished_spans()]

    def only(self, name: str) -> ReadableSpan:
        """The one finished span called ``name``."""
        spans = [s for s in self.exporter.get_finished_spans() if s.name == name]
        assert 1 == len(spans), self.names()
        return spans[0]


@pytest.fixture
def traced() -> Iterator[Traced]:
    """Spans kept in memory by a provider passed explicitly, never the global one."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield Traced(provider, exporter)
    provider.shutdown()


class TestSpans:
    """One CLIENT span per call with the attributes of the call."""

    def test_a_span_per_call(
        self, facade: Facade, served: Emulator, traced: Traced
    ) -> None:
        """Login, count and logout each end one span; the count's attributes."""
        with facade.client(
            served.base_url,
            username=ADMIN,
            password=DEMO_PASSWORD,
            observers=[Tracing(tracer_provider=traced.provider)],
        ) as ec:
            facade.run(ec.devices.count())

        assert [LOGIN, "EC deviceCount", LOGOUT] == traced.names()
        span = traced.only("EC deviceCount")
        assert (SpanKind.CLIENT, StatusCode.UNSET) == (
            span.kind,
            span.status.status_code,
        )
        assert {
            "ec.operation_id": "deviceCount",
            "ec.scope_id": served.admin.account_id("acme"),
            "ec.retry_count": 0,
            "http.request.method": "POST",
            "http.response.status_code": 200,
            "url.template": "/v1/{scopeId}/devices/_count",
            "server.address": "127.0.0.1",
            "server.port": urlsplit(served.base_url).port,
        } == dict(span.attributes or {})

    def test_a_device_management_call_carries_its_device(
        self, facade: Facade, served: Emulator, traced: Traced
    ) -> None:
        """Reading a gateway's configurations: ``ec.device_id`` is the gateway."""
        device_id = new_gateway(served, "t-traced")
        with facade.client(
            served.base_url,
            username=ADMIN,
            password=DEMO_PASSWORD,
            observers=[Tracing(tracer_provider=traced.provider)],
        ) as ec:
            facade.run(ec.device(device_id).configurations.list())

        attributes = traced.only("EC deviceConfigurationsRead").attributes or {}
        assert (device_id, "/v1/{scopeId}/devices/{deviceId}/configurations") == (
            attributes["ec.device_id"],
            attributes["url.template"],
        )

    def test_retries_are_counted(
        self, facade: Facade, breakable_in_thread: Emulator, traced: Traced
    ) -> None:
        """Two injected 503s before the answer: ``ec.retry_count`` is 2."""
        emulator = breakable_in_thread
        with facade.client(
            emulator.base_url,
            username=ADMIN,
            password=DEMO_PASSWORD,
            retry=NO_WAIT,
            observers=[Tracing(tracer_provider=traced.provider)],
        ) as ec:
            emulator.faults.set(Fault(path="/_/devices", statuses={503: 1.0}, times=2))
            facade.run(ec.devices.list(limit=1))

        attributes = traced.only("EC deviceList").attributes or {}
        assert (2, 200) == (
            attributes["ec.retry_count"],
            attributes["http.response.status_code"],
        )

    def test_a_failed_call_is_an_error_span(
        self, facade: Facade, served: Emulator, traced: Traced
    ) -> None:
        """A 404: status ERROR, ``error.type``, and the exception as an event."""
        with (
            facade.client(
                served.base_url,
                username=ADMIN,
                password=DEMO_PASSWORD,
                observers=[Tracing(tracer_provider=traced.provider)],
            ) as ec,
            pytest.raises(ec_async.NotFound) as caught,
        ):
            facade.run(ec.devices.get("AQ"))

        span = traced.only("EC deviceGet")
        attributes = span.attributes or {}
        assert (StatusCode.ERROR, "ec_async.NotFound", 404, "AQ") == (
            span.status.status_code,
            attributes["error.type"],
            attributes["http.response.status_code"],
            attributes["ec.device_id"],
        )
        [event] = span.events
        assert ("exception", "ec_async.NotFound", str(caught.value)) == (
            event.name,
            (event.attributes or {})["exception.type"],
            (event.attributes or {})["exception.message"],
        )


class TestContext:
    """The call's span is current while the call runs."""

    def test_a_callers_span_is_the_parent(
        self, facade: Facade, served: Emulator, traced: Traced
    ) -> None:
        """A call made inside the caller's span is that span's child, same trace."""
        tracer = traced.provider.get_tracer("the application")
        with (
            facade.client(
                served.base_url,
                username=ADMIN,
                password=DEMO_PASSWORD,
                observers=[Tracing(tracer_provider=traced.provider)],
            ) as ec,
            tracer.start_as_current_span("nightly report"),
        ):
            facade.run(ec.devices.count())

        parent = traced.only("nightly report").context
        child = traced.only("EC deviceCount")
        assert child.parent is not None
        assert (parent.trace_id, parent.span_id) == (
            child.context.trace_id,
            child.parent.span_id,
        )
        assert traced.only(LOGIN).parent is None  # Logged in before the span.

    @pytest.mark.anyio
    async def test_a_login_a_call_waits_for_is_its_child(
        self, breakable: Emulator, traced: Traced
    ) -> None:
        """A client not yet logged in: the first call's login is inside its span."""
        ec = client_of(breakable, observers=[Tracing(tracer_provider=traced.provider)])
        try:
            await ec.devices.count()
        finally:
            await ec.close()

        call = traced.only("EC deviceCount").context
        login = traced.only(LOGIN)
        assert login.parent is not None
        assert call.span_id == login.parent.span_id

    @pytest.mark.anyio
    async def test_a_refresh_ahead_of_expiry_is_a_trace_of_its_own(
        self, traced: Traced
    ) -> None:
        """The background refresh belongs to no caller's span, not even the login's."""
        tracer = traced.provider.get_tracer("the application")
        short = EmulatorConfig(access_token_ttl=2, failed_login_delay=0.0)
        async with Emulator(seed="minimal", config=short) as emulator:
            with tracer.start_as_current_span("start-up"):
                ec = client_of(
                    emulator, observers=[Tracing(tracer_provider=traced.provider)]
                )
                await ec.login()
            try:
                async with asyncio.timeout(10):
                    # The exported spans are the only signal of the refresh.
                    while "EC authenticationRefresh" not in traced.names():  # noqa: ASYNC110
                        await asyncio.sleep(0.05)
            finally:
                await ec.close()

        assert traced.only(LOGIN).parent is not None  # Inside "start-up".
        assert traced.only("EC authenticationRefresh").parent is None


class TestSecrets:
    """No span holds a password or a token."""

    @pytest.mark.anyio
    async def test_spans_of_a_session_and_a_refused_login(
        self, breakable: Emulator, traced: Traced
    ) -> None:
        """Everything exported, serialised, contains none of the secrets used."""
        observers = [Tracing(tracer_provider=traced.provider)]
        async with client_of(breakable, observers=observers) as ec:
            await ec.devices.count()
        with pytest.raises(ec_async.AuthenticationError):
            async with ec_async.Client(
                breakable.base_url,
                username=ADMIN,
                password="not-the-password",
                observers=observers,
            ):
                pass

        exported = "\n".join(
            span.to_json() for span in traced.exporter.get_finished_spans()
        )
        secrets = {*breakable.issued_secrets, DEMO_PASSWORD, "not-the-password"}
        assert set() == {secret for secret in secrets if secret in exported}
        assert [LOGIN, "EC deviceCount", LOGOUT, LOGIN] == traced.names()
        assert "ec_async.AuthenticationError" in exported


class TestOptionalDependency:
    """OpenTelemetry stays out unless the integration is used."""

    def test_importing_the_package_does_not_import_opentelemetry(self) -> None:
        """A fresh interpreter importing ec_async and ec_sync loads no opentelemetry."""
        probe = (
            "import sys, ec_async, ec_sync; "
            "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
        )
        done = subprocess.run(  # noqa: S603 - our own interpreter, a fixed statement.
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )

        assert "[]" == done.stdout.strip()

    def test_without_the_extra_it_says_what_to_install(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With opentelemetry missing, making a Tracing raises ConfigurationError."""
        monkeypatch.setitem(sys.modules, "opentelemetry", None)

        with pytest.raises(
            ec_async.ConfigurationError, match=r"pip install 'ec-client\[otel\]'"
        ):
            Tracing()
