"""The settings a client takes from outside: each one's ``EC_*`` variable and kind.

Shared by ``Settings`` and the profile file, so a value is checked the same way
wherever it comes from, and an error names where that was.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import attrs

from ._errors import ConfigurationError

__all__ = [
    "COUNT",
    "FLAG",
    "LINE",
    "RATE",
    "SECONDS",
    "SETTINGS",
    "TEXT",
    "Kind",
    "Setting",
]


@attrs.frozen
class Kind:
    """What values a setting takes, and how the text of a variable becomes one.

    ``from_value`` and ``from_text`` return the value, or raise ``ValueError``
    or ``TypeError`` when it is not one of this kind. An error quotes the
    value unless ``quote`` is false (or the value is a secret).
    """

    expected: str
    from_value: Callable[[object], object]
    from_text: Callable[[str], object]
    quote: bool = True

    def read(self, value: object, where: str, *, secret: bool = False) -> object:
        """``value`` as this kind; a ``ConfigurationError`` naming ``where`` if not."""
        result = _attempt(lambda: self.from_value(value))
        if result is None:
            raise _mismatch(self, where, value, secret=secret)
        return result

    def read_text(self, text: str, where: str, *, secret: bool = False) -> object:
        """The value an environment variable's text spells, checked as ``read`` does."""
        result = _attempt(lambda: self.from_value(self.from_text(text)))
        if result is None:
            raise _mismatch(self, where, text, secret=secret)
        return result


def _attempt(convert: Callable[[], object]) -> object | None:
    # The error is raised by the caller, outside this handler, so that it
    # carries no context: a conversion error may quote the value, a secret.
    try:
        return convert()
    except (TypeError, ValueError):
        return None


def _mismatch(kind: Kind, where: str, value: object, *, secret: bool) -> Exception:
    message = f"{where} must be {kind.expected}"
    if kind.quote and not secret:
        message += f"; got {value!r}"
    return ConfigurationError(message)


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError
    # Refuse what cannot be sent or written as UTF-8 (undecodable bytes of
    # an argument or variable, kept as lone surrogates).
    value.encode("utf-8")
    return value


# Control characters (C0, DEL, C1) would reach a terminal raw when a value is
# printed, and could rewrite what the user sees.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _line(value: object) -> str:
    text = _text(value)
    if _CONTROL.search(text):
        raise ValueError
    return text


# Numbers as people write them in ASCII: Python's float() and int() would also
# take other scripts' digits, full-width digits, "1_000", "inf" and "nan".
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WHOLE = re.compile(r"[+-]?[0-9]+")
_SPACE = " \t\n\r\f\v"


def _decimal_text(text: str) -> float:
    if not _DECIMAL.fullmatch(text.strip(_SPACE)):
        raise ValueError
    return float(text)


def _whole_text(text: str) -> int:
    if not _WHOLE.fullmatch(text.strip(_SPACE)):
        raise ValueError
    return int(text)


def _positive(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    if not (math.isfinite(value) and value > 0):
        raise ValueError
    return float(value)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    if value < 1:
        raise ValueError
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _flag_text(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError


TEXT = Kind("a non-empty string", _text, str)
LINE = Kind("a non-empty string without control characters", _line, str, quote=False)
SECONDS = Kind("a number of seconds above 0, like 30 or 2.5", _positive, _decimal_text)
RATE = Kind(
    "a number of requests per second above 0, like 20", _positive, _decimal_text
)
COUNT = Kind("a whole number of at least 1", _count, _whole_text)
FLAG = Kind("true or false (1 or 0, yes or no, on or off)", _flag, _flag_text)


@attrs.frozen
class Setting:
    """One field of ``Settings``: its kind, and whether its value is a secret."""

    name: str
    kind: Kind
    secret: bool = False

    @property
    def variable(self) -> str:
        """The environment variable that sets it: ``EC_`` and the upper-case name."""
        return f"EC_{self.name.upper()}"


SETTINGS = (
    Setting("base_url", LINE),
    Setting("username", LINE),
    Setting("password", TEXT, secret=True),
    Setting("api_key", TEXT, secret=True),
    Setting("ca_bundle", LINE),
    Setting("client_cert", LINE),
    Setting("client_key", LINE),
    Setting("timeout", SECONDS),
    Setting("connect_timeout", SECONDS),
    Setting("read_timeout", SECONDS),
    Setting("retry_attempts", COUNT),
    Setting("rate_limit", RATE),
    Setting("max_connections", COUNT),
    Setting("allow_insecure_http", FLAG),
)
