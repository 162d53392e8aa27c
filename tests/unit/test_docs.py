"""Docs that cannot drift: every setting and CLI command is documented, every relative link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from ivr.cli import main
from ivr.settings import SETTINGS, TOKEN_VARIABLE

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
ALL_DOCS = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
# A Markdown link or image, [text](target) or ![alt](target); the target ends at a space, ")" or "#".
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s#]*)(?:#[^)\s]*)?\)")


@pytest.mark.parametrize("variable", [s.variable for s in SETTINGS] + [TOKEN_VARIABLE])
def test_every_setting_is_in_the_configuration_table(variable: str) -> None:
    assert f"| `{variable}` |" in OPERATIONS


def test_each_setting_is_declared_once() -> None:
    names = [setting.name for setting in SETTINGS]
    assert sorted(names) == sorted(set(names))


@pytest.mark.parametrize("command", main.list_commands(click.Context(main)))
def test_every_cli_command_is_mentioned(command: str) -> None:
    assert f"ivr {command}" in ALL_DOCS


def relative_links(page: Path) -> list[str]:
    """The link targets in a page that name a file of the repository (not a web address or an anchor)."""
    targets = LINK.findall(page.read_text(encoding="utf-8"))
    return [t for t in targets if t and not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_the_link_pattern_finds_relative_links() -> None:
    text = "[a](docs/x.md) ![b](y.png) [c](https://e.dk/z) [d](#anchor) [e](f.md#part)"
    found = [t for t in LINK.findall(text) if t and not re.match(r"[a-z][a-z0-9+.-]*:", t)]
    assert found == ["docs/x.md", "y.png", "f.md"]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_points_at_a_file(page: Path) -> None:
    missing = [t for t in relative_links(page) if not (page.parent / t).exists()]
    assert missing == [], f"{page.name} links to files that do not exist: {missing}"
