"""The call flow: what the line does after each key, silence or transfer, as plain data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from ivr.line import spoken
from ivr.line.content import Content, Prompt
from ivr.line.understanding import Understood

MAIN = "main"
# The menus of a callback request: the offer after the closed notice, the number read back, keying one in.
CALLBACK, CALLBACK_CONFIRM, CALLBACK_NUMBER = "callback", "callback_confirm", "callback_number"
CALLBACK_MENUS = frozenset({CALLBACK, CALLBACK_CONFIRM, CALLBACK_NUMBER})
# A Danish number as a caller keys it in: eight digits, not starting with 0 or 1 (those are not subscribers').
DANISH_DIGITS = 8
# The key that says yes when the line asks back what a caller said.
YES_KEY = "1"
# Statuses Twilio reports for <Dial> that mean the secretariat talked to the caller.
CONNECTED = frozenset({"completed", "answered"})


class Event(StrEnum):
    """What one step of a call did: the one name the logs, the statistics and the staff pages count by."""

    WELCOME = "welcome"
    SECTION = "section"
    REPEAT = "repeat"
    MAIN_MENU = "main_menu"
    TRANSFER_OPEN = "transfer_open"
    TRANSFER_CLOSED = "transfer_closed"
    TRANSFER_LOOP = "transfer_loop"
    INVALID = "invalid"
    SILENCE = "silence"
    INVALID_GOODBYE = "invalid_goodbye"
    SILENCE_GOODBYE = "silence_goodbye"
    DIAL_COMPLETED = "dial_completed"
    DIAL_BUSY = "dial_busy"
    DIAL_NO_ANSWER = "dial_no_answer"
    DIAL_FAILED = "dial_failed"
    DIAL_CANCELED = "dial_canceled"
    SLOWER = "slower"
    SPEECH_ASK = "speech_ask"
    CALLBACK_NUMBER = "callback_number"
    CALLBACK_REQUESTED = "callback_requested"
    CALLBACK_ALREADY = "callback_already"
    SMS_SENT = "sms_sent"
    SMS_NOT_SENT = "sms_not_sent"
    ERROR = "error"


# A failed turn's event, and the event when it was one too many.
GOODBYE = {Event.INVALID: Event.INVALID_GOODBYE, Event.SILENCE: Event.SILENCE_GOODBYE}
# Twilio's DialCallStatus of a transfer that did not reach the secretariat; anything else counts as failed.
DIAL_FAILURES = {
    "busy": Event.DIAL_BUSY,
    "no-answer": Event.DIAL_NO_ANSWER,
    "failed": Event.DIAL_FAILED,
    "canceled": Event.DIAL_CANCELED,
}


@dataclass(frozen=True)
class Moment:
    """What the flow needs to know about the clock: open now, the next opening as phrases, and why today is
    closed when it is an opening day closed all day (a holiday's name, the clinic's reason)."""

    open: bool
    next_opening: tuple[str, ...]
    closed_today: str | None = None


@dataclass(frozen=True)
class Reply:
    """One answer to Twilio: prompts to speak, then wait for a key, dial or hang up."""

    prompts: tuple[Prompt, ...]
    then: Literal["gather", "dial", "hangup"]
    event: Event
    menu: str = MAIN
    tries: int = 0
    # The rest of the call is said slowly (the caller pressed the slower key); it travels in the URLs.
    slow: bool = False
    # The key the line asked back about ("Mente du komplikationer? Tryk 1 for ja"), awaiting a yes.
    confirm: str | None = None
    # The choice came by speech: the key it stands for (counted as the key, never the words said).
    spoken_key: str | None = None
    # Keys the <Gather> waits for: 1, or a whole number keyed in.
    digits: int = 1
    # A number keyed in for a callback, to read back: sealed into the next URL, never in it as such.
    keyed: str | None = None
    # The number to put on the callback list (the webhook stores it, then asks `callback_stored`).
    callback: str | None = None
    # The caller asked for the leaflet by SMS (the webhook sends it, then asks `sms_result`).
    sms: bool = False
    # The leaflet went by SMS in this call: it travels in the URLs, so no later menu offers it again.
    texted: bool = False

    @property
    def listens(self) -> bool:
        """Tell whether the <Gather> may take speech as well as keys: in a menu of one key, but never in the
        callback's, where only a key may put a number on the list (no stray words taken for a yes)."""
        return self.digits == 1 and self.menu not in CALLBACK_MENUS

    @property
    def private(self) -> bool:
        """Tell whether the reply holds a caller's own data: never kept in a cache of documents."""
        return self.keyed is not None or any(prompt.private for prompt in self.prompts)


class CallFlow:
    """Decides each reply from the menu the caller is in, the failed turns so far and the key."""

    def __init__(
        self, content: Content, max_tries: int, *, callbacks: bool = False, sms: bool = False
    ) -> None:
        self.content = content
        self.max_tries = max_tries
        # Callback requests are taken where the content has their texts and the deployment a key for them.
        self.callbacks = callbacks and content.offers_callbacks
        # The leaflet by SMS, where the content has its link and the deployment can send.
        self.sms = sms and content.sends_sms
        self.menus = {MAIN, *(section.key for section in content.sections)}
        if self.callbacks:
            self.menus |= CALLBACK_MENUS
        # Every key that does something: the only ones the line may ask back about.
        keys = content.keys
        actions = (keys.transfer, keys.repeat, keys.main_menu, keys.slower, keys.sms)
        self.keys_known = self.menus - {MAIN} | {key for key in actions if key is not None}
        # One prompt per next opening and reason, so a closed line's replies hit the renderer's cache without
        # formatting and hashing a new text each time.
        self._closed = lru_cache(maxsize=16)(content.closed)
        # The welcome is every call's first step and the same for every caller at a moment: made once.
        self._welcome = lru_cache(maxsize=16)(self._welcome_reply)

    def welcome(self, moment: Moment, *, sms: bool = False) -> Reply:
        """Greet a new caller, tell the truth about the secretariat in one short notice, offer the menu.

        Only here, once, the line says that callers may speak and that it can speak more slowly.
        """
        return self._welcome(moment, sms)

    def _welcome_reply(self, moment: Moment, sms: bool) -> Reply:
        lead = [self.content.prompt("welcome")]
        if not moment.open:
            lead.append(self._closed(moment.next_opening, moment.closed_today))
        reply = self._menu(MAIN, 0, moment, tuple(lead), Event.WELCOME)
        # The SMS is offered to callers it can reach: a Danish mobile number, not withheld.
        names = ("speech_offer", "slower_offer", *(("sms_offer",) if sms and self.sms else ()))
        offers = [self.content.prompts[name] for name in names if name in self.content.prompts]
        return replace(reply, prompts=(*reply.prompts, *offers))

    def key(
        self,
        menu: str,
        tries: int,
        digits: str | None,
        moment: Moment,
        looped: bool,
        *,
        slow: bool = False,
        confirm: str | None = None,
        caller: str | None = None,
        keyed: str | None = None,
    ) -> Reply:
        """Answer a key press (or silence, when `digits` is empty) in `menu`.

        After the line asked back ("Mente du ...? Tryk 1 for ja"), 1 is yes to that choice; any other key is
        itself. In a callback menu, `caller` is the number Twilio says called, `keyed` one keyed in before.
        """
        menu = menu if menu in self.menus else MAIN
        if menu in CALLBACK_MENUS:
            answer = self._callback(menu, tries, digits, moment, slow=slow, caller=caller, keyed=keyed)
            if answer is not None:
                return answer
            menu = MAIN  # another key than the callback's: the main menu's meaning
        keys = self.content.keys
        if confirm is not None and digits == YES_KEY and confirm in self.keys_known:
            digits = confirm
        if not digits:
            return self._failed(menu, tries, moment, Event.SILENCE, slow=slow)
        section = self.content.section(digits)
        if section is not None:
            return self._section(section.key, moment, Event.SECTION, slow)
        actions: dict[str | None, Callable[[], Reply]] = {
            keys.repeat: lambda: self._repeat(menu, moment, slow),
            keys.main_menu: lambda: self._menu(MAIN, 0, moment, (), Event.MAIN_MENU, slow=slow),
            keys.transfer: lambda: self.transfer(moment, looped, slow=slow),
            keys.slower: lambda: self._slower(menu, moment, slow),
        }
        if self.sms:
            # The webhook sends it off the request path, then asks `sms_result` what to say.
            actions[keys.sms] = lambda: Reply((), "gather", Event.SMS_SENT, menu, 0, slow, sms=True)
        actions.pop(None, None)
        if digits in actions:
            return actions[digits]()
        return self._failed(menu, tries, moment, Event.INVALID, slow=slow)

    def _slower(self, menu: str, moment: Moment, slow: bool) -> Reply:
        """Toggle slower speech: said at the new pace, then the menu the caller was in."""
        said = self.content.prompt("slower_off" if slow else "slower_on")
        return self._menu(menu, 0, moment, (said,), Event.SLOWER, slow=not slow)

    def heard(
        self,
        menu: str,
        tries: int,
        understood: Understood,
        moment: Moment,
        looped: bool,
        *,
        slow: bool = False,
        confirm: str | None = None,
        yes: bool = False,
    ) -> Reply:
        """Answer what the caller said: the choice it matched, a question back when unsure, or a failed turn.

        After a question back, a spoken yes chooses what was asked about.
        """
        if confirm is not None and yes and confirm in self.keys_known:
            understood = Understood("matched", confirm, 1.0)
        if menu in CALLBACK_MENUS:
            # Those menus listen for keys only (Reply.listens); words there are not taken for any choice.
            understood = Understood("nothing", None, 0.0)
        if understood.outcome == "matched" and understood.key is not None:
            reply = self.key(menu, tries, understood.key, moment, looped, slow=slow)
        elif understood.outcome == "ask" and understood.key in self.keys_known:
            assert understood.key is not None
            asked = self.content.confirm(understood.key)
            reply = Reply((asked,), "gather", Event.SPEECH_ASK, menu, tries, slow, confirm=understood.key)
        else:
            where = menu if menu in self.menus else MAIN
            reply = self._failed(where, tries, moment, Event.INVALID, slow=slow, said="not_understood")
        return replace(reply, spoken_key=understood.key if understood.outcome == "matched" else None)

    def transfer(self, moment: Moment, looped: bool, *, slow: bool = False) -> Reply:
        """Put the caller through when open; otherwise say why not and go back to the main menu."""
        if looped:
            lead = (self.content.prompt("transfer_loop"),)
            return self._menu(MAIN, 0, moment, lead, Event.TRANSFER_LOOP, slow=slow)
        if not moment.open:
            lead = (self._closed(moment.next_opening, moment.closed_today),)
            if self.callbacks:
                return self._menu(CALLBACK, 0, moment, lead, Event.TRANSFER_CLOSED, slow=slow)
            return self._menu(MAIN, 0, moment, lead, Event.TRANSFER_CLOSED, slow=slow)
        return Reply((self.content.prompt("transfer"),), "dial", Event.TRANSFER_OPEN, slow=slow)

    def dial_result(self, status: str | None, moment: Moment, *, slow: bool = False) -> Reply:
        """After the transfer: goodbye when the secretariat answered, else say so kindly and go on."""
        if status in CONNECTED:
            return Reply((self.content.prompt("goodbye"),), "hangup", Event.DIAL_COMPLETED, slow=slow)
        lead = (self.content.prompt("transfer_failed"),)
        return self._menu(
            MAIN, 0, moment, lead, DIAL_FAILURES.get(status or "", Event.DIAL_FAILED), slow=slow
        )

    def error(self, moment: Moment, *, slow: bool = False) -> Reply:
        """Apologise calmly for a fault on our side and offer the main menu again."""
        return self._menu(MAIN, 0, moment, (self.content.prompt("error"),), Event.ERROR, slow=slow)

    def _repeat(self, menu: str, moment: Moment, slow: bool) -> Reply:
        """Read again what was just read: the section, or the main menu."""
        if menu == MAIN:
            return self._menu(MAIN, 0, moment, (), Event.REPEAT, slow=slow)
        return self._section(menu, moment, Event.REPEAT, slow)

    def _section(self, key: str, moment: Moment, event: Event, slow: bool) -> Reply:
        section = self.content.section(key)
        assert section is not None  # keys come from self.menus or content.section()
        return self._menu(key, 0, moment, (section.prompt,), event, slow=slow)

    def _menu(
        self,
        menu: str,
        tries: int,
        moment: Moment,
        lead: tuple[Prompt, ...],
        event: Event,
        *,
        slow: bool = False,
    ) -> Reply:
        """Speak `lead`, then the menu's choices, and wait for a key."""
        if menu in CALLBACK_MENUS:
            choice = "callback_enter" if menu == CALLBACK_NUMBER else "callback_offer"
            digits = DANISH_DIGITS if menu == CALLBACK_NUMBER else 1
            prompts = (*lead, self.content.prompt(choice))
            return Reply(prompts, "gather", event, menu=menu, tries=tries, slow=slow, digits=digits)
        choices = [self.content.prompt("main_menu" if menu == MAIN else "section_menu")]
        # The secretariat is offered only while a caller can be put through.
        if moment.open:
            choices.append(self.content.prompt("transfer_offer"))
        return Reply((*lead, *choices), "gather", event, menu=menu, tries=tries, slow=slow)

    def sms_result(self, sent: bool, menu: str, moment: Moment, *, slow: bool = False) -> Reply:
        """Tell the caller at once that the SMS is on its way (or why not), then the menu they were in."""
        said = self.content.prompt("sms_sent" if sent else "sms_not_sent")
        event = Event.SMS_SENT if sent else Event.SMS_NOT_SENT
        reply = self._menu(menu if menu in self.menus else MAIN, 0, moment, (said,), event, slow=slow)
        return replace(reply, texted=sent)

    def offering_sms(self, reply: Reply, reachable: bool) -> Reply:
        """Offer the leaflet by SMS at the end of a main menu, to a caller it can reach who has not had it.

        Not after a refusal ("Jeg kan desværre ikke sende en SMS"), nor in a question back or a callback menu.
        """
        offer = self.content.prompts.get("sms_offer")
        plain_menu = reply.then == "gather" and reply.menu == MAIN and reply.confirm is None
        wanted = not reply.texted and reply.event is not Event.SMS_NOT_SENT
        if not (self.sms and reachable and plain_menu and wanted) or offer is None:
            return reply
        return replace(reply, prompts=(*reply.prompts, offer))

    def callback_stored(self, new: bool, moment: Moment, *, slow: bool = False) -> Reply:
        """Say when the secretariat will ring (or that the number was on the list already), then the menu."""
        window = spoken.between(self.content.hours.opens, self.content.hours.closes)
        when = (*moment.next_opening[:-1], window)
        said = self.content.callback_when("callback_done" if new else "callback_already", when)
        event = Event.CALLBACK_REQUESTED if new else Event.CALLBACK_ALREADY
        return self._menu(MAIN, 0, moment, (said,), event, slow=slow)

    def _callback(
        self,
        menu: str,
        tries: int,
        digits: str | None,
        moment: Moment,
        *,
        slow: bool,
        caller: str | None,
        keyed: str | None,
    ) -> Reply | None:
        """A key in a callback menu: 1 to ask for a call (or confirm the number), 2 to key in another; None
        for any other key, which means what it means in the main menu."""
        if menu == CALLBACK_NUMBER:
            return self._keyed_in(tries, digits, moment, slow)
        if not digits:
            return self._failed(CALLBACK, tries, moment, Event.SILENCE, slow=slow)
        if menu == CALLBACK_CONFIRM and digits == "2":
            return self._menu(CALLBACK_NUMBER, 0, moment, (), Event.CALLBACK_NUMBER, slow=slow)
        if digits != YES_KEY:
            return None
        if menu == CALLBACK:
            return self._own_number(caller, moment, slow)
        number = danish_number(keyed or caller or "")
        return (
            Reply((), "gather", Event.CALLBACK_REQUESTED, MAIN, 0, slow, callback=number) if number else None
        )

    def _own_number(self, caller: str | None, moment: Moment, slow: bool) -> Reply:
        """Read back the number the caller rang from; withheld, foreign or odd: straight to keying one in."""
        own = danish_number(caller or "")
        if own is not None:
            return self._read_back(own, moment, slow, keyed=False)
        return self._menu(CALLBACK_NUMBER, 0, moment, (), Event.CALLBACK_NUMBER, slow=slow)

    def _keyed_in(self, tries: int, digits: str | None, moment: Moment, slow: bool) -> Reply:
        """Eight digits keyed in: read them back; anything else: say so and ask again."""
        if not digits:
            return self._failed(CALLBACK_NUMBER, tries, moment, Event.SILENCE, slow=slow)
        number = danish_number(digits)
        if number is None:
            return self._failed(
                CALLBACK_NUMBER, tries, moment, Event.INVALID, slow=slow, said="callback_bad_number"
            )
        return self._read_back(number, moment, slow, keyed=True)

    def _read_back(self, number: str, moment: Moment, slow: bool, *, keyed: bool) -> Reply:
        said = self.content.callback_confirm(number)
        reply = Reply((said,), "gather", Event.CALLBACK_NUMBER, CALLBACK_CONFIRM, 0, slow)
        return replace(reply, keyed=number) if keyed else reply

    def _failed(
        self,
        menu: str,
        tries: int,
        moment: Moment,
        kind: Event,
        *,
        slow: bool,
        said: str | None = None,
    ) -> Reply:
        """Count an invalid or silent turn; after too many in a row, say goodbye and hang up."""
        tries = max(tries, 0) + 1
        # The prompts "invalid" and "silence" are named as their events; speech not understood and a number
        # that is not one have their own.
        prompt = self.content.prompt(said or kind.value)
        if tries >= self.max_tries:
            # The caller leaves with the secretariat's number and hours, not with nothing.
            prompts = (prompt, self.content.prompt("goodbye_failed"))
            return Reply(prompts, "hangup", GOODBYE[kind], menu=menu, tries=tries, slow=slow)
        return self._menu(menu, tries, moment, (prompt,), kind, slow=slow)


def danish_number(text: str) -> str | None:
    """A Danish subscriber's number in E.164 ("+4597662400"), from Twilio's From or eight keyed digits."""
    digits = text.removeprefix("+45") if text.startswith("+45") else text
    if len(digits) != DANISH_DIGITS or not digits.isascii() or not digits.isdigit() or digits[0] in "01":
        return None
    return "+45" + digits
