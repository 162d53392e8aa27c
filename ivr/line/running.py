"""The running line: content, schedule, flow and renderer, assembled once from configuration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol

from ivr.line import spoken
from ivr.line.callstate import CallState
from ivr.line.clock import Clock, system_clock
from ivr.line.content import Content
from ivr.line.content_loader import load_content
from ivr.line.flow import CallbackList, CallFlow, LeafletSender, Moment, Reply
from ivr.line.schedule import ClosedPeriod, Schedule, Status
from ivr.line.speech import SaySpeaker, Speaker
from ivr.line.twiml import Renderer, Urls
from ivr.line.understanding import Understanding

# Rendered TwiML documents a worker keeps, across all its lines: each is 1-3 KB, so a deployment of 50 lines
# shares these rather than keeping this many each (docs/performance.md, memory with 50 lines).
DOCUMENTS = 1024
# Speech hints per <Gather>: the first few phrases of every choice (3 each for 10 choices), not all of them.
HINTS = 30


class ClosureSource(Protocol):
    """The spells staff closed each line for, as the call logic reads them (`ivr.closures.live.LiveClosures`):
    from memory, refreshed every few seconds, never waiting long on the database."""

    def closures(self, line: str, at: datetime) -> tuple[ClosedPeriod, ...]: ...


class Line:
    """Everything a call needs that does not change per request."""

    def __init__(
        self,
        content: Content,
        flow: CallFlow,
        renderer: Renderer,
        clock: Clock,
        understanding: Understanding | None = None,
        *,
        closures: ClosureSource | None = None,
    ) -> None:
        self.content = content
        # Where staff's closures come from (None: only the content file's hours, as in `ivr graph`).
        self.closures = closures
        # What callers say, mapped to the key it stands for; None where the line does not listen for speech.
        self.understanding = understanding
        self.schedule = Schedule(content.hours)
        self.flow = flow
        self.renderer = renderer
        self.clock = clock
        self._digits = _digits(content.number)
        # The moment made from the schedule's current answer; it holds exactly as long as that answer does.
        self._moment: tuple[Status, Moment] | None = None
        # Staff's closures as last read, and the schedule made with them.
        self._read: tuple[tuple[ClosedPeriod, ...], Schedule] = ((), self.schedule)

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        urls: Urls,
        speaker: Speaker | None = None,
        content: Content | None = None,
        *,
        cache_size: int = DOCUMENTS,
        callbacks: CallbackList | None = None,
        sms: LeafletSender | None = None,
        clock: Clock = system_clock,
        never: frozenset[str] = frozenset(),
        closures: ClosureSource | None = None,
    ) -> Line:
        """Build the line for `content` (else the configured single content file) with the configuration's
        timeouts, voice and clock; `never` are numbers never to ring back or text (other lines')."""
        if content is None:
            content = load_content(config["CONTENT_FILE"], config["SECRETARIAT_NUMBER"])
        understanding = (
            Understanding(content.phrases(), lists=content.lists) if content.understands_speech else None
        )
        renderer = Renderer(
            speaker=speaker or SaySpeaker(config["VOICE"]),
            urls=urls,
            number=content.number,
            gather_timeout=config["GATHER_TIMEOUT"],
            dial_timeout=config["DIAL_TIMEOUT"],
            cache_size=cache_size,
            hints=understanding.hints(HINTS) if understanding is not None else None,
        )
        flow = CallFlow(content, config["MAX_TRIES"], callbacks=callbacks, sms=sms, never=never)
        return cls(content, flow, renderer, clock, understanding, closures=closures)

    def moment(self, at: datetime) -> Moment:
        """Say, for the moment `at`: open or not, why not, and the next opening as a caller hears it."""
        status = self.current_schedule(at).status(at)
        cached = self._moment
        if cached is not None and cached[0] is status:
            return cached[1]
        today = status.at.astimezone(self.content.hours.timezone).date()
        phrases = _next_opening_phrases(status.next_opening, today)
        moment = Moment(status.open, phrases, status.closed_today, status.closed_for)
        self._moment = (status, moment)
        return moment

    def current_schedule(self, at: datetime) -> Schedule:
        """The schedule at `at` with staff's closures as last read: a new one when they changed."""
        if self.closures is None:
            return self.schedule
        closed = self.closures.closures(self.content.line.id, at)
        read, schedule = self._read
        # The same tuple as last time (the usual case, until the closures are read again) needs no comparing.
        if closed is not read:
            if closed != schedule.closed:
                schedule = self.schedule = Schedule(self.content.hours, closed)
            # One assignment, so another thread sees the old pair or the new one, never half of it.
            self._read = (closed, schedule)
        return schedule

    def state(self, args: Mapping[str, str]) -> CallState:
        """The call's state from a request's query string (a keyed-in number unsealed by the callbacks)."""
        return CallState.from_query(args, self.flow.unseal)

    def is_loop(self, *numbers: str | None) -> bool:
        """Tell whether any of the call's numbers is the secretariat's own (a forwarding loop)."""
        for number in numbers:
            digits = _digits(number or "")
            # Compare national numbers too: "97662400" and "+4597662400" are the same phone.
            if len(digits) >= 8 and self._digits.endswith(digits):
                return True
        return False

    def refresh(self) -> None:
        """Take up what may change while running without a restart: a rebuilt audio folder."""
        self.renderer.refresh()

    def respond(self, reply: Reply) -> bytes:
        """Return the TwiML document for a reply."""
        return self.renderer.render(reply)


@lru_cache(maxsize=64)
def _next_opening_phrases(opening: datetime, today: date) -> tuple[str, ...]:
    return spoken.next_opening(opening, today)


def _digits(number: str) -> str:
    digits = "".join(filter(str.isdigit, number))
    return digits[2:] if digits.startswith("00") else digits
