"""The call flow on its own: replies as plain data, for every menu, key, turn, moment and dial outcome."""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ivr.line.callstate import Caller, CallState
from ivr.line.content import Content
from ivr.line.content_loader import default_path, load_content
from ivr.line.events import DIAL_FAILURES, Event
from ivr.line.flow import CALLBACK_MENUS, Asked, CallFlow, Moment, Reply
from ivr.line.keypad import KEYPAD
from ivr.line.understood import Understood
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
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MOBILE = "+4520304050"
CALLER = Caller(AT, MOBILE, "CA1")
LOOPED = Caller(AT, MOBILE, "CA1", looped=True)


class Desk:
    """A callback list that keeps what it was asked in memory: a number is new the first time only; `full`
    stands for the line's cap reached."""

    def __init__(self, *, full: bool = False) -> None:
        self.asked: list[tuple[str, str, datetime]] = []
        # Whether each request's number was keyed in (else the caller's own).
        self.keyed: list[bool] = []
        self.full = full

    def ask(
        self, line: str, number: str, now: datetime, *, call_sid: str | None = None, keyed: bool = False
    ) -> Asked:
        if self.full:
            return Asked.FULL
        new = all(number != seen for _, seen, _ in self.asked)
        self.asked.append((line, number, now))
        self.keyed.append(keyed)
        return Asked.NEW if new else Asked.ALREADY

    def seal(self, number: str) -> str:
        return number[::-1]

    def unseal(self, token: str) -> str | None:
        return token[::-1]


class Sender:
    """An SMS sender that reaches Danish mobiles and sends one per call."""

    def __init__(self, *, capped: bool = False) -> None:
        self.sent: list[tuple[str | None, str | None, str, datetime]] = []
        self.capped = capped

    def can_reach(self, number: str | None) -> bool:
        return number == MOBILE

    def send(self, call_sid: str | None, number: str | None, body: str, now: datetime, *, line: str) -> bool:
        if self.capped or any(sent[0] == call_sid for sent in self.sent):
            return False
        self.sent.append((call_sid, number, body, now))
        return True


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
    for menu, key, tries, moment, caller in itertools.product(
        menus, keys, range(3), (OPEN, CLOSED), (CALLER, LOOPED)
    ):
        replies.append(flow.key(CallState(menu, tries), key, moment, caller))
    replies += [
        flow.dial_result(CallState(), status, moment) for status in DIAL_STATUSES for moment in (OPEN, CLOSED)
    ]
    callbacks = CallFlow(SMS_CONTENT, max_tries=3, callbacks=Desk(), sms=Sender())
    for menu, key in itertools.product(sorted(CALLBACK_MENUS), ["", "1", "2", "#", "12345678", "9"]):
        replies.append(callbacks.key(CallState(menu), key, CLOSED, CALLER))
    # Asked twice for the same number: requested, then already on the list.
    replies += [callbacks.key(CallState("callback_confirm"), "1", CLOSED, CALLER) for _ in range(2)]
    # Asked while the line's list takes no more this hour.
    full = CallFlow(SMS_CONTENT, max_tries=3, callbacks=Desk(full=True))
    replies.append(full.key(CallState("callback_confirm"), "1", CLOSED, CALLER))
    # Asked twice in one call for the leaflet: sent, then not.
    replies += [callbacks.key(CallState(), "8", OPEN, CALLER) for _ in range(2)]
    # No to a question back; the secretariat's number.
    replies += [flow.key(CallState(confirm="5"), "2", OPEN, CALLER), flow.key(CallState(), "6", OPEN, CALLER)]
    heard = [
        Understood("matched", "5", 0.5),
        Understood("ask", "5", 0.5),
        Understood("nothing", None, 0.5),
        Understood("urgent", None, 0.5),
        Understood("unanswered", None, 0.5),
    ]
    replies += [flow.heard(CallState(), understood, OPEN, CALLER) for understood in heard]
    # A question a sentence of the content answers.
    asked = Understood("nothing", None, 0.0)
    replies.append(flow.heard(CallState(), asked, OPEN, CALLER, said="må jeg spise inden"))
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
    # Closed, the menu comes as soon as when open, and the notice after it.
    assert ids(closed) == ["welcome", "main_menu", "closed", *offers]
    assert closed.prompts[2].text == "Sekretariatet har lukket og åbner igen i morgen klokken 10."
    assert (closed.then, closed.state, closed.event) == ("gather", CallState(), Event.WELCOME)


def test_the_closed_notice_is_one_short_sentence_and_says_why_on_a_closed_weekday(flow: CallFlow) -> None:
    notice = flow.welcome(CLOSED).prompts[2]
    assert notice.text.count(".") == 1
    assert len(notice.text.split()) <= 12
    christmas = flow.welcome(CHRISTMAS_EVE).prompts[2]
    assert christmas.id == "closed_today"
    first, second = christmas.text.split(". ")
    assert first == "I dag er det juleaften, så sekretariatet har lukket"
    assert second == "Det åbner igen mandag den otteogtyvende december klokken 10."
    assert all(len(sentence.split()) <= 12 for sentence in (first, second))


def test_a_worked_out_sentence_is_made_of_fragments_that_say_it_all(flow: CallFlow, content: Content) -> None:
    notice = flow.welcome(CHRISTMAS_EVE).prompts[2]
    assert [part.text for part in notice.parts] == [
        "I dag er det", "juleaften", "så sekretariatet har lukket", "Det åbner igen",
        "mandag", "den otteogtyvende", "december", "klokken 10",
    ]  # fmt: skip
    # Every fragment a call can need is among those built.
    built = {prompt.id for prompt in content.audio_prompts()}
    assert {part.id for part in notice.parts} <= built


def test_a_section_key_reads_the_section_from_any_menu(flow: CallFlow, content: Content) -> None:
    for section, menu in itertools.product(content.sections, sorted(flow.menus)):
        reply = flow.key(CallState(menu, 2), section.key, OPEN, CALLER)
        assert reply.prompts == (
            section.prompt,
            content.prompt("section_menu"),
            content.prompt("transfer_offer"),
        )
        assert (reply.state, reply.event) == (CallState(section.key), Event.SECTION)


def test_the_section_menu_offers_the_secretariat_only_while_open(flow: CallFlow) -> None:
    assert ids(flow.key(CallState(), "3", OPEN, CALLER)) == ["section_3", "section_menu", "transfer_offer"]
    assert ids(flow.key(CallState(), "3", CLOSED, CALLER)) == ["section_3", "section_menu"]
    assert ids(flow.key(CallState("3"), "*", CLOSED, CALLER)) == ["section_3", "section_menu"]


def test_failed_turns_count_up_then_end_politely(flow: CallFlow, content: Content) -> None:
    first = flow.key(CallState("2"), "9", OPEN, CALLER)
    assert (first.event, first.state, first.then) == (Event.INVALID, CallState("2", 1), "gather")
    second = flow.key(first.state, "", OPEN, CALLER)
    assert (second.event, second.state.tries) == (Event.SILENCE, 2)
    last = flow.key(second.state, "", OPEN, CALLER)
    assert (last.event, last.then) == (Event.SILENCE_GOODBYE, "hangup")
    assert ids(last) == ["silence", "goodbye_failed"]
    # The caller leaves with the secretariat's number and hours.
    assert "syvoghalvfems, seksogtreds, fireogtyve, nul nul" in last.prompts[1].text
    assert "mandag til fredag klokken 10 til 14" in last.prompts[1].text


def test_transfer_dials_only_when_open_and_not_looped(flow: CallFlow) -> None:
    assert flow.key(CallState(), "0", OPEN, CALLER).then == "dial"
    assert flow.key(CallState(), "0", CLOSED, CALLER).event == Event.TRANSFER_CLOSED
    assert flow.key(CallState(), "0", OPEN, LOOPED).event == Event.TRANSFER_LOOP


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
    reply = flow.dial_result(CallState(), status, OPEN)
    assert reply.event == event
    assert reply.then == ("hangup" if event == Event.DIAL_COMPLETED else "gather")


def test_a_callback_is_put_on_the_list_by_the_flow_itself_in_one_step() -> None:
    desk = Desk()
    flow = CallFlow(SMS_CONTENT, max_tries=3, callbacks=desk)
    offered = flow.key(CallState(), "0", CLOSED, CALLER)
    assert offered.state.menu == "callback"
    read_back = flow.key(offered.state, "1", CLOSED, CALLER)
    assert (read_back.event, read_back.state.menu) == (Event.CALLBACK_NUMBER, "callback_confirm")
    done = flow.key(read_back.state, "1", CLOSED, CALLER)
    assert desk.asked == [(SMS_CONTENT.line.id, MOBILE, AT)]
    assert desk.keyed == [False]  # the number the caller rang from
    assert (done.event, done.state) == (Event.CALLBACK_REQUESTED, CallState())
    again = flow.key(read_back.state, "1", CLOSED, CALLER)
    assert again.event == Event.CALLBACK_ALREADY


def test_a_number_keyed_in_travels_sealed_and_is_the_one_put_on_the_list() -> None:
    desk = Desk()
    flow = CallFlow(SMS_CONTENT, max_tries=3, callbacks=desk)
    keying = flow.key(CallState("callback_confirm"), "2", CLOSED, CALLER)
    read_back = flow.key(keying.state, "87654321", CLOSED, CALLER)
    assert read_back.state.keyed == "+4587654321"
    assert read_back.private
    query = read_back.state.to_query(desk.seal)
    arrived = CallState.from_query(query, desk.unseal)
    assert arrived == read_back.state
    flow.key(arrived, "1", CLOSED, CALLER)
    assert [number for _, number, _ in desk.asked] == ["+4587654321"]
    assert desk.keyed == [True]


def test_a_full_list_says_so_and_when_to_call_instead() -> None:
    flow = CallFlow(SMS_CONTENT, max_tries=3, callbacks=Desk(full=True))
    read_back = flow.key(CallState("callback"), "1", CLOSED, CALLER)
    refused = flow.key(read_back.state, "1", CLOSED, CALLER)
    assert (refused.event, refused.state.menu) == (Event.CALLBACK_FULL, "main")
    said = refused.prompts[0]
    assert said.text.startswith("Listen over opringninger er desværre fuld")
    assert "i morgen" in said.text
    assert "klokken 10" in said.text


@pytest.mark.parametrize(
    ("keyed", "why"),
    [
        ("97662400", "the secretariat's own number"),
        ("90123456", "a premium-rate number"),
        ("11211211", "a service number"),
        ("01234567", "not a subscriber's"),
        ("4512345", "too short"),
    ],
)
def test_a_number_the_secretariat_may_not_ring_is_refused_when_keyed_in(keyed: str, why: str) -> None:
    desk = Desk()
    flow = CallFlow(SMS_CONTENT, max_tries=3, callbacks=desk)
    refused = flow.key(CallState("callback_number"), keyed, CLOSED, CALLER)
    assert (refused.event, refused.state.menu) == (Event.INVALID, "callback_number")
    assert refused.state.keyed is None
    assert refused.prompts[0] == SMS_CONTENT.prompt("callback_bad_number"), why
    assert desk.asked == []


def test_a_number_another_line_answers_or_puts_through_to_is_never_rung_nor_texted() -> None:
    desk, sender = Desk(), Sender()
    flow = CallFlow(SMS_CONTENT, max_tries=3, callbacks=desk, sms=sender, never=frozenset({MOBILE}))
    # The caller's own number is one of them: straight to keying another in, and no SMS offered or sent.
    offered = flow.key(CallState("callback"), "1", CLOSED, CALLER)
    assert (offered.event, offered.state.menu) == (Event.CALLBACK_NUMBER, "callback_number")
    refused = flow.key(offered.state, MOBILE.removeprefix("+45"), CLOSED, CALLER)
    assert refused.event == Event.INVALID
    assert SMS_CONTENT.prompt("sms_offer") not in flow.welcome(OPEN, CALLER).prompts
    assert flow.key(CallState(), "8", OPEN, CALLER).event == Event.SMS_NOT_SENT
    assert (desk.asked, sender.sent) == ([], [])


def test_an_sms_past_the_lines_cap_is_not_sent_and_the_caller_is_told() -> None:
    flow = CallFlow(SMS_CONTENT, max_tries=3, sms=Sender(capped=True))
    refused = flow.key(CallState("2"), "8", OPEN, CALLER)
    assert (refused.event, refused.state.texted, refused.state.menu) == (Event.SMS_NOT_SENT, False, "2")
    assert refused.prompts[0] == SMS_CONTENT.prompt("sms_not_sent")


def test_the_leaflet_goes_by_sms_once_and_no_menu_offers_it_after() -> None:
    sender = Sender()
    flow = CallFlow(SMS_CONTENT, max_tries=3, sms=sender)
    offer = SMS_CONTENT.prompt("sms_offer")
    assert offer in flow.key(CallState(), "*", OPEN, CALLER).prompts
    assert offer not in flow.key(CallState(), "*", OPEN, Caller(AT, "+4597662400")).prompts  # not a mobile
    sent = flow.key(CallState("2"), "8", OPEN, CALLER)
    assert (sent.event, sent.state.texted, sent.state.menu) == (Event.SMS_SENT, True, "2")
    assert sender.sent == [("CA1", MOBILE, SMS_CONTENT.sms_text(), AT)]
    later = flow.key(sent.state, "*", OPEN, CALLER)
    assert later.state.texted
    assert offer not in later.prompts
    spoken = flow.heard(CallState(), Understood("matched", "8", 0.9), OPEN, Caller(AT, MOBILE, "CA2"))
    assert (spoken.event, spoken.spoken_key) == (Event.SMS_SENT, "8")


@pytest.mark.parametrize(
    "state",
    [
        CallState(),
        CallState("3", 2, slow=True),
        CallState("main", 1, confirm="5", texted=True),
        CallState("callback_confirm", 0, keyed="+4587654321"),
    ],
)
def test_the_call_state_survives_its_url(state: CallState) -> None:
    desk = Desk()
    assert CallState.from_query(state.to_query(desk.seal), desk.unseal) == state


@pytest.mark.parametrize("tries", ["-1", "²", "100", "", "x"])
def test_an_odd_count_of_tries_reads_as_none(tries: str) -> None:
    assert CallState.from_query({"menu": "2", "tries": tries}).tries == 0


def test_a_keyed_number_never_travels_bare() -> None:
    state = CallState("callback_confirm", keyed="+4587654321")
    assert "cb" not in state.to_query()
    assert all("87654321" not in value for value in state.to_query(Desk().seal).values())


# What real callers say and need (issue 26).


@pytest.mark.parametrize("menu", ["main", "3", "callback", "callback_confirm"])
def test_an_urgent_word_says_1_1_2_whole_then_the_advice_then_the_menu(menu: str) -> None:
    flow = CallFlow(SMS_CONTENT, max_tries=3, callbacks=Desk())
    reply = flow.heard(CallState(menu, 2), Understood("urgent", None, 1.0), CLOSED, CALLER)
    assert ids(reply)[:2] == ["urgent", "after_problems"]
    assert reply.uninterrupted == 1
    assert reply.event == Event.URGENT
    # Not a failed turn, and back where a menu is: a callback menu's own prompt is never its answer.
    back = menu if menu in {"main", "3"} else "main"
    assert (reply.state.menu, reply.state.tries, reply.then) == (back, 0, "gather")


def test_the_welcome_is_said_before_anything_can_cut_it_off(flow: CallFlow) -> None:
    for moment in (OPEN, CLOSED, CHRISTMAS_EVE):
        reply = flow.welcome(moment)
        assert reply.uninterrupted == 1
        assert "1-1-2" in reply.prompts[0].text


def test_a_question_the_leaflet_does_not_answer_is_said_so_never_a_section(flow: CallFlow) -> None:
    reply = flow.heard(CallState("4", 1), Understood("unanswered", None, 1.0), OPEN, CALLER)
    assert ids(reply) == ["not_in_leaflet", "section_menu", "transfer_offer"]
    assert (reply.event, reply.state) == (Event.NOT_IN_LEAFLET, CallState("4"))
    closed = flow.heard(CallState(), Understood("unanswered", None, 1.0), CLOSED, CALLER)
    assert ids(closed) == ["not_in_leaflet", "closed", "main_menu"]


def test_the_question_back_is_the_sections_own_and_yes_or_no_answers_it(
    flow: CallFlow, content: Content
) -> None:
    asked = flow.heard(CallState("2", 1), Understood("ask", "5", 0.6), OPEN, CALLER)
    assert asked.prompts[0].text == "Vil du høre om komplikationer? Tryk 1 for ja, eller 2 for nej."
    assert asked.state == CallState("2", 1, confirm="5")
    said_yes = flow.heard(asked.state, Understood("nothing", None, 0.0), OPEN, CALLER, yes=True)
    assert (said_yes.event, said_yes.state) == (Event.SECTION, CallState("5"))
    for no in (
        flow.key(asked.state, "2", OPEN, CALLER),
        flow.heard(asked.state, Understood("nothing", None, 0.0), OPEN, CALLER, no=True),
    ):
        # Back to the menu's own prompt; the one failed turn before stays one.
        assert (no.event, no.state) == (Event.CONFIRM_NO, CallState("2", 1))
        assert ids(no) == ["section_menu", "transfer_offer"]
    # Each choice is asked about in its own words.
    questions = [content.confirm(key).text for key in ("1", "0", "*")]
    assert questions == [
        "Vil du høre, hvad en rodblokade er? Tryk 1 for ja, eller 2 for nej.",
        "Vil du tale med sekretariatet? Tryk 1 for ja, eller 2 for nej.",
        "Vil du høre det igen? Tryk 1 for ja, eller 2 for nej.",
    ]


def test_hvad_after_a_question_back_asks_it_again(flow: CallFlow) -> None:
    asked = CallState("main", 0, confirm="5")
    again = flow.heard(asked, Understood("matched", "*", 1.0), OPEN, CALLER)
    assert (again.event, again.state) == (Event.SPEECH_ASK, asked)


def test_silence_after_the_read_back_reads_the_number_again_until_the_last_try() -> None:
    flow = CallFlow(SMS_CONTENT, max_tries=3, callbacks=Desk())
    keyed = CallState("callback_confirm", keyed="+4587654321")
    first = flow.key(keyed, "", CLOSED, CALLER)
    assert ids(first) == ["silence", "callback_confirm"]
    assert "syvogfirs, femogtreds, treogfyrre, enogtyve" in first.prompts[1].text
    assert (first.event, first.state) == (Event.SILENCE, replace(keyed, tries=1))
    second = flow.key(first.state, "", CLOSED, CALLER)
    assert second.state == replace(keyed, tries=2)
    last = flow.key(second.state, "", CLOSED, CALLER)
    assert (last.event, last.then) == (Event.SILENCE_GOODBYE, "hangup")
    # The caller's own number is read back again as well, and 1 still puts it on the list.
    own = flow.key(CallState("callback_confirm"), "", CLOSED, CALLER)
    assert "tyve, tredive, fyrre, halvtreds" in own.prompts[1].text
    assert flow.key(own.state, "1", CLOSED, CALLER).event == Event.CALLBACK_REQUESTED


@pytest.mark.parametrize("status", ["busy", "no-answer"])
def test_a_busy_secretariat_in_opening_hours_offers_the_callback(status: str) -> None:
    desk = Desk()
    flow = CallFlow(SMS_CONTENT, max_tries=3, callbacks=desk)
    reply = flow.dial_result(CallState(), status, OPEN, CALLER)
    assert ids(reply) == ["transfer_failed", "callback_offer_now"]
    assert reply.state.menu == "callback"
    read = flow.key(reply.state, "1", OPEN, CALLER)
    done = flow.key(read.state, "1", OPEN, CALLER)
    assert done.event == Event.CALLBACK_REQUESTED
    assert done.prompts[0].text == "Tak. Sekretariatet ringer dig op så snart det kan."
    assert [number for _, number, _ in desk.asked] == [MOBILE]
    # Without a callback list, or when the secretariat has closed meanwhile, the main menu as before.
    assert (
        CallFlow(SMS_CONTENT, max_tries=3).dial_result(CallState(), status, OPEN, CALLER).state.menu == "main"
    )
    assert flow.dial_result(CallState(), status, CLOSED, CALLER).state.menu == "main"


def test_the_secretariats_number_is_said_slowly_on_its_own_key(flow: CallFlow, content: Content) -> None:
    reply = flow.key(CallState("3"), content.keys.number or "", OPEN, CALLER)
    said = reply.prompts[0]
    assert (said.id, said.slow) == ("secretariat_number_slow", True)
    assert said.text.count("syvoghalvfems, seksogtreds, fireogtyve, nul nul") == 2
    assert (reply.event, reply.state) == (Event.SECRETARIAT_NUMBER, CallState("3"))
