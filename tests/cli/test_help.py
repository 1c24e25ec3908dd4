"""``--help``: every command and subcommand ends with examples; the top one with exit codes."""

from __future__ import annotations

import pytest

from ec_async._cli import main

LOOPBACK = "http://127.0.0.1:8080/v1"
RESOURCES = [
    "accounts",
    "devices",
    "users",
    "roles",
    "groups",
    "tags",
    "jobs",
    "device-connections",
    "data-messages",
]
DELETABLE = {"devices", "users", "roles", "groups", "tags", "jobs"}
COMMANDS = [[resource] for resource in RESOURCES]
COMMANDS += [
    [resource, verb]
    for resource in RESOURCES
    for verb in ("list", "get", "count", *(["delete"] if resource in DELETABLE else []))
]


def _help(command: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert 0 == exited.value.code
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_resource_command_shows_examples(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The help ends with examples of this very command, one on the emulator's URL."""
    text = _help(command, capsys)
    examples = text.split("\nexamples:\n")[1].splitlines()

    assert 2 <= len(examples) <= 3
    assert all(line.startswith(f"  ec {command[0]} ") for line in examples)
    assert any(LOOPBACK in line for line in examples)


@pytest.mark.parametrize("command", [["login"], ["emulator"], ["demo"]], ids=" ".join)
def test_the_other_commands_show_examples(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """login, emulator and demo too."""
    examples = _help(command, capsys).split("\nexamples:\n")[1]

    assert f"ec {command[0]}" in examples.splitlines()[0]


def test_the_top_help_lists_exit_codes_and_resources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The exit codes the README promises, and every resource."""
    text = _help([], capsys)

    for line in [
        "  0    success",
        "  1    error",
        "  2    usage or configuration",
        "  3    authentication or permission refused (401, 403)",
        "  4    not found (404)",
        "  130  interrupted (Ctrl+C)",
    ]:
        assert line in text
    assert all(f"\n    {resource}" in text for resource in RESOURCES)


def test_no_command_prints_the_help_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`ec` alone is a usage error that shows what there is."""
    assert 2 == main([])
    assert "exit codes:" in capsys.readouterr().out
