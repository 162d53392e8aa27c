"""The local caller follows TwiML as Twilio does: checked on hand-written documents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest
from twilio.request_validator import RequestValidator

from ivr.line.content import Content
from ivr.line.content_loader import load_content
from ivr.tryout.caller import (
    MAX_REQUESTS,
    Caller,
    HttpAnswer,
    PromptNames,
    ScriptedKeypad,
    Transcript,
    parse_script,
    walk,
)

TOKEN = "caller-test-token"
BASE = "https://line.example"


@dataclass
class Sent:
    method: str
    url: str
    form: dict[str, str]
    signature: str | None


@dataclass
class FakeLine:
    """Answers each path with a fixed TwiML document and keeps what it was sent."""

    documents: Mapping[str, str]
    sent: list[Sent] = field(default_factory=list)

    def send(self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]) -> HttpAnswer:
        self.sent.append(Sent(method, url, dict(form), headers.get("X-Twilio-Signature")))
        body = self.documents.get(urlsplit(url).path)
        if body is None:
            return HttpAnswer(404, b"not found")
        return HttpAnswer(200, f"<Response>{body}</Response>".encode())


def run(documents: Mapping[str, str], keys: str = "", dial: str = "completed") -> tuple[Transcript, FakeLine]:
    line = FakeLine(documents)
    caller = Caller(line, BASE + "/voice", TOKEN, dial)
    return walk(caller, ScriptedKeypad(keys)), line


def test_say_play_pause_then_no_more_verbs_ends_the_call() -> None:
    transcript, _ = run({"/voice": '<Say>Hej  \n med dig</Say><Play>/a/b.wav</Play><Pause length="2"/>'})
    assert [(s.kind, s.text, s.url, s.seconds) for s in transcript.steps[:3]] == [
        ("say", "Hej med dig", None, None),
        ("play", None, BASE + "/a/b.wav", None),
        ("pause", None, None, 2),
    ]
    assert transcript.end.outcome == "completed"


@pytest.mark.parametrize(
    ("attributes", "keys", "form"),
    [
        ('numDigits="1"', "5", {"Digits": "5"}),
        ('numDigits="3"', "[12345]", {"Digits": "123"}),
        ("", "[12#]", {"Digits": "12", "FinishedOnKey": "#"}),
        ('finishOnKey="*"', "[4*]", {"Digits": "4", "FinishedOnKey": "*"}),
        ('finishOnKey="" numDigits="1"', "#", {"Digits": "#"}),
        ('actionOnEmptyResult="true"', "T", {"Digits": ""}),
    ],
)
def test_gather_submits_digits_as_twilio_does(attributes: str, keys: str, form: dict[str, str]) -> None:
    documents = {"/voice": f'<Gather action="/next" {attributes}><Say>Tast</Say></Gather>', "/next": ""}
    _, line = run(documents, keys)
    assert line.sent[-1].url == BASE + "/next"
    assert {k: v for k, v in line.sent[-1].form.items() if k in ("Digits", "FinishedOnKey")} == form


def test_silence_falls_through_to_the_next_verb() -> None:
    documents = {"/voice": '<Gather action="/next" timeout="4"><Say>Tast</Say></Gather><Say>Farvel</Say>'}
    transcript, line = run(documents, "T")
    assert transcript.kinds() == ["say", "gather", "silence", "say", "end"]
    assert transcript.steps[1].seconds == 4
    assert len(line.sent) == 1


def test_gather_without_action_posts_back_to_the_document_url() -> None:
    _, line = run({"/voice": "<Gather><Say>Tast</Say></Gather>"}, "[1#] [2#]")
    assert [sent.url for sent in line.sent] == [BASE + "/voice"] * 3


def test_redirect_follows_relative_urls_and_get_signs_the_query() -> None:
    documents = {"/voice": '<Redirect method="GET">menu/next?x=1</Redirect>', "/menu/next": "<Hangup/>"}
    transcript, line = run(documents)
    assert transcript.kinds() == ["redirect", "hangup", "end"]
    get = line.sent[1]
    assert get.method == "GET"
    assert get.form == {}
    query = dict(parse_qsl(urlsplit(get.url).query))
    assert query["x"] == "1"
    assert query["CallStatus"] == "in-progress"
    assert RequestValidator(TOKEN).validate(get.url, {}, get.signature or "")


def test_every_post_is_signed_for_its_url_and_form() -> None:
    _, line = run({"/voice": '<Gather action="/k" numDigits="1"/>', "/k": ""}, "1")
    validator = RequestValidator(TOKEN)
    assert all(validator.validate(sent.url, sent.form, sent.signature or "") for sent in line.sent)
    assert [sent.form["CallStatus"] for sent in line.sent] == ["ringing", "in-progress"]


def test_dial_posts_the_chosen_outcome_to_its_action() -> None:
    documents = {
        "/voice": '<Dial action="/after" timeout="20"><Number>+4511223344</Number></Dial>',
        "/after": "",
    }
    transcript, line = run(documents, dial="no-answer")
    assert [(s.number, s.outcome) for s in transcript.steps if s.kind == "dial"] == [
        ("+4511223344", "no-answer")
    ]
    assert line.sent[-1].form["DialCallStatus"] == "no-answer"
    assert line.sent[-1].url == BASE + "/after"


def test_dial_without_action_goes_on_with_the_next_verb() -> None:
    transcript, line = run({"/voice": "<Dial>+4511223344</Dial><Say>Efter</Say>"}, dial="busy")
    assert transcript.kinds() == ["dial", "say", "end"]
    assert len(line.sent) == 1


@pytest.mark.parametrize("body", ["<Record/>", "<Gather><Record/></Gather>", "<Enqueue>kø</Enqueue>"])
def test_unknown_verbs_are_reported_and_end_the_call(body: str) -> None:
    transcript, _ = run({"/voice": body})
    assert "unknown" in transcript.kinds()
    assert transcript.end.outcome == "error"


@pytest.mark.parametrize(
    ("documents", "problem"),
    [
        ({}, "HTTP 404"),
        ({"/voice": "<Redirect>/voice</Redirect>"}, f"more than {MAX_REQUESTS} requests"),
    ],
)
def test_faults_end_the_call_with_an_error(documents: dict[str, str], problem: str) -> None:
    transcript, _ = run(documents)
    assert transcript.end.outcome == "error"
    assert problem in (transcript.end.text or "")


@pytest.mark.parametrize("body", ['<Pause length="two"/>', '<Gather timeout="-1"/>'])
def test_bad_numbers_in_attributes_are_errors(body: str) -> None:
    transcript, _ = run({"/voice": body}, "1")
    assert transcript.end.outcome == "error"
    assert "is not a whole number" in (transcript.end.text or "")


def test_a_document_that_is_not_twiml_is_an_error() -> None:
    class Broken(FakeLine):
        def send(
            self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]
        ) -> HttpAnswer:
            return HttpAnswer(200, b"<html>oops")

    transcript = walk(Caller(Broken({}), BASE + "/voice", None), ScriptedKeypad(""))
    assert transcript.end.outcome == "error"
    assert "not XML" in (transcript.end.text or "")


def test_the_caller_hangs_up_when_the_script_ends() -> None:
    transcript, _ = run({"/voice": '<Gather action="/voice"/>'}, "")
    assert transcript.kinds() == ["gather", "end"]
    assert transcript.end.outcome == "caller"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@pytest.mark.parametrize(
    ("url", "prompt_id"),
    [
        ("https://x/audio/welcome.wav", "welcome"),
        ("/audio/section_1-3f2a9c.wav?v=2", "section_1"),
        ("/audio/main_menu.0a1b.mp3", "main_menu"),
        ("/audio/transfer_offer-1.wav", "transfer_offer"),
    ],
)
def test_played_files_are_named_after_their_prompt(content: Content, url: str, prompt_id: str) -> None:
    texts = {prompt.id: prompt.text for prompt in content.all_prompts()}
    assert PromptNames(content)(url) == texts[prompt_id]


@pytest.mark.parametrize("url", ["/audio/music.wav", "/audio/welcomeback.wav", "/"])
def test_files_without_a_prompt_name_have_no_text(content: Content, url: str) -> None:
    assert PromptNames(content)(url) is None


@pytest.mark.parametrize("script", ["1 x", "12a", "0 -", "[12a]", "[]", "[T]"])
def test_scripts_reject_what_no_keypad_has(script: str) -> None:
    with pytest.raises(ValueError, match="neither a keypad key"):
        parse_script(script)


def test_scripts_press_one_key_at_each_gather_unless_bracketed() -> None:
    # A real keypad sends one key at a time: "12" is 1, then 2. Brackets send keys to one <Gather>.
    assert parse_script(" 1  * # 0 t T 12 ") == ["1", "*", "#", "0", "t", "T", "1", "2"]
    assert parse_script("1[97 66 24 00]T") == ["1", "97662400", "T"]
