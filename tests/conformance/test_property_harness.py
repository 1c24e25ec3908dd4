"""The parts of the property run: seed ids, explained 5xx answers, declared fields."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ec_async.emulator._exchange import Exchange

from ._routing import Operation
from ._schemas import declared_only
from ._seed_ids import harvest
from ._server_errors import explain_server_error
from ._spec import requires_spec
from ._validator import SpecValidator, default_validator

_DEVICES = {"/AA/devices": ["ZA", "ZB"], "/AB/devices": ["ZC"]}
_OPERATIONS = {"/AA/devices/ZA/operations": ["OA"], "/AB/devices/ZC/operations": ["OC"]}
_ACCOUNTS = {"/AA/accounts": ["AB"]}


def _fetch(path: str) -> Any:
    lists = _DEVICES | _OPERATIONS | _ACCOUNTS
    if path not in lists:
        return None

    return {"type": "listResult", "items": [{"id": id_} for id_ in lists[path]]}


_TEMPLATES = [
    "/{scopeId}/accounts/{accountId}",
    "/{scopeId}/devices/{deviceId}",
    "/{scopeId}/devices/{deviceId}/operations/{operationId}",
    "/{scopeId}/roles/{roleId}",
]
_LISTABLE = {
    "/{scopeId}/accounts",
    "/{scopeId}/devices",
    "/{scopeId}/devices/{deviceId}/operations",
}


class TestSeedIds:
    """Real ids read through the emulator's list operations."""

    def test_nested_ids_come_with_their_parents(self) -> None:
        """An operation id is bound with the device and scope it was listed under."""
        seed = harvest(_fetch, _TEMPLATES, _LISTABLE, own_scope="AA")

        bindings = seed.bindings_for(
            "/{scopeId}/devices/{deviceId}/operations/{operationId}/notifications"
        )

        assert [
            {"scopeId": "AA", "deviceId": "ZA", "operationId": "OA"},
            {"scopeId": "AB", "deviceId": "ZC", "operationId": "OC"},
            {"scopeId": "_", "deviceId": "ZA", "operationId": "OA"},
        ] == bindings

    def test_child_accounts_are_scopes_too(self) -> None:
        """The child account AB is listed, so its devices are read as well."""
        seed = harvest(_fetch, _TEMPLATES, _LISTABLE, own_scope="AA")

        assert ("AB",) == seed.scopes
        assert ("ZA", "ZB", "ZC") == seed.ids_named("deviceId")

    def test_unlisted_parameter_stays_unbound(self) -> None:
        """No list yields role ids: roles get every scope, and roleId is generated."""
        seed = harvest(_fetch, _TEMPLATES, _LISTABLE, own_scope="AA")

        bindings = seed.bindings_for("/{scopeId}/roles/{roleId}")

        assert [
            {"scopeId": "AA"},
            {"scopeId": "_"},
            {"scopeId": "AB"},
            {"scopeId": "AQ"},
        ] == bindings

    def test_ids_found_by_name_fill_other_paths(self) -> None:
        """/accounts/{accountId} has no list of its own; the own and child accounts fill it."""
        seed = harvest(_fetch, _TEMPLATES, _LISTABLE, own_scope="AA")

        assert [{"accountId": "AA"}, {"accountId": "AB"}] == seed.bindings_for(
            "/accounts/{accountId}"
        )


def _operation(method: str, template: str, **definition: Any) -> Operation:
    return Operation(method, template, None, definition, {})


def _answer(
    method: str,
    path: str,
    body: dict[str, Any],
    *,
    query: tuple[tuple[str, str], ...] = (),
    request_body: bytes = b"",
) -> Exchange:
    return Exchange(
        method=method,
        path=path,
        query=query,
        request_headers={"Content-Type": "application/json"} if request_body else {},
        request_body=request_body,
        status=500,
        response_headers={"Content-Type": "application/json"},
        response_body=json.dumps(body).encode(),
    )


def _kapua_error(code: str) -> dict[str, Any]:
    return {"type": "exceptionInfo", "httpErrorCode": 500, "kapuaErrorCode": code}


class TestServerErrors:
    """A 5xx passes only when the server sends it for that kind of request."""

    def test_duplicate_name_on_create_is_explained(self) -> None:
        """POST /{scopeId}/devices may answer DUPLICATE_NAME with a 500 (§6)."""
        operation = _operation("POST", "/{scopeId}/devices")
        exchange = _answer(
            "POST", "/v1/_/devices", _kapua_error("DUPLICATE_NAME"), request_body=b"{}"
        )

        explained = explain_server_error(operation, exchange)

        assert explained is not None
        assert "DUPLICATE_NAME" == explained.name

    def test_duplicate_name_on_a_read_is_not(self) -> None:
        """A GET creates nothing, so DUPLICATE_NAME there is the emulator's bug."""
        operation = _operation("GET", "/{scopeId}/devices")
        exchange = _answer("GET", "/v1/_/devices", _kapua_error("DUPLICATE_NAME"))

        assert explain_server_error(operation, exchange) is None

    def test_internal_error_needs_a_sort_param(self) -> None:
        """INTERNAL_ERROR is the unknown-sortParam failure only when one was sent."""
        operation = _operation("GET", "/{scopeId}/devices")
        error = _kapua_error("INTERNAL_ERROR")
        sorted_by = (("sortParam", "nope"),)

        sorted_answer = _answer("GET", "/v1/_/devices", error, query=sorted_by)
        plain_answer = _answer("GET", "/v1/_/devices", error)

        assert explain_server_error(operation, sorted_answer) is not None
        assert explain_server_error(operation, plain_answer) is None

    def test_throwable_info_only_for_a_missing_body(self) -> None:
        """A throwableInfo is Kapua's NullPointerException only when no body came."""
        operation = _operation("POST", "/{scopeId}/devices", requestBody={})
        throwable = {"type": "throwableInfo", "httpErrorCode": 500}

        bodiless = _answer("POST", "/v1/_/devices", throwable)
        with_body = _answer("POST", "/v1/_/devices", throwable, request_body=b"{}")

        assert explain_server_error(operation, bodiless) is not None
        assert explain_server_error(operation, with_body) is None


@pytest.fixture(scope="module")
def validator() -> SpecValidator:
    """The validator with every known defect."""
    shared = default_validator()
    assert shared is not None

    return shared


@requires_spec
class TestDeclaredOnly:
    """Generated valid bodies lose the fields the spec does not declare."""

    def test_undeclared_fields_are_dropped_at_every_depth(
        self, validator: SpecValidator
    ) -> None:
        """deviceCreator keeps clientId and tagIds, and loses two invented fields."""
        schema = validator.spec["components"]["schemas"]["deviceCreator"]
        body = {"clientId": "rpi", "bogus": 1, "tagIds": ["AQ"], "": {"x": 2}}

        assert {"clientId": "rpi", "tagIds": ["AQ"]} == declared_only(
            validator.spec, schema, body
        )
