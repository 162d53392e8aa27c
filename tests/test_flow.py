"""The call flow on its own: replies as plain data, for every menu, key, turn, moment and dial outcome."""

from __future__ import annotations

import itertools

import pytest

from ivr.line.content import Content, load_content
from ivr.line.flow import DIAL_FAILURES, MAIN, CallFlow, Event, Moment, Reply
from ivr.line.keypad import KEYPAD
from ivr.stats.report import EVENT_LABELS

OPEN = Moment(open=True, next_opening="i dag klokken 10")
CLOSED = Moment(open=False, next_opening="i morgen klokken 10")
DIAL_STATUSES = ["completed", "answered", *DIAL_FAILURES, "odd", None]


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
    return replies


def test_every_event_the_flow_makes_has_words_for_staff(flow: CallFlow) -> None:
    made = {reply.event for reply in every_reply(flow)}
    assert all(isinstance(event, Event) for event in made)
    # Every event is made somewhere, and staff have words for each, so renaming one cannot zero a count.
    assert made == set(Event)
    assert set(EVENT_LABELS) == set(Event)


def test_welcome_offers_the_secretariat_only_when_open(flow: CallFlow) -> None:
    assert ids(flow.welcome(OPEN)) == ["welcome", "main_menu", "transfer_offer"]
    closed = flow.welcome(CLOSED)
    assert ids(closed)[:2] == ["welcome", "closed"]
    assert CLOSED.next_opening in closed.prompts[2].text
    assert "transfer_offer" not in ids(closed)
    assert (closed.then, closed.menu, closed.tries, closed.event) == ("gather", MAIN, 0, Event.WELCOME)


def test_a_section_key_reads_the_section_from_any_menu(flow: CallFlow, content: Content) -> None:
    for section, menu in itertools.product(content.sections, sorted(flow.menus)):
        reply = flow.key(menu, 2, section.key, OPEN, looped=False)
        assert reply.prompts == (section.prompt, content.prompt("section_menu"))
        assert (reply.menu, reply.tries, reply.event) == (section.key, 0, Event.SECTION)


def test_failed_turns_count_up_then_end_politely(flow: CallFlow, content: Content) -> None:
    first = flow.key("2", 0, "9", OPEN, looped=False)
    assert (first.event, first.tries, first.menu, first.then) == (Event.INVALID, 1, "2", "gather")
    second = flow.key("2", 1, "", OPEN, looped=False)
    assert (second.event, second.tries) == (Event.SILENCE, 2)
    last = flow.key("2", 2, "", OPEN, looped=False)
    assert (last.event, last.then) == (Event.SILENCE_GOODBYE, "hangup")
    assert ids(last) == ["silence", "goodbye"]


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
