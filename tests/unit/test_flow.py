"""The call flow on its own: replies as plain data, for every menu, key, turn, moment and dial outcome."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest

from ivr.line.content import Content
from ivr.line.content_loader import default_path, load_content
from ivr.line.flow import CALLBACK_MENUS, DIAL_FAILURES, MAIN, CallFlow, Event, Moment, Reply
from ivr.line.keypad import KEYPAD
from ivr.line.understanding import Understood
from ivr.stats.report import EVENT_LABELS
from tests.support import with_sms

OPEN = Moment(open=True, next_opening=("i morgen", "klokken 10"))
CLOSED = Moment(open=False, next_opening=("i morgen", "klokken 10"))
CHRISTMAS_EVE = Moment(
    open=False,
    next_opening=("mandag", "den otteogtyvende", "december", "klokken 10"),
    closed_today="juleaften",
)
DIAL_STATUSES = ["completed", "answered", *DIAL_FAILURES, "odd", None]


def _sms_content() -> Content:
    path = Path(tempfile.mkdtemp()) / "rodblokade.toml"
    path.write_text(with_sms(default_path().read_text(encoding="utf-8")), encoding="utf-8")
    return load_content(path)


SMS_CONTENT = _sms_content()


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(None)


@pytest.fixture(scope="module")
def flow(content: Content) -> CallFlow:
    return CallFlow(content, max_tries=3)


def ids(reply: Reply) -> list[str]:
    return [prompt.id for prompt in reply.prompts]


def every_reply(flow: CallFlow) -> list[Reply]:
    """Ask the flow everything a call can ask it: each menu, key, turn count, moment and dial outcome."""
    replies = [flow.welcome(OPEN), flow.welcome(CLOSED), flow.error(OPEN), flow.error(CLOSED)]
    menus = sorted(flow.menus)
    keys = ["", *sorted(KEYPAD), "12", "x"]
    for menu, key, tries, moment, looped in itertools.product(menus, keys, range(3), (OPEN, CLOSED), (0, 1)):
        replies.append(flow.key(menu, tries, key, moment, bool(looped)))
    replies += [flow.dial_result(status, moment) for status in DIAL_STATUSES for moment in (OPEN, CLOSED)]
    callbacks = CallFlow(SMS_CONTENT, max_tries=3, callbacks=True, sms=True)
    for menu, key in itertools.product(sorted(CALLBACK_MENUS), ["", "1", "2", "#", "12345678", "9"]):
        replies.append(callbacks.key(menu, 0, key, CLOSED, False, caller="+4520304050"))
    replies += [callbacks.callback_stored(new, CLOSED) for new in (True, False)]
    replies += [callbacks.sms_result(sent, MAIN, OPEN) for sent in (True, False)]
    replies.append(callbacks.key(MAIN, 0, "8", OPEN, False))
    for outcome, key in [("matched", "5"), ("ask", "5"), ("nothing", None)]:
        replies.append(flow.heard(MAIN, 0, Understood(outcome, key, 0.5), OPEN, False))  # type: ignore[arg-type]
    return replies


def test_every_event_the_flow_makes_has_words_for_staff(flow: CallFlow) -> None:
    made = {reply.event for reply in every_reply(flow)}
    assert all(isinstance(event, Event) for event in made)
    # Every event is made somewhere, and staff have words for each, so renaming one cannot zero a count.
    assert made == set(Event)
    assert set(EVENT_LABELS) == set(Event)


def test_welcome_offers_the_secretariat_only_when_open(flow: CallFlow) -> None:
    offers = ["speech_offer", "slower_offer"]  # said once, in the welcome only
    assert ids(flow.welcome(OPEN)) == ["welcome", "main_menu", "transfer_offer", *offers]
    closed = flow.welcome(CLOSED)
    assert ids(closed) == ["welcome", "closed", "main_menu", *offers]
    assert closed.prompts[1].text == "Sekretariatet har lukket og åbner igen i morgen klokken 10."
    assert (closed.then, closed.menu, closed.tries, closed.event) == ("gather", MAIN, 0, Event.WELCOME)


def test_the_closed_notice_is_one_short_sentence_and_says_why_on_a_closed_weekday(flow: CallFlow) -> None:
    notice = flow.welcome(CLOSED).prompts[1]
    assert notice.text.count(".") == 1
    assert len(notice.text.split()) <= 12
    christmas = flow.welcome(CHRISTMAS_EVE).prompts[1]
    assert christmas.id == "closed_today"
    first, second = christmas.text.split(". ")
    assert first == "I dag er det juleaften, så sekretariatet har lukket"
    assert second == "Det åbner igen mandag den otteogtyvende december klokken 10."
    assert all(len(sentence.split()) <= 12 for sentence in (first, second))


def test_a_worked_out_sentence_is_made_of_fragments_that_say_it_all(flow: CallFlow, content: Content) -> None:
    notice = flow.welcome(CHRISTMAS_EVE).prompts[1]
    assert [part.text for part in notice.parts] == [
        "I dag er det", "juleaften", "så sekretariatet har lukket", "Det åbner igen",
        "mandag", "den otteogtyvende", "december", "klokken 10",
    ]  # fmt: skip
    # Every fragment a call can need is among those built.
    built = {prompt.id for prompt in content.audio_prompts()}
    assert {part.id for part in notice.parts} <= built


def test_a_section_key_reads_the_section_from_any_menu(flow: CallFlow, content: Content) -> None:
    for section, menu in itertools.product(content.sections, sorted(flow.menus)):
        reply = flow.key(menu, 2, section.key, OPEN, looped=False)
        assert reply.prompts == (
            section.prompt,
            content.prompt("section_menu"),
            content.prompt("transfer_offer"),
        )
        assert (reply.menu, reply.tries, reply.event) == (section.key, 0, Event.SECTION)


def test_the_section_menu_offers_the_secretariat_only_while_open(flow: CallFlow) -> None:
    assert ids(flow.key(MAIN, 0, "3", OPEN, looped=False)) == ["section_3", "section_menu", "transfer_offer"]
    assert ids(flow.key(MAIN, 0, "3", CLOSED, looped=False)) == ["section_3", "section_menu"]
    assert ids(flow.key("3", 0, "*", CLOSED, looped=False)) == ["section_3", "section_menu"]


def test_failed_turns_count_up_then_end_politely(flow: CallFlow, content: Content) -> None:
    first = flow.key("2", 0, "9", OPEN, looped=False)
    assert (first.event, first.tries, first.menu, first.then) == (Event.INVALID, 1, "2", "gather")
    second = flow.key("2", 1, "", OPEN, looped=False)
    assert (second.event, second.tries) == (Event.SILENCE, 2)
    last = flow.key("2", 2, "", OPEN, looped=False)
    assert (last.event, last.then) == (Event.SILENCE_GOODBYE, "hangup")
    assert ids(last) == ["silence", "goodbye_failed"]
    # The caller leaves with the secretariat's number and hours.
    assert "syvoghalvfems, seksogtreds, fireogtyve, nul nul" in last.prompts[1].text
    assert "mandag til fredag klokken 10 til 14" in last.prompts[1].text


def test_transfer_dials_only_when_open_and_not_looped(flow: CallFlow) -> None:
    assert flow.key(MAIN, 0, "0", OPEN, looped=False).then == "dial"
    assert flow.key(MAIN, 0, "0", CLOSED, looped=False).event == Event.TRANSFER_CLOSED
    assert flow.key(MAIN, 0, "0", OPEN, looped=True).event == Event.TRANSFER_LOOP


@pytest.mark.parametrize(
    ("status", "event"),
    [
        ("completed", Event.DIAL_COMPLETED),
        ("answered", Event.DIAL_COMPLETED),
        ("no-answer", Event.DIAL_NO_ANSWER),
        ("busy", Event.DIAL_BUSY),
        ("odd", Event.DIAL_FAILED),
        (None, Event.DIAL_FAILED),
    ],
)
def test_dial_outcomes(flow: CallFlow, status: str | None, event: Event) -> None:
    reply = flow.dial_result(status, OPEN)
    assert reply.event == event
    assert reply.then == ("hangup" if event == Event.DIAL_COMPLETED else "gather")
