"""Whole calls walked through the real app by the local caller, as Twilio would walk them."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from flask import Flask

from ivr.line.content import Content
from ivr.line.events import CallEvent
from ivr.tryout.caller import (
    LOCAL_BASE,
    Caller,
    FlaskTransport,
    HttpAnswer,
    PromptNames,
    ScriptedKeypad,
    Transcript,
    walk,
)
from ivr.webhook.endpoint import Webhook
from tests.support import CLOSED_TIME, SECRETARIAT, TOKEN, FixedClock, text


class Recording(FlaskTransport):
    """The in-process transport, keeping every form it sent."""

    forms: list[dict[str, str]]

    def send(self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]) -> HttpAnswer:
        self.forms.append(dict(form))
        return super().send(method, url, form, headers)


def call(app: Flask, keys: str, dial: str = "completed", token: str = TOKEN) -> Transcript:
    """Walk one call through `app`, pressing `keys`."""
    content: Content = Webhook.of(app).lines.first.content
    transport = FlaskTransport(app.test_client())
    caller = Caller(transport, LOCAL_BASE + "/voice", token, dial, PromptNames(content))
    return walk(caller, ScriptedKeypad(keys))


def test_open_section_repeat_menu_transfer_busy_back_to_menu(app: Flask, content: Content) -> None:
    transcript = call(app, "3 * # 0", dial="busy")
    said = transcript.said()
    section = content.section("3")
    assert section is not None
    assert said.count(section.prompt.text) == 2
    # Open: offered after the welcome, after the section and its repeat, after #, after the failed transfer.
    assert said.count(text(content, "transfer_offer")) == 5
    dials = [step for step in transcript.steps if step.kind == "dial"]
    assert [(step.number, step.outcome) for step in dials] == [(SECRETARIAT, "busy")]
    after = said[said.index(text(content, "transfer")) + 1 :]
    assert after[:2] == [text(content, "transfer_failed"), text(content, "main_menu")]
    assert transcript.end.outcome == "caller"


def test_closed_transfer_tells_the_opening_hours(app: Flask, content: Content, clock: FixedClock) -> None:
    clock.at = CLOSED_TIME
    transcript = call(app, "3 0")
    said = transcript.said()
    closed = "Sekretariatet har lukket og åbner igen i morgen klokken 10."
    # The menu first, so "tryk 1" comes as soon as on an open day; the notice after it.
    assert said[:3] == [text(content, "welcome"), text(content, "main_menu"), closed]
    assert said.count(closed) == 2
    assert said[-2:] == [closed, text(content, "main_menu")]
    assert text(content, "transfer_offer") not in said
    assert "dial" not in transcript.kinds()


@pytest.mark.parametrize(("keys", "kind"), [("T T T", "silence"), ("8 9 8", "invalid"), ("T 9 T", "silence")])
def test_three_failed_turns_say_goodbye(app: Flask, content: Content, keys: str, kind: str) -> None:
    transcript = call(app, keys + " 1")
    assert transcript.said()[-2:] == [text(content, kind), text(content, "goodbye_failed")]
    assert transcript.kinds()[-2:] == ["hangup", "end"]
    assert transcript.end.outcome == "hangup"
    assert transcript.kinds().count("gather") == 3  # the fourth token is never asked for


def test_a_key_in_between_resets_the_failed_turns(app: Flask) -> None:
    transcript = call(app, "T T 1 T T #")
    assert transcript.end.outcome == "caller"
    assert "hangup" not in transcript.kinds()


def test_answered_transfer_ends_with_goodbye(app: Flask, content: Content) -> None:
    transcript = call(app, "0", dial="completed")
    assert transcript.said()[-1] == text(content, "goodbye")
    assert transcript.end.outcome == "hangup"


@pytest.mark.parametrize("outcome", ["no-answer", "failed", "busy"])
def test_unanswered_transfer_goes_back_to_the_menu(app: Flask, content: Content, outcome: str) -> None:
    transcript = call(app, "0", dial=outcome)
    assert text(content, "transfer_failed") in transcript.said()
    assert transcript.kinds()[-2:] == ["gather", "end"]


def test_every_request_is_signed_and_carries_twilio_parameters(app: Flask) -> None:
    transport = Recording(app.test_client())
    transport.forms = []
    caller = Caller(transport, LOCAL_BASE + "/voice", TOKEN, "busy")
    transcript = walk(caller, ScriptedKeypad("1 T 0"))
    assert transcript.end.outcome == "caller"  # a bad signature would have ended it with HTTP 403
    standard = {"CallSid", "AccountSid", "From", "To", "CallStatus", "Direction", "ApiVersion"}
    assert all(standard <= form.keys() for form in transport.forms)
    assert len({form["CallSid"] for form in transport.forms}) == 1
    assert [form["CallStatus"] for form in transport.forms][:2] == ["ringing", "in-progress"]
    assert [form.get("Digits") for form in transport.forms] == [None, "1", None, "0", None]
    assert transport.forms[-1]["DialCallStatus"] == "busy"


def test_a_wrong_token_is_refused_by_the_line(app: Flask) -> None:
    transcript = call(app, "1", token="not-the-token")
    assert transcript.kinds() == ["end"]
    assert transcript.end.outcome == "error"
    assert "403" in (transcript.end.text or "")


def test_the_line_reports_each_step_to_its_observers(app: Flask) -> None:
    events: list[CallEvent] = []
    Webhook.of(app).observers.append(events.append)
    call(app, "2 * # 0 T", dial="no-answer")
    assert [event.event for event in events] == [
        "welcome",
        "section",
        "repeat",
        "main_menu",
        "transfer_open",
        "dial_no_answer",
        "silence",
    ]
    assert len({event.call for event in events}) == 1


def test_keys_typed_together_are_pressed_one_at_each_menu(app: Flask, content: Content) -> None:
    # A keypad sends 1, then 2: section 1 is read, then section 2.
    transcript = call(app, "12")
    presses = [step.keys for step in transcript.steps if step.kind == "keys"]
    assert presses == ["1", "2"]
    said = transcript.said()
    first, second = content.section("1"), content.section("2")
    assert first is not None
    assert second is not None
    assert said.index(first.prompt.text) < said.index(second.prompt.text)
