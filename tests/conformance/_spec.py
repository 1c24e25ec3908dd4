"""Locating and loading the Kapua OpenAPI spec, once per process.

The spec lives outside the repository (it must not be copied in), so tests that
need it skip with a clear reason when it is absent.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

__all__ = [
    "SPEC_DIR_ENV",
    "bundled_spec_path",
    "load_spec",
    "missing_spec_reason",
    "requires_spec",
    "spec_dir",
]

SPEC_DIR_ENV = "EC_OPENAPI_DIR"

# tests/conformance/_spec.py -> the repository root is two folders up.
_REPO_ROOT = Path(__file__).resolve().parents[2]
_DEFAULT_SPEC_DIR = Path("..", "shared", "kapua-openapi")
_BUNDLED_NAME = "bundled.yaml"

# The C loader parses the 475 KB bundle about ten times faster than the pure
# Python one; fall back quietly where libyaml is not compiled in.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def spec_dir() -> Path:
    """Return the spec folder: ``$EC_OPENAPI_DIR`` or ``../shared/kapua-openapi``.

    Relative paths are taken from the repository root, never from the working
    directory, so the answer does not depend on where pytest was started.
    """
    configured = os.environ.get(SPEC_DIR_ENV) or str(_DEFAULT_SPEC_DIR)

    return (_REPO_ROOT / Path(configured).expanduser()).resolve()


def bundled_spec_path() -> Path:
    """Return the path of the self-contained ``bundled.yaml`` in the spec folder."""
    return spec_dir() / _BUNDLED_NAME


def missing_spec_reason() -> str:
    """Return the skip reason shown when the spec cannot be found."""
    return f"Kapua OpenAPI spec not found at {bundled_spec_path()}; set {SPEC_DIR_ENV}"


def load_spec() -> Mapping[str, Any] | None:
    """Return the parsed spec, or None when the file is absent.

    The result is cached per path and shared by every caller: treat it as
    read-only (the validator patches a private copy).
    """
    path = bundled_spec_path()
    if not path.is_file():
        return None

    return _load(path)


@functools.cache
def _load(path: Path) -> Mapping[str, Any]:
    with path.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=_Loader)  # noqa: S506 - a safe loader.

    if not isinstance(document, dict) or "paths" not in document:
        raise ValueError(f"{path} is not an OpenAPI document")

    return document


# Evaluated at import, so it only checks that the file exists; loading waits
# until a test actually runs.
requires_spec = pytest.mark.skipif(
    not bundled_spec_path().is_file(), reason=missing_spec_reason()
)
