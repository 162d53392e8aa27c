"""Staff read Danish: an English sentence reaching them (a command's answer, a page) fails here.

English is told apart by words Danish never uses; a command, a file or a setting in `code` is no sentence, nor
click's own "Error:" before a command's one-line refusal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr.cli import main

# Common English words that are no Danish words (not "to", "is", "and": Danish has those too).
ENGLISH = frozenset(
    [
        "the",
        "are",
        "must",
        "not",
        "failed",
        "built",
        "unchanged",
        "seconds",
        "error",
        "with",
        "cannot",
        "found",
        "should",
        "please",
        "which",
        "would",
        "prompts",
        "sections",
        "line",
        "lines",
    ]
)
STAFF = {"STAFF_USER": "sekretaer", "STAFF_PASSWORD": "en-lang-hemmelighed-1", "DEVELOPMENT": False}
LOGIN = {"Authorization": "Basic c2VrcmV0YWVyOmVuLWxhbmctaGVtbWVsaWdoZWQtMQ=="}


def english(text: str) -> list[str]:
    """The English words in `text`, outside code (`...`, paths, settings, options)."""
    prose = re.sub(r"`[^`]*`|\S*[/_=]\S*|--\S+|^Error:", " ", text, flags=re.MULTILINE)
    return [word for word in re.findall(r"[A-Za-z]+", prose) if word.lower() in ENGLISH]


class _Text(HTMLParser):
    """The visible text of a page (not its styles or scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("style", "script")
        self.parts += [value or "" for name, value in attrs if name in ("aria-label", "placeholder", "title")]

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def test_the_detector_finds_an_english_sentence() -> None:
    assert english("Audio prompts: 3 built, 0 failed") == ["prompts", "built", "failed"]
    assert english("Lydfiler: 3 bygget, 0 fejlede; se `ivr build-audio --engine espeak`") == []


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["closed", "list"],
        ["closed", "add", "2020-01-06", "--reason", "kursus"],
        ["closed", "add", "i-morgen", "--reason", "kursus"],
        ["closed", "remove", "7"],
    ],
)
def test_commands_answer_staff_in_danish(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'line.sqlite'}")
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    result = CliRunner().invoke(main, args)
    assert result.output.strip()
    assert english(result.output) == [], result.output


def test_the_audio_build_summary_is_danish(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["build-audio", "--engine", "espeak", "--out", str(tmp_path), "--only", "goodbye"]
    )
    assert result.exit_code == 0, result.output
    assert "bygget" in result.output
    assert english(result.output) == [], result.output


@pytest.mark.parametrize("path", ["/", "/staff/closed", "/staff/callbacks", "/staff/stats"])
def test_staff_pages_are_danish(make_app: Callable[..., Flask], path: str) -> None:
    page = make_app(STAFF).test_client().get(path, headers=LOGIN)
    assert page.status_code == 200
    text = visible(page.get_data(as_text=True))
    assert english(text) == [], text
