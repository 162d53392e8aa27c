"""When the secretariat is open: weekdays, hours, Danish public holidays, extra closed days and the spells
staff close it for (`ivr closed`, kept in the database and handed in here as plain data)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from ivr.line.publicholidays import danish_holidays

# How far ahead to look for an opening before deciding the hours can never open.
SEARCH_DAYS = 400
# What kind of closure a day is: not one of the opening days, a public holiday, one of the content file's own
# closed days, or closed all day by staff.
ClosureKind = Literal["weekday", "holiday", "extra", "staff"]


@dataclass(frozen=True)
class ClosedDay:
    """Days closed besides the public holidays: one day or a range, every year (years None) or once.

    A yearly range may run over New Year ("12-27..01-02"); a dated one runs from `start` to `end`, both in.
    """

    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]
    year: int | None = None  # the start's year; None: every year
    end_year: int | None = None
    reason: str | None = None  # said to callers: "I dag er det {reason}, så sekretariatet har lukket."

    def matches(self, day: date) -> bool:
        """Tell whether this closed day (or range) falls on `day`."""
        if self.year is not None and self.end_year is not None:
            return date(self.year, *self.start) <= day <= date(self.end_year, *self.end)
        here = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= here <= self.end
        return here >= self.start or here <= self.end

    def __str__(self) -> str:
        def one(year: int | None, month_day: tuple[int, int]) -> str:
            prefix = f"{year:04d}-" if year is not None else ""
            return f"{prefix}{month_day[0]:02d}-{month_day[1]:02d}"

        first, last = one(self.year, self.start), one(self.end_year, self.end)
        return first if first == last else f"{first}..{last}"


@dataclass(frozen=True)
class ClosedPeriod:
    """A spell staff closed the secretariat for: from `starts` up to `ends` (aware moments), and why.

    The reason is said mid-sentence: "Sekretariatet har lukket på grund af {reason}."
    """

    starts: datetime
    ends: datetime
    reason: str

    def overlaps(self, starts: datetime, ends: datetime) -> bool:
        """Tell whether this spell shares any moment with the one from `starts` up to `ends`."""
        return self.starts < ends and starts < self.ends


@dataclass(frozen=True)
class Closure:
    """Why a day is closed all day: its kind, and the Danish reason callers and staff are told (if any)."""

    kind: ClosureKind
    reason: str | None


@dataclass(frozen=True)
class OpeningHours:
    """The secretariat's opening hours, as the content file states them."""

    timezone: ZoneInfo
    weekdays: frozenset[int]  # 0 = Monday, as date.weekday()
    opens: time
    closes: time
    extra_closed: tuple[ClosedDay, ...] = ()


@dataclass(frozen=True)
class Status:
    """Whether a call at one moment would be put through, and when the secretariat opens next."""

    at: datetime
    open: bool
    next_opening: datetime
    closes: datetime | None  # end of the current opening, when open
    # Why the secretariat is closed all of today although today is one of its opening days (a holiday, say).
    closed_today: str | None = None
    # Why staff closed the secretariat now, in its opening hours (a spell of `ivr closed`), if they did.
    closed_for: str | None = None

    @property
    def changes_at(self) -> datetime:
        """The moment this status stops being true."""
        return self.closes if self.closes is not None else self.next_opening


class Schedule:
    """Answers 'is the secretariat open now, and when does it open next?'."""

    def __init__(self, hours: OpeningHours, closed: Sequence[ClosedPeriod] = ()) -> None:
        self.hours = hours
        # The spells staff closed the secretariat for, as the database had them when this schedule was made.
        # In local time, so the openings worked out from them are said in local time.
        local = (
            replace(p, starts=p.starts.astimezone(hours.timezone), ends=p.ends.astimezone(hours.timezone))
            for p in closed
        )
        self.closed = tuple(sorted(local, key=lambda period: period.starts))
        # One calendar for every line of a worker (all lines are Danish); years are added on first lookup.
        self._holidays = danish_holidays()
        # One tuple, so that threads never see a status paired with another's expiry.
        self._cached: tuple[Status, datetime] | None = None

    def closure(self, day: date) -> Closure | None:
        """Say why `day` is closed all day (not an opening weekday, a holiday, an extra day), or None."""
        if day.weekday() not in self.hours.weekdays:
            return Closure("weekday", None)
        holiday = self._holidays.get(day)
        if holiday:
            return Closure("holiday", holiday_words(str(holiday)))
        for closed in self.hours.extra_closed:
            if closed.matches(day):
                return Closure("extra", closed.reason)
        opens, closes = self._regular(day)
        for period in self.closed:
            if period.starts <= opens and closes <= period.ends:
                return Closure("staff", period.reason)
        return None

    def closed_days(self, year: int) -> list[tuple[date, Closure]]:
        """Every opening weekday of `year` that is closed all day, with why."""
        day, found = date(year, 1, 1), []
        while day.year == year:
            closure = self.closure(day)
            if closure is not None and closure.kind != "weekday":
                found.append((day, closure))
            day += timedelta(days=1)
        return found

    def openings_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """Return the opening periods on `day` in local time (the hours less staff's spells), [] if none."""
        if self.closure(day) is not None:
            return []
        periods = [self._regular(day)]
        for closed in self.closed:
            periods = [piece for start, end in periods for piece in _less(start, end, closed)]
        return periods

    def _regular(self, day: date) -> tuple[datetime, datetime]:
        """The hours on `day` as the content file states them, in local time."""
        tz = self.hours.timezone
        return datetime.combine(day, self.hours.opens, tzinfo=tz), datetime.combine(
            day, self.hours.closes, tzinfo=tz
        )

    def status(self, at: datetime) -> Status:
        """Return the status at the aware datetime `at`, reusing the last answer while it holds."""
        cached = self._cached
        if cached is not None and cached[0].at <= at < cached[1]:
            return cached[0]
        status = self._compute(at)
        local = at.astimezone(self.hours.timezone)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)
        # Phrases like "i morgen" depend on the local date, so an answer never outlives its day; and the
        # reason said changes when a spell of staff's begins or ends.
        edges = [edge for period in self.closed for edge in (period.starts, period.ends) if edge > at]
        self._cached = (status, min(status.changes_at, midnight, *edges))
        return status

    def is_open(self, at: datetime) -> bool:
        """Tell whether a call at `at` would be put through."""
        return self.status(at).open

    def _compute(self, at: datetime) -> Status:
        if at.tzinfo is None:
            raise ValueError("the time must carry a time zone")
        local = at.astimezone(self.hours.timezone)
        today = self.openings_on(local.date())
        current = next((period for period in today if period[0] <= local < period[1]), None)
        closure = self.closure(local.date()) if not today else None
        # A weekend needs no reason; a holiday or the clinic's closed day on an opening weekday does.
        reason = closure.reason if closure is not None and closure.kind in ("holiday", "extra") else None
        closed_for = closure.reason if closure is not None and closure.kind == "staff" else None
        if current is None and closure is None:
            opens, closes = self._regular(local.date())
            if opens <= local < closes:
                closed_for = next((p.reason for p in self.closed if p.starts <= local < p.ends), None)
        for offset in range(SEARCH_DAYS):
            for period in self.openings_on(local.date() + timedelta(days=offset)):
                if period[0] > local:
                    closes_at = current[1] if current is not None else None
                    return Status(at, current is not None, period[0], closes_at, reason, closed_for)
        raise ValueError(f"the opening hours never open in the {SEARCH_DAYS} days after {local:%Y-%m-%d}")


def _less(start: datetime, end: datetime, closed: ClosedPeriod) -> list[tuple[datetime, datetime]]:
    """The period from `start` to `end` less a spell of staff's: none, one or two pieces."""
    if not closed.overlaps(start, end):
        return [(start, end)]
    pieces = [(start, closed.starts)] if closed.starts > start else []
    return pieces + ([(closed.ends, end)] if closed.ends < end else [])


def holiday_names(years: Iterable[int]) -> list[str]:
    """The Danish public holidays' names in `years`, as said mid-sentence, for building their audio."""
    return list(_holiday_names(tuple(years)))


@lru_cache(maxsize=4)
def _holiday_names(years: tuple[int, ...]) -> tuple[str, ...]:
    # Once per worker, whatever the number of lines asking.
    calendar = danish_holidays()
    names = {calendar.get(day) for year in years for day in _days(year)} - {None}
    return tuple(sorted(holiday_words(str(name)) for name in names))


def _days(year: int) -> list[date]:
    start = date(year, 1, 1)
    return [start + timedelta(days=n) for n in range((date(year + 1, 1, 1) - start).days)]


# Holiday names the package gives with a capital ("Juledag"); said mid-sentence they are written in lower
# case, except the names that begin with a proper noun.
_PROPER = ("Kristi ",)


def holiday_words(name: str) -> str:
    """Write a holiday's name as it reads mid-sentence: "anden juledag", "Kristi himmelfartsdag"."""
    if name.startswith(_PROPER):
        return name
    return name[:1].lower() + name[1:]


def closed_day(value: object, reason: str | None) -> ClosedDay | str:
    """A closed day as a content file writes it: "MM-DD", "YYYY-MM-DD" or a range "A..B" of either; else
    say (in Danish, for `ivr check`) what is wrong."""
    if not isinstance(value, str):
        return "skal være en tekst"
    first, separator, last = value.partition("..")
    start, end = _one_day(first.strip()), _one_day(last.strip() if separator else first.strip())
    if start is None or end is None:
        return "er ikke en dato"
    if (start[0] is None) != (end[0] is None):
        return "et interval skal have årstallet i begge ender eller i ingen af dem"
    if start[0] is not None and end[0] is not None:
        if date(start[0], *start[1]) > date(end[0], *end[1]):
            return "intervallet slutter, før det begynder"
        if (date(end[0], *end[1]) - date(start[0], *start[1])).days > 366:
            return "intervallet er længere end et år"
    return ClosedDay(start[1], end[1], start[0], end[0], reason)


def _one_day(value: str) -> tuple[int | None, tuple[int, int]] | None:
    match = re.fullmatch(r"(?:(\d{4})-)?(\d{2})-(\d{2})", value)
    if match is None:
        return None
    year = int(match[1]) if match[1] else None
    month, day = int(match[2]), int(match[3])
    try:
        # 2000 is a leap year, so "02-29" is accepted as a yearly day.
        date(year or 2000, month, day)
    except ValueError:
        return None
    return year, (month, day)
