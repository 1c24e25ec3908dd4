"""Helpers of the settings tests: commands that print secrets, TOML strings."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["ProfileWriter", "python_command", "toml"]

ProfileWriter = Callable[[str], Path]
"""The ``write_profiles`` fixture: writes the profile file's text, returns its path."""


def python_command(code: str) -> str:
    """A command line that runs ``code`` in this test's Python, without a shell."""
    return shlex.join([sys.executable, "-c", code])


def toml(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's for these tests)."""
    return json.dumps(text)
