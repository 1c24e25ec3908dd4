"""Pure pieces: TOTP codes, secrets kept out of reprs and errors, error types, decoding."""

from __future__ import annotations

import json

import pytest

import ec_async
from ec_async import (
    Credential,
    CredentialCreator,
    LoginInfo,
    MfaOption,
    OpenIdConnectTokens,
    PasswordChangeRequest,
    ScratchCode,
    UsernamePassword,
)
from ec_async._convert import structure
from ec_async._errors import error_from_response
from ec_async._user_credentials import concealing
from ec_async.emulator._totp import totp_code, verify_totp

# RFC 6238, appendix B: the SHA-1 secret is the ASCII "12345678901234567890".
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
SECRET = "s3cret-Passw0rd!"


class TestTotp:
    """The emulator's TOTP against RFC 6238 and its acceptance window."""

    @pytest.mark.parametrize(
        ("seconds", "code"),
        [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ],
    )
    def test_rfc_6238_vectors(self, seconds: int, code: str) -> None:
        """Eight-digit SHA-1 codes match the RFC's test vectors."""
        assert code == totp_code(RFC_SECRET, seconds, digits=8)

    def test_six_digits_are_the_last_six(self) -> None:
        """Kapua's 6-digit code is the RFC value modulo 10^6."""
        assert "287082" == totp_code(RFC_SECRET, 59)

    def test_window_is_one_step_each_side(self) -> None:
        """A code passes 30 s before and after its step, not 60 s after."""
        code = totp_code(RFC_SECRET, 1111111111)

        assert verify_totp(RFC_SECRET, code, 1111111111 - 30)
        assert verify_totp(RFC_SECRET, code, 1111111111 + 30)
        assert not verify_totp(RFC_SECRET, code, 1111111111 + 60)

    def test_malformed_codes_fail(self) -> None:
        """Codes that are not six digits never pass."""
        assert not verify_totp(RFC_SECRET, "28708", 59)
        assert not verify_totp(RFC_SECRET, "28708x", 59)


class TestSecrets:
    """No password, key, code or secret in any repr."""

    @pytest.mark.parametrize(
        "value",
        [
            UsernamePassword("u", SECRET, authentication_code=SECRET, trust_key=SECRET),
            OpenIdConnectTokens(SECRET, SECRET),
            Credential(id="AQ", credential_key=SECRET),
            CredentialCreator(credential_type="PASSWORD", credential_key=SECRET),
            PasswordChangeRequest(current_password=SECRET, new_password=SECRET),
            MfaOption(
                id="AQ",
                mfa_secret_key=SECRET,
                trust_key=SECRET,
                qr_code_image=SECRET,
                scratch_codes=[ScratchCode(scratch_code=SECRET)],
            ),
        ],
        ids=type,
    )
    def test_repr_hides_it(self, value: object) -> None:
        """The secret is nowhere in the repr."""
        assert SECRET not in repr(value)

    @pytest.mark.anyio
    async def test_concealing_masks_an_echoed_password(self) -> None:
        """A 400 quoting the password is re-raised, same type, with it masked."""
        body = {
            "type": "illegalArgumentExceptionInfo",
            "message": f"An illegal value was provided for the argument x: {SECRET}.",
            "kapuaErrorCode": "ILLEGAL_ARGUMENT",
            "argumentName": "x",
            "argumentValue": SECRET,
        }
        error = error_from_response(
            method="POST",
            path="/_/credentials",
            status=400,
            content_type="application/json",
            body=json.dumps(body).encode(),
        )

        async def fails() -> None:
            raise error

        with pytest.raises(ec_async.BadRequest) as raised:
            await concealing(fails(), SECRET)

        assert SECRET not in str(raised.value)
        assert "***" == raised.value.argument_value
        assert raised.value.__context__ is None


class TestErrorTypes:
    """The errors this area adds to the mapping."""

    def test_mfa_required_is_an_authentication_error(self) -> None:
        """A 403 mfaRequiredExceptionInfo on login raises MfaRequired."""
        body = {
            "type": "mfaRequiredExceptionInfo",
            "httpErrorCode": 403,
            "message": "This User has MFA enabled and the authorization code must be"
            " provided.",
            "kapuaErrorCode": "REQUIRE_MFA_CREDENTIALS",
        }
        error = error_from_response(
            method="POST",
            path="/authentication/user",
            status=403,
            content_type="application/json",
            body=json.dumps(body).encode(),
        )

        assert isinstance(error, ec_async.MfaRequired)
        assert isinstance(error, ec_async.AuthenticationError)

    def test_name_taken_in_another_account_is_a_duplicate(self) -> None:
        """Kapua's 500 for a user name used elsewhere raises DuplicateName."""
        body = {
            "type": "exceptionInfo",
            "httpErrorCode": 500,
            "message": "An entity with the same name bob",
            "kapuaErrorCode": "ENTITY_ALREADY_EXIST_IN_ANOTHER_ACCOUNT",
        }
        error = error_from_response(
            method="POST",
            path="/_/users",
            status=500,
            content_type="application/json",
            body=json.dumps(body).encode(),
        )

        assert isinstance(error, ec_async.DuplicateName)


def test_login_info_reads_the_servers_field_names() -> None:
    """LoginInfo takes rolePermission (singular), as the server writes it."""
    document = {
        "type": "loginInfo",
        "accessToken": {
            "id": "AQ",
            "scopeId": "AQ",
            "userId": "AQ",
            "tokenId": "a.b.c",
            "expiresOn": "2019-11-15T15:13:27.506Z",
            "refreshToken": "e8a53e18-0c6b-4f3c-9929-409069a9c66e",
            "refreshExpiresOn": "2019-11-15T19:43:27.506Z",
        },
        "accessPermission": [],
        "rolePermission": [
            {
                "id": "BpbQqk31GLc",
                "scopeId": "AQ",
                "roleId": "OYLRT30Z9sA",
                "permission": {
                    "domain": "domain",
                    "action": "read",
                    "forwardable": True,
                },
            }
        ],
    }

    info = structure(document, LoginInfo)

    assert [("domain", "read", True)] == [
        (p.permission.domain, p.permission.action, p.permission.forwardable)
        for p in info.role_permissions
    ]
    assert {} == info.extra
