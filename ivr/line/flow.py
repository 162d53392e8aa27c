"""The call flow: what the line does after each key, silence or transfer, as plain data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Literal, Protocol

from ivr.line import spoken
from ivr.line.answering import answering
from ivr.line.answers import Answers
from ivr.line.answers_sentences import Answer
from ivr.line.callstate import MAIN, START, Caller, CallState
from ivr.line.content import Content, Prompt
from ivr.line.events import DIAL_FAILURES, GOODBYE, Event
from ivr.line.phonenumbers import DANISH_DIGITS, callable_number
from ivr.line.understood import Understood

__all__ = ["MAIN", "Asked", "CallFlow", "CallbackList", "LeafletSender", "Moment", "Reply"]
# The menus of a callback request: the offer after the closed notice, the number read back, keying one in.
CALLBACK, CALLBACK_CONFIRM, CALLBACK_NUMBER = "callback", "callback_confirm", "callback_number"
CALLBACK_MENUS = frozenset({CALLBACK, CALLBACK_CONFIRM, CALLBACK_NUMBER})
# The keys that say yes and no when the line asks back what a caller said.
YES_KEY, NO_KEY = "1", "2"
# Statuses Twilio reports for <Dial> that mean the secretariat talked to the caller.
CONNECTED = frozenset({"completed", "answered"})


class Asked(StrEnum):
    """What became of a callback request."""

    # On the list now.
    NEW = "new"
    # Waiting there already, or this call has put a number on the list already (one per call).
    ALREADY = "already"
    # The line's list takes no more new requests this hour (IVR_CALLBACKS_PER_HOUR).
    FULL = "full"


class CallbackList(Protocol):
    """The callback list as the flow uses it (`ivr.callbacks.desk.CallbackDesk`)."""

    def ask(
        self, line: str, number: str, now: datetime, *, call_sid: str | None = None, keyed: bool = False
    ) -> Asked: ...

    def seal(self, number: str) -> str: ...

    def unseal(self, token: str) -> str | None: ...


class LeafletSender(Protocol):
    """The leaflet by SMS as the flow uses it (`ivr.sms.service.LeafletSms`): `send` only queues it."""

    def can_reach(self, number: str | None) -> bool: ...

    def send(self, call_sid: str | None, number: str | None, body: str, now: datetime, *, line: str) -> bool:
        """Queue the SMS; False when it may not go (a cap, the call's or the number's limit)."""
        ...


@dataclass(frozen=True)
class Moment:
    """What the flow needs to know about the clock: open now, the next opening as phrases, why today is
    closed when it is an opening day closed all day (a holiday's name, the clinic's reason), and why staff
    closed the secretariat now (`ivr closed`)."""

    open: bool
    next_opening: tuple[str, ...]
    closed_today: str | None = None
    closed_for: str | None = None


@dataclass(frozen=True)
class Reply:
    """One answer to Twilio: prompts to speak, then wait for a key, dial or hang up, and the call's state."""

    prompts: tuple[Prompt, ...]
    then: Literal["gather", "dial", "hangup"]
    event: Event
    # What the next request's URL carries: the menu, failed turns, pace, a question back, the SMS sent.
    state: CallState = START
    # The choice came by speech: the key it stands for (counted as the key, never the words said).
    spoken_key: str | None = None
    # Keys the <Gather> waits for: 1, or a whole number keyed in.
    digits: int = 1
    # How many of the first prompts are said before the caller can cut them off (the 1-1-2 sentence).
    uninterrupted: int = 0

    @property
    def listens(self) -> bool:
        """Tell whether the <Gather> may take speech as well as keys: in a menu of one key, but never in the
        callback's, where only a key may put a number on the list (no stray words taken for a yes)."""
        return self.digits == 1 and self.state.menu not in CALLBACK_MENUS

    @property
    def private(self) -> bool:
        """Tell whether the reply holds a caller's own data: never kept in a cache of documents."""
        return self.state.keyed is not None or any(prompt.private for prompt in self.prompts)


class CallFlow:
    """Decides each reply from the call's state, the moment and the key pressed or the words said.

    Each step of a call is one call into the flow: it asks the callback list and the SMS sender itself.
    """

    def __init__(
        self,
        content: Content,
        max_tries: int,
        *,
        callbacks: CallbackList | None = None,
        sms: LeafletSender | None = None,
        never: frozenset[str] = frozenset(),
    ) -> None:
        self.content = content
        # Numbers never called back or texted: the secretariat's, the line's own and `never` (every number
        # the deployment's lines answer or put callers through to).
        self.never = never | {content.number, *content.line.numbers}
        self.max_tries = max_tries
        # Callback requests are taken where the content has their texts and the deployment a key for them.
        self.callbacks = callbacks if content.offers_callbacks else None
        # The leaflet by SMS, where the content has its link and the deployment can send.
        self.sms = sms if content.sends_sms else None
        self.menus = {MAIN, *(section.key for section in content.sections)}
        if self.callbacks is not None:
            self.menus |= CALLBACK_MENUS
        # Every key that does something: the only ones the line may ask back about.
        keys = content.keys
        actions = (keys.transfer, keys.repeat, keys.main_menu, keys.slower, keys.sms, keys.number)
        self.keys_known = self.menus - {MAIN} | {key for key in actions if key is not None}
        # The sentences a question may be answered with, ranked once per line (where the line listens).
        self.answers = Answers(content) if content.understands_speech else None
        # One prompt per next opening and reason, so a closed line's replies hit the renderer's cache without
        # formatting and hashing a new text each time.
        self._closed = lru_cache(maxsize=16)(content.closed)
        # The welcome is every call's first step and the same for every caller at a moment: made once.
        self._welcome = lru_cache(maxsize=16)(self._welcome_reply)

    def unseal(self, token: str) -> str | None:
        """A keyed-in number from its sealed form in a URL (None when it cannot be read, or no list)."""
        return self.callbacks.unseal(token) if self.callbacks is not None else None

    def welcome(self, moment: Moment, caller: Caller | None = None) -> Reply:
        """Greet a new caller, tell the truth about the secretariat in one short notice, offer the menu.

        Only here, once, the line says that callers may speak and that it can speak more slowly, and offers
        the SMS to a caller it can reach (a Danish mobile number, not withheld).
        """
        return self._welcome(moment, caller is not None and self._reaches(caller))

    def _welcome_reply(self, moment: Moment, sms: bool) -> Reply:
        # The welcome (with its 1-1-2 sentence) is said whole; a closed line's notice comes after the menu, so
        # a caller hears "tryk 1" as soon on a holiday evening as at noon.
        reply = self._menu(START, moment, (self.content.prompt("welcome"),), Event.WELCOME)
        closed = self._closed_notice(moment)
        names = ("speech_offer", "slower_offer", *(("sms_offer",) if sms else ()))
        offers = [self.content.prompts[name] for name in names if name in self.content.prompts]
        return replace(reply, prompts=(*reply.prompts, *closed, *offers), uninterrupted=1)

    def key(self, state: CallState, digits: str | None, moment: Moment, caller: Caller) -> Reply:
        """Answer a key press (or silence, when `digits` is empty) in the caller's menu.

        After the line asked back ("Vil du høre om komplikationer? Tryk 1 for ja, eller 2 for nej"), 1 is
        yes to that choice and 2 is no; any other key is itself. In a callback menu, the caller's number or
        one keyed in before goes on the list.
        """
        return self._offering_sms(self._key(state, digits, moment, caller), caller)

    def heard(
        self,
        state: CallState,
        understood: Understood,
        moment: Moment,
        caller: Caller,
        *,
        yes: bool = False,
        no: bool = False,
        said: str = "",
    ) -> Reply:
        """Answer what the caller said: an urgent word at once, the choice it matched, a question back when
        unsure, a word that the leaflet does not say it, or a failed turn.

        After a question back, a spoken yes (`yes`) chooses what was asked about, and a no (`no`) goes back.
        A question (`said`) that a sentence of the content surely answers is answered by it (`answers.py`).
        """
        if state.confirm is not None and (yes or no) and state.confirm in self.keys_known:
            return self._offering_sms(self._key(state, YES_KEY if yes else NO_KEY, moment, caller), caller)
        if state.menu in CALLBACK_MENUS and understood.outcome != "urgent":
            # Those menus listen for keys only (Reply.listens); words there are not taken for any choice.
            understood = Understood("nothing", None, 0.0)
        repeat = self.content.keys.repeat
        if state.confirm is not None and understood.key == repeat and understood.outcome == "matched":
            # "Hvad?" after a question back: the question again, not the menu.
            understood = Understood("ask", state.confirm, understood.score)
        answer = answering(self.answers, said, understood) if state.menu not in CALLBACK_MENUS else None
        if understood.outcome == "urgent":
            reply = self._urgent(state, moment)
        elif answer is not None:
            reply = self._answered(answer, state, moment)
        elif understood.outcome == "unanswered":
            # "... Det kan sekretariatet svare på": and when it opens, while it is closed.
            lead = (self.content.prompt("not_in_leaflet"), *self._closed_notice(moment))
            reply = self._menu(state.into(self._back_to(state)), moment, lead, Event.NOT_IN_LEAFLET)
        elif understood.outcome == "matched" and understood.key is not None:
            reply = self._key(replace(state, confirm=None), understood.key, moment, caller)
        elif understood.outcome == "ask" and understood.key in self.keys_known:
            assert understood.key is not None
            asked = self.content.confirm(understood.key)
            reply = Reply((asked,), "gather", Event.SPEECH_ASK, replace(state, confirm=understood.key))
        else:
            where = state if state.menu in self.menus else state.into(MAIN, state.tries)
            reply = self._failed(where, moment, Event.INVALID, said="not_understood")
        spoken_key = (
            answer.section.key if answer else understood.key if understood.outcome == "matched" else None
        )
        return self._offering_sms(replace(reply, spoken_key=spoken_key), caller)

    def dial_result(
        self, state: CallState, status: str | None, moment: Moment, caller: Caller | None = None
    ) -> Reply:
        """After the transfer: goodbye when the secretariat answered, else say so kindly and go on."""
        if status in CONNECTED:
            return Reply((self.content.prompt("goodbye"),), "hangup", Event.DIAL_COMPLETED, state.into(MAIN))
        lead = (self.content.prompt("transfer_failed"),)
        event = DIAL_FAILURES.get(status or "", Event.DIAL_FAILED)
        # Busy or unanswered while open: the caller may leave their number rather than ring again.
        offer = self.callbacks is not None and moment.open and "callback_offer_now" in self.content.prompts
        return self._offering_sms(
            self._menu(state.into(CALLBACK if offer else MAIN), moment, lead, event), caller
        )

    def error(self, moment: Moment, state: CallState = START, caller: Caller | None = None) -> Reply:
        """Apologise calmly for a fault on our side and offer the main menu again."""
        reply = self._menu(state.into(MAIN), moment, (self.content.prompt("error"),), Event.ERROR)
        return self._offering_sms(reply, caller)

    def transfer(self, moment: Moment, looped: bool, state: CallState = START) -> Reply:
        """Put the caller through when open; otherwise say why not and go back to the main menu."""
        if looped:
            lead = (self.content.prompt("transfer_loop"),)
            return self._menu(state.into(MAIN), moment, lead, Event.TRANSFER_LOOP)
        if not moment.open:
            lead = (self._closed(moment.next_opening, moment.closed_today, moment.closed_for),)
            menu = CALLBACK if self.callbacks is not None else MAIN
            return self._menu(state.into(menu), moment, lead, Event.TRANSFER_CLOSED)
        return Reply((self.content.prompt("transfer"),), "dial", Event.TRANSFER_OPEN, state.into(MAIN))

    def _key(self, state: CallState, digits: str | None, moment: Moment, caller: Caller) -> Reply:
        if state.menu not in self.menus:
            state = replace(state, menu=MAIN)
        if state.menu in CALLBACK_MENUS:
            answer = self._callback(state, digits, moment, caller)
            if answer is not None:
                return answer
            # Another key than the callback's: the main menu's meaning (a wrong one counts as another try).
            state = replace(state, menu=MAIN, keyed=None)
        keys = self.content.keys
        if state.confirm is not None and state.confirm in self.keys_known and digits in (YES_KEY, NO_KEY):
            if digits == NO_KEY:
                # No is an answer, not a failed turn: back to the menu's own prompt.
                back = state.into(state.menu, state.tries)
                return self._menu(back, moment, (), Event.CONFIRM_NO)
            digits = state.confirm
        state = replace(state, confirm=None)
        if not digits:
            return self._failed(state, moment, Event.SILENCE)
        section = self.content.section(digits)
        if section is not None:
            return self._section(state.into(section.key), moment, Event.SECTION)
        actions: dict[str | None, Callable[[], Reply]] = {
            keys.repeat: lambda: self._repeat(state, moment),
            keys.main_menu: lambda: self._menu(state.into(MAIN), moment, (), Event.MAIN_MENU),
            keys.transfer: lambda: self.transfer(moment, caller.looped, state),
            keys.slower: lambda: self._slower(state, moment),
            keys.number: lambda: self._number(state, moment),
        }
        if self.sms is not None:
            actions[keys.sms] = lambda: self._send_sms(state, moment, caller)
        actions.pop(None, None)
        if digits in actions:
            return actions[digits]()
        return self._failed(state, moment, Event.INVALID)

    def _answered(self, answer: Answer, state: CallState, moment: Moment) -> Reply:
        """The sentences that answer, the offer of their whole section, then that section's menu."""
        return self._menu(state.into(answer.section.key), moment, answer.prompts, Event.ANSWERED)

    def _urgent(self, state: CallState, moment: Moment) -> Reply:
        """An urgent word: the 1-1-2 sentence said whole, then the clinic's advice, then the menu again."""
        said = (self.content.prompt("urgent"), self.content.prompt("after_problems"))
        reply = self._menu(state.into(self._back_to(state)), moment, said, Event.URGENT)
        return replace(reply, uninterrupted=1)

    def _back_to(self, state: CallState) -> str:
        """The menu a caller returns to after a word that chose no key: theirs, or the main menu."""
        return state.menu if state.menu in self.menus and state.menu not in CALLBACK_MENUS else MAIN

    def _number(self, state: CallState, moment: Moment) -> Reply:
        """The secretariat's number on its own, slowly, then the menu the caller was in."""
        said = (self.content.secretariat_number(),)
        return self._menu(state.into(state.menu), moment, said, Event.SECRETARIAT_NUMBER)

    def _slower(self, state: CallState, moment: Moment) -> Reply:
        """Toggle slower speech: said at the new pace, then the menu the caller was in."""
        said = self.content.prompt("slower_off" if state.slow else "slower_on")
        return self._menu(state.into(state.menu).paced(not state.slow), moment, (said,), Event.SLOWER)

    def _repeat(self, state: CallState, moment: Moment) -> Reply:
        """Read again what was just read: the section, or the main menu."""
        if state.menu == MAIN:
            return self._menu(state.into(MAIN), moment, (), Event.REPEAT)
        return self._section(state.into(state.menu), moment, Event.REPEAT)

    def _section(self, state: CallState, moment: Moment, event: Event) -> Reply:
        section = self.content.section(state.menu)
        assert section is not None  # keys come from self.menus or content.section()
        return self._menu(state, moment, (section.prompt,), event)

    def _menu(self, state: CallState, moment: Moment, lead: tuple[Prompt, ...], event: Event) -> Reply:
        """Speak `lead`, then the choices of the state's menu, and wait for a key."""
        if state.menu in CALLBACK_MENUS:
            choice = "callback_enter" if state.menu == CALLBACK_NUMBER else "callback_offer"
            if choice == "callback_offer" and moment.open and "callback_offer_now" in self.content.prompts:
                choice = "callback_offer_now"
            digits = DANISH_DIGITS if state.menu == CALLBACK_NUMBER else 1
            return Reply((*lead, self.content.prompt(choice)), "gather", event, state, digits=digits)
        choices = [self.content.prompt("main_menu" if state.menu == MAIN else "section_menu")]
        # The secretariat is offered only while a caller can be put through.
        if moment.open:
            choices.append(self.content.prompt("transfer_offer"))
        return Reply((*lead, *choices), "gather", event, state)

    def _send_sms(self, state: CallState, moment: Moment, caller: Caller) -> Reply:
        """Queue the leaflet by SMS and tell the caller at once that it is on its way (or why not), then the
        menu they were in."""
        assert self.sms is not None  # the key does this only where the line sends
        sent = self._reaches(caller) and self.sms.send(
            caller.call_sid, caller.number, self.content.sms_text(), caller.at, line=self.content.line.id
        )
        said = self.content.prompt("sms_sent" if sent else "sms_not_sent")
        event = Event.SMS_SENT if sent else Event.SMS_NOT_SENT
        after = state.into(state.menu)
        return self._menu(replace(after, texted=after.texted or sent), moment, (said,), event)

    def _reaches(self, caller: Caller | None) -> bool:
        """Tell whether the leaflet can go by SMS to this caller."""
        if self.sms is None or caller is None or caller.number in self.never:
            return False
        return self.sms.can_reach(caller.number)

    def _offering_sms(self, reply: Reply, caller: Caller | None) -> Reply:
        """Offer the leaflet by SMS at the end of a main menu, to a caller it can reach who has not had it.

        Not after a refusal ("Jeg kan desværre ikke sende en SMS"), nor in a question back or a callback menu.
        """
        offer = self.content.prompts.get("sms_offer")
        plain_menu = reply.then == "gather" and reply.state.menu == MAIN and reply.state.confirm is None
        wanted = not reply.state.texted and reply.event is not Event.SMS_NOT_SENT
        if offer is None or not (plain_menu and wanted) or not self._reaches(caller):
            return reply
        return replace(reply, prompts=(*reply.prompts, offer))

    def _callback(self, state: CallState, digits: str | None, moment: Moment, caller: Caller) -> Reply | None:
        """A key in a callback menu: 1 to ask for a call (or confirm the number), 2 to key in another; None
        for any other key, which means what it means in the main menu."""
        if state.menu == CALLBACK_NUMBER:
            return self._keyed_in(state, digits, moment)
        read_back = self._callable(state.keyed or caller.number or "")
        if not digits:
            return self._callback_silence(state, read_back, moment)
        if state.menu == CALLBACK_CONFIRM and digits == "2":
            return self._menu(state.into(CALLBACK_NUMBER), moment, (), Event.CALLBACK_NUMBER)
        if digits != YES_KEY:
            return None
        if state.menu == CALLBACK:
            return self._own_number(state, caller, moment)
        return self._ask_callback(state, read_back, moment, caller) if read_back else None

    def _callback_silence(self, state: CallState, read_back: str | None, moment: Moment) -> Reply:
        """Silence after the read-back: read it again, so the number is not lost (a failed turn still);
        after the offer: say so and offer again."""
        if state.menu == CALLBACK_CONFIRM and read_back is not None:
            return self._read_back(state, read_back, keyed=state.keyed is not None, silent=True)
        return self._failed(state.into(CALLBACK, state.tries), moment, Event.SILENCE)

    def _ask_callback(self, state: CallState, number: str, moment: Moment, caller: Caller) -> Reply:
        """Put the number on the list; say when the secretariat will ring (or that it was on the list
        already), then the main menu."""
        assert self.callbacks is not None  # the callback menus exist only where there is a list
        # A step without a CallSid (Twilio always sends one) shares one call's single request with all such.
        asked = self.callbacks.ask(
            self.content.line.id, number, caller.at, call_sid=caller.call_sid or "", keyed=bool(state.keyed)
        )
        window = spoken.between(self.content.hours.opens, self.content.hours.closes)
        # In opening hours (after a busy secretariat) the list is worked through the same day.
        when = (spoken.AS_SOON_AS_IT_CAN,) if moment.open else (*moment.next_opening[:-1], window)
        said = self.content.callback_when(CALLBACK_SAID[asked], when)
        return self._menu(state.into(MAIN), moment, (said,), CALLBACK_EVENTS[asked])

    def _own_number(self, state: CallState, caller: Caller, moment: Moment) -> Reply:
        """Read back the number the caller rang from; withheld, foreign or odd: straight to keying one in."""
        own = self._callable(caller.number or "")
        if own is not None:
            return self._read_back(state, own, keyed=False)
        return self._menu(state.into(CALLBACK_NUMBER), moment, (), Event.CALLBACK_NUMBER)

    def _keyed_in(self, state: CallState, digits: str | None, moment: Moment) -> Reply:
        """Eight digits keyed in: read them back; anything else: say so and ask again."""
        if not digits:
            return self._failed(state, moment, Event.SILENCE)
        number = self._callable(digits)
        if number is None:
            return self._failed(state, moment, Event.INVALID, said="callback_bad_number")
        return self._read_back(state, number, keyed=True)

    def _read_back(self, state: CallState, number: str, *, keyed: bool, silent: bool = False) -> Reply:
        """Read the number back and wait for 1 (right) or 2 (another); after silence, say so and read again,
        counting the failed turn (three of them end the call as anywhere else)."""
        said: tuple[Prompt, ...] = (self.content.callback_confirm(number),)
        after = state.into(CALLBACK_CONFIRM, state.tries + 1 if silent else 0)
        if silent and after.tries >= self.max_tries:
            prompts = (self.content.prompt("silence"), self.content.prompt("goodbye_failed"))
            return Reply(prompts, "hangup", Event.SILENCE_GOODBYE, after)
        said = (self.content.prompt("silence"), *said) if silent else said
        event = Event.SILENCE if silent else Event.CALLBACK_NUMBER
        return Reply(said, "gather", event, replace(after, keyed=number) if keyed else after)

    def _failed(self, state: CallState, moment: Moment, kind: Event, *, said: str | None = None) -> Reply:
        """Count an invalid or silent turn; after too many in a row, say goodbye and hang up."""
        state = state.into(state.menu, max(state.tries, 0) + 1)
        # The prompts "invalid" and "silence" are named as their events; speech not understood and a number
        # that is not one have their own.
        prompt = self.content.prompt(said or kind.value)
        if state.tries >= self.max_tries:
            # The caller leaves with the secretariat's number and hours, not with nothing.
            prompts = (prompt, self.content.prompt("goodbye_failed"))
            return Reply(prompts, "hangup", GOODBYE[kind], state)
        return self._menu(state, moment, (prompt,), kind)

    def _closed_notice(self, moment: Moment) -> tuple[Prompt, ...]:
        """Why the secretariat is closed and when it opens (nothing while it is open)."""
        if moment.open:
            return ()
        return (self._closed(moment.next_opening, moment.closed_today, moment.closed_for),)

    def _callable(self, text: str) -> str | None:
        """The number the secretariat may ring back (E.164), from Twilio's From or eight keyed digits."""
        return callable_number(text, self.never)


# What a caller hears, and what is counted, for each outcome of a callback request.
CALLBACK_SAID = {Asked.NEW: "callback_done", Asked.ALREADY: "callback_already", Asked.FULL: "callback_full"}
CALLBACK_EVENTS = {
    Asked.NEW: Event.CALLBACK_REQUESTED,
    Asked.ALREADY: Event.CALLBACK_ALREADY,
    Asked.FULL: Event.CALLBACK_FULL,
}
