"""Kapua's password rules: a length range, then a character-class pattern.

The length is checked first and reported with its own error; a password of
the right length that lacks a class is an illegal argument, which Kapua
reports under the name of the field it came in, value included.
"""

from __future__ import annotations

import re

from ec_async.emulator._errors import KapuaError, illegal_argument

__all__ = ["MAX_PASSWORD_LENGTH", "check_password"]

# CredentialServiceConfigurationManagerImpl.SYSTEM_MAXIMUM_PASSWORD_LENGTH
MAX_PASSWORD_LENGTH = 255

# CommonsValidationRegex.PASSWORD_REGEXP: a digit, a lower and an upper case
# letter, and a symbol.
_PASSWORD_PATTERN = re.compile(
    r"^.*(?=.{12,})(?=.*\d)(?=.*[a-z])(?=.*[A-Z])"
    r"(?=.*[!\"#$%&'()*+,\-./:;<=>?@\[\]\\^_`{|}~]).*$"
)


def _length_error(min_length: int) -> KapuaError:
    return KapuaError(
        400,
        "PASSWORD_INVALID_LENGTH",
        f"Password length must be between {min_length} and {MAX_PASSWORD_LENGTH}"
        " characters long (inclusive).",
    )


def check_password(password: object, *, min_length: int, argument: str) -> str:
    """Return ``password`` if Kapua accepts it; else raise its error.

    A missing password is an illegal value of ``argument`` too: Kapua's
    validator wraps its null-argument error the same way.
    """
    if not isinstance(password, str) or not password:
        raise illegal_argument(argument, None)
    if not min_length <= len(password) <= MAX_PASSWORD_LENGTH:
        raise _length_error(min_length)
    if _PASSWORD_PATTERN.match(password) is None:
        raise illegal_argument(argument, password)

    return password
