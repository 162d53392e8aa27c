"""When the secretariat is open: weekdays, hours, Danish public holidays and extra closed days."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from ivr.line.publicholidays import danish_holidays

# How far ahead to look for an opening before deciding the hours can never open.
SEARCH_DAYS = 400
# What kind of closure a day is: not one of the opening days, a public holiday, or one of the clinic's own.
ClosureKind = Literal["weekday", "holiday", "extra"]


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

    @property
    def changes_at(self) -> datetime:
        """The moment this status stops being true."""
        return self.closes if self.closes is not None else self.next_opening


class Schedule:
    """Answers 'is the secretariat open now, and when does it open next?'."""

    def __init__(self, hours: OpeningHours) -> None:
        self.hours = hours
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

    def opening_on(self, day: date) -> tuple[datetime, datetime] | None:
        """Return the opening period on `day` in local time, or None when closed all day."""
        if self.closure(day) is not None:
            return None
        tz = self.hours.timezone
        return (
            datetime.combine(day, self.hours.opens, tzinfo=tz),
            datetime.combine(day, self.hours.closes, tzinfo=tz),
        )

    def status(self, at: datetime) -> Status:
        """Return the status at the aware datetime `at`, reusing the last answer while it holds."""
        cached = self._cached
        if cached is not None and cached[0].at <= at < cached[1]:
            return cached[0]
        status = self._compute(at)
        local = at.astimezone(self.hours.timezone)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)
        # Phrases like "i morgen" depend on the local date, so an answer never outlives its day.
        self._cached = (status, min(status.changes_at, midnight))
        return status

    def is_open(self, at: datetime) -> bool:
        """Tell whether a call at `at` would be put through."""
        return self.status(at).open

    def _compute(self, at: datetime) -> Status:
        if at.tzinfo is None:
            raise ValueError("the time must carry a time zone")
        local = at.astimezone(self.hours.timezone)
        today = self.opening_on(local.date())
        is_open = today is not None and today[0] <= local < today[1]
        closure = self.closure(local.date()) if today is None else None
        # A weekend needs no reason; a holiday or the clinic's closed day on an opening weekday does.
        reason = closure.reason if closure is not None and closure.kind != "weekday" else None
        for offset in range(SEARCH_DAYS):
            period = self.opening_on(local.date() + timedelta(days=offset))
            if period is not None and period[0] > local:
                return Status(at, is_open, period[0], today[1] if is_open and today else None, reason)
        raise ValueError(f"the opening hours never open in the {SEARCH_DAYS} days after {local:%Y-%m-%d}")


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
