"""pytest plugin: the ``spec_observer`` fixture and a summary of exercised operations.

Load it from ``tests/conftest.py`` with
``pytest_plugins = ["tests.conformance.plugin"]``. ``--spec-coverage=PATH``
writes the per-operation coverage as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._observer import SpecCoverage, SpecObserver
from ._property_report import PropertySummary
from ._spec import missing_spec_reason
from ._validator import SpecValidator, default_validator

__all__ = ["property_summary", "spec_coverage", "spec_observer", "spec_validator"]


_COVERAGE = pytest.StashKey[SpecCoverage]()
_PROPERTY = pytest.StashKey[PropertySummary]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--spec-coverage=PATH``."""
    parser.addoption(
        "--spec-coverage",
        metavar="PATH",
        default=None,
        help="write which Kapua spec operations the tests exercised, as JSON",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Give the session an empty coverage record."""
    config.stash[_COVERAGE] = SpecCoverage()
    config.stash[_PROPERTY] = PropertySummary()


def pytest_terminal_summary(
    terminalreporter: Any, exitstatus: int, config: pytest.Config
) -> None:
    """Report coverage when any test used the observer, and write the JSON file."""
    summary = config.stash[_PROPERTY]
    if summary.reports or summary.not_implemented:
        terminalreporter.write_sep("-", "Kapua spec property run")
        for line in summary.lines():
            terminalreporter.write_line(line)

    coverage = config.stash[_COVERAGE]
    if not coverage.operations:
        return

    terminalreporter.write_sep("-", "Kapua spec coverage")
    terminalreporter.write_line(coverage.summary())

    destination = config.getoption("--spec-coverage")
    if destination:
        Path(destination).write_text(json.dumps(coverage.as_json(), indent=2) + "\n")
        terminalreporter.write_line(f"written to {destination}")


@pytest.fixture(scope="session")
def spec_validator() -> SpecValidator:
    """The session's validator; skips the test when the spec is absent."""
    validator = default_validator()
    if validator is None:
        pytest.skip(missing_spec_reason())

    return validator


@pytest.fixture(scope="session")
def spec_coverage(request: pytest.FixtureRequest) -> SpecCoverage:
    """The session's record of exercised operations, for tests that judge by hand."""
    return request.config.stash[_COVERAGE]


@pytest.fixture(scope="session")
def property_summary(request: pytest.FixtureRequest) -> PropertySummary:
    """The session's property-run summary, shown at the end of the session."""
    return request.config.stash[_PROPERTY]


@pytest.fixture
def spec_observer(
    spec_validator: SpecValidator, request: pytest.FixtureRequest
) -> Iterator[SpecObserver]:
    """An exchange observer; at teardown the test fails listing every violation."""
    observer = SpecObserver(spec_validator)
    yield observer

    coverage = request.config.stash.get(_COVERAGE, None)
    if coverage is not None:
        coverage.add(spec_validator.operations, observer.judgements())
    observer.verify()
