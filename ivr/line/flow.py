"""The call flow: what the line does after each key, silence or transfer, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from ivr.line.content import Content, Prompt

MAIN = "main"
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


class CallFlow:
    """Decides each reply from the menu the caller is in, the failed turns so far and the key."""

    def __init__(self, content: Content, max_tries: int) -> None:
        self.content = content
        self.max_tries = max_tries
        self.menus = {MAIN, *(section.key for section in content.sections)}
        # One prompt per next opening and reason, so a closed line's replies hit the renderer's cache without
        # formatting and hashing a new text each time.
        self._closed = lru_cache(maxsize=16)(content.closed)

    def welcome(self, moment: Moment) -> Reply:
        """Greet a new caller, tell the truth about the secretariat in one short notice, offer the menu."""
        lead = [self.content.prompt("welcome")]
        if not moment.open:
            lead.append(self._closed(moment.next_opening, moment.closed_today))
        return self._menu(MAIN, 0, moment, tuple(lead), Event.WELCOME)

    def key(self, menu: str, tries: int, digits: str | None, moment: Moment, looped: bool) -> Reply:
        """Answer a key press (or silence, when `digits` is empty) in `menu`."""
        menu = menu if menu in self.menus else MAIN
        keys = self.content.keys
        if not digits:
            return self._failed(menu, tries, moment, Event.SILENCE)
        section = self.content.section(digits)
        if section is not None:
            return self._section(section.key, moment, Event.SECTION)
        if digits == keys.repeat:
            return self._repeat(menu, moment)
        if digits == keys.main_menu:
            return self._menu(MAIN, 0, moment, (), Event.MAIN_MENU)
        if digits == keys.transfer:
            return self.transfer(moment, looped)
        return self._failed(menu, tries, moment, Event.INVALID)

    def transfer(self, moment: Moment, looped: bool) -> Reply:
        """Put the caller through when open; otherwise say why not and go back to the main menu."""
        if looped:
            return self._menu(MAIN, 0, moment, (self.content.prompt("transfer_loop"),), Event.TRANSFER_LOOP)
        if not moment.open:
            lead = (self._closed(moment.next_opening, moment.closed_today),)
            return self._menu(MAIN, 0, moment, lead, Event.TRANSFER_CLOSED)
        return Reply((self.content.prompt("transfer"),), "dial", Event.TRANSFER_OPEN)

    def dial_result(self, status: str | None, moment: Moment) -> Reply:
        """After the transfer: goodbye when the secretariat answered, else say so kindly and go on."""
        if status in CONNECTED:
            return Reply((self.content.prompt("goodbye"),), "hangup", Event.DIAL_COMPLETED)
        lead = (self.content.prompt("transfer_failed"),)
        return self._menu(MAIN, 0, moment, lead, DIAL_FAILURES.get(status or "", Event.DIAL_FAILED))

    def error(self, moment: Moment) -> Reply:
        """Apologise calmly for a fault on our side and offer the main menu again."""
        return self._menu(MAIN, 0, moment, (self.content.prompt("error"),), Event.ERROR)

    def _repeat(self, menu: str, moment: Moment) -> Reply:
        """Read again what was just read: the section, or the main menu."""
        if menu == MAIN:
            return self._menu(MAIN, 0, moment, (), Event.REPEAT)
        return self._section(menu, moment, Event.REPEAT)

    def _section(self, key: str, moment: Moment, event: Event) -> Reply:
        section = self.content.section(key)
        assert section is not None  # keys come from self.menus or content.section()
        return self._menu(key, 0, moment, (section.prompt,), event)

    def _menu(self, menu: str, tries: int, moment: Moment, lead: tuple[Prompt, ...], event: Event) -> Reply:
        """Speak `lead`, then the menu's choices, and wait for a key."""
        choices = [self.content.prompt("main_menu" if menu == MAIN else "section_menu")]
        # The secretariat is offered only while a caller can be put through.
        if moment.open:
            choices.append(self.content.prompt("transfer_offer"))
        return Reply((*lead, *choices), "gather", event, menu=menu, tries=tries)

    def _failed(self, menu: str, tries: int, moment: Moment, kind: Event) -> Reply:
        """Count an invalid or silent turn; after too many in a row, say goodbye and hang up."""
        tries = max(tries, 0) + 1
        # The prompts "invalid" and "silence" are named as their events are.
        prompt = self.content.prompt(kind.value)
        if tries >= self.max_tries:
            # The caller leaves with the secretariat's number and hours, not with nothing.
            prompts = (prompt, self.content.prompt("goodbye_failed"))
            return Reply(prompts, "hangup", GOODBYE[kind], menu=menu, tries=tries)
        return self._menu(menu, tries, moment, (prompt,), kind)
