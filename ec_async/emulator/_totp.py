"""Time-based one-time passwords (RFC 6238) as Kapua's MFA checks them.

HMAC-SHA1 over 30-second steps, 6 digits; a code is accepted in a window of 3
steps centred on now (the one before, the current one, the one after), as
Kapua configures its authenticator (``authentication.mfa.*``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct

__all__ = [
    "SCRATCH_CODE_COUNT",
    "new_scratch_codes",
    "new_secret",
    "totp_code",
    "verify_totp",
]

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 3
SCRATCH_CODE_COUNT = 5
_SECRET_BYTES = 20  # 160 bits: 32 base32 characters, as Kapua's keys are.
_SCRATCH_DIGITS = 8


def new_secret() -> str:
    """Return a fresh shared secret, base32 without padding."""
    return base64.b32encode(secrets.token_bytes(_SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def _hotp(key: bytes, counter: int, digits: int) -> str:
    """RFC 4226: HMAC the counter, truncate dynamically, keep ``digits`` digits."""
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF

    return str(value % 10**digits).zfill(digits)


def totp_code(secret: str, at_seconds: float, *, digits: int = DIGITS) -> str:
    """Return the code an authenticator app shows for ``secret`` at ``at_seconds``."""
    return _hotp(_key(secret), int(at_seconds // STEP_SECONDS), digits)


def verify_totp(secret: str, code: str, at_seconds: float) -> bool:
    """Return whether ``code`` is valid for ``secret`` within the window."""
    if len(code) != DIGITS or not code.isdigit():
        return False
    key = _key(secret)
    step = int(at_seconds // STEP_SECONDS)
    reach = WINDOW // 2
    candidates = (
        _hotp(key, step + delta, DIGITS) for delta in range(-reach, reach + 1)
    )

    return any(hmac.compare_digest(code, candidate) for candidate in candidates)


def new_scratch_codes() -> list[str]:
    """Return Kapua's five one-use recovery codes, 8 digits each."""
    return [
        str(secrets.randbelow(10**_SCRATCH_DIGITS)).zfill(_SCRATCH_DIGITS)
        for _ in range(SCRATCH_CODE_COUNT)
    ]
