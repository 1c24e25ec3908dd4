"""Fixtures of the settings tests: a profile file of the test's own, and its writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._support import ProfileWriter


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the profile file lives for this test (``EC_CONFIG_FILE``); not yet there."""
    path = tmp_path / "ec" / "config.toml"
    monkeypatch.setenv("EC_CONFIG_FILE", str(path))
    return path


@pytest.fixture
def write_profiles(config_file: Path) -> ProfileWriter:
    """Write the profile file's TOML text by hand, as a user would."""

    def write(text: str) -> Path:
        config_file.parent.mkdir(parents=True, exist_ok=True)
        config_file.write_text(text, encoding="utf-8")
        return config_file

    return write
