"""Kapua's access-token JWTs: RS256, header ``{"alg":"RS256"}``, Kapua's claims."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jws
from jose.exceptions import JOSEError

from ec_async._guards import is_dict

__all__ = ["ISSUER", "InvalidToken", "TokenSigner", "unverified_claims"]

ISSUER = "https://www.eclipse.org/kapua"
_REQUIRED_CLAIMS = ("iat", "exp", "sub", "sId", "tokenIdentifier")


class InvalidToken(ValueError):
    """The text is not a JWT this emulator signed."""


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _compact_json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


class TokenSigner:
    """Signs and checks JWTs with one RSA key pair."""

    def __init__(self, private_key_pem: str) -> None:
        key = serialization.load_pem_private_key(
            private_key_pem.encode("ascii"), password=None
        )
        public_key = key.public_key()
        self.private_key_pem = private_key_pem
        self.public_key_pem: str = public_key.public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        ).decode("ascii")
        self._signing_key = jwk.construct(private_key_pem, algorithm="RS256")

    @classmethod
    def generate(cls) -> TokenSigner:
        """Return a signer with a fresh 2048-bit key."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

        return cls(pem.decode("ascii"))

    def issue(
        self,
        *,
        user_id: str,
        scope_id: str,
        token_identifier: str,
        issued_at: int,
        expires_at: int,
    ) -> str:
        """Return a signed JWT; times are epoch seconds, ids compact.

        The header is built by hand because python-jose always adds
        ``"typ":"JWT"``, which Kapua's jose4j tokens do not carry.
        """
        claims = {
            "iss": ISSUER,
            "iat": issued_at,
            "exp": expires_at,
            "sub": user_id,
            "sId": scope_id,
            "tokenIdentifier": token_identifier,
        }
        signing_input = (
            f"{_b64url(_compact_json({'alg': 'RS256'}))}."
            f"{_b64url(_compact_json(claims))}"
        )
        signature = self._signing_key.sign(signing_input.encode("ascii"))

        return f"{signing_input}.{_b64url(signature)}"

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of a token signed here; expiry is left to the caller.

        Raise ``InvalidToken`` when the signature, issuer or claims are wrong.
        """
        try:
            payload = jws.verify(token, self.public_key_pem, algorithms=["RS256"])
            claims = json.loads(payload)
        except (JOSEError, ValueError) as exc:
            raise InvalidToken(str(exc)) from exc
        if not is_dict(claims) or claims.get("iss") != ISSUER:
            msg = "unexpected issuer"
            raise InvalidToken(msg)
        if any(name not in claims for name in _REQUIRED_CLAIMS):
            msg = "missing claims"
            raise InvalidToken(msg)

        return claims


def unverified_claims(token: str) -> dict[str, Any] | None:
    """Return a JWT's claims without checking it, or ``None`` if unreadable.

    Refresh reads the token this way, since Kapua accepts an expired JWT there.
    """
    try:
        _, payload, _ = token.split(".")
        claims = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        )
    except ValueError:
        return None

    return claims if is_dict(claims) else None
