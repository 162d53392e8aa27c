"""When the secretariat is open: weekdays, hours, Danish public holidays and extra closed days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead to look for an opening before deciding the hours can never open.
SEARCH_DAYS = 400


@dataclass(frozen=True)
class ClosedDay:
    """A day closed besides the public holidays: every year (year None) or once."""

    month: int
    day: int
    year: int | None = None

    def matches(self, day: date) -> bool:
        """Tell whether this closed day falls on `day`."""
        return (day.month, day.day) == (self.month, self.day) and self.year in (None, day.year)

    def __str__(self) -> str:
        prefix = f"{self.year:04d}-" if self.year is not None else ""
        return f"{prefix}{self.month:02d}-{self.day:02d}"


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

    @property
    def changes_at(self) -> datetime:
        """The moment this status stops being true."""
        return self.closes if self.closes is not None else self.next_opening


class Schedule:
    """Answers 'is the secretariat open now, and when does it open next?'."""

    def __init__(self, hours: OpeningHours) -> None:
        self.hours = hours
        # Years are added on first lookup; Store Bededag stops after 2023 inside the package.
        import holidays  # noqa: PLC0415  (slow to import; commands that never ask about hours skip it)

        self._holidays = holidays.country_holidays("DK", language="da")
        # One tuple, so that threads never see a status paired with another's expiry.
        self._cached: tuple[Status, datetime] | None = None

    def closed_reason(self, day: date) -> str | None:
        """Say why `day` is closed all day (holiday name, extra closed day, weekday), or None."""
        if day.weekday() not in self.hours.weekdays:
            return "ugedag uden åbningstid"
        holiday = self._holidays.get(day)
        if holiday:
            return str(holiday)
        if any(closed.matches(day) for closed in self.hours.extra_closed):
            return "ekstra lukkedag"
        return None

    def opening_on(self, day: date) -> tuple[datetime, datetime] | None:
        """Return the opening period on `day` in local time, or None when closed all day."""
        if self.closed_reason(day) is not None:
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
        for offset in range(SEARCH_DAYS):
            period = self.opening_on(local.date() + timedelta(days=offset))
            if period is not None and period[0] > local:
                return Status(at, is_open, period[0], today[1] if is_open and today else None)
        raise ValueError(f"the opening hours never open in the {SEARCH_DAYS} days after {local:%Y-%m-%d}")
