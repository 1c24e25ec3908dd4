"""Password and API key hashing, deliberately cheap: this is an emulator.

Kapua uses bcrypt; PBKDF2 with few rounds keeps seeding thousands of users fast
while never storing a secret in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets

__all__ = [
    "API_KEY_LENGTH",
    "API_KEY_PREFIX_LENGTH",
    "api_key_prefix",
    "hash_api_key",
    "hash_secret",
    "new_api_key",
    "verify_api_key",
    "verify_secret",
]

_ALGORITHM = "pbkdf2_sha256"
_ROUNDS = 1000
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

# Kapua's settings: an 8-character public prefix and a 24-character secret.
API_KEY_PREFIX_LENGTH = 8
API_KEY_LENGTH = API_KEY_PREFIX_LENGTH + 24


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """Return a salted hash of ``secret`` that records its own parameters."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), salt, _ROUNDS)

    return f"{_ALGORITHM}${_ROUNDS}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    """Return whether ``secret`` hashes to ``stored``."""
    try:
        algorithm, rounds, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        candidate = hashlib.pbkdf2_hmac(
            "sha256", secret.encode("utf-8"), base64.b64decode(salt), int(rounds)
        )
    except ValueError:
        return False

    return algorithm == _ALGORITHM and hmac.compare_digest(candidate, expected)


def new_api_key(rng: random.Random | None = None) -> str:
    """Return a fresh API key: the public prefix followed by the secret part.

    Seeding passes its own generator so that a seed replays the same keys.
    """
    choose = secrets.choice if rng is None else rng.choice

    return "".join(choose(_ALPHABET) for _ in range(API_KEY_LENGTH))


def api_key_prefix(api_key: str) -> str:
    """Return the public part Kapua looks the key up by."""
    return api_key[:API_KEY_PREFIX_LENGTH]


def hash_api_key(api_key: str) -> str:
    """Return the stored form, ``prefix:hash-of-the-rest``, as Kapua keeps it."""
    return f"{api_key_prefix(api_key)}:{hash_secret(api_key[API_KEY_PREFIX_LENGTH:])}"


def verify_api_key(api_key: str, stored: str) -> bool:
    """Return whether ``api_key`` matches a stored ``prefix:hash``."""
    prefix, _, hashed = stored.partition(":")
    if len(api_key) != API_KEY_LENGTH or prefix != api_key_prefix(api_key):
        return False

    return verify_secret(api_key[API_KEY_PREFIX_LENGTH:], hashed)
