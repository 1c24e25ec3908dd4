"""The public surface of each package is exactly its ``__all__`` (ruff keeps it sorted)."""

from __future__ import annotations

import importlib
import inspect
import types

import pytest

PACKAGES = ["ec_async", "ec_async.bulk", "ec_async.emulator", "ec_sync", "ec_sync.bulk"]


def _public_names(module: types.ModuleType) -> set[str]:
    """Names a user can import that are not modules and not underscored."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and name not in {"annotations", "TYPE_CHECKING"}
    }


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_the_public_surface(package: str) -> None:
    """Every public name is listed in ``__all__`` and every listed name exists."""
    module = importlib.import_module(package)

    assert _public_names(module) == set(module.__all__)
