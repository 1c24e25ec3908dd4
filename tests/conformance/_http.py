"""HTTP details shared by the request and response checks: headers, media types, bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["Body", "header", "is_json", "media_type"]


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Return a header value, matching the name case-insensitively."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value

    return None


def media_type(content_type: str | None) -> str | None:
    """Return ``type/subtype`` of a Content-Type value, without parameters."""
    if not content_type:
        return None

    return content_type.split(";", 1)[0].strip().lower() or None


def is_json(media: str | None) -> bool:
    """Return whether a media type is JSON (``application/json`` or ``*+json``)."""
    return media is not None and (
        media == "application/json" or media.endswith("+json")
    )


@attrs.frozen
class Body:
    """A message body with its media type, parsed when it is JSON."""

    raw: bytes
    media: str | None
    document: Any = None
    parsed: bool = False
    json_error: str | None = None

    @classmethod
    def read(cls, raw: bytes, headers: Mapping[str, str]) -> Body:
        """Return the body of a message, parsing it if its Content-Type is JSON."""
        media = media_type(header(headers, "Content-Type"))
        if not raw or not is_json(media):
            return cls(raw, media)

        try:
            document = json.loads(raw)
        except ValueError as exc:  # UnicodeDecodeError is a ValueError too.
            return cls(raw, media, json_error=str(exc))

        return cls(raw, media, document, parsed=True)

    @property
    def empty(self) -> bool:
        """Return whether there is no body at all."""
        return not self.raw
