"""What the call events say: calls by day, weekday and hour, sections, transfers, where calls end, and
which choices came by speech."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ivr.line import moments
from ivr.line.events import DIAL_FAILURES, SPEECH_ROUTE, CallEvent, Event
from ivr.line.flow import MAIN
from ivr.line.spoken import WEEKDAYS

# How staff read each event; a test checks that every event the flow can produce has its words here.
EVENT_LABELS: dict[str, str] = {
    Event.WELCOME: "opkald begyndt",
    Event.SECTION: "valgte et afsnit",
    Event.REPEAT: "bad om at høre igen",
    Event.MAIN_MENU: "hovedmenu",
    Event.TRANSFER_OPEN: "omstilling i åbningstiden",
    Event.TRANSFER_CLOSED: "omstilling uden for åbningstiden",
    Event.TRANSFER_LOOP: "omstilling fra sekretariatets eget nummer",
    Event.INVALID: "ukendt tast",
    Event.SILENCE: "intet tastetryk",
    Event.INVALID_GOODBYE: "linjen lagde på efter ukendte taster",
    Event.SILENCE_GOODBYE: "linjen lagde på efter stilhed",
    Event.DIAL_COMPLETED: "omstillet og talt med sekretariatet",
    Event.DIAL_BUSY: "sekretariatet optaget",
    Event.DIAL_NO_ANSWER: "sekretariatet svarede ikke",
    Event.DIAL_FAILED: "omstilling mislykkedes",
    Event.DIAL_CANCELED: "omstilling afbrudt",
    Event.SLOWER: "skiftede til langsommere tale (eller tilbage)",
    Event.SPEECH_ASK: "sagde noget utydeligt og blev spurgt igen",
    Event.CALLBACK_NUMBER: "tilbagekald: nummeret læst op eller tastet",
    Event.CALLBACK_REQUESTED: "bad om at blive ringet op",
    Event.CALLBACK_ALREADY: "stod allerede på listen over opringninger",
    Event.CALLBACK_FULL: "bad om at blive ringet op, men listen var fuld",
    Event.SMS_SENT: "fik folderen som SMS",
    Event.SMS_NOT_SENT: "bad om folderen som SMS, men kunne ikke få den",
    Event.ERROR: "fejl hos os",
    Event.URGENT: "sagde et hasteord og fik 1-1-2 og rådene efter indgrebet",
    Event.NOT_IN_LEAFLET: "spurgte om noget, folderen ikke svarer på",
    Event.CONFIRM_NO: "svarede nej, da linjen spurgte igen",
    Event.SECRETARIAT_NUMBER: "hørte sekretariatets telefonnummer",
    Event.ANSWERED: "stillede et spørgsmål og fik svar med folderens egen sætning",
}
TRANSFER_EVENTS = (Event.TRANSFER_OPEN, Event.TRANSFER_CLOSED, Event.TRANSFER_LOOP)
DIAL_EVENTS = (Event.DIAL_COMPLETED, *DIAL_FAILURES.values())
LINE_HANGUPS = (Event.INVALID_GOODBYE, Event.SILENCE_GOODBYE, Event.DIAL_COMPLETED)
# Events whose menu says where they happened, for "where calls end".
IN_A_MENU = frozenset({Event.SECTION, Event.REPEAT, Event.INVALID, Event.SILENCE, Event.ANSWERED})
# The events that are a caller's choice, said or pressed, for "choices by speech and by key". Only the key
# route makes them (the welcome, dial and fallback routes never do), so those not by speech were pressed.
# Failed turns are left out: speech that was not understood is counted on the key route, as no key.
CHOICE_EVENTS = (
    Event.SECTION,
    Event.REPEAT,
    Event.MAIN_MENU,
    *TRANSFER_EVENTS,
    Event.SLOWER,
    Event.SMS_SENT,
    Event.SMS_NOT_SENT,
    Event.CALLBACK_NUMBER,
    Event.CALLBACK_REQUESTED,
    Event.CALLBACK_ALREADY,
    Event.CALLBACK_FULL,
    Event.ANSWERED,
)


class Row(CallEvent):
    """One stored call event, as the reports read it back (ivr/stats/store.py); `at` is aware UTC."""

    # A named tuple's subclass: the event's fields, and no per-row __dict__.
    __slots__ = ()


@dataclass(frozen=True)
class Period:
    """The days a report covers, both included, in the clinic's time zone; None means unbounded."""

    since: date | None
    until: date | None
    zone: ZoneInfo

    def __post_init__(self) -> None:
        """Refuse days outside the years the line accepts, and a period that ends before it starts."""
        for day in (self.since, self.until):
            if day is not None:
                moments.check_day(day)
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"perioden begynder ({self.since}), efter den slutter ({self.until})")

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """Return [start, end) as aware datetimes: midnight at `since`, midnight after `until`."""
        start = datetime.combine(self.since, time(), self.zone) if self.since else None
        end = datetime.combine(self.until + timedelta(days=1), time(), self.zone) if self.until else None
        return start, end


@dataclass(frozen=True)
class Report:
    """The statistics of one period; counts only, never who called."""

    since: date | None
    until: date | None
    calls: int
    events: int
    calls_per_day: dict[date, int]
    heatmap: tuple[tuple[int, ...], ...]  # [weekday 0 = Monday][hour 0-23], calls started
    sections: dict[str, int]  # section key -> times chosen
    repeats: dict[str, int]  # menu -> times repeated
    transfers: dict[str, int]  # transfer_open / transfer_closed / transfer_loop
    dials: dict[str, int]  # dial_* outcome -> count
    counts: dict[str, int]  # every event name -> count
    endings: dict[str, int] = field(default_factory=dict)  # "event menu" of each call's last step
    speech: dict[str, int] = field(default_factory=dict)  # event name -> how many came by speech
    answers: dict[str, int] = field(default_factory=dict)  # section key -> questions answered by a sentence

    @property
    def choices(self) -> dict[str, tuple[int, int]]:
        """Each kind of choice made in the period, as (by speech, by key); kinds not made are left out."""
        made = {}
        for name in CHOICE_EVENTS:
            if in_all := self.counts.get(name, 0):
                said = self.speech.get(name, 0)
                made[str(name)] = (said, in_all - said)
        return made

    @property
    def choices_in_all(self) -> tuple[int, int]:
        """How many choices were made by speech and by key, every kind together."""
        pairs = self.choices.values()
        return sum(said for said, _ in pairs), sum(pressed for _, pressed in pairs)

    @property
    def line_hangups(self) -> dict[str, int]:
        """How often the line itself ended a call, by reason."""
        return {name: self.counts.get(name, 0) for name in LINE_HANGUPS}

    def as_json(self) -> dict[str, Any]:
        """Return the report as plain JSON data."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "calls": self.calls,
            "events": self.events,
            "calls_per_day": {day.isoformat(): n for day, n in sorted(self.calls_per_day.items())},
            "calls_by_weekday_hour": {
                WEEKDAYS[weekday]: {str(hour): n for hour, n in enumerate(row) if n}
                for weekday, row in enumerate(self.heatmap)
            },
            "sections": self.sections,
            "repeats": self.repeats,
            "transfers": self.transfers,
            "dial_outcomes": self.dials,
            "line_hangups": self.line_hangups,
            "call_endings": self.endings,
            "choices": self._choices_json(),
            "events_by_name": self.counts,
            "events_by_speech": self.speech,
            "answers": self.answers,
        }

    def _choices_json(self) -> dict[str, Any]:
        """The choices by speech and by key: in all, and by the event each choice made."""
        said, pressed = self.choices_in_all
        by_event = {name: {"speech": s, "keys": k} for name, (s, k) in self.choices.items()}
        return {"speech": said, "keys": pressed, "by_event": by_event}


def build(rows: Iterable[Row], period: Period) -> Report:
    """Count the events of a period (rows as Store.rows returns them, oldest first)."""
    rows = list(rows)
    starts = [row.at.astimezone(period.zone) for row in rows if row.event == Event.WELCOME]
    heat = [[0] * 24 for _ in WEEKDAYS]
    for local in starts:
        heat[local.weekday()][local.hour] += 1
    counts = Counter(row.event for row in rows)
    speech = Counter(row.event for row in rows if row.route == SPEECH_ROUTE)
    return Report(
        since=period.since,
        until=period.until,
        calls=len(starts),
        events=len(rows),
        calls_per_day=dict(sorted(Counter(local.date() for local in starts).items())),
        heatmap=tuple(tuple(hours) for hours in heat),
        sections=_by_menu(rows, Event.SECTION),
        repeats=_by_menu(rows, Event.REPEAT),
        transfers={name: counts.get(name, 0) for name in TRANSFER_EVENTS},
        dials={name: counts.get(name, 0) for name in DIAL_EVENTS},
        counts=dict(sorted(counts.items())),
        endings=_endings(rows),
        speech=dict(sorted(speech.items())),
        answers=_by_menu(rows, Event.ANSWERED),
    )


def _by_menu(rows: Iterable[Row], event: str) -> dict[str, int]:
    """Count one event by the menu it happened in (for sections: the section's key)."""
    return dict(sorted(Counter(row.menu for row in rows if row.event == event).items()))


def ending_label(event: str, menu: str) -> str:
    """Name the step a call ended on: the event, and for sections and repeats which menu."""
    return f"{event} {menu}" if event in IN_A_MENU else event


def _endings(rows: Iterable[Row]) -> dict[str, int]:
    """Count each call's last step on each line: where callers hang up (or the line does).

    A call reaches one line; only a call in progress while a deployment took up lines has steps on two (its
    first without a line), and ends once on each.
    """
    last: dict[tuple[str, str], Row] = {}
    for row in rows:  # oldest first, so the last one seen per call is its last step
        last[row.line, row.call] = row
    endings = Counter(ending_label(row.event, row.menu) for row in last.values())
    return dict(endings.most_common())


def label(event: str) -> str:
    """Return the staff's words for an event name (the name itself for one no longer made)."""
    return EVENT_LABELS.get(event, event)


def line_words(line: str | None) -> str:
    """Say which line a report counts, for staff: one line (by its name where known), or all of them."""
    return "Alle linjer" if line is None else f"Linje: {line}"


def menu_words(menu: str, titles: Mapping[str, str]) -> str:
    """Name a menu for staff: the main menu, or a section with its title."""
    return "hovedmenuen" if menu == MAIN else f"afsnit {menu} ({titles.get(menu, '?')})"


def ending_words(name: str, titles: Mapping[str, str]) -> str:
    """Describe a call's last step (an `ending_label`) for staff, naming the menu where there is one."""
    event, _, menu = name.partition(" ")
    return f"{label(event)}, {menu_words(menu, titles)}" if menu else label(event)


def section_titles(sections: Iterable[Any]) -> Mapping[str, str]:
    """Map each section key to its title (from the content's sections)."""
    return {section.key: section.title for section in sections}
