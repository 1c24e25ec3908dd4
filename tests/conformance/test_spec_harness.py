"""Tests of the conformance harness itself, on hand-made exchanges.

Expected outcomes come from the spec (``bundled.yaml``) and the reference
(``kapua-api.md``), as noted beside each test.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ec_async.emulator._exchange import Exchange

from . import (
    KNOWN_DEFECTS,
    SPEC_DIR_ENV,
    DefectGone,
    SpecCoverage,
    SpecObserver,
    SpecValidator,
    Violation,
    corrected_spec,
    default_validator,
    defect,
    load_spec,
    missing_spec_reason,
    requires_spec,
    spec_dir,
    without,
)

# A JWT-shaped token: the accessToken schema's tokenId pattern wants
# header.payload.signature in base64url.
_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJBUSIsInNJZCI6IkFRIn0.c2lnbmF0dXJl"

# A device as the server writes it (§8 entity fields, §2 "type" discriminator);
# LQNak9Yzkus is the compact form of 3243535747637285611 (§5).
_DEVICE = {
    "type": "device",
    "id": "LQNak9Yzkus",
    "scopeId": "AQ",
    "createdOn": "2024-10-17T09:30:00.000Z",
    "createdBy": "AQ",
    "modifiedOn": "2024-10-17T09:30:00.000Z",
    "modifiedBy": "AQ",
    "optlock": 0,
    "clientId": "rpi-01",
    "status": "ENABLED",
    "displayName": "Raspberry Pi 01",
    "tagIds": [],
}

_ACCESS_TOKEN = {
    "type": "accessToken",
    "id": "l5_1yIHD3Ao",
    "scopeId": "AQ",
    "createdOn": "2024-10-17T09:30:00.000Z",
    "createdBy": "AQ",
    "modifiedOn": "2024-10-17T09:30:00.000Z",
    "modifiedBy": "AQ",
    "optlock": 1,
    "tokenId": _JWT,
    "userId": "AQ",
    "expiresOn": "2024-10-17T10:00:00.000Z",
    "refreshToken": "4d97e180-4665-4fb5-be32-c8fa88711606",
    "refreshExpiresOn": "2024-10-17T14:30:00.000Z",
}

_DEVICE_NOT_FOUND = {
    "type": "entityNotFoundExceptionInfo",
    "httpErrorCode": 404,
    "message": "The entity of type device with id/name 3243535747637285611 was not found.",
    "kapuaErrorCode": "ENTITY_NOT_FOUND",
    "entityType": "device",
    "entityId": "LQNak9Yzkus",
}

_LOGIN = {"username": "kapua-sys", "password": "kapua-password"}


def _encode(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body

    return json.dumps(body).encode()


def _exchange(
    method: str,
    path: str,
    status: int,
    *,
    query: tuple[tuple[str, str], ...] = (),
    request: Any = None,
    response: Any = None,
    token: bool = True,
    response_type: str = "application/json",
) -> Exchange:
    request_body = _encode(request)
    response_body = _encode(response)
    request_headers = {"Accept": "application/json"}
    if token:
        request_headers["Authorization"] = f"Bearer {_JWT}"
    if request_body:
        request_headers["Content-Type"] = "application/json"
    response_headers: Mapping[str, str] = (
        {"Content-Type": response_type} if response_body else {}
    )

    return Exchange(
        method=method,
        path=path,
        query=query,
        request_headers=request_headers,
        request_body=request_body,
        status=status,
        response_headers=response_headers,
        response_body=response_body,
    )


def _messages(violations: list[Violation]) -> list[tuple[str, str]]:
    return [(violation.side, violation.message) for violation in violations]


@pytest.fixture(scope="module")
def validator() -> SpecValidator:
    """The validator with every known defect, shared by this module."""
    shared = default_validator()
    assert shared is not None

    return shared


@pytest.fixture(scope="module")
def spec() -> Mapping[str, Any]:
    """The spec as published, before any correction."""
    loaded = load_spec()
    assert loaded is not None

    return loaded


@requires_spec
class TestSpecValidatorRequests:
    """Request-side checks: routing, token, parameters and bodies."""

    def test_valid_device_list_passes(self, validator: SpecValidator) -> None:
        """A GET /{scopeId}/devices with paging and a well-formed list passes."""
        listing = {"type": "deviceListResult", "limitExceeded": False, "size": 1}
        exchange = _exchange(
            "GET",
            "/v1/_/devices",
            200,
            query=(("offset", "0"), ("limit", "50"), ("askTotalCount", "true")),
            response=listing | {"items": [_DEVICE], "totalCount": 1},
        )

        assert [] == validator.validate(exchange)

    def test_invalid_query_parameter_type_fails(self, validator: SpecValidator) -> None:
        """``limit`` is declared an integer, so ``limit=ten`` is a request violation."""
        exchange = _exchange(
            "GET",
            "/v1/_/devices",
            200,
            query=(("limit", "ten"),),
            response={"limitExceeded": False, "size": 0, "items": []},
        )

        assert [("request", "query.limit: 'ten' is not an integer")] == _messages(
            validator.validate(exchange)
        )

    def test_undeclared_query_parameter_fails(self, validator: SpecValidator) -> None:
        """deviceList has ``clientId`` but no ``clientID``: Jersey would drop it silently."""
        exchange = _exchange(
            "GET",
            "/v1/_/devices",
            200,
            query=(("clientID", "rpi-01"),),
            response={"limitExceeded": False, "size": 0, "items": []},
        )

        assert [("request", "query.clientID: not a parameter of this operation")] == (
            _messages(validator.validate(exchange))
        )

    def test_unknown_path_is_a_violation(self, validator: SpecValidator) -> None:
        """No template of the spec matches /{scopeId}/gadgets; Jersey's bare 404 is fine."""
        violations = validator.validate(_exchange("GET", "/v1/_/gadgets", 404))

        assert [("request", "path: no path template of the spec matches")] == (
            _messages(violations)
        )
        assert violations[0].path_template is None

    def test_known_path_with_unknown_method_is_a_violation(
        self, validator: SpecValidator
    ) -> None:
        """/{scopeId}/devices has GET and POST only, so DELETE gets Jersey's bare 405."""
        violations = validator.validate(_exchange("DELETE", "/v1/_/devices", 405))

        assert [("request", "path: the spec has this path, but not this method")] == (
            _messages(violations)
        )

    def test_literal_segment_beats_parameter(self, validator: SpecValidator) -> None:
        """POST /{scopeId}/devices/_count is deviceCount, not a deviceId of ``_count``."""
        exchange = _exchange(
            "POST",
            "/v1/_/devices/_count",
            200,
            request={"offset": 0},
            response={"type": "countResult", "count": 3},
        )

        judgement = validator.judge(exchange)

        assert judgement.operation is not None
        assert "deviceCount" == judgement.operation.operation_id
        assert () == judgement.violations

    def test_trailing_slash_of_template_is_optional(
        self, validator: SpecValidator
    ) -> None:
        """The spec writes /{scopeId}/users/{userId}/credentials/ with a slash."""
        exchange = _exchange(
            "GET",
            "/v1/_/users/AQ/credentials",
            200,
            response={"limitExceeded": False, "size": 0, "items": []},
        )

        judgement = validator.judge(exchange)

        assert judgement.operation is not None
        assert "usersCredentialsList" == judgement.operation.operation_id

    def test_missing_token_is_a_violation(self, validator: SpecValidator) -> None:
        """The global security asks every operation but the logins for a bearer token."""
        exchange = _exchange(
            "GET",
            "/v1/_/devices",
            200,
            token=False,
            response={"limitExceeded": False, "size": 0, "items": []},
        )

        [violation] = validator.validate(exchange)

        assert "request" == violation.side
        assert violation.message.startswith("header Authorization: missing")

    def test_read_only_property_in_request_fails(
        self, validator: SpecValidator
    ) -> None:
        """device.createdOn is readOnly, so a PUT body must not carry it (OAS 3.0)."""
        update = {"optlock": 0, "displayName": "Pi", "createdOn": _DEVICE["createdOn"]}
        exchange = _exchange(
            "PUT", "/v1/_/devices/LQNak9Yzkus", 200, request=update, response=_DEVICE
        )

        [violation] = validator.validate(exchange)

        assert "request" == violation.side
        assert violation.message.startswith("body.createdOn: Tried to write read-only")

    def test_malformed_json_allows_a_bare_400(self, validator: SpecValidator) -> None:
        """Broken JSON is a request violation; Jersey's empty 400 answer is then fine."""
        exchange = _exchange("POST", "/v1/_/devices", 400, request=b'{"clientId": ')

        [violation] = validator.validate(exchange)

        assert "request" == violation.side
        assert violation.message.startswith("body: not well-formed JSON")

    def test_value_of_wrong_type_allows_a_bare_400(
        self, validator: SpecValidator
    ) -> None:
        """A number for the string displayName cannot be unmarshalled: an empty 400 is fine."""
        exchange = _exchange(
            "POST", "/v1/_/devices", 400, request={"clientId": "rpi", "displayName": 7}
        )

        [violation] = validator.validate(exchange)

        assert "request" == violation.side
        assert "body.displayName: 7 is not of type 'string'" == violation.message

    def test_undecodable_body_id_allows_a_bare_400(
        self, validator: SpecValidator
    ) -> None:
        """groupId "é1" fits kapuaId's unanchored pattern but is no compact id (§5)."""
        exchange = _exchange(
            "POST", "/v1/_/devices", 400, request={"clientId": "rpi", "groupId": "é1"}
        )

        assert [] == validator.validate(exchange)

    def test_bare_400_without_malformed_json_fails(
        self, validator: SpecValidator
    ) -> None:
        """deviceCreate declares a body for 400, and the request gave no excuse for none."""
        exchange = _exchange("POST", "/v1/_/devices", 400, request={"clientId": "rpi"})

        [violation] = validator.validate(exchange)

        assert "response" == violation.side
        assert violation.message.startswith("body: missing")


@requires_spec
class TestSpecValidatorResponses:
    """Response-side checks: statuses, bodies and the server's own habits."""

    def test_missing_required_field_fails(self, validator: SpecValidator) -> None:
        """kapuaListResult requires ``size``, so a list without it is a violation."""
        listing = {"type": "deviceListResult", "limitExceeded": False, "items": []}
        exchange = _exchange("GET", "/v1/_/devices", 200, response=listing)

        assert [("response", "body: 'size' is a required property")] == _messages(
            validator.validate(exchange)
        )

    def test_wrong_status_fails(self, validator: SpecValidator) -> None:
        """deviceList declares 200, 400, 401, 403 and 500; a 201 is not among them."""
        listing = {"limitExceeded": False, "size": 0, "items": []}
        exchange = _exchange("GET", "/v1/_/devices", 201, response=listing)

        [violation] = validator.validate(exchange)

        assert "response" == violation.side
        assert violation.message.startswith("status: 201 is not declared")

    def test_undeclared_property_fails_but_type_passes(
        self, validator: SpecValidator
    ) -> None:
        """``type`` is the server's discriminator (§2); ``clientID`` is no device field."""
        device = _DEVICE | {"clientID": "rpi-01"}
        exchange = _exchange("GET", "/v1/_/devices/LQNak9Yzkus", 200, response=device)

        assert [
            ("response", "body: property 'clientID' is not declared by the spec")
        ] == _messages(validator.validate(exchange))

    def test_error_info_on_undeclared_status_passes(
        self, validator: SpecValidator
    ) -> None:
        """deviceList lists no 404, but SERVICE_DISABLED is a 404 exceptionInfo (§6)."""
        disabled = {
            "type": "exceptionInfo",
            "httpErrorCode": 404,
            "message": "The service is disabled",
            "kapuaErrorCode": "SERVICE_DISABLED",
        }
        exchange = _exchange("GET", "/v1/_/devices", 404, response=disabled)

        assert [] == validator.validate(exchange)

    def test_error_info_with_foreign_status_fails(
        self, validator: SpecValidator
    ) -> None:
        """entityNotFoundExceptionInfo only ever comes with 404 (§6), never with 409."""
        conflict = _DEVICE_NOT_FOUND | {"httpErrorCode": 409}
        exchange = _exchange("GET", "/v1/_/devices/LQNak9Yzkus", 409, response=conflict)

        assert [
            (
                "response",
                "status: entityNotFoundExceptionInfo is sent with 404, not 409",
            )
        ] == _messages(validator.validate(exchange))

    def test_http_error_code_must_match_status(self, validator: SpecValidator) -> None:
        """The body's httpErrorCode is the HTTP status the mapper answered with (§6)."""
        mismatch = _DEVICE_NOT_FOUND | {"httpErrorCode": 500}
        exchange = _exchange("GET", "/v1/_/devices/LQNak9Yzkus", 404, response=mismatch)

        assert [
            ("response", "body.httpErrorCode: 500 differs from the status 404")
        ] == _messages(validator.validate(exchange))

    def test_mfa_required_on_login_passes(self, validator: SpecValidator) -> None:
        """Login lists no 403, but MFA without a code answers mfaRequiredExceptionInfo (§3.3)."""
        required = {
            "type": "mfaRequiredExceptionInfo",
            "httpErrorCode": 403,
            "message": "MFA credentials are required",
            "kapuaErrorCode": "REQUIRE_MFA_CREDENTIALS",
        }
        exchange = _exchange(
            "POST",
            "/v1/authentication/user",
            403,
            request=_LOGIN,
            token=False,
            response=required,
        )

        assert [] == validator.validate(exchange)

    def test_refresh_error_body_is_excused_on_refresh_only(
        self, validator: SpecValidator
    ) -> None:
        """A 401 exceptionInfo answers a failed refresh (§3.3), never a bad token."""
        failed = {
            "type": "exceptionInfo",
            "httpErrorCode": 401,
            "message": "Error while refreshing the AccessToken. ",
            "kapuaErrorCode": "REFRESH_ERROR",
        }
        refresh = _exchange(
            "POST",
            "/v1/authentication/refresh",
            401,
            request={"tokenId": _JWT, "refreshToken": _ACCESS_TOKEN["refreshToken"]},
            token=False,
            response=failed,
        )
        listing = _exchange("GET", "/v1/_/devices", 401, response=failed)

        assert [] == validator.validate(refresh)
        assert [
            (
                "response",
                "status: exceptionInfo is sent with 400, 404, 409, 422, 500, not 401",
            )
        ] == _messages(validator.validate(listing))

    def test_empty_401_on_failed_login_passes(self, validator: SpecValidator) -> None:
        """A failed login answers 401 with no body at all (§3.3)."""
        exchange = _exchange(
            "POST", "/v1/authentication/user", 401, request=_LOGIN, token=False
        )

        assert [] == validator.validate(exchange)

    def test_servlet_error_page_401_passes(self, validator: SpecValidator) -> None:
        """A bad token gets Jetty's HTML error page, not an exceptionInfo (§3.3)."""
        page = b"<html><body><h2>HTTP ERROR 401</h2></body></html>"
        exchange = _exchange(
            "GET",
            "/v1/_/devices",
            401,
            response=page,
            response_type="text/html;charset=iso-8859-1",
        )

        assert [] == validator.validate(exchange)

    def test_sys_info_needs_no_token(self, validator: SpecValidator) -> None:
        """/sys-info is outside shiro.ini's protected URLs (§3.4)."""
        info = {"version": "2.1.0", "buildNumber": "142"}
        exchange = _exchange("GET", "/v1/sys-info", 200, token=False, response=info)

        assert [] == validator.validate(exchange)

    def test_data_message_query_is_known(self, validator: SpecValidator) -> None:
        """POST /{scopeId}/data/messages/_query exists on the server (§11.2)."""
        query = {
            "limit": 10,
            "sortFields": [{"field": "timestamp", "direction": "DESC"}],
        }
        listing = {"type": "dataMessageListResult", "limitExceeded": False, "size": 0}
        exchange = _exchange(
            "POST",
            "/v1/_/data/messages/_query",
            200,
            request=query,
            response=listing | {"items": []},
        )

        assert [] == validator.validate(exchange)


@requires_spec
class TestKnownDefects:
    """Each listed defect excuses its own mismatch and nothing more."""

    def test_integer_http_error_code_passes_only_by_its_defect(
        self, validator: SpecValidator, spec: Mapping[str, Any]
    ) -> None:
        """exceptionInfo declares httpErrorCode a string; the server sends 404 (§6)."""
        exchange = _exchange(
            "GET", "/v1/_/devices/LQNak9Yzkus", 404, response=_DEVICE_NOT_FOUND
        )
        entry = defect("schema exceptionInfo.httpErrorCode")

        uncorrected = SpecValidator(spec, without(entry))

        assert [] == validator.validate(exchange)
        assert [("response", "body.httpErrorCode: 404 is not of type 'string'")] == (
            _messages(uncorrected.validate(exchange))
        )

    def test_login_with_username_passes_only_by_its_defect(
        self, validator: SpecValidator, spec: Mapping[str, Any]
    ) -> None:
        """usernamePasswordCredentials names the field ``user``; the server reads ``username``."""
        exchange = _exchange(
            "POST",
            "/v1/authentication/user",
            200,
            request=_LOGIN,
            token=False,
            response=_ACCESS_TOKEN,
        )
        entry = defect("schema usernamePasswordCredentials.user")

        uncorrected = SpecValidator(spec, without(entry))

        assert [] == validator.validate(exchange)
        assert [
            ("request", "body: property 'username' is not declared by the spec")
        ] == (_messages(uncorrected.validate(exchange)))

    def test_login_with_user_fails_once_corrected(
        self, validator: SpecValidator
    ) -> None:
        """The correction renames the field, so the spec's ``user`` is now the wrong one."""
        login = {"user": "kapua-sys", "password": "kapua-password"}
        exchange = _exchange(
            "POST", "/v1/authentication/user", 401, request=login, token=False
        )

        assert [("request", "body: property 'user' is not declared by the spec")] == (
            _messages(validator.validate(exchange))
        )

    def test_default_password_passes_only_by_its_defect(
        self, spec: Mapping[str, Any]
    ) -> None:
        """kapua-password has no digit, capital or symbol, so the password pattern rejects it."""
        exchange = _exchange(
            "POST", "/v1/authentication/user", 401, request=_LOGIN, token=False
        )
        entry = defect("login bodies: password, authenticationCode, trustKey patterns")

        [violation] = SpecValidator(spec, without(entry)).validate(exchange)

        assert "request" == violation.side
        assert violation.message.startswith(
            "body.password: 'kapua-password' does not match"
        )

    def test_swapped_stop_status_passes_only_by_its_defect(
        self, validator: SpecValidator, spec: Mapping[str, Any]
    ) -> None:
        """The spec says 204 for stopping an execution; the server answers 202 (§11.3)."""
        path = "/v1/_/jobs/AQ/executions/Ag/_stop"
        accepted = _exchange("POST", path, 202)
        no_content = _exchange("POST", path, 204)
        entry = defect(
            "POST /{scopeId}/jobs/{jobId}/executions/{executionId}/_stop 204"
        )

        uncorrected = SpecValidator(spec, without(entry))

        assert [] == validator.validate(accepted)
        assert ["response"] == [v.side for v in validator.validate(no_content)]
        assert ["response"] == [v.side for v in uncorrected.validate(accepted)]
        assert [] == uncorrected.validate(no_content)

    def test_every_defect_applies_alone_and_changes_the_spec(
        self, spec: Mapping[str, Any]
    ) -> None:
        """No entry depends on another, and none is a no-op."""
        for entry in KNOWN_DEFECTS:
            assert spec != corrected_spec(spec, [entry]), entry.selector

    def test_a_fixed_defect_fails_loudly(self, spec: Mapping[str, Any]) -> None:
        """Patching a spec that no longer shows the defect raises DefectGone."""
        corrected = corrected_spec(spec, KNOWN_DEFECTS)

        for entry in KNOWN_DEFECTS:
            with pytest.raises(DefectGone):
                entry.patch(corrected)

    def test_every_defect_is_documented_once(self) -> None:
        """Selectors are unique and each entry cites a section of the reference."""
        selectors = [entry.selector for entry in KNOWN_DEFECTS]

        assert len(set(selectors)) == len(selectors)
        for entry in KNOWN_DEFECTS:
            assert entry.what, entry.selector
            assert entry.reason, entry.selector
            assert entry.reference.startswith("§"), entry.selector


class TestSpecLocation:
    """Finding the spec folder and skipping cleanly without it."""

    def test_env_var_overrides_and_missing_spec_explains(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """An EC_OPENAPI_DIR without bundled.yaml gives None and a reason naming both."""
        monkeypatch.setenv(SPEC_DIR_ENV, str(tmp_path))

        assert tmp_path.resolve() == spec_dir()
        assert load_spec() is None
        assert str(tmp_path.resolve() / "bundled.yaml") in missing_spec_reason()
        assert SPEC_DIR_ENV in missing_spec_reason()

    def test_relative_path_is_taken_from_the_repository(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """The default ../shared/kapua-openapi is next to the repo, whatever the cwd."""
        repository = Path(__file__).resolve().parents[2]
        monkeypatch.delenv(SPEC_DIR_ENV, raising=False)
        monkeypatch.chdir(tmp_path)

        assert (repository.parent / "shared" / "kapua-openapi").resolve() == spec_dir()

    @requires_spec
    def test_spec_is_loaded_once(self) -> None:
        """Repeated loads return the same parsed document."""
        assert load_spec() is load_spec()


@requires_spec
class TestSpecObserver:
    """The fixture's observer: failing at teardown and excusing deliberate misuse."""

    def test_verify_lists_every_violation(self, validator: SpecValidator) -> None:
        """Two bad exchanges give one failure that names both."""
        observer = SpecObserver(validator)
        observer(_exchange("GET", "/v1/_/gadgets", 404))
        observer(_exchange("GET", "/v1/_/devices", 201, response={"size": 0}))

        with pytest.raises(pytest.fail.Exception) as failure:
            observer.verify()

        message = str(failure.value)
        assert message.startswith("2 Kapua spec violation(s):")
        assert "GET /v1/_/gadgets" in message
        assert "GET /{scopeId}/devices (deviceList)" in message

    def test_verify_passes_quietly_when_all_conform(
        self, validator: SpecValidator
    ) -> None:
        """A conforming exchange leaves nothing to report."""
        observer = SpecObserver(validator)
        observer(_exchange("GET", "/v1/sys-info", 200, token=False, response={}))

        observer.verify()

        assert [] == observer.problems()

    def test_expected_invalid_request_excuses_request_side_only(
        self, validator: SpecValidator
    ) -> None:
        """Inside the block a bad limit is excused, but a bad answer to it is not."""
        observer = SpecObserver(validator)
        bad_request = _exchange("GET", "/v1/_/devices", 400, query=(("limit", "x"),))

        with observer.expect_invalid_requests("limit must be an integer"):
            observer(bad_request)

        [violation] = observer.violations()
        assert "response" == violation.side

    def test_expected_invalid_request_must_happen(
        self, validator: SpecValidator
    ) -> None:
        """A block that promised an invalid request but sent a valid one is a problem."""
        observer = SpecObserver(validator)
        listing = {"limitExceeded": False, "size": 0, "items": []}

        with observer.expect_invalid_requests("limit must be an integer"):
            observer(_exchange("GET", "/v1/_/devices", 200, response=listing))

        assert [
            "expected an invalid request (limit must be an integer), but all conformed"
        ] == observer.problems()

    def test_coverage_counts_operations_and_strays(
        self, validator: SpecValidator
    ) -> None:
        """Two device lists and one stray give one operation and one unmatched path."""
        observer = SpecObserver(validator)
        listing = {"limitExceeded": False, "size": 0, "items": []}
        observer(_exchange("GET", "/v1/_/devices", 200, response=listing))
        observer(_exchange("GET", "/v1/_/devices", 200, response=listing))
        observer(_exchange("GET", "/v1/_/gadgets", 404))
        coverage = SpecCoverage()

        coverage.add(validator.operations, observer.judgements())

        report = coverage.as_json()
        [devices] = [
            row for row in report["operations"] if row["operationId"] == "deviceList"
        ]
        assert {"200": 2} == devices["statuses"]
        assert [
            {"method": "GET", "path": "/v1/_/gadgets", "status": 404, "count": 1}
        ] == report["unmatched"]
        assert {devices["operationId"]} == {
            operation.operation_id for operation in coverage.exercised
        }
