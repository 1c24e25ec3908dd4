"""docs/configuration.md: its python blocks, `ec profile` lines and TOML file all work."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from ec_async import Settings
from ec_async._cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```$", TEXT, re.S | re.M)
COMMANDS = re.findall(r"^\$ (ec profile .*)$", TEXT, re.M)
FILES = re.findall(r"^```toml\n(.*?)^```$", TEXT, re.S | re.M)

# What each block prints, worked out from the settings' rules and the
# minimal seed (acme has 10 devices).
PRINTS = [
    ["timeout=30.0", "devices: 10"],
    ["acme with 8 connections"],
    ["60.0\n5.0\n", "EC_MAX_CONNECTIONS must be a whole number of at least 1; got '0'"],
    ["acme-admin sees 10 devices"],
    ["[profiles.lab] password: a profile must not hold the password in clear"],
]


@pytest.fixture
def environ_restored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """os.environ as it was after the test, whatever the example set in it."""
    monkeypatch.setenv("EC_CONFIG_FILE", str(tmp_path / "config.toml"))
    saved = dict(os.environ)
    yield
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    os.environ.update(saved)


def test_the_page_is_read_whole() -> None:
    """The patterns find every example, so the tests below check them all."""
    assert (5, 6, 1) == (len(BLOCKS), len(COMMANDS), len(FILES))


@pytest.mark.usefixtures("environ_restored")
@pytest.mark.parametrize(
    ("source", "prints"),
    list(zip(BLOCKS, PRINTS, strict=True)),
    ids=[f"block-{n}" for n in range(1, len(BLOCKS) + 1)],
)
def test_example_runs(
    source: str, prints: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Each example runs to the end and prints what its comments say."""
    exec(compile(source, str(DOC), "exec"), {"__name__": "__main__"})  # noqa: S102 - our own docs.

    out = capsys.readouterr().out
    assert [text for text in prints if text not in out] == []


def test_the_profile_commands_run_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every `$ ec profile` line of the page succeeds (they only touch the file)."""
    config = tmp_path / "config.toml"
    monkeypatch.setenv("EC_CONFIG_FILE", str(config))

    codes = [main(shlex.split(line)[1:]) for line in COMMANDS]

    assert [0] * len(COMMANDS) == codes
    assert "[profiles.prod]" in config.read_text()
    assert "[profiles.lab]" not in config.read_text()


def test_the_sample_file_is_a_valid_profile_file(tmp_path: Path) -> None:
    """The TOML sample reads as written: prod by default, lab on request."""
    config = tmp_path / "config.toml"
    config.write_text(FILES[0], encoding="utf-8")
    # The secrets from the environment, so the sample's commands need not run.
    environ = {"EC_CONFIG_FILE": str(config)}

    prod = Settings.resolve(environ={**environ, "EC_API_KEY": "k"})
    lab = Settings.resolve(profile="lab", environ={**environ, "EC_PASSWORD": "p"})

    assert ("https://ec.example.com/v1", 60.0, 20.0, "/etc/ssl/private-ca.pem") == (
        prod.base_url,
        prod.timeout,
        prod.rate_limit,
        prod.ca_bundle,
    )
    assert ("http://127.0.0.1:8080/v1", "acme-admin", "p") == (
        lab.base_url,
        lab.username,
        lab.password,
    )
