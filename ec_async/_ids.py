"""Kapua's compact ids: base64url, unpadded, of a positive BigInteger's bytes."""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["decode_compact_id", "encode_compact_id"]

# Python's decoder skips characters outside the alphabet; Java's rejects them.
_COMPACT = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def encode_compact_id(value: int) -> str:
    """Return the compact form of a Kapua id, as the server writes it.

    Java's ``BigInteger.toByteArray`` is minimal big-endian two's complement,
    so a value whose top byte is 0x80 or more gets a leading zero byte.
    """
    length = value.bit_length() // 8 + 1
    raw = value.to_bytes(length, "big", signed=True)

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_compact_id(compact: str) -> int:
    """Return the integer behind a compact id; raise ``ValueError`` if malformed."""
    if not _COMPACT.fullmatch(compact):
        msg = f"not a compact id: {compact!r}"
        raise ValueError(msg)

    padded = compact + "=" * (-len(compact) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, ValueError) as exc:
        msg = f"not a compact id: {compact!r}"
        raise ValueError(msg) from exc
    if not raw:
        msg = f"not a compact id: {compact!r}"
        raise ValueError(msg)

    return int.from_bytes(raw, "big", signed=True)
