"""The property-based run: generated requests to one operation, judged as the server.

Schemathesis turns the corrected spec's parameter and body schemas into
Hypothesis strategies of valid (positive) and invalid (negative) requests.
They go to an emulator on loopback as the tenant admin, with real seed ids
most of the time; fixed probes add requests without a token, with a bad one,
with broken JSON and with a foreign media type. Every exchange is judged by
``SpecValidator``, and a 5xx must be one that ``SERVER_ERRORS`` explains. The
emulator's data is restored before each request, so no request sees what an
earlier one created or deleted.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode

from ec_async.emulator import Emulator
from ec_async.emulator._exchange import Exchange

from ._property_report import OperationReport
from ._routing import Operation
from ._schemas import declared_only, resolve
from ._seed_ids import Binding, SeedIds, fill_template
from ._server_errors import explain_server_error
from ._validator import SpecValidator

__all__ = [
    "EXAMPLES_ENV",
    "Credentials",
    "PropertyRun",
    "Recorder",
    "examples_per_mode",
    "route_key",
]

EXAMPLES_ENV = "EC_CONFORMANCE_EXAMPLES"
# Per operation and mode (valid, invalid): enough to reach each operation's
# main answers while the whole run stays within seconds.
_DEFAULT_EXAMPLES = 3
_JSON = "application/json"
_TIMEOUT = 30.0
# A path parameter no list yields a real id for: the id of kapua-sys.
_PLACEHOLDER_ID = "AQ"
_EXCERPT = 160
_ROUTE_PARAMETER = re.compile(r"\{[^}]*\}")

AnyCase = Case[Any]
AnyOperation = APIOperation[Any, Any, Any, Any]


def examples_per_mode() -> int:
    """Return how many valid and how many invalid requests each operation gets."""
    text = os.environ.get(EXAMPLES_ENV, "")

    return max(1, int(text)) if text.strip() else _DEFAULT_EXAMPLES


def route_key(method: str, path: str) -> tuple[str, str]:
    """Return ``(METHOD, path)`` with parameter names erased, to compare routes."""
    return method.upper(), _ROUTE_PARAMETER.sub("{}", path)


@attrs.frozen(repr=False)
class Credentials:
    """The tenant admin's secrets, used in requests and kept out of every report."""

    username: str
    password: str
    api_key: str
    access_token: str
    refresh_token: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r})"

    def known_values(self) -> Mapping[str, tuple[str, ...]]:
        """Return real values for login and refresh body fields, by field name."""
        return {
            "username": (self.username,),
            "password": (self.password,),
            "apiKey": (self.api_key,),
            "tokenId": (self.access_token,),
            "refreshToken": (self.refresh_token,),
        }

    def redact(self, text: str) -> str:
        """Return ``text`` with every secret replaced by ``***``."""
        for secret in (self.password, self.api_key, self.access_token):
            text = text.replace(secret, "***")

        return text.replace(self.refresh_token, "***")


class Recorder:
    """An emulator observer that keeps every exchange, in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []

    def __call__(self, exchange: Exchange) -> None:
        """Keep one exchange (called on the emulator's thread)."""
        with self._lock:
            self._exchanges.append(exchange)

    def count(self) -> int:
        """Return how many exchanges were seen so far."""
        with self._lock:
            return len(self._exchanges)

    def since(self, start: int) -> list[Exchange]:
        """Return the exchanges seen after the first ``start``."""
        with self._lock:
            return self._exchanges[start:]


Sender = Callable[[AnyCase, str], None]


@attrs.frozen
class PropertyRun:
    """Generates, sends and judges the requests of each operation."""

    emulator: Emulator
    recorder: Recorder
    validator: SpecValidator
    operations: Mapping[tuple[str, str], AnyOperation] = attrs.field(repr=False)
    implemented: frozenset[tuple[str, str]] = attrs.field(repr=False)
    seed_ids: SeedIds = attrs.field(repr=False)
    credentials: Credentials
    http: requests.Session = attrs.field(repr=False)
    snapshot: bytes = attrs.field(repr=False)

    def implements(self, operation: Operation) -> bool:
        """Return whether the emulator serves ``operation`` (else it answers 404)."""
        return route_key(operation.method, operation.template) in self.implemented

    def exercise(self, operation: Operation, examples: int) -> OperationReport:
        """Send valid, invalid and probe requests to ``operation``; judge each answer."""
        report = OperationReport(operation)
        generated = self.operations.get((operation.method, operation.template))
        if generated is None:
            report.add_problem("schemathesis cannot read this operation", "")
            return report

        def send(case: AnyCase, kind: str) -> None:
            self._send_case(operation, report, case, kind)

        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = self._strategy(operation, generated, mode)
            _run_examples(strategy, examples, send, mode.value)
        for kind, request in self._probes(operation):
            self._send(operation, report, kind, request)

        return report

    def _strategy(
        self, operation: Operation, generated: AnyOperation, mode: GenerationMode
    ) -> st.SearchStrategy[AnyCase]:
        """Cases with real path ids nine times in ten, generated ids otherwise."""
        media_type = _JSON if self._body_schema(operation) is not None else None
        free = generated.as_strategy(mode, media_type=media_type)
        real = [
            generated.as_strategy(
                mode, path_parameters=dict(binding), media_type=media_type
            )
            for binding in self.seed_ids.bindings_for(operation.template)
            if binding
        ]
        cases = free
        if real:
            cases = st.integers(0, 9).flatmap(
                lambda draw: free if draw == 9 else st.one_of(real)
            )
        if mode is GenerationMode.NEGATIVE:
            return cases

        cases = _realistic(cases, self._body_schema(operation), self)
        updates = [
            _realistic(
                generated.as_strategy(
                    mode, path_parameters=dict(binding), media_type=_JSON
                ),
                self._body_schema(operation),
                self,
                stored=entity,
            )
            for binding, entity in self._stored_entities(operation)
        ]

        return st.one_of(cases, *updates) if updates else cases

    def _stored_entities(
        self, operation: Operation
    ) -> list[tuple[Binding, dict[str, Any]]]:
        """Return the entities a PUT replaces, read by the GET of the same path.

        A generated body rarely carries the stored ``optlock`` and valid
        references; the stored entity with a field or two changed does.
        """
        if operation.method != "PUT" or not self.implements(
            attrs.evolve(operation, method="GET")
        ):
            return []

        names = set(_names(operation.template))
        found = []
        for binding in self.seed_ids.bindings_for(operation.template):
            if set(binding) != names:
                continue
            self.emulator.admin.restore(self.snapshot)
            reply = self.http.get(
                self.emulator.base_url + fill_template(operation.template, binding),
                headers={"Authorization": f"Bearer {self.credentials.access_token}"},
                timeout=_TIMEOUT,
            )
            if reply.status_code == 200:
                found.append((binding, reply.json()))

        return found

    def _body_schema(self, operation: Operation) -> Any:
        declared = resolve(self.validator.spec, operation.definition.get("requestBody"))
        content = (declared or {}).get("content", {})

        return content.get(_JSON, {}).get("schema")

    def values_named(self, name: str) -> tuple[str, ...]:
        """Return real values for a body or query field: ids, or the admin's login."""
        known = self.credentials.known_values().get(name, ())

        return known or self.seed_ids.ids_named(name)

    def _send_case(
        self, operation: Operation, report: OperationReport, case: AnyCase, kind: str
    ) -> None:
        headers = {"Authorization": f"Bearer {self.credentials.access_token}"}
        try:
            request = case.as_transport_kwargs(
                base_url=self.emulator.base_url, headers=headers | {"Accept": _JSON}
            )
        except (TypeError, ValueError):
            report.unsent += 1
            return
        self._send(operation, report, kind, request)

    def _send(
        self,
        operation: Operation,
        report: OperationReport,
        kind: str,
        request: Mapping[str, Any],
    ) -> None:
        """Send one request on fresh data and judge what the emulator answered."""
        self.emulator.admin.restore(self.snapshot)
        start = self.recorder.count()
        try:
            self.http.request(**request, timeout=_TIMEOUT)
        except (requests.ConnectionError, requests.Timeout) as exc:
            report.add_problem(f"no answer: {type(exc).__name__}", kind)
            return
        except (requests.RequestException, ValueError):
            # The client library refused what was generated (a header it cannot
            # encode, say); nothing reached the emulator.
            report.unsent += 1
            return

        for exchange in self.recorder.since(start):
            self._judge(operation, report, kind, exchange)

    def _judge(
        self,
        operation: Operation,
        report: OperationReport,
        kind: str,
        exchange: Exchange,
    ) -> None:
        judgement = self.validator.judge(exchange)
        report.requests += 1
        report.statuses[exchange.status] += 1
        report.judgements.append(judgement)
        if not any(violation.side == "request" for violation in judgement.violations):
            report.valid_requests += 1

        example = self.credentials.redact(f"{kind}: {_describe(exchange)}")
        for violation in judgement.violations:
            if violation.side == "response":
                report.add_problem(str(violation), example)
        if exchange.status >= 500:
            reached = judgement.operation or operation
            if explain_server_error(reached, exchange) is None:
                report.add_problem(
                    f"{exchange.status} answer the real server does not give here",
                    example,
                )

    def _probes(self, operation: Operation) -> Iterator[tuple[str, dict[str, Any]]]:
        """Fixed requests: no token, a bad token, broken JSON, a foreign media type."""
        bindings = self.seed_ids.bindings_for(operation.template)
        binding = dict.fromkeys(_names(operation.template), _PLACEHOLDER_ID)
        binding.update(bindings[0] if bindings else {})
        url = self.emulator.base_url + fill_template(operation.template, binding)
        has_body = self._body_schema(operation) is not None
        empty: dict[str, Any] = {"json": {}} if has_body else {}
        admin = {"Authorization": f"Bearer {self.credentials.access_token}"}
        request = {"method": operation.method, "url": url}

        yield "no token", request | empty | {"headers": {"Accept": _JSON}}
        yield (
            "malformed token",
            request | empty | {"headers": {"Authorization": "Bearer not.a.jwt"}},
        )
        if has_body:
            yield (
                "malformed JSON",
                request
                | {"data": b'{"name": ', "headers": admin | {"Content-Type": _JSON}},
            )
            yield (
                "text body",
                request
                | {"data": b"name", "headers": admin | {"Content-Type": "text/plain"}},
            )


def _names(template: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", template)


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")

    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 3] + "..."


def _describe(exchange: Exchange) -> str:
    query = "&".join(f"{name}={value}" for name, value in exchange.query)
    target = exchange.path + (f"?{query}" if query else "")
    sent = f" {_excerpt(exchange.request_body)}" if exchange.request_body else ""
    answer = f" {_excerpt(exchange.response_body)}" if exchange.response_body else ""

    return f"{exchange.method} {target}{sent} -> {exchange.status}{answer}"


def _run_examples(
    strategy: st.SearchStrategy[AnyCase], examples: int, send: Sender, kind: str
) -> None:
    """Draw ``examples`` cases, the same ones on every run, and send each."""

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: AnyCase) -> None:
        send(case, kind)

    try:
        run()
    except Unsatisfiable:
        # Nothing to vary: e.g. no invalid request exists for GET /account.
        return


def _realistic(
    cases: st.SearchStrategy[AnyCase],
    body_schema: Any,
    run: PropertyRun,
    stored: Mapping[str, Any] | None = None,
) -> st.SearchStrategy[AnyCase]:
    """Valid cases without undeclared fields, and with real ids in most id fields.

    With a ``stored`` entity, the body is that entity with up to two of the
    generated fields in place of its own.
    """

    @st.composite
    def realistic(draw: st.DrawFn) -> AnyCase:
        case = draw(cases)
        if body_schema is not None and isinstance(case.body, dict | list):
            body = declared_only(run.validator.spec, body_schema, case.body)
            body = _with_real_values(draw, body, run.values_named)
            if stored is not None and isinstance(body, dict):
                fields = sorted(body)
                changed = (
                    draw(st.sets(st.sampled_from(fields), max_size=2))
                    if fields
                    else set()
                )
                body = {**stored, **{name: body[name] for name in changed}}
            case.body = body
        if case.query:
            case.query = _with_real_values(draw, case.query, run.values_named)

        return case

    return realistic()


def _with_real_values(
    draw: st.DrawFn, value: Any, values_named: Callable[[str], Sequence[str]]
) -> Any:
    """Replace, three times in four, fields named like ids with real ones."""
    if isinstance(value, list):
        return [_with_real_values(draw, item, values_named) for item in value]
    if not isinstance(value, dict):
        return value

    replaced: dict[str, Any] = {}
    for name, item in value.items():
        single = values_named(name)
        several = values_named(name[:-1]) if name.endswith("Ids") else ()
        if isinstance(item, str) and single and draw(st.integers(0, 3)):
            replaced[name] = draw(st.sampled_from(single))
        elif isinstance(item, list) and several and draw(st.integers(0, 3)):
            replaced[name] = draw(st.lists(st.sampled_from(several), max_size=2))
        else:
            replaced[name] = _with_real_values(draw, item, values_named)

    return replaced
