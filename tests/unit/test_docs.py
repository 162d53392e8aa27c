"""Documentation that cannot drift: every setting and CLI command is in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from ivr.cli import main
from ivr.settings import SETTINGS, TOKEN_VARIABLE

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("variable", [s.variable for s in SETTINGS] + [TOKEN_VARIABLE])
def test_every_setting_is_in_the_readme_table(variable: str) -> None:
    assert f"| `{variable}` |" in README


def test_each_setting_is_declared_once() -> None:
    names = [setting.name for setting in SETTINGS]
    assert sorted(names) == sorted(set(names))


@pytest.mark.parametrize("command", main.list_commands(click.Context(main)))
def test_every_cli_command_is_mentioned(command: str) -> None:
    assert f"ivr {command}" in README
