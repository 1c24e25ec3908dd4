"""The wheel pip builds from this tree ships every module and the py.typed markers."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ec_async", "ec_sync")
# What setuptools reads to build the wheel; copied, so the build leaves the
# tree (and the editable install's metadata in it) untouched.
SOURCES = ("pyproject.toml", "README.md", *PACKAGES)


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The file names inside a wheel built by ``pip wheel`` from a copy of the tree."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(  # noqa: S603 - this interpreter's own pip, on our own files.
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.mark.slow
class TestWheel:
    """What a user's ``pip install`` gets."""

    @pytest.mark.parametrize("package", PACKAGES)
    def test_py_typed_ships(self, wheel_names: set[str], package: str) -> None:
        """Each package carries its PEP 561 marker, so checkers read its types."""
        assert f"{package}/py.typed" in wheel_names

    def test_every_module_ships(self, wheel_names: set[str]) -> None:
        """Every module of the packages, subpackages included, is in the wheel."""
        modules = {
            path.relative_to(ROOT).as_posix()
            for package in PACKAGES
            for path in (ROOT / package).rglob("*.py")
            if "__pycache__" not in path.parts
        }

        assert modules == {name for name in wheel_names if name.endswith(".py")}
