"""The generator: committed output is current, and staleness is caught whole."""

from __future__ import annotations

import shutil
import types
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import generate_sync
import pytest

PACKAGE = Path(generate_sync.__file__).resolve().parents[1] / "ec_sync"


def test_committed_files_are_what_the_generator_writes() -> None:
    """Regenerating in memory gives the committed ec_sync files, byte for byte."""
    expected = generate_sync.render()

    committed = generate_sync.generated_on_disk(PACKAGE)

    assert expected == committed
    assert {"__init__.py", "_generated.py"} == set(committed)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the committed ec_sync package to spoil."""
    target = tmp_path / "ec_sync"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_check_passes_on_a_faithful_copy(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--check exits 0 and prints nothing when the files are current."""
    status = generate_sync.main(["--check", "--output", str(copy)])

    assert (0, "") == (status, capsys.readouterr().out)


def _append_line(package: Path) -> str:
    with (package / "_generated.py").open("a", encoding="utf-8") as file:
        file.write("# a trailing line a line-by-line zip would miss\n")
    return "_generated.py"


def _drop_file(package: Path) -> str:
    (package / "__init__.py").unlink()
    return "__init__.py"


def _add_file(package: Path) -> str:
    (package / "_stale.py").write_text(generate_sync.HEADER + "OLD = 1\n")
    return "_stale.py"


def _edit_by_hand(package: Path) -> str:
    path = package / "_generated.py"
    path.write_text(
        path.read_text().replace("return self._portal.call(", "return (", 1)
    )
    return "_generated.py"


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(_append_line, id="trailing-line"),
        pytest.param(_drop_file, id="missing-file"),
        pytest.param(_add_file, id="extra-generated-file"),
        pytest.param(_edit_by_hand, id="hand-edit"),
    ],
)
def test_check_fails_with_a_diff(
    copy: Path, capsys: pytest.CaptureFixture[str], spoil: Callable[[Path], str]
) -> None:
    """--check exits 1 and shows a unified diff naming the spoiled file."""
    name = spoil(copy)

    status = generate_sync.main(["--check", "--output", str(copy)])

    diff = capsys.readouterr().out
    assert 1 == status
    assert f"ec_sync/{name}" in diff
    assert diff.startswith("--- ")


def test_writing_repairs_a_spoiled_copy(copy: Path) -> None:
    """Without --check the generator rewrites and prunes until the check passes."""
    for spoil in (_append_line, _drop_file, _add_file):
        spoil(copy)

    assert 0 == generate_sync.main(["--output", str(copy)])
    assert 0 == generate_sync.main(["--check", "--output", str(copy)])
    assert not (copy / "_stale.py").exists()


class _Hidden:
    """A class no public module exports."""


class Widgets:
    """Widgets of one scope."""

    async def get(self, widget_id: str) -> _Hidden:
        """One widget."""
        raise NotImplementedError


class Gadgets:
    """Gadgets, listed async, page by page."""

    def iter(self) -> AsyncIterator[str]:
        """Every gadget once."""
        raise NotImplementedError


def _module(*classes: type) -> types.ModuleType:
    module = types.ModuleType("fake_async")
    for klass in classes:
        setattr(module, klass.__name__, klass)
    module.__all__ = [klass.__name__ for klass in classes]  # type: ignore[attr-defined]
    return module


def test_an_unexported_type_in_a_signature_is_refused() -> None:
    """A signature naming a type the facade could not import fails, naming the method."""
    with pytest.raises(generate_sync.GenerationError, match=r"Widgets\.get: _Hidden"):
        generate_sync.render(_module(Widgets))


def test_a_docstring_that_still_speaks_async_is_refused() -> None:
    """A docstring left talking about async after the rewrites fails the run."""
    with pytest.raises(generate_sync.GenerationError, match=r"Gadgets: the docstring"):
        generate_sync.render(_module(Gadgets))


class Sprockets:
    """Sprockets, spun async."""

    @classmethod
    def from_recipe(cls, recipe: str) -> Sprockets:
        """A sprocket made from a recipe."""
        raise NotImplementedError

    async def spin(self) -> None:
        """Spin once."""


def test_a_class_method_of_a_non_client_is_refused() -> None:
    """Only a client's alternative constructors (returning Self) get a twin."""
    with pytest.raises(
        generate_sync.GenerationError, match=r"Sprockets\.from_recipe: static methods"
    ):
        generate_sync.render(_module(Sprockets))
