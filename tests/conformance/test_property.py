"""Property-based conformance: generated requests to every operation of the spec.

Each operation the emulator serves gets valid and invalid requests drawn from
the corrected spec's schemas (``EC_CONFORMANCE_EXAMPLES`` of each per
operation; ``make conformance`` runs the full size). Its answers must satisfy
the spec as corrected by the known defects, and no 5xx may come back that the
real server does not send. An operation the emulator does not serve yet is
skipped as not implemented, and runs here as soon as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig

from ec_async.emulator import DEMO_API_KEY, DEMO_PASSWORD, Emulator, EmulatorConfig
from ec_async.emulator._resources import ROUTES

from ._defects import KNOWN_DEFECTS
from ._observer import SpecCoverage
from ._property import (
    Credentials,
    PropertyRun,
    Recorder,
    examples_per_mode,
    route_key,
)
from ._property_report import PropertySummary
from ._routing import Operation
from ._seed_ids import harvest
from ._spec import load_spec, requires_spec
from ._validator import SpecValidator, corrected_spec, default_validator

pytestmark = requires_spec

# The real server's settings, minus the random pause after a failed login.
_FAST = EmulatorConfig(failed_login_delay=0.0)
_TENANT_ADMIN = "acme-admin"
_TIMEOUT = 30.0

# Schemathesis reads no schemathesis.toml: the run must not depend on where it
# starts. Security parameters are ours to send (the admin's token, or probes).
_GENERATION = {"generation": {"with-security-parameters": False, "allow-x00": False}}


def _operations() -> list[Operation]:
    validator = default_validator()
    if validator is None:
        return []

    return sorted(validator.operations, key=lambda op: (op.template, op.method))


def _operation_id(operation: Operation) -> str:
    return operation.operation_id or f"{operation.method} {operation.template}"


def _log_in(http: requests.Session, emulator: Emulator) -> tuple[Credentials, str]:
    """Log the tenant admin in; return the credentials and the admin's scope id."""
    reply = http.post(
        emulator.base_url + "/authentication/user",
        json={"username": _TENANT_ADMIN, "password": DEMO_PASSWORD},
        timeout=_TIMEOUT,
    )
    reply.raise_for_status()
    token = reply.json()
    credentials = Credentials(
        username=_TENANT_ADMIN,
        password=DEMO_PASSWORD,
        api_key=DEMO_API_KEY,
        access_token=token["tokenId"],
        refresh_token=token["refreshToken"],
    )

    return credentials, str(token["scopeId"])


@pytest.fixture(scope="module")
def property_run(spec_validator: SpecValidator) -> Iterator[PropertyRun]:
    """A "minimal" emulator with the admin logged in and its seed ids read."""
    spec = load_spec()
    assert spec is not None
    generated = schemathesis.openapi.from_dict(
        corrected_spec(spec, KNOWN_DEFECTS),
        config=SchemathesisConfig.from_dict(_GENERATION),
    )
    operations = {
        (operation.method.upper(), operation.path): operation
        for result in generated.get_all_operations()
        if (operation := getattr(result, "ok", lambda: None)()) is not None
    }
    implemented = frozenset(route_key(route.method, route.path) for route in ROUTES)
    templates = [operation.template for operation in spec_validator.operations]
    listable = {
        operation.template
        for operation in spec_validator.operations
        if operation.method == "GET"
        and route_key("GET", operation.template) in implemented
    }

    recorder = Recorder()
    with (
        Emulator.in_thread(seed="minimal", config=_FAST, observers=[recorder]) as emu,
        requests.Session() as http,
    ):
        credentials, own_scope = _log_in(http, emu)
        bearer = {"Authorization": f"Bearer {credentials.access_token}"}

        def fetch(path: str) -> Any:
            reply = http.get(emu.base_url + path, headers=bearer, timeout=_TIMEOUT)
            return reply.json() if reply.status_code == 200 else None

        yield PropertyRun(
            emulator=emu,
            recorder=recorder,
            validator=spec_validator,
            operations=operations,
            implemented=implemented,
            seed_ids=harvest(fetch, templates, listable, own_scope),
            credentials=credentials,
            http=http,
            snapshot=emu.admin.snapshot(),
        )


@pytest.mark.parametrize("operation", _operations(), ids=_operation_id)
def test_operation_conforms(
    operation: Operation,
    property_run: PropertyRun,
    property_summary: PropertySummary,
    spec_coverage: SpecCoverage,
) -> None:
    """Generated requests get answers the corrected spec and the real server allow."""
    if not property_run.implements(operation):
        property_summary.not_implemented.append(operation)
        pytest.skip("not implemented by the emulator")

    report = property_run.exercise(operation, examples_per_mode())
    property_summary.reports.append(report)
    spec_coverage.add(property_run.validator.operations, report.judgements)

    if report.problems:
        pytest.fail(report.failure_text(), pytrace=False)
