"""Content that cannot break a call: control characters and texts too long for one TwiML document are refused
by `ivr check` and at start, and names from the file are printed escaped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr.cli import main
from ivr.line.content_checks import MAX_TWIML_BYTES
from ivr.line.content_loader import ContentError, default_path, load_content
from tests.support import TwilioClient, assert_worked

SHIPPED = default_path().read_text(encoding="utf-8")
WELCOME = 'welcome = "'
FIRST_SECTION = 'text = """\nOm rodblokade.\n'


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "content.toml"
    path.write_text(text, encoding="utf-8")
    return path


def checked(path: Path) -> str:
    """Run `ivr check` on the file; it must refuse it (exit 1) with no traceback."""
    result = CliRunner().invoke(main, ["check", "--content", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.mark.parametrize(
    ("escaped", "code"),
    [("\\u0001", "U+0001"), ("\\u001b[2J", "U+001B"), ("\\u0000", "U+0000"), ("\\u202e", "U+202E")],
)
def test_a_control_character_in_a_prompt_is_refused(tmp_path: Path, escaped: str, code: str) -> None:
    assert WELCOME in SHIPPED
    path = written(tmp_path, SHIPPED.replace(WELCOME, WELCOME + escaped, 1))
    output = checked(path)
    assert f"{path}: prompts.welcome: har kontroltegnet {code}" in output
    with pytest.raises(ContentError):
        load_content(path)


def test_a_terminal_escape_in_a_key_name_is_printed_escaped(tmp_path: Path) -> None:
    path = written(tmp_path, SHIPPED.replace(WELCOME, '"\\u001b[31mwelcome" = "Hej"\n' + WELCOME, 1))
    output = checked(path)
    assert "\x1b" not in output
    assert "prompts.\\x1b[31mwelcome: har et kontroltegn i sit navn" in output


def test_a_section_too_long_for_one_twiml_document_is_refused(tmp_path: Path) -> None:
    assert FIRST_SECTION in SHIPPED
    long = "Nerverødder udspringer parvist på hvert niveau. " * 3600  # about 171 KB
    path = written(tmp_path, SHIPPED.replace(FIRST_SECTION, FIRST_SECTION + long, 1))
    output = checked(path)
    assert f"{path}: sections[0].text: er for lang: et opkalds TwiML-dokument ville fylde omkring" in output
    assert "Twilio tager højst 64 kB" in output


def test_the_longest_section_allowed_still_makes_a_document_twilio_takes(
    tmp_path: Path, make_app: Callable[..., Flask]
) -> None:
    # Grow the first section ("&" takes five bytes in XML) until the check refuses it; the last one it took
    # must still render a document Twilio takes, and near the limit (the check is not needlessly strict).
    block = "Smerter & ømhed. " * 100
    taken = ""
    while True:
        path = written(tmp_path, SHIPPED.replace(FIRST_SECTION, FIRST_SECTION + taken + block, 1))
        try:
            load_content(path)
        except ContentError:
            break
        taken += block
    assert taken
    path = written(tmp_path, SHIPPED.replace(FIRST_SECTION, FIRST_SECTION + taken, 1))
    app = make_app({"CONTENT_FILE": str(path)})
    response = TwilioClient(app.test_client()).post("/voice/key", {"Digits": "1"})
    assert_worked(response)
    assert MAX_TWIML_BYTES - 8000 < len(response.data) <= MAX_TWIML_BYTES
