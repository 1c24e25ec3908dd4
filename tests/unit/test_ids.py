"""Kapua's compact id codec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec_async._ids import decode_compact_id, encode_compact_id

# Vectors from the reference (§5), computed from Java's BigInteger.toByteArray.
VECTORS = [
    (0, "AA"),
    (1, "AQ"),
    (2, "Ag"),
    (10, "Cg"),
    (127, "fw"),
    (128, "AIA"),
    (255, "AP8"),
    (256, "AQA"),
    (742, "AuY"),
    (3243535747637285611, "LQNak9Yzkus"),
    (-1, "_w"),
]


@pytest.mark.parametrize(("number", "compact"), VECTORS)
def test_encode_matches_kapua(number: int, compact: str) -> None:
    """Encoding gives the server's compact form, leading zero byte included."""
    assert compact == encode_compact_id(number)


@pytest.mark.parametrize(("number", "compact"), VECTORS)
def test_decode_matches_kapua(number: int, compact: str) -> None:
    """Decoding a server id gives its number back."""
    assert number == decode_compact_id(compact)


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_round_trip(number: int) -> None:
    """Every 63-bit id survives an encode and decode."""
    assert number == decode_compact_id(encode_compact_id(number))


@pytest.mark.parametrize("bad", ["", "A", "é", "a b", "a/b", "a+b", "AQ==="])
def test_decode_rejects_garbage(bad: str) -> None:
    """Malformed ids raise ValueError rather than decoding to nonsense."""
    with pytest.raises(ValueError, match="compact id"):
        decode_compact_id(bad)
