"""A record of one HTTP exchange the emulator served, for observers such as tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

__all__ = ["Exchange", "ExchangeObserver"]


@attrs.frozen
class Exchange:
    """One request as the emulator received it and the response it sent.

    ``path`` is the full request path including the ``/v1`` prefix, undecoded;
    ``query`` keeps repeated parameters in order.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    request_headers: Mapping[str, str]
    request_body: bytes
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes


ExchangeObserver = Callable[[Exchange], None]
