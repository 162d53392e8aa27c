"""`ivr call`: scripted, JSON, at a chosen moment, by hand, and against a running server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask, Response
from twilio.twiml import TwiML
from twilio.twiml.voice_response import Play

from ivr.callbacks.desk import new_key
from ivr.cli import main
from ivr.line.content import Prompt
from ivr.line.content_loader import load_content
from ivr.line.speech import SaySpeaker
from ivr.tryout import call_cli
from tests.support import CLOSED_TIME, ODD_MOMENTS, TOKEN, FixedClock, refused_once, serving

CONTENT = load_content()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("TWILIO_AUTH_TOKEN", "IVR_PUBLIC_URL", "IVR_DEVELOPMENT", "IVR_CONTENT_FILE"):
        monkeypatch.delenv(name, raising=False)
    # A trial call reads staff's closures from the line's database: the test's own, never instance/.
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'env-stats.sqlite'}")


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["call", *args], input=stdin)
    return result.exit_code, result.output


def steps(output: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(output)["steps"]
    return data


def test_scripted_call_prints_a_transcript() -> None:
    code, output = invoke("--keys", "3 #", "--at", "2026-11-25T11:00")
    assert code == 0
    assert "> pressed: 3" in output
    assert "> pressed: #" in output
    section = CONTENT.section("3")
    assert section is not None
    assert f"said: {section.prompt.text}" in output
    assert output.rstrip().endswith("-- end: caller (the caller hung up)")


def test_json_lists_each_step_and_the_end() -> None:
    code, output = invoke("--keys", "0", "--dial-result", "busy", "--at", "2026-11-25T11:00", "--json")
    assert code == 0
    data = steps(output)
    dial = next(step for step in data if step["kind"] == "dial")
    assert dial == {"kind": "dial", "number": CONTENT.number, "outcome": "busy"}
    assert {"kind": "keys", "keys": "0"} in data
    assert data[-1]["kind"] == "end"
    assert json.loads(output)["end"] == data[-1]


@pytest.mark.parametrize(("at", "closed"), [("2026-11-25T15:00", True), ("2026-11-25T10:00+01:00", False)])
def test_at_runs_the_call_at_that_moment(at: str, closed: bool) -> None:
    code, output = invoke("--keys", "T", "--at", at, "--json")
    assert code == 0
    said = [step.get("text") for step in steps(output)]
    assert ("Sekretariatet har lukket og åbner igen i morgen klokken 10." in said) is closed
    assert (CONTENT.prompt("transfer_offer").text in said) is not closed


def test_at_is_read_in_the_content_s_time_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = tmp_path / "content.toml"
    shipped = Path(CONTENT.source).read_text(encoding="utf-8")
    content.write_text(shipped.replace('"Europe/Copenhagen"', '"Pacific/Auckland"'), encoding="utf-8")
    monkeypatch.setenv("IVR_CONTENT_FILE", str(content))
    # 11:00 without an offset is Auckland's (open there; 23:00 there if it were Copenhagen's); with
    # Copenhagen's offset it is 23:00 in Auckland, and closed.
    for at, closed in [("2026-11-25T11:00", False), ("2026-11-25T11:00+01:00", True)]:
        code, output = invoke("--keys", "T", "--at", at, "--json")
        assert code == 0, output
        said = " ".join(step.get("text") or "" for step in steps(output))
        assert ("Sekretariatet har lukket og åbner igen" in said) is closed


@pytest.mark.parametrize("at", ODD_MOMENTS)
def test_an_odd_at_is_refused_in_one_line(at: str) -> None:
    line = refused_once(CliRunner().invoke(main, ["call", "--keys", "T", "--at", at]), "--at")
    assert "mellem 2000-01-01 og 2100-12-31" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "tomorrow"], "er ikke et tidspunkt"),
        (["--keys", "1 x"], "neither a keypad key"),
        (["--url", "http://127.0.0.1:9/voice", "--at", "2026-11-25T11:00"], "--at needs the line in-process"),
        (["--dial-result", "maybe"], "maybe"),
    ],
)
def test_bad_options_are_refused(args: list[str], message: str) -> None:
    code, output = invoke(*args)
    assert code == 2
    assert message in output


def test_by_hand_enter_is_silence_and_q_hangs_up() -> None:
    code, output = invoke(stdin="3\n\nhvad med komplikationer\n#\nq\n")
    assert code == 0
    assert "> pressed: 3" in output
    assert "> silence (7 s)" in output
    # Words that are not keys are said, as a caller speaks.
    assert '> said: "hvad med komplikationer"' in output
    assert "Komplikationer. Indgrebet er forbundet" in output
    assert "> pressed: #" in output
    assert "-- end: caller" in output


def test_url_drives_a_running_server_with_signed_requests(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    with serving(app) as base:
        code, output = invoke("--url", base + "/voice", "--keys", "1 T T T", "--json")
    assert code == 0
    data = steps(output)
    assert data[-1] == {"kind": "end", "outcome": "hangup", "text": "the line hung up"}


def test_url_calls_from_the_number_given_with_from(
    make_app: Callable[..., Flask], clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    clock.at = CLOSED_TIME
    app = make_app({"CALLBACK_KEY": new_key()})
    with serving(app) as base:
        code, output = invoke("--url", base + "/voice", "--from", "+4521234567", "--keys", "0 1", "--json")
    assert code == 0, output
    said = [step.get("text") for step in steps(output)]
    # The callback reads back the number the call came from.
    assert CONTENT.callback_confirm("+4521234567").text in said


def test_url_with_the_wrong_token_ends_in_an_error(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "wrong")
    with serving(app) as base:
        code, output = invoke("--url", base + "/voice", "--keys", "1")
    assert code == 1
    assert "HTTP 403 from /voice" in output


def test_url_that_cannot_be_reached_is_reported() -> None:
    code, output = invoke("--url", "http://127.0.0.1:9/voice", "--keys", "1")
    assert code == 1
    assert "cannot reach" in output


def test_in_process_calls_sign_for_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_PUBLIC_URL", "https://ivr.example.dk")
    code, output = invoke("--keys", "1 #", "--json")
    assert code == 0
    assert [step["kind"] for step in steps(output)].count("keys") == 2


def test_by_hand_played_prompts_are_heard_through_a_player(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask]
) -> None:
    say = SaySpeaker.add

    def add(self: SaySpeaker, parent: TwiML, prompt: Prompt) -> None:
        if prompt.id == "welcome":
            parent.nest(Play("/sound/welcome-0a1b.wav"))
        else:
            say(self, parent, prompt)

    monkeypatch.setattr(SaySpeaker, "add", add)
    heard = tmp_path / "heard.wav"
    # A "player" that copies the file it is given, so the test can check what would have sounded.
    monkeypatch.setattr(call_cli, "PLAYERS", (("sh", "-c", f'cp "$0" {heard}'),))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    app = make_app()
    app.add_url_rule("/sound/<name>", "sound", lambda name: Response(b"RIFF-sound", mimetype="audio/wav"))
    with serving(app) as base:
        code, output = invoke("--url", base + "/voice", stdin="q\n")
    assert code == 0
    assert f"played: {base}/sound/welcome-0a1b.wav" in output
    assert CONTENT.prompt("welcome").text in output
    assert heard.read_bytes() == b"RIFF-sound"
