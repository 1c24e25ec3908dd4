"""Conformance harness: checks every HTTP exchange of the test suite against the Kapua spec.

Wire it from ``tests/conftest.py`` with ``pytest_plugins = ["tests.conformance.plugin"]``
and use the ``spec_observer`` fixture as the emulator's exchange observer.
"""

from ._defects import KNOWN_DEFECTS, SpecDefect, defect, without
from ._observer import SpecCoverage, SpecObserver
from ._patches import DefectGone
from ._routing import Operation
from ._server_errors import SERVER_ERRORS, ServerError, explain_server_error
from ._server_rules import ERROR_INFOS, GENERIC_ANSWERS, ErrorInfo, GenericAnswer
from ._spec import (
    SPEC_DIR_ENV,
    bundled_spec_path,
    load_spec,
    missing_spec_reason,
    requires_spec,
    spec_dir,
)
from ._validator import (
    Judgement,
    SpecValidator,
    Violation,
    corrected_spec,
    default_validator,
)

__all__ = [
    "ERROR_INFOS",
    "GENERIC_ANSWERS",
    "KNOWN_DEFECTS",
    "SERVER_ERRORS",
    "SPEC_DIR_ENV",
    "DefectGone",
    "ErrorInfo",
    "GenericAnswer",
    "Judgement",
    "Operation",
    "ServerError",
    "SpecCoverage",
    "SpecDefect",
    "SpecObserver",
    "SpecValidator",
    "Violation",
    "bundled_spec_path",
    "corrected_spec",
    "default_validator",
    "defect",
    "explain_server_error",
    "load_spec",
    "missing_spec_reason",
    "requires_spec",
    "spec_dir",
    "without",
]
