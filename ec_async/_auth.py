"""The authentication operations, as the token manager uses them."""

from __future__ import annotations

import time
from typing import Any

from ._convert import structure
from ._credentials import Credentials, OpenIdConnectTokens, UsernamePassword
from ._errors import DecodeError
from ._models import AccessToken
from ._pipeline import Bearer, Call, Operation, Pipeline

__all__ = ["AuthCalls", "IssuedToken"]

# A password login that reached the server counts toward the account's lockout
# when it fails, so it is sent again only if it never left (connect failures).
LOGIN_USER = Operation(
    "authenticationUser",
    "POST",
    "/authentication/user",
    safe=False,
    authenticated=False,
)
LOGIN_API_KEY = Operation(
    "authenticationApiKey",
    "POST",
    "/authentication/apikey",
    safe=True,
    authenticated=False,
)
# Kapua deprecates /authentication/mfa for /authentication/user with the same
# body; the client logs in with the latter, which implements both.
LOGIN_MFA = Operation(
    "authenticationMfaUser",
    "POST",
    "/authentication/mfa",
    safe=False,
    authenticated=False,
)
LOGIN_JWT = Operation(
    "authenticationJwt", "POST", "/authentication/jwt", safe=True, authenticated=False
)
# A refresh rotates the token pair, so it is never sent twice.
REFRESH = Operation(
    "authenticationRefresh",
    "POST",
    "/authentication/refresh",
    safe=False,
    authenticated=False,
)
LOGOUT = Operation("authenticationLogout", "POST", "/authentication/logout", safe=False)
LOGIN_INFO = Operation(
    "authenticationLoginInfo", "GET", "/authentication/info", safe=True
)

IssuedToken = tuple[AccessToken, float]
"""A token and the monotonic time its request was sent (its lifetime starts no earlier)."""


class AuthCalls:
    """Login, refresh and logout over the pipeline, with secret bodies kept secret."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    async def login(self, credentials: Credentials) -> IssuedToken:
        """Log in with a user name and password, an API key, or OpenID tokens."""
        if isinstance(credentials, UsernamePassword):
            body = _password_body(credentials)
            return await self._issue(Call(LOGIN_USER, body=body, secret_body=True))
        if isinstance(credentials, OpenIdConnectTokens):
            body = {
                "accessToken": credentials.access_token,
                "idToken": credentials.id_token,
            }
            return await self._issue(Call(LOGIN_JWT, body=body, secret_body=True))

        # An API key: the token manager refused any other kind before this.
        return await self._issue(
            Call(LOGIN_API_KEY, body={"apiKey": credentials.api_key}, secret_body=True)
        )

    async def refresh(self, token: AccessToken) -> IssuedToken:
        """Exchange a token pair for a new one; the old pair stops working."""
        body = {"tokenId": token.token_id, "refreshToken": token.refresh_token}
        return await self._issue(Call(REFRESH, body=body, secret_body=True))

    async def logout(self, token: AccessToken) -> None:
        """Invalidate the token on the server."""
        await self._pipeline.send(
            Call(LOGOUT, bearer=Bearer(token.token_id, generation=-1))
        )

    async def login_info(self) -> Any:
        """The caller's token, permissions and role permissions, as JSON."""
        return await self._pipeline.send(Call(LOGIN_INFO))

    async def _issue(self, call: Call) -> IssuedToken:
        sent_at = time.monotonic()
        document = await self._pipeline.send(call)

        context = f"{call.operation.method} {call.operation.path}"
        token = structure(document, AccessToken, context=context)
        if not (_sendable(token.token_id) and _sendable(token.refresh_token)):
            msg = (
                f"{context}: the server issued a token that cannot be sent back in "
                "an HTTP header (empty, or with spaces or control characters)"
            )
            raise DecodeError(msg)

        return token, sent_at


def _sendable(token: str) -> bool:
    """Whether a token can travel as a bearer: RFC 6750's printable ASCII, no space."""
    return bool(token) and token.isascii() and token.isprintable() and " " not in token


def _password_body(credentials: UsernamePassword) -> dict[str, Any]:
    body: dict[str, Any] = {
        "username": credentials.username,
        "password": credentials.password,
    }
    if credentials.authentication_code is not None:
        body["authenticationCode"] = credentials.authentication_code
    if credentials.trust_key is not None:
        body["trustKey"] = credentials.trust_key
    if credentials.trust_me:
        body["trustMe"] = True
    return body
