"""The call flow over the webhook: every key at every menu, repeats, failures, transfer and dial outcomes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr import create_app
from ivr.app import clock_of
from ivr.line.content import Content
from ivr.line.content_loader import default_path
from tests.support import CLOSED_TIME, CPH, SECRETARIAT, FixedClock, TwilioClient, spoken, text, verbs

MENUS = ["main", "1", "2", "3", "4", "5"]
KEYS = list("0123456789*#")


def section_text(content: Content, key: str) -> str:
    section = content.section(key)
    assert section is not None
    return section.prompt.text


def action(root: ET.Element) -> dict[str, str]:
    """Return the menu and tries that the <Gather> action carries, checking the call stays safe."""
    assert_safe(root)
    gather = root.find("Gather")
    assert gather is not None
    url = urlsplit(gather.get("action", ""))
    assert url.path == "/voice/key"
    return {name: values[0] for name, values in parse_qs(url.query).items()}


def assert_safe(root: ET.Element) -> None:
    """Every <Gather> waits for one key or Danish speech, barges in, and is followed by a <Redirect> for
    silence."""
    tags = verbs(root)
    for index, tag in enumerate(tags):
        if tag == "Gather":
            gather = root[index]
            assert gather.get("input") == "dtmf speech"
            assert gather.get("language") == "da-DK"
            assert gather.get("speechTimeout") == "auto"
            assert "komplikationer" in gather.get("hints", "")
            assert gather.get("numDigits") == "1"
            assert gather.get("finishOnKey") == ""
            assert int(gather.get("timeout", "0")) >= 5
            assert all(child.tag in {"Say", "Play", "Pause"} for child in gather)
            assert tags[index + 1 : index + 2] == ["Redirect"]
            assert root[index + 1].text == gather.get("action")
    assert tags[-1:] in (["Redirect"], ["Hangup"], ["Dial"])
    for say in root.iter("Say"):
        assert say.get("language") == "da-DK"
        assert say.get("voice") == "Polly.Naja"
        assert "".join(say.itertext()).strip()


def press(
    twilio: TwilioClient, menu: str, key: str | None, tries: int = 0, form: dict[str, str] | None = None
) -> ET.Element:
    data = dict(form or {})
    if key is not None:
        data["Digits"] = key
    return twilio.twiml(f"/voice/key?menu={menu}&tries={tries}", data)


def test_welcome_when_open_offers_the_secretariat(twilio: TwilioClient, content: Content) -> None:
    root = twilio.twiml("/voice")
    assert action(root) == {"menu": "main", "tries": "0"}
    said = spoken(root)
    offers = [text(content, "speech_offer"), text(content, "slower_offer")]
    assert said == [
        text(content, "welcome"),
        text(content, "main_menu"),
        text(content, "transfer_offer"),
        *offers,
    ]


def test_welcome_when_closed_says_when_it_opens(
    twilio: TwilioClient, content: Content, clock: FixedClock
) -> None:
    clock.at = CLOSED_TIME
    said = spoken(twilio.twiml("/voice"))
    assert said == [
        text(content, "welcome"),
        text(content, "main_menu"),
        "Sekretariatet har lukket og åbner igen i morgen klokken 10.",
        text(content, "speech_offer"),
        text(content, "slower_offer"),
    ]


def say(twilio: TwilioClient, menu: str, words: str, confidence: str = "0.92", query: str = "") -> ET.Element:
    """Post what the caller said, as Twilio posts a <Gather input="speech"> result."""
    form = {"SpeechResult": words, "Confidence": confidence}
    return twilio.twiml(f"/voice/key?menu={menu}&tries=0{query}", form)


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ("komplikationerne", "5"),
        ("øh forberedelse", "3"),
        ("hvordan foregår det", "2"),
        ("opfølgning", "4"),
    ],
)
def test_a_section_said_is_read_as_if_its_key_were_pressed(
    twilio: TwilioClient, content: Content, words: str, key: str
) -> None:
    root = say(twilio, "main", words)
    assert spoken(root)[0] == section_text(content, key)
    assert action(root) == {"menu": key, "tries": "0"}


def test_saying_the_secretariat_puts_the_caller_through(twilio: TwilioClient) -> None:
    root = say(twilio, "main", "jeg vil gerne tale med sekretariatet")
    assert verbs(root) == ["Say", "Dial"]


def test_unsure_speech_is_asked_back_and_1_or_yes_chooses_it(twilio: TwilioClient, content: Content) -> None:
    asked = say(twilio, "main", "komplikationer", confidence="0.2")
    assert spoken(asked) == ["Vil du høre om komplikationer? Tryk 1 for ja, eller 2 for nej."]
    assert action(asked) == {"menu": "main", "tries": "0", "confirm": "5"}
    yes_key = (
        press(twilio, "main", "1", form=None)
        if False
        else twilio.twiml("/voice/key?menu=main&tries=0&confirm=5", {"Digits": "1"})
    )
    assert spoken(yes_key)[0] == section_text(content, "5")
    yes_said = twilio.twiml(
        "/voice/key?menu=main&tries=0&confirm=5", {"SpeechResult": "ja", "Confidence": "0.9"}
    )
    assert spoken(yes_said)[0] == section_text(content, "5")
    # Another key after the question is that key.
    other = twilio.twiml("/voice/key?menu=main&tries=0&confirm=5", {"Digits": "3"})
    assert spoken(other)[0] == section_text(content, "3")


@pytest.mark.parametrize("answer", [{"Digits": "2"}, {"SpeechResult": "nej", "Confidence": "0.9"}])
def test_no_to_a_question_back_returns_to_the_menu_without_a_failed_turn(
    twilio: TwilioClient, content: Content, answer: dict[str, str]
) -> None:
    back = twilio.twiml("/voice/key?menu=3&tries=1&confirm=5", answer)
    assert spoken(back)[0] == text(content, "section_menu")
    assert action(back) == {"menu": "3", "tries": "1"}


def test_an_urgent_word_is_answered_with_1_1_2_before_anything_can_cut_it_off(
    twilio: TwilioClient, content: Content
) -> None:
    root = say(twilio, "4", "jeg har fået feber efter blokaden")
    assert verbs(root)[:2] == ["Say", "Gather"]
    assert root[0].text == text(content, "urgent")
    gather = root.find("Gather")
    assert gather is not None
    assert spoken(gather)[0] == text(content, "after_problems")
    # Not a failed turn: the caller stays where they were.
    assert action(root) == {"menu": "4", "tries": "0"}


def test_the_welcome_is_said_whole_before_the_first_gather(twilio: TwilioClient, content: Content) -> None:
    root = twilio.twiml("/voice", {})
    assert verbs(root)[:2] == ["Say", "Gather"]
    assert root[0].text == text(content, "welcome")
    assert "1-1-2" in (root[0].text or "")


def test_speech_that_matches_nothing_is_a_failed_turn(twilio: TwilioClient, content: Content) -> None:
    root = say(twilio, "main", "hvad er klokken")
    assert spoken(root)[0] == text(content, "not_understood")
    assert action(root) == {"menu": "main", "tries": "1"}


def test_words_that_are_only_context_are_asked_back_not_put_through(twilio: TwilioClient) -> None:
    """Only words several choices share ("tid"), no choice's phrase said whole: a question back, not a
    transfer the caller did not clearly ask for."""
    root = say(twilio, "main", "hvad med min tid")
    assert "Dial" not in verbs(root)
    assert spoken(root) == ["Vil du tale med sekretariatet? Tryk 1 for ja, eller 2 for nej."]
    assert action(root) == {"menu": "main", "tries": "0", "confirm": "0"}
    # Said whole, the errand is put through at once.
    assert verbs(say(twilio, "main", "jeg vil gerne flytte min tid"))[-1] == "Dial"


def test_one_known_word_among_unknown_ones_is_not_asked_about(twilio: TwilioClient, content: Content) -> None:
    """A question back resting on one word the line knows ("ny" of "ny tid") among words it does not know is
    a guess: the caller hears that it was not understood, not a question about the secretariat."""
    root = say(twilio, "main", "jeg har fået en ny hofte")
    assert spoken(root)[0] == text(content, "not_understood")
    assert action(root) == {"menu": "main", "tries": "1"}


def test_seven_switches_to_slower_speech_and_back(twilio: TwilioClient, content: Content) -> None:
    slow = press(twilio, "3", "7")
    assert spoken(slow)[:2] == [text(content, "slower_on"), text(content, "section_menu")]
    assert all(say.find("prosody") is not None for say in slow.iter("Say"))
    assert next(p.get("rate") for p in slow.iter("prosody")) == "80%"
    assert action(slow) == {"menu": "3", "tries": "0", "slow": "1"}
    # The rest of the call stays slow: the next step's URL carries it.
    section = twilio.twiml("/voice/key?menu=3&tries=0&slow=1", {"Digits": "2"})
    assert action(section) == {"menu": "2", "tries": "0", "slow": "1"}
    assert all(say.find("prosody") is not None for say in section.iter("Say"))
    back = twilio.twiml("/voice/key?menu=2&tries=0&slow=1", {"Digits": "7"})
    assert spoken(back)[0] == text(content, "slower_off")
    assert action(back) == {"menu": "2", "tries": "0"}
    assert all(say.find("prosody") is None for say in back.iter("Say"))


@pytest.mark.parametrize("menu", MENUS)
@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5"])
def test_section_keys_read_their_section_from_any_menu(
    twilio: TwilioClient, content: Content, menu: str, key: str
) -> None:
    root = press(twilio, menu, key, tries=2)
    # Open (the default clock): the secretariat is offered after the section too.
    offer = text(content, "transfer_offer")
    assert spoken(root) == [section_text(content, key), text(content, "section_menu"), offer]
    assert action(root) == {"menu": key, "tries": "0"}


def test_a_section_read_while_closed_never_offers_the_secretariat(
    twilio: TwilioClient, content: Content, clock: FixedClock
) -> None:
    clock.at = CLOSED_TIME
    said = spoken(press(twilio, "main", "2"))
    assert said == [section_text(content, "2"), text(content, "section_menu")]
    assert not any("sekretariatet" in sentence.lower() for sentence in said[1:])


@pytest.mark.parametrize("menu", MENUS)
def test_star_repeats_what_was_just_read(twilio: TwilioClient, content: Content, menu: str) -> None:
    root = press(twilio, menu, "*", tries=1)
    expected = (
        [text(content, "main_menu"), text(content, "transfer_offer")]
        if menu == "main"
        else [section_text(content, menu), text(content, "section_menu"), text(content, "transfer_offer")]
    )
    assert spoken(root) == expected
    assert action(root) == {"menu": menu, "tries": "0"}


@pytest.mark.parametrize("menu", MENUS)
def test_hash_returns_to_the_main_menu(twilio: TwilioClient, content: Content, menu: str) -> None:
    root = press(twilio, menu, "#", tries=2)
    assert spoken(root) == [text(content, "main_menu"), text(content, "transfer_offer")]
    assert action(root) == {"menu": "main", "tries": "0"}


@pytest.mark.parametrize("menu", MENUS)
def test_zero_dials_the_secretariat_when_open(twilio: TwilioClient, content: Content, menu: str) -> None:
    root = press(twilio, menu, "0")
    assert verbs(root) == ["Say", "Dial"]
    assert spoken(root) == [text(content, "transfer")]
    dial = root[1]
    assert [n.text for n in dial.iter("Number")] == [SECRETARIAT]
    assert dial.get("action") == "/voice/dial"
    assert dial.get("timeout") == "30"


@pytest.mark.parametrize("menu", MENUS)
def test_zero_when_closed_never_dials(
    twilio: TwilioClient, content: Content, clock: FixedClock, menu: str
) -> None:
    clock.at = CLOSED_TIME
    root = press(twilio, menu, "0")
    assert root.find("Dial") is None
    assert spoken(root) == [
        "Sekretariatet har lukket og åbner igen i morgen klokken 10.",
        text(content, "main_menu"),
    ]
    assert action(root) == {"menu": "main", "tries": "0"}


@pytest.mark.parametrize("menu", MENUS)
@pytest.mark.parametrize("key", ["8", "9"])
def test_unknown_keys_say_so_then_the_same_menu(
    twilio: TwilioClient, content: Content, menu: str, key: str
) -> None:
    root = press(twilio, menu, key)
    menu_prompts = (
        [text(content, "main_menu"), text(content, "transfer_offer")]
        if menu == "main"
        else [text(content, "section_menu"), text(content, "transfer_offer")]
    )
    assert spoken(root) == [text(content, "invalid"), *menu_prompts]
    assert action(root) == {"menu": menu, "tries": "1"}


@pytest.mark.parametrize("menu", MENUS)
def test_silence_reprompts_the_same_menu(twilio: TwilioClient, content: Content, menu: str) -> None:
    root = press(twilio, menu, None)
    assert spoken(root)[0] == text(content, "silence")
    assert action(root) == {"menu": menu, "tries": "1"}


def test_empty_digits_count_as_silence(twilio: TwilioClient, content: Content) -> None:
    root = press(twilio, "main", "")
    assert spoken(root)[0] == text(content, "silence")


@pytest.mark.parametrize("turns", [["9", "9", "9"], [None, None, None], ["9", None, "8"], [None, "*x", None]])
def test_three_failed_turns_in_a_row_end_politely(
    twilio: TwilioClient, content: Content, turns: list[str | None]
) -> None:
    tries = 0
    for turn in turns[:-1]:
        tries = int(action(press(twilio, "2", turn, tries=tries))["tries"])
    assert tries == 2
    last = press(twilio, "2", turns[-1], tries=tries)
    assert_safe(last)
    assert verbs(last) == ["Say", "Say", "Hangup"]
    assert spoken(last)[-1] == text(content, "goodbye_failed")


def test_a_valid_key_resets_the_failed_turns(twilio: TwilioClient) -> None:
    assert action(press(twilio, "main", "9", tries=1))["tries"] == "2"
    assert action(press(twilio, "main", "3", tries=2))["tries"] == "0"
    assert action(press(twilio, "3", "9", tries=0))["tries"] == "1"


@pytest.mark.parametrize("menu", ["../etc", "99", "", "main%00"])
def test_unknown_menus_fall_back_to_the_main_menu(twilio: TwilioClient, content: Content, menu: str) -> None:
    root = press(twilio, menu, "*")
    assert action(root)["menu"] == "main"


@pytest.mark.parametrize("tries", ["-1", "abc", "999999999999", ""])
def test_odd_tries_values_count_as_none(twilio: TwilioClient, tries: str) -> None:
    root = twilio.twiml(f"/voice/key?menu=main&tries={tries}", {"Digits": "9"})
    assert action(root)["tries"] == "1"


@pytest.mark.parametrize(
    ("at", "dials"),
    [
        (datetime(2026, 11, 25, 9, 59, tzinfo=CPH), False),
        (datetime(2026, 11, 25, 10, 0, tzinfo=CPH), True),
        (datetime(2026, 11, 25, 13, 59, tzinfo=CPH), True),
        (datetime(2026, 11, 25, 14, 0, tzinfo=CPH), False),
        (datetime(2026, 11, 28, 11, 0, tzinfo=CPH), False),  # Saturday
        (datetime(2027, 3, 29, 11, 0, tzinfo=CPH), False),  # Anden påskedag
        (datetime(2026, 12, 24, 11, 0, tzinfo=CPH), False),  # extra closed day
    ],
)
def test_transfer_follows_the_opening_hours(
    twilio: TwilioClient, clock: FixedClock, at: datetime, dials: bool
) -> None:
    clock.at = at
    assert (press(twilio, "main", "0").find("Dial") is not None) is dials


@pytest.mark.parametrize(
    ("at", "phrase"),
    [
        (datetime(2026, 11, 25, 9, 0, tzinfo=CPH), "i dag klokken 10"),
        (datetime(2026, 11, 27, 15, 0, tzinfo=CPH), "på mandag klokken 10"),
        (datetime(2026, 12, 23, 15, 0, tzinfo=CPH), "på mandag klokken 10"),
        (datetime(2027, 7, 2, 15, 0, tzinfo=CPH), "mandag den niende august klokken 10"),
    ],
)
def test_closed_transfer_says_the_next_opening(
    twilio: TwilioClient,
    clock: FixedClock,
    at: datetime,
    phrase: str,
    tmp_path: Path,
    make_app: Callable[..., Flask],
) -> None:
    clock.at = at
    said = spoken(press(summer_closure(twilio, tmp_path, make_app), "main", "0"))
    assert f"Sekretariatet har lukket og åbner igen {phrase}." in said


def summer_closure(twilio: TwilioClient, tmp_path: Path, make_app: Callable[..., Flask]) -> TwilioClient:
    """The shipped line with a summer closure, 5 July to 6 August 2027."""
    path = tmp_path / "content.toml"
    summer = '{ days = "2027-07-05..2027-08-06", reason = "sommerferie" },\n]'
    path.write_text(
        default_path().read_text(encoding="utf-8").replace("\n]", "\n" + summer, 1), encoding="utf-8"
    )
    return TwilioClient(make_app({"CONTENT_FILE": path}).test_client())


WHY = "I dag er det {}, så sekretariatet har lukket. Det åbner igen {} klokken 10."


@pytest.mark.parametrize(
    ("at", "said"),
    [
        (datetime(2026, 12, 24, 11, 0, tzinfo=CPH), WHY.format("juleaften", "på mandag")),
        (datetime(2026, 12, 24, 8, 0, tzinfo=CPH), WHY.format("juleaften", "på mandag")),
        (datetime(2027, 5, 6, 11, 0, tzinfo=CPH), WHY.format("Kristi himmelfartsdag", "i morgen")),
        (datetime(2027, 7, 14, 11, 0, tzinfo=CPH), WHY.format("sommerferie", "mandag den niende august")),
        (
            datetime(2027, 7, 17, 11, 0, tzinfo=CPH),
            "Sekretariatet har lukket og åbner igen mandag den niende august klokken 10.",
        ),
    ],
)
def test_a_closed_opening_day_says_why(
    twilio: TwilioClient,
    clock: FixedClock,
    at: datetime,
    said: str,
    tmp_path: Path,
    make_app: Callable[..., Flask],
) -> None:
    # The last is a Saturday in the closure: a weekend needs no reason.
    clock.at = at
    assert spoken(summer_closure(twilio, tmp_path, make_app).twiml("/voice"))[2] == said


@pytest.mark.parametrize("status", ["completed", "answered"])
def test_a_completed_transfer_says_goodbye(twilio: TwilioClient, content: Content, status: str) -> None:
    root = twilio.twiml("/voice/dial", {"DialCallStatus": status})
    assert verbs(root) == ["Say", "Hangup"]
    assert spoken(root) == [text(content, "goodbye")]


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed", "canceled", "", "weird"])
def test_a_failed_transfer_is_explained_and_returns_to_the_menu(
    twilio: TwilioClient, content: Content, status: str
) -> None:
    root = twilio.twiml("/voice/dial", {"DialCallStatus": status})
    assert spoken(root)[0] == text(content, "transfer_failed")
    assert action(root) == {"menu": "main", "tries": "0"}


@pytest.mark.parametrize(
    "form",
    [{"To": SECRETARIAT}, {"To": "97662400"}, {"To": "+45 97 66 24 00"}, {"ForwardedFrom": SECRETARIAT}],
)
def test_loop_guard_never_dials_the_secretariat_from_itself(
    twilio: TwilioClient, content: Content, form: dict[str, str]
) -> None:
    root = press(twilio, "main", "0", form=form)
    assert root.find("Dial") is None
    assert spoken(root)[0] == text(content, "transfer_loop")
    assert action(root) == {"menu": "main", "tries": "0"}


def test_fallback_apologises_and_offers_the_menu(twilio: TwilioClient, content: Content) -> None:
    root = twilio.twiml("/voice/fallback", {"ErrorCode": "11200"})
    assert spoken(root)[:2] == [text(content, "error"), text(content, "main_menu")]
    assert action(root) == {"menu": "main", "tries": "0"}


def test_configured_voice_and_timeouts(twilio: TwilioClient, app: Flask) -> None:
    settings = {**app.config, "VOICE": "Polly.Mads", "GATHER_TIMEOUT": 9, "DIAL_TIMEOUT": 20}
    other = create_app(settings, clock=clock_of(app))
    client = TwilioClient(other.test_client())
    root = client.twiml("/voice/key?menu=main&tries=0", {"Digits": "1"})
    assert {say.get("voice") for say in root.iter("Say")} == {"Polly.Mads"}
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("timeout") == "9"
    dial = client.twiml("/voice/key?menu=main&tries=0", {"Digits": "0"}).find("Dial")
    assert dial is not None
    assert dial.get("timeout") == "20"


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert body is not None
    assert body["status"] == "ok"
