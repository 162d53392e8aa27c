"""`ivr graph`: the picture of the line is drawn from the content and the call flow."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.line.content import Content
from ivr.line.content_loader import default_path, load_content
from ivr.tryout.graph import draw, rendered

SVG = "{http://www.w3.org/2000/svg}"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "menu.svg"
# CI installs Graphviz (.ci/run), so there a missing dot is a failure, not a skip.
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"), reason="Graphviz's dot is not installed"
)


def texts(document: bytes) -> list[str]:
    """Return every text line drawn in an SVG."""
    root = ET.fromstring(document)
    return [" ".join((element.text or "").split()) for element in root.iter(f"{SVG}text")]


def edge_labels(content: Content, max_tries: int = 3) -> list[str]:
    """Return the edge labels of the graph, one line each."""
    source = str(draw(content, max_tries).source)
    return [
        line.split('label="')[1].split('"')[0]
        for line in source.splitlines()
        if "->" in line and 'label="' in line
    ]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@needs_dot
def test_the_picture_shows_every_section_key_and_outcome(content: Content) -> None:
    drawn = texts(rendered(content, 3, "svg"))
    for section in content.sections:
        assert f"{section.key} · {section.title}" in drawn
    labels = " ".join(drawn)
    for key in (content.keys.transfer, content.keys.repeat, content.keys.main_menu):
        assert key in drawn or f"{key} · åbent" in drawn
    for phrase in (
        "0 · åbent",
        "0 · lukket",
        "8, 9 (ukendt tast), 3. gang i træk",
        "ingen tast, 1.–2. gang i træk",
        # Speech and slower speech.
        'siger "komplikationer"',
        "siger noget utydeligt (1 eller ja: det valg; 2 eller nej: tilbage)",
        "siger et hasteord",
        "spørger om noget, folderen ikke svarer på",
        "siger noget andet",
        "Nu taler jeg langsommere.",
        "Det forstod jeg desværre ikke.",
    ):
        assert phrase in labels
    for outcome in ("completed", "busy", "no-answer", "failed"):
        assert outcome in drawn
    assert content.number in labels
    assert "Linjen lægger på" in drawn


@needs_dot
def test_prompt_texts_are_tooltips(content: Content) -> None:
    root = ET.fromstring(rendered(content, 3, "svg"))
    titles = {link.get("{http://www.w3.org/1999/xlink}title") for link in root.iter(f"{SVG}a")}
    assert all(section.prompt.text in titles for section in content.sections)


def test_the_picture_follows_the_content_file(tmp_path: Path) -> None:
    text = default_path().read_text(encoding="utf-8")
    text = text.replace('transfer = "0"', 'transfer = "9"').replace(", tryk 0.", ", tryk 9.")
    # Keep only the first three sections (and menus that offer just those): keys 4, 5 and 8 become unknown.
    text = text[: text.index('[[sections]]\nkey = "4"')]
    text = re.sub(r"For [^.]*, tryk [45]\.", "", text).replace("1 til 5", "1 til 3")
    # The clinic's synonyms name words of the sections left out.
    text = re.sub(r"\[synonyms\]\n.*?\n\n", "", text, flags=re.DOTALL)
    changed = tmp_path / "content.toml"
    changed.write_text(text, encoding="utf-8")
    labels = edge_labels(load_content(changed), max_tries=2)
    assert "9 · åbent" in labels
    assert "4, 5, 8, 0 (ukendt tast), 2. gang i træk" in labels
    assert "ingen tast, 1. gang i træk" in labels
    assert not any(label.startswith("0 ·") for label in labels)


@needs_dot
def test_the_committed_picture_is_up_to_date(content: Content) -> None:
    assert sorted(texts(DOCS.read_bytes())) == sorted(texts(rendered(content, 3, "svg"))), (
        "run: ivr graph -o docs/menu.svg"
    )


@needs_dot
def test_graph_command_writes_svg(tmp_path: Path) -> None:
    out = tmp_path / "menu.svg"
    result = CliRunner().invoke(main, ["graph", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert ET.fromstring(out.read_bytes()).tag == f"{SVG}svg"


@needs_dot
def test_graph_command_writes_a_png_for_a_png_name(tmp_path: Path) -> None:
    out = tmp_path / "menu.png"
    result = CliRunner().invoke(main, ["graph", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    "args", [["-o", "menu.jpg"], ["-o", "menu.png", "--format", "svg"], ["-o", "menu", "--format", "dot"]]
)
def test_graph_command_refuses_a_name_that_does_not_match_its_format(tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(
        main, ["graph", *[str(tmp_path / a) if a.startswith("menu") else a for a in args]]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


def test_graph_command_explains_a_missing_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = CliRunner().invoke(main, ["graph"])
    assert result.exit_code == 1
    assert "apt-get install graphviz" in result.output


def test_graph_command_prints_dot_without_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = CliRunner().invoke(main, ["graph", "--format", "dot"])
    assert result.exit_code == 0
    assert result.output.startswith("digraph line {")
