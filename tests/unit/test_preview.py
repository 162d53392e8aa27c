"""The preview's routes: who may see it, and the calls it runs through its trial app."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.twiml import TwiML
from twilio.twiml.voice_response import Play

from ivr import create_app
from ivr.line.content import Content, Prompt
from ivr.line.events import CallEvent
from ivr.line.speech import SaySpeaker
from ivr.settings import ConfigError
from ivr.tryout.preview import Preview
from ivr.webhook.endpoint import Webhook
from tests.support import ODD_MOMENTS, TOKEN, FixedClock, lines_folder

STAFF = {"STAFF_USER": "personale", "STAFF_PASSWORD": "hemmelig-ø-og-lang"}


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


AUTH = basic(STAFF["STAFF_USER"], STAFF["STAFF_PASSWORD"])


@pytest.fixture
def staff_app(make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> Flask:
    for name in ("TWILIO_AUTH_TOKEN", "IVR_DEVELOPMENT", "IVR_STAFF_USER", "IVR_STAFF_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return make_app(STAFF)


@pytest.fixture
def staff(staff_app: Flask) -> FlaskClient:
    return staff_app.test_client()


def run(client: FlaskClient, keys: list[str], at: str = "2026-11-25T11:00", dial: str = "busy") -> Any:
    response = client.post("/preview/call", json={"keys": keys, "at": at, "dial": dial}, headers=AUTH)
    assert response.status_code == 200, response.data
    return response.json


def test_the_preview_is_hidden_without_staff_login_or_development(client: FlaskClient) -> None:
    assert client.get("/preview/").status_code == 404
    assert client.post("/preview/call", json={}).status_code == 404


def test_development_mode_shows_the_preview_without_login(
    clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    app = create_app({"DEVELOPMENT": True}, clock=clock)
    response = app.test_client().get("/preview/")
    assert response.status_code == 200
    assert "Prøv linjen: Rodblokade i lænden" in response.text


def test_the_preview_of_a_second_line_shows_its_own_title_and_menu(
    clock: FixedClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    app = create_app({"DEVELOPMENT": True, "CONTENT_DIR": lines_folder(tmp_path / "lines")}, clock=clock)
    knee = app.test_client().get("/preview/?line=knae")
    assert knee.status_code == 200
    assert "<title>Prøv linjen: Kikkertundersøgelse af knæet</title>" in knee.text
    menu = knee.text.split('<aside class="legend">', 1)[1]
    assert "Om undersøgelsen" in menu
    assert "Komplikationer" not in menu
    assert '<option value="knae" selected>' in knee.text
    first = app.test_client().get("/preview/")
    assert "Komplikationer" in first.text.split('<aside class="legend">', 1)[1]
    assert app.test_client().get("/preview/?line=ukendt").status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, basic("personale", "forkert"), basic("andre", "hemmelig-ø"), {"Authorization": "Bearer x"}],
)
def test_staff_login_is_required(staff: FlaskClient, headers: dict[str, str]) -> None:
    response = staff.get("/preview/", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_staff_see_the_keypad_and_the_menu(staff: FlaskClient, staff_app: Flask) -> None:
    response = staff.get("/preview/", headers=AUTH)
    assert response.status_code == 200
    content: Content = Webhook.of(staff_app).lines.first.content
    assert all(section.title in response.text for section in content.sections)
    assert response.text.count('class="key"') == 12


def test_a_user_without_password_is_a_configuration_error(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="STAFF_PASSWORD"):
        make_app({"STAFF_USER": "personale"})


def test_a_call_waits_for_the_next_key(staff: FlaskClient, staff_app: Flask) -> None:
    content: Content = Webhook.of(staff_app).lines.first.content
    answer = run(staff, ["2"])
    assert answer["waiting"] is True
    assert answer["open"] is True
    assert answer["steps"][-1]["kind"] == "gather"
    section = content.section("2")
    assert section is not None
    assert section.prompt.text in [step.get("text") for step in answer["steps"]]


def test_the_chosen_time_and_transfer_outcome_are_used(staff: FlaskClient, staff_app: Flask) -> None:
    content: Content = Webhook.of(staff_app).lines.first.content
    closed = run(staff, ["0"], at="2026-11-25T15:00")
    assert closed["open"] is False
    assert "dial" not in [step["kind"] for step in closed["steps"]]
    opened = run(staff, ["0"], at="2026-11-25T10:30", dial="no-answer")
    dial = next(step for step in opened["steps"] if step["kind"] == "dial")
    assert (dial["number"], dial["outcome"]) == (content.number, "no-answer")


def test_a_long_call_is_not_mistaken_for_a_loop(staff: FlaskClient) -> None:
    answer = run(staff, ["1", "T", "T", "0", "*", "T", "T"] * 28 + ["2"] * 4, dial="busy")
    assert answer["waiting"] is True


def test_a_finished_call_ends_with_the_end_step(staff: FlaskClient) -> None:
    answer = run(staff, ["T", "T", "T"])
    assert answer["waiting"] is False
    assert answer["steps"][-1]["kind"] == "end"
    assert answer["steps"][-1]["outcome"] == "hangup"


def test_preview_calls_never_reach_the_line_s_observers(staff: FlaskClient, staff_app: Flask) -> None:
    events: list[CallEvent] = []
    Webhook.of(staff_app).observers.append(events.append)
    run(staff, ["1", "#"])
    assert events == []
    trial_app = Preview.of(staff_app).trial_app
    assert trial_app is not None
    assert Webhook.of(trial_app).observers == []


def test_played_prompts_point_the_browser_at_the_line_s_audio(
    staff: FlaskClient, staff_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    say = SaySpeaker.add

    def add(self: SaySpeaker, parent: TwiML, prompt: Prompt) -> None:
        if prompt.id == "welcome":
            parent.nest(Play("/audio/welcome-0a1b.wav"))
        else:
            say(self, parent, prompt)

    monkeypatch.setattr(SaySpeaker, "add", add)
    content: Content = Webhook.of(staff_app).lines.first.content
    first = run(staff, [])["steps"][0]
    assert first["kind"] == "play"
    assert first["audio"] == "/audio/welcome-0a1b.wav"
    assert first["text"] == content.prompt("welcome").text


@pytest.mark.parametrize(
    "body",
    [
        {"keys": "1"},
        {"keys": ["x"]},
        {"keys": ["1T"]},
        {"keys": ["1"] * 201},
        {"keys": ["{" + "ord " * 60 + "}"]},
        {"keys": ["{}"]},
        {"keys": ["{hvad {er} det}"]},
        {"keys": ["{uden slutning"]},
        {"keys": [], "dial": "maybe"},
        {"keys": [], "at": "i morgen"},
        [],
    ],
)
def test_bad_requests_are_refused(staff: FlaskClient, body: Any) -> None:
    assert staff.post("/preview/call", json=body, headers=AUTH).status_code == 400


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"[" * 5000 + b"]" * 5000, 400),
        (b'{"keys": ' + b"[" * 16000 + b"]" * 16000 + b"}", 400),
        (b'{"keys": ' + b"[" * 100000 + b"]" * 100000 + b"}", 413),  # larger than IVR_MAX_BODY_BYTES
        (b"{'keys': []}", 400),
        (b"\xff{", 400),
    ],
)
def test_malformed_or_deeply_nested_json_is_refused(staff: FlaskClient, raw: bytes, status: int) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    response = staff.post("/preview/call", data=raw, headers=headers)
    assert response.status_code == status
    assert b"Traceback" not in response.data


def test_words_in_braces_are_said_to_the_line(staff: FlaskClient, content: Content) -> None:
    steps = run(staff, ["{komplikationerne}"])["steps"]
    assert {"kind": "speech", "text": "komplikationerne"} in steps
    section = content.section("5")
    assert section is not None
    assert any(step.get("text") == section.prompt.text for step in steps)


def test_a_question_in_braces_is_answered_by_its_sentence(staff: FlaskClient, content: Content) -> None:
    # The preview's text box goes through the same flow as a call: the sentence, then the section's offer.
    steps = run(staff, ["{må jeg spise inden}"])["steps"]
    texts = [step.get("text") for step in steps]
    assert "Spis og drik gerne før indgrebet." in texts
    assert "Tryk 3 for hele afsnittet: Sådan forbereder du dig." in texts


@pytest.mark.parametrize("at", [*ODD_MOMENTS, 20261125, ["2026-11-25T11:00"]])
def test_an_odd_moment_is_refused_with_a_danish_message(staff: FlaskClient, at: Any) -> None:
    response = staff.post("/preview/call", json={"keys": [], "at": at}, headers=AUTH)
    assert response.status_code == 400
    message = "Tidspunktet skal være en dato og et klokkeslæt som 2026-11-25T11:00 mellem år 2000 og 2100."
    assert message in response.text


@pytest.mark.parametrize("at", ["2000-01-01T00:00", "2100-12-31T23:59"])
def test_calls_at_the_edges_of_the_years_run(staff: FlaskClient, at: str) -> None:
    # A Saturday and a Friday night (New Year's Eve): the line names the Monday after as the next opening.
    answer = run(staff, [], at=at)
    assert (answer["open"], answer["at"]) == (False, at + "+01:00")
    assert any("på mandag klokken 10" in step.get("text", "") for step in answer["steps"])


def test_the_trial_app_checks_signatures_with_the_line_s_token(staff: FlaskClient, staff_app: Flask) -> None:
    run(staff, [])
    trial_app = Preview.of(staff_app).trial_app
    assert trial_app is not None
    assert trial_app.config["TWILIO_AUTH_TOKEN"] == TOKEN
    assert trial_app.test_client().post("/voice").status_code == 403


def test_behind_a_public_url_the_trial_app_signs_for_that_url(make_app: Callable[..., Flask]) -> None:
    app = make_app(STAFF | {"PUBLIC_URL": "https://ivr.example.dk"})
    answer = run(app.test_client(), ["1"])
    assert answer["waiting"] is True
    assert [step["kind"] for step in answer["steps"]].count("gather") == 2
