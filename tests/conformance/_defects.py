"""Every known disagreement between the Kapua spec and the real server, in one place.

Each ``SpecDefect`` corrects one narrow thing in a private copy of the spec (a
renamed field, a status, a missing operation); the rest of the exchange is
still checked against the spec as written. Reasons and section numbers refer to
``shared/reference/kapua-api.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ._patches import (
    Patch,
    add_operation,
    add_property,
    add_response,
    add_schemas,
    both,
    drop_keyword,
    move_response,
    operation_pointer,
    remove_parameter,
    rename_property,
    rename_required,
    replace_node,
    retype_property,
    set_security,
    widen_one_of,
)

__all__ = ["KNOWN_DEFECTS", "SpecDefect", "defect", "without"]


@attrs.frozen
class SpecDefect:
    """One place where the spec is wrong about the server, and its correction."""

    selector: str
    what: str
    reason: str
    reference: str
    patch: Patch = attrs.field(repr=False, eq=False)


def _schema(name: str, branch: int | None = None) -> str:
    pointer = f"/components/schemas/{name}"

    return pointer if branch is None else f"{pointer}/allOf/{branch}"


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


# The error answers every protected operation shares; the added operations
# below declare them like their siblings in the spec do.
_COMMON_ERRORS = {
    "400": _ref("responses", "illegalArgument"),
    "401": _ref("responses", "unauthenticated"),
    "403": _ref("responses", "subjectUnauthorized"),
    "500": _ref("responses", "kapuaError"),
}


def _query_operation(
    operation_id: str, tag: str, body: dict[str, Any], result: dict[str, Any]
) -> dict[str, Any]:
    return {
        "tags": [tag],
        "operationId": operation_id,
        "parameters": [_ref("parameters", "scopeId")],
        "requestBody": {"required": True, "content": _json(body)},
        "responses": {
            "200": {"description": "The result of the query", "content": _json(result)}
        }
        | _COMMON_ERRORS,
    }


def _data_query(operation_id: str, tag: str, result: str) -> dict[str, Any]:
    return _query_operation(
        operation_id, tag, _ref("schemas", "kapuaQuery"), _ref("schemas", result)
    )


# The JSON message query also takes sort fields (JsonMessageQuery, §7).
_MESSAGE_QUERY = {
    "allOf": [
        _ref("schemas", "kapuaQuery"),
        {
            "type": "object",
            "properties": {
                "sortFields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string"},
                            "direction": {"type": "string"},
                        },
                    },
                }
            },
        },
    ]
}

_AVAILABLE_CREDENTIALS = {
    "tags": ["Credential"],
    "operationId": "credentialAvailableCredentials",
    "parameters": [_ref("parameters", "scopeId")],
    "responses": {"200": _ref("responses", "setResult")} | _COMMON_ERRORS,
}

# Jetty 9.4's error handler answers `Accept: application/json` with this
# document, and everything else with an HTML page (§3.3, inferred from Jetty).
_JETTY_ERROR_DOCUMENT = {
    "type": "object",
    "properties": {
        "url": {"type": "string"},
        "status": {"type": "string"},
        "message": {"type": "string"},
        "servlet": {"type": "string"},
    },
}

_UNAUTHENTICATED = {
    "description": "Authentication failed: no body, or the servlet error page",
    "x-ec-empty-body-allowed": True,
    "content": {
        "application/json": {"schema": _ref("schemas", "jettyErrorDocument")},
        "text/html": {},
    },
}

_REFRESH_FAILED = {
    "description": "The refresh failed (kapuaErrorCode REFRESH_ERROR)",
    "content": _json(_ref("schemas", "exceptionInfo")),
}


def _error_info(**fields: dict[str, Any]) -> dict[str, Any]:
    extension: dict[str, Any] = {"type": "object"}
    if fields:
        extension["properties"] = fields

    return {"allOf": [_ref("schemas", "exceptionInfo"), extension]}


# Field types the reference does not give are left open ({}): the names are
# checked, the values are not.
_MISSING_ERROR_INFOS = {
    "mfaRequiredExceptionInfo": _error_info(),
    # ThrowableInfo is exceptionInfo's parent: no kapuaErrorCode (§6).
    "throwableInfo": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "httpErrorCode": {"type": "integer"},
            "message": {"type": "string"},
            "stackTrace": {"type": "string"},
        },
    },
    "deviceManagementResponseCodeExceptionInfo": _error_info(
        responseCode={}, errorMessage={}, stacktrace={}
    ),
    "deviceManagementRequestContentExceptionInfo": _error_info(requestContent={}),
    "deviceManagementResponseContentExceptionInfo": _error_info(responsePayload={}),
    # DeviceManagementTimeoutExceptionInfo: the request's timeout in ms (a Long).
    "deviceManagementTimeoutExceptionInfo": _error_info(timeout={"type": "integer"}),
    "jobScopedEngineExceptionInfo": _error_info(
        scopeId=_ref("schemas", "kapuaId"), jobId=_ref("schemas", "kapuaId")
    ),
}


def _job_info(**fields: dict[str, Any]) -> dict[str, Any]:
    extension: dict[str, Any] = {"type": "object"}
    if fields:
        extension["properties"] = fields

    return {"allOf": [_ref("schemas", "jobScopedEngineExceptionInfo"), extension]}


_ID_LIST = {"type": "array", "items": _ref("schemas", "kapuaId")}

# The job engine's refusals: every one a JobScopedEngineExceptionInfo (scopeId,
# jobId) sent with 500, some with the execution or the target ids involved.
_JOB_ENGINE_INFOS = {
    "jobMissingStepExceptionInfo": _job_info(),
    "jobMissingTargetExceptionInfo": _job_info(),
    "jobRunningExceptionInfo": _job_info(),
    "jobInvalidTargetExceptionInfo": _job_info(jobTargetIdSubset=_ID_LIST),
    "jobAlreadyRunningExceptionInfo": _job_info(
        executionId=_ref("schemas", "kapuaId"), jobTargetIdSubset=_ID_LIST
    ),
    "jobResumingExceptionInfo": _job_info(executionId=_ref("schemas", "kapuaId")),
}

# A trigger definition lists the properties a trigger takes, without values.
_DEFINITION_PROPERTY = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "propertyType": {"type": "string"},
        "propertyValue": {"type": "string"},
    },
    "required": ["name", "propertyType"],
}

# The fields of FiredTrigger, which the spec puts in its example instead.
_FIRED_TRIGGER_FIELDS = {
    "triggerId": _ref("schemas", "kapuaId"),
    "firedOn": {"type": "string", "format": "date-time"},
    "status": _ref("schemas", "firedTriggerStatus"),
    "message": {"type": "string"},
}

_CREATED = "/responses/201/content/application~1json"

# Contradictions in the data and job tags decided for the spec as written,
# so they need no entry: a metric's `value` is a string in the schema but a
# number in the message examples; the server's XmlAdaptedTypeValueObject
# holds it as a String, which MOXy writes as JSON text (§2).


def _is_ref_to(name: str) -> Callable[[Any], bool]:
    return lambda old: bool(old == _ref("schemas", name))


def _plain_strings(schema: str, *names: str) -> Patch:
    """Replace the listed properties' shared pattern-bearing schemas by plain strings."""
    return both(
        *(
            replace_node(
                f"{schema}/properties", name, _is_ref_to(name), {"type": "string"}
            )
            for name in names
        )
    )


_MFA_LOGIN = (
    f"{operation_pointer('/authentication/mfa', 'post')}"
    "/requestBody/content/application~1json/schema"
)

_ERROR_ONE_OFS = (
    "/components/responses/illegalArgument/content/application~1json/schema",
    "/components/responses/illegalArgument/content/application~1xml/schema",
    *(
        f"{operation_pointer(path, method)}/responses/{status}/content/{media}/schema"
        for path, method, status in (
            ("/{scopeId}/serviceConfigurations", "put", "400"),
            ("/{scopeId}/serviceConfigurations/{componentId}", "put", "400"),
            ("/{scopeId}/users/{userId}/mfa", "post", "403"),
        )
        for media in ("application~1json", "application~1xml")
    ),
)

# Device management (§2, §11.1): MOXy writes and reads a list under its
# wrapper name, and the server's model classes name the lists and fields below;
# where the spec's examples and schemas disagree, the model class decides.
_DEVICE = "/{scopeId}/devices/{deviceId}"
_DEVICE_ASSET_LISTS = (
    "deviceAssetValues",
    "deviceAssetsFilter",
    "deviceAssetDefinitionsFilter",
)
# JsonGenericRequestMessage's payload: typed metrics and a base64 body (§2).
_REQUEST_PAYLOAD = {
    "type": "object",
    "properties": {
        "metrics": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "valueType": {"type": "string"},
                    "value": {"type": "string"},
                },
            },
        },
        "body": {"type": "string", "format": "byte"},
    },
}

_EXECUTION = "/{scopeId}/jobs/{jobId}/executions/{executionId}"
_TARGETS = "/{scopeId}/jobs/{jobId}/targets"
_TRIGGERS = "/{scopeId}/jobs/{jobId}/triggers"
_SERVICE_CONFIGURATIONS = "/{scopeId}/serviceConfigurations"
_COMPONENT = _SERVICE_CONFIGURATIONS + "/{componentId}"
_SCOPED_RESET = "/{scopeId}/user/credentials/{credentialId}/_reset"
_RESET = "/user/credentials/{credentialId}/_reset"
_USERS_RESET = "/{scopeId}/users/{userId}/credentials/password/_reset"
_NO_CONTENT_204 = tuple(
    f"{operation_pointer(path, method)}/responses/204"
    for path, method in (
        ("/{scopeId}/credentials/{credentialId}/_unlock", "post"),
        ("/{scopeId}/credentials/{credentialId}/unlock", "post"),
        ("/{scopeId}/users/{userId}/mfa/disableTrust", "delete"),
        ("/user/mfa/disableTrust", "delete"),
    )
)

KNOWN_DEFECTS: tuple[SpecDefect, ...] = (
    SpecDefect(
        selector="schema usernamePasswordCredentials.user",
        what="the login field is named `user`; the server reads `username`",
        reason="UsernamePasswordCredentials maps getUsername to `username`; the "
        "spec's own examples, Kapua's QA tests and EC's docs all send `username`",
        reference="§3.1, §11.3",
        patch=rename_property(
            _schema("usernamePasswordCredentials", 0), "user", "username"
        ),
    ),
    SpecDefect(
        selector="login bodies: password, authenticationCode, trustKey patterns",
        what="login fields carry creation-time patterns; authenticationCode and "
        "trustKey even carry the JWT pattern",
        reason="the login path applies no patterns (a stored password may predate "
        "the rules); a TOTP code is 6 digits; the spec's own login examples "
        "(kapua-password, 123456, a UUID trustKey) break them",
        reference="§3.1, §4",
        patch=both(
            _plain_strings(
                _schema("usernamePasswordCredentials", 0),
                "password",
                "authenticationCode",
                "trustKey",
            ),
            _plain_strings(_MFA_LOGIN, "password", "authenticationCode", "trustKey"),
        ),
    ),
    SpecDefect(
        selector="POST /authentication/jwt request body",
        what="body `{jwt}`; the server reads `{accessToken, idToken}`",
        reason="JwtCredentials carries the OpenID Connect accessToken and idToken",
        reference="§3.1, §11.3",
        patch=replace_node(
            f"{operation_pointer('/authentication/jwt', 'post')}"
            "/requestBody/content/application~1json",
            "schema",
            lambda old: set(old.get("properties", ())) == {"jwt"},
            {
                "type": "object",
                "properties": {
                    "accessToken": {"type": "string"},
                    "idToken": {"type": "string"},
                },
            },
        ),
    ),
    SpecDefect(
        selector="schema loginInfo.rolePermissions",
        what="declared `rolePermissions`; the server sends `rolePermission`",
        reason="LoginInfo's element is rolePermission (the spec example agrees)",
        reference="§3.1, §11.3",
        patch=rename_property(
            _schema("loginInfo"), "rolePermissions", "rolePermission"
        ),
    ),
    SpecDefect(
        selector="schema exceptionInfo.httpErrorCode",
        what="declared a string; the server sends an integer",
        reason="ThrowableInfo.httpErrorCode is an int (the spec examples show 403, 404)",
        reference="§6, §11.3",
        patch=retype_property(
            _schema("exceptionInfo"), "httpErrorCode", "string", "integer"
        ),
    ),
    SpecDefect(
        selector="schema kapuaListResult.required",
        what="requires the typo `limitedExceeded`; the field is `limitExceeded`",
        reason="KapuaListResult always writes limitExceeded and size",
        reference="§7, §11.3",
        patch=rename_required(
            _schema("kapuaListResult"), "limitedExceeded", "limitExceeded"
        ),
    ),
    SpecDefect(
        selector="schema kapuaQuery.limit default",
        what="documents a default limit of 50 for query bodies",
        reason="a _query/_count body without `limit` returns every row; only the "
        "GET list endpoints default to 50 (no effect on checks, kept truthful)",
        reference="§7, §11.3",
        patch=drop_keyword(f"{_schema('kapuaQuery')}/properties/limit", "default"),
    ),
    SpecDefect(
        selector="schema kapuaQuery.fetchAttributeName",
        what="query bodies lack `fetchAttributeName`",
        reason="KapuaQuery's wire fields are offset, limit, askTotalCount and "
        "fetchAttributeName (an array); predicates and sorting cannot be sent",
        reference="§7",
        patch=add_property(
            _schema("kapuaQuery"),
            "fetchAttributeName",
            {"type": "array", "items": {"type": "string"}},
        ),
    ),
    SpecDefect(
        selector="schema accountCreator.organizatioPpersonName, .phoneNumber",
        what="`organizatioPpersonName` (typo) and `phoneNumber` for "
        "`organizationPersonName` and `organizationPhoneNumber`",
        reason="every AccountCreator organization field is named organization<Field>; "
        "the spec's own example sends organizationPhoneNumber",
        reference="§11.4",
        patch=both(
            rename_property(
                _schema("accountCreator", 1),
                "organizatioPpersonName",
                "organizationPersonName",
            ),
            rename_property(
                _schema("accountCreator", 1), "phoneNumber", "organizationPhoneNumber"
            ),
        ),
    ),
    SpecDefect(
        selector="schema jobStepCreator name, description",
        what="built on kapuaUpdatableEntityCreator, so it lacks name and description",
        reason="a job step is a named entity; the spec's own example sends both",
        reference="§11.4",
        patch=replace_node(
            f"{_schema('jobStepCreator')}/allOf",
            "0",
            lambda old: old == _ref("schemas", "kapuaUpdatableEntityCreator"),
            _ref("schemas", "kapuaNamedEntityCreator"),
        ),
    ),
    SpecDefect(
        selector="schema deviceCreator.clientId readOnly",
        what="`clientId` is both required and readOnly in the creator",
        reason="readOnly forbids it in requests, so no create request could be "
        "valid; the server needs it and the spec's own example sends it",
        reference="§11.4",
        patch=drop_keyword(
            f"{_schema('deviceCreator', 1)}/properties/clientId", "readOnly"
        ),
    ),
    SpecDefect(
        selector="schema DeviceNotConnectedExceptionInfo.connectionStatus",
        what="lacks `connectionStatus`",
        reason="DeviceNotConnectedExceptionInfo carries deviceId and connectionStatus",
        reference="§6, §11.3",
        patch=add_property(
            _schema("DeviceNotConnectedExceptionInfo", 1),
            "connectionStatus",
            {"type": "string"},
        ),
    ),
    SpecDefect(
        selector="error infos in components",
        what="mfaRequired, throwable, device-management and job-engine infos missing",
        reason="the server sends them (login with MFA on, unexpected errors, "
        "device-management and job failures); fields as listed in the reference, "
        "and the timeout info's `timeout` as DeviceManagementTimeoutExceptionInfo "
        "declares it",
        reference="§3.3, §6",
        patch=add_schemas(_MISSING_ERROR_INFOS),
    ),
    SpecDefect(
        selector="oneOf of error infos (illegalArgument, serviceConfigurations "
        "PUT 400, users mfa POST 403)",
        what="`oneOf` over error infos whose fields are all optional",
        reason="any error body matches every branch, so `oneOf` rejects all of "
        "them; `anyOf` is what the spec means",
        reference="§6",
        patch=widen_one_of(_ERROR_ONE_OFS),
    ),
    SpecDefect(
        selector="responses.unauthenticated (every 401)",
        what="no body described",
        reason="a failed login answers with no body; a bad, expired or "
        "invalidated token gets the servlet container's error page",
        reference="§3.3, §11.3",
        patch=both(
            add_schemas({"jettyErrorDocument": _JETTY_ERROR_DOCUMENT}),
            replace_node(
                "/components/responses",
                "unauthenticated",
                lambda old: set(old) == {"description"},
                _UNAUTHENTICATED,
            ),
        ),
    ),
    SpecDefect(
        selector="POST /authentication/refresh 401",
        what="401 described without a body",
        reason="a failed refresh answers exceptionInfo with kapuaErrorCode "
        "REFRESH_ERROR",
        reference="§3.3",
        patch=replace_node(
            f"{operation_pointer('/authentication/refresh', 'post')}/responses",
            "401",
            lambda old: old == _ref("responses", "unauthenticated"),
            _REFRESH_FAILED,
        ),
    ),
    SpecDefect(
        selector="GET /sys-info security",
        what="inherits the global bearer-token requirement",
        reason="/v1/sys-info is not in shiro.ini's protected URLs and has no "
        "permission check",
        reference="§3.4, §11.3",
        patch=set_security("/sys-info", "get", []),
    ),
    SpecDefect(
        selector="POST /{scopeId}/data/messages 200",
        what="success declared 200; the server answers 201",
        reason="the store returns 201 Created with the new message id",
        reference="§11.3",
        patch=move_response("/{scopeId}/data/messages", "post", "200", "201"),
    ),
    SpecDefect(
        selector=f"POST {_EXECUTION}/_resume 202",
        what="success declared 202; the server answers 204",
        reason="the resource method is void",
        reference="§11.3",
        patch=move_response(f"{_EXECUTION}/_resume", "post", "202", "204"),
    ),
    SpecDefect(
        selector=f"POST {_EXECUTION}/_stop 204",
        what="success declared 204; the server answers 202",
        reason="the stop is accepted asynchronously (even when not running)",
        reference="§11.3",
        patch=move_response(f"{_EXECUTION}/_stop", "post", "204", "202"),
    ),
    SpecDefect(
        selector=f"PUT {_SERVICE_CONFIGURATIONS}[/{{componentId}}] 200",
        what="success declared 200 (one with a body); the server answers 204",
        reason="the update methods return no content",
        reference="§11.3",
        patch=both(
            move_response(_SERVICE_CONFIGURATIONS, "put", "200", "204"),
            move_response(
                f"{_SERVICE_CONFIGURATIONS}/{{componentId}}", "put", "200", "204"
            ),
            drop_keyword(
                f"{operation_pointer(_COMPONENT, 'put')}/responses/204", "content"
            ),
        ),
    ),
    SpecDefect(
        selector=f"GET {_COMPONENT} 200 schema",
        what="one component answers as the list of every component "
        "(serviceComponentConfigurations)",
        reason="getComponent returns one ServiceComponentConfiguration",
        reference="§11.1, §11.3",
        patch=replace_node(
            f"{operation_pointer(_COMPONENT, 'get')}/responses/200/content/"
            "application~1json",
            "schema",
            _is_ref_to("serviceComponentConfigurations"),
            _ref("schemas", "serviceComponentConfiguration"),
        ),
    ),
    SpecDefect(
        selector="parameter serviceConfiguration_componentId",
        what="the component id is typed a kapuaId, whose pattern has no dots",
        reason="the path segment is a service name such as "
        "org.eclipse.kapua.service.account.AccountService (the spec's own examples)",
        reference="§11.1",
        patch=replace_node(
            "/components/parameters/serviceConfiguration_componentId",
            "schema",
            _is_ref_to("kapuaId"),
            {"type": "string"},
        ),
    ),
    SpecDefect(
        selector="schema serviceAttributeDefinition.type",
        what="declared an object; the server writes the type's name",
        reason="the metatype AD type is an enum written as its name (Boolean, "
        "Integer, String), as the spec's own examples show",
        reference="§10, §11.4",
        patch=retype_property(
            _schema("serviceAttributeDefinition"), "type", "object", "string"
        ),
    ),
    SpecDefect(
        selector="ServiceConfiguration(Parent)LimitExceededExceptionInfo.limitExceededBy",
        what="declared a string; the server writes a number",
        reason="the exception infos hold limitExceededBy as a long (the spec's "
        "own examples write 3)",
        reference="§6, §10",
        patch=both(
            retype_property(
                _schema("ServiceConfigurationLimitExceededExceptionInfo", 1),
                "limitExceededBy",
                "string",
                "integer",
            ),
            retype_property(
                _schema("ServiceConfigurationParentLimitExceededExceptionInfo", 1),
                "limitExceededBy",
                "string",
                "integer",
            ),
        ),
    ),
    SpecDefect(
        selector="POST access info, access permission, access role 201 schema",
        what="each create answers with a list result",
        reason="AccessInfos, AccessPermissions and AccessRoles return the "
        "created entity, as every other create does",
        reference="§2, §11.1",
        patch=both(
            *(
                replace_node(
                    f"{operation_pointer(path, 'post')}/responses/201/content/"
                    "application~1json",
                    "schema",
                    _is_ref_to(f"{entity}ListResult"),
                    _ref("schemas", entity),
                )
                for path, entity in (
                    ("/{scopeId}/accessinfos", "accessInfo"),
                    (
                        "/{scopeId}/accessinfos/{accessInfoId}/permissions",
                        "accessPermission",
                    ),
                    ("/{scopeId}/accessinfos/{accessInfoId}/roles", "accessRole"),
                )
            )
        ),
    ),
    SpecDefect(
        selector=f"GET {_SERVICE_CONFIGURATIONS}/{{componentId}} 204",
        what="an unknown componentId is not described",
        reason="the method returns null, which Jersey sends as 204 with no body",
        reference="§11.3",
        patch=add_response(
            f"{_SERVICE_CONFIGURATIONS}/{{componentId}}",
            "get",
            "204",
            {"description": "No service with that componentId"},
        ),
    ),
    SpecDefect(
        selector="POST credential password _reset (3 paths) 204",
        what="success declared 204 (with a body); the server answers 200",
        reason="the reset returns the updated credential; the scoped "
        "/{scopeId}/user/credentials form is served by the same method",
        reference="§11.2, §11.3",
        patch=both(
            move_response(_RESET, "post", "204", "200"),
            move_response(_SCOPED_RESET, "post", "204", "200"),
            move_response(_USERS_RESET, "post", "204", "200"),
        ),
    ),
    SpecDefect(
        selector="schema accessToken.trustKey pattern",
        what="the trust key must match the JWT pattern",
        reason="Kapua's trust key is a random UUID (MfaOptionServiceImpl"
        "#generateTrustKey), which the pattern refuses",
        reference="§3.2, §4",
        patch=drop_keyword(
            f"{_schema('accessToken', 1)}/properties/trustKey", "pattern"
        ),
    ),
    SpecDefect(
        selector="schema mfaOptionCreationResponse.mfaSecretKey, .qrCodeImage",
        what="the answer to turning MFA on lacks the secret and its QR code",
        reason="MfaOptionServiceImpl#create returns both, once (the schema's own "
        "example shows them); without the secret no authenticator can be set up",
        reference="§11.4",
        patch=both(
            add_property(
                _schema("mfaOptionCreationResponse", 1),
                "mfaSecretKey",
                {"type": "string"},
            ),
            add_property(
                _schema("mfaOptionCreationResponse", 1),
                "qrCodeImage",
                {"type": "string", "format": "byte"},
            ),
        ),
    ),
    SpecDefect(
        selector="credential unlock and MFA disableTrust (4 operations) 204 body",
        what="204 declared with a body (a credential, an mfaOption)",
        reason="the resource methods return no content (returnNoContent), and a "
        "204 answer has no body",
        reference="§3.5, §11.1",
        patch=both(*(drop_keyword(pointer, "content") for pointer in _NO_CONTENT_204)),
    ),
    SpecDefect(
        selector=f"POST {_RESET} scopeId",
        what="declares a `scopeId` path parameter its template lacks",
        reason="the scope comes from the session, not the path; it is the one "
        "error openapi-spec-validator reports for this spec",
        reference="§1, §11.3",
        patch=remove_parameter(_RESET, "post", "#/components/parameters/scopeId"),
    ),
    SpecDefect(
        selector="POST /{scopeId}/data/{channels,clients,metrics,messages}/_query",
        what="the data _query endpoints are absent",
        reason="DataChannels, DataClients, DataMetrics and DataMessagesJson serve "
        "them; bodies are KapuaQuery-like, messages also take sortFields",
        reference="§7, §11.2",
        patch=both(
            add_operation(
                "/{scopeId}/data/channels/_query",
                "post",
                _data_query(
                    "dataChannelBodyQuery", "Data Channel", "channelInfoListResult"
                ),
            ),
            add_operation(
                "/{scopeId}/data/clients/_query",
                "post",
                _data_query(
                    "dataClientBodyQuery", "Data Client", "clientInfoListResult"
                ),
            ),
            add_operation(
                "/{scopeId}/data/metrics/_query",
                "post",
                _data_query(
                    "dataMetricBodyQuery", "Data Metric", "metricInfoListResult"
                ),
            ),
            add_operation(
                "/{scopeId}/data/messages/_query",
                "post",
                _query_operation(
                    "dataMessageBodyQuery",
                    "Data Message",
                    _MESSAGE_QUERY,
                    _ref("schemas", "dataMessageListResult"),
                ),
            ),
        ),
    ),
    SpecDefect(
        selector="device asset bodies: deviceAssets",
        what="asset filters and values name their list `deviceAssets`; the "
        "definitions schema and every example say `deviceAsset`",
        reason="DeviceAssets (root deviceAssets) maps its list as the element "
        "deviceAsset, for reads and writes alike; the server wins over the schema",
        reference="§2, §11.1",
        patch=both(
            *(
                both(
                    rename_property(_schema(name), "deviceAssets", "deviceAsset"),
                    rename_required(_schema(name), "deviceAssets", "deviceAsset"),
                )
                for name in _DEVICE_ASSET_LISTS
            )
        ),
    ),
    SpecDefect(
        selector="schema attributeDefinition.type",
        what="the metatype attribute's `type` is declared an object; the "
        'example sends a string such as "String"',
        reason="KapuaTad.type is the Tscalar enum, written as its value "
        "(String, Integer, Boolean, Password, ...)",
        reference="§2, §11.1",
        patch=retype_property(
            _schema("attributeDefinition"), "type", "object", "string"
        ),
    ),
    SpecDefect(
        selector="schema deviceKeystores.deviceKeystore",
        what="the keystore list is named `deviceKeystore`",
        reason="DeviceKeystores maps its list as the element keystores",
        reference="§2, §11.1",
        patch=rename_property(
            _schema("deviceKeystores"), "deviceKeystore", "keystores"
        ),
    ),
    SpecDefect(
        selector="schema deviceInventoryDeploymentPackages.systemPackages",
        what="the deployment package list is named `systemPackages` (the "
        "system inventory's name); the example says `deploymentPackages`",
        reason="DeviceInventoryPackages (root deviceInventoryDeploymentPackages) "
        "maps its list as the element deploymentPackages",
        reference="§2, §11.1",
        patch=rename_property(
            _schema("deviceInventoryDeploymentPackages"),
            "systemPackages",
            "deploymentPackages",
        ),
    ),
    SpecDefect(
        selector="schemas deviceKeystoreKeypair, deviceKeystoreCSRInfo "
        ".singnatureAlgorithm",
        what="the field is spelt `singnatureAlgorithm`; the examples say "
        "`signatureAlgorithm`",
        reason="DeviceKeystoreKeypair and DeviceKeystoreCSRInfo map "
        "getSignatureAlgorithm to signatureAlgorithm",
        reference="§11.1",
        patch=both(
            rename_property(
                _schema("deviceKeystoreKeypair"),
                "singnatureAlgorithm",
                "signatureAlgorithm",
            ),
            rename_property(
                _schema("deviceKeystoreCSRInfo"),
                "singnatureAlgorithm",
                "signatureAlgorithm",
            ),
        ),
    ),
    SpecDefect(
        selector="schema deviceNotification.status",
        what="a notification's `status` refers to the whole deviceOperation "
        'schema; the example sends "RUNNING"',
        reason="ManagementOperationNotification.status is the operation status "
        "enum (RUNNING, COMPLETED, FAILED, STALE)",
        reference="§11.1",
        patch=replace_node(
            f"{_schema('deviceNotification', 1)}/properties",
            "status",
            _is_ref_to("deviceOperation"),
            _ref("schemas", "operationStatus"),
        ),
    ),
    SpecDefect(
        selector="schema commandInput.arguments",
        what="arguments are an object `{argument: string | [string]}`",
        reason="the arguments are an element-wrapped list, which the server's "
        "MOXy setting (wrapper as array name) reads as a plain array, as it "
        "writes `items` of list results; the example predates that setting",
        reference="§2",
        patch=replace_node(
            f"{_schema('commandInput')}/properties",
            "arguments",
            lambda old: "argument" in old.get("properties", {}),
            {"type": "array", "items": {"type": "string"}},
        ),
    ),
    SpecDefect(
        selector="schema requestInput.payload",
        what="a device request lacks its `payload` (only the example sends one)",
        reason="JsonGenericRequestMessage carries payload: metrics as "
        "{name, valueType, value} and a base64 body",
        reference="§2",
        patch=add_property(_schema("requestInput"), "payload", _REQUEST_PAYLOAD),
    ),
    SpecDefect(
        selector=f"POST {_DEVICE}/keystore/items/csr 204",
        what="success declared 204 with a body; the server answers 200",
        reason="the resource method returns the DeviceKeystoreCSR",
        reference="§11.1",
        patch=move_response(f"{_DEVICE}/keystore/items/csr", "post", "204", "200"),
    ),
    SpecDefect(
        selector="POST /{scopeId}/deviceconnections/{connectionId}/_disconnect 204",
        what="the 204 declares a connectionOptions body",
        reason="a 204 carries no body; the disconnect returns no content",
        reference="§2, §11.1",
        patch=replace_node(
            operation_pointer(
                "/{scopeId}/deviceconnections/{connectionId}/_disconnect", "post"
            )
            + "/responses",
            "204",
            lambda old: "content" in old,
            {"description": "The disconnection request was sent to the broker"},
        ),
    ),
    SpecDefect(
        selector="GET /{scopeId}/credentials/_availableCredentials",
        what="absent from the spec",
        reason="Credentials serves it: the set of credential types",
        reference="§11.2",
        patch=add_operation(
            "/{scopeId}/credentials/_availableCredentials",
            "get",
            _AVAILABLE_CREDENTIALS,
        ),
    ),
    SpecDefect(
        selector="schema jobCreator name, description",
        what="built on kapuaUpdatableEntityCreator, so it declares no fields",
        reason="JobCreator is a named entity creator (the server requires the "
        "name); the spec's own example sends name and description",
        reference="§11.4",
        patch=replace_node(
            _schema("jobCreator"),
            "allOf",
            lambda old: old == [_ref("schemas", "kapuaUpdatableEntityCreator")],
            [_ref("schemas", "kapuaNamedEntityCreator")],
        ),
    ),
    SpecDefect(
        selector=f"POST {_TARGETS} and {_TRIGGERS} 201 schema",
        what="the created target and trigger are declared as a `job`",
        reason="JobTargets.create returns the JobTarget and JobTriggers.create "
        "the Trigger it made, as the GET of each does",
        reference="§11.1",
        patch=both(
            replace_node(
                f"{operation_pointer(_TARGETS, 'post')}{_CREATED}",
                "schema",
                _is_ref_to("job"),
                _ref("schemas", "jobTarget"),
            ),
            replace_node(
                f"{operation_pointer(_TRIGGERS, 'post')}{_CREATED}",
                "schema",
                _is_ref_to("job"),
                _ref("schemas", "jobTrigger"),
            ),
        ),
    ),
    SpecDefect(
        selector="schema firedTrigger triggerId, firedOn, status, message",
        what="the fields are written inside the example, not declared",
        reason="FiredTrigger carries triggerId, firedOn, status (FIRED or "
        "FAILED) and message; the spec's own examples show them",
        reference="§11.4",
        patch=replace_node(
            _schema("firedTrigger", 1),
            "properties",
            lambda old: old is None,
            _FIRED_TRIGGER_FIELDS,
        ),
    ),
    SpecDefect(
        selector="schema triggerDefinition.triggerProperties items",
        what="items are triggerProperty, which requires a propertyValue",
        reason="a definition lists the properties a trigger takes, by name and "
        "type only; the spec's own definition examples have no values",
        reference="§11.4",
        patch=replace_node(
            f"{_schema('triggerDefinition', 1)}/properties/triggerProperties",
            "items",
            _is_ref_to("triggerProperty"),
            _DEFINITION_PROPERTY,
        ),
    ),
    SpecDefect(
        selector="job engine error infos in components",
        what="the infos of the job engine's refusals are missing",
        reason="starting a job without steps or targets, or while it runs, and "
        "resuming one not stopped answer these JobScopedEngineExceptionInfo "
        "subclasses with 500",
        reference="§6",
        patch=add_schemas(_JOB_ENGINE_INFOS),
    ),
)


def defect(selector: str) -> SpecDefect:
    """Return the known defect with this selector (for tests and reports)."""
    for entry in KNOWN_DEFECTS:
        if entry.selector == selector:
            return entry

    raise KeyError(selector)


def without(*excluded: SpecDefect) -> tuple[SpecDefect, ...]:
    """Return the known defects minus ``excluded`` (to show what one excuses)."""
    return tuple(
        entry for entry in KNOWN_DEFECTS if all(entry is not x for x in excluded)
    )
