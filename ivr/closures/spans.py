"""Reading a closure as staff write it: a day or an ISO week, an optional last day, optional hours, a reason.

Every refusal is one Danish sentence, the same on the staff page and from `ivr closed` (staff use both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ivr.db import REASON_LENGTH
from ivr.line.moments import EARLIEST, LATEST
from ivr.line.spoken import WEEKDAYS

# A week as ISO 8601 writes it: "2027-W29" (Monday to Sunday).
WEEK_FORM = re.compile(r"(\d{4})-[Ww](\d{2})", re.ASCII)
DAY_FORM = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
TIME_FORM = re.compile(r"(\d{1,2})[:.](\d{2})", re.ASCII)
# Said mid-sentence to callers, "Sekretariatet har lukket på grund af {reason}.": a few words, no more.
REASON_WORDS = 4
# The longest closure: a summer's holiday, with room. Longer is a typo (a year for a month).
LONGEST_DAYS = 92


class RefusedError(ValueError):
    """A closure that cannot be made, with the one Danish sentence that says why."""


@dataclass(frozen=True)
class Span:
    """The moments a closure runs from and up to (aware, in the line's time zone), and why."""

    starts: datetime
    ends: datetime
    reason: str

    @property
    def zone(self) -> ZoneInfo:
        """The line's time zone, which the span was read in."""
        zone = self.starts.tzinfo
        assert isinstance(zone, ZoneInfo)  # `span` reads every moment in the line's zone
        return zone


def days_of(text: str) -> tuple[date, date]:
    """The first and last day `text` names: a day (YYYY-MM-DD) or a week (YYYY-Www, Monday to Sunday)."""
    text = text.strip()
    try:
        if DAY_FORM.fullmatch(text):
            day = date.fromisoformat(text)
            return _accepted(day), day
        week = WEEK_FORM.fullmatch(text)
        if week:
            monday = date.fromisocalendar(int(week[1]), int(week[2]), 1)
            return _accepted(monday), monday + timedelta(days=6)
    except ValueError:
        pass
    raise RefusedError(
        f"{text!r} er ikke en dag (ÅÅÅÅ-MM-DD, fx 2027-07-19) eller en uge (ÅÅÅÅ-Uuu, fx 2027-W29)."
    )


def clock_of(text: str) -> time:
    """A time of day as staff write it: "12:00", "9.30"."""
    form = TIME_FORM.fullmatch(text.strip())
    if form and int(form[1]) < 24 and int(form[2]) < 60:
        return time(int(form[1]), int(form[2]))
    raise RefusedError(f"{text!r} er ikke et klokkeslæt (TT:MM, fx 12:00).")


def reason_of(text: str) -> str:
    """The reason as callers will hear it, checked: a few words, one line."""
    reason = " ".join(text.split())
    if not reason:
        raise RefusedError(
            "Skriv en årsag, som patienterne hører den: fx »personalemøde« eller »sommerferie«."
        )
    if len(reason.split()) > REASON_WORDS or len(reason) > REASON_LENGTH:
        raise RefusedError(
            f"Årsagen er for lang: højst {REASON_WORDS} ord og {REASON_LENGTH} tegn, "
            "for den siges midt i en sætning (»på grund af personalemøde«)."
        )
    return reason


def span(
    first: str,
    reason: str,
    zone: ZoneInfo,
    now: datetime,
    *,
    until: str | None = None,
    from_time: str | None = None,
    to_time: str | None = None,
) -> Span:
    """Read a closure from its first day (or "nu"), last day, hours and reason; RefusedError says why not.

    It runs from the first day at `from_time` (else midnight) up to the last day at `to_time` (else the end of
    that day). From "nu" (now), it runs from this moment; a start earlier today is moved to now.
    """
    local_now = now.astimezone(zone)
    said = reason_of(reason)
    # A week may be the current one (the rest of it); a day must be today or later.
    week = WEEK_FORM.fullmatch(first.strip()) is not None
    if first.strip().lower() in ("nu", "now"):
        first_day, last_day = local_now.date(), local_now.date()
        starts = local_now
    else:
        first_day, last_day = days_of(first)
        starts = datetime.combine(first_day, clock_of(from_time) if from_time else time(), tzinfo=zone)
    if until:
        last_day = days_of(until)[1]
    ends = (
        datetime.combine(last_day, clock_of(to_time), tzinfo=zone)
        if to_time
        else datetime.combine(last_day + timedelta(days=1), time(), tzinfo=zone)
    )
    if last_day < first_day or ends <= starts:
        raise RefusedError(f"Lukningen slutter ({_said(ends)}), før den begynder ({_said(starts)}).")
    if ends <= local_now or (first_day < local_now.date() and not week):
        raise RefusedError(f"Lukningen ligger i fortiden ({_said(starts)}); vælg en dag fra i dag og frem.")
    if (last_day - first_day).days >= LONGEST_DAYS:
        raise RefusedError(f"Lukningen er længere end {LONGEST_DAYS} dage; del den op, eller ret datoerne.")
    # Closed from earlier today: closed from now, which is what staff mean.
    return Span(max(starts, local_now), ends, said)


def said(starts: datetime, ends: datetime) -> str:
    """A closure as staff read it: "mandag 19.07.2027 til og med søndag 25.07.2027", or with the hours
    "fredag 08.01.2027 kl. 12:00 til fredag 08.01.2027 kl. 14:00"."""
    if ends.time() == time() and ends > starts:
        return f"{_said(starts)} til og med {_said(ends - timedelta(days=1), day_only=True)}"
    return f"{_said(starts)} til {_said(ends)}"


def _said(at: datetime, *, day_only: bool = False) -> str:
    day = f"{WEEKDAYS[at.weekday()]} {at:%d.%m.%Y}"
    return day if day_only or at.time() == time() else f"{day} kl. {at:%H:%M}"


def _accepted(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(day)
    return day
