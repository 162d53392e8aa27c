"""Reading the days and moments people type: one reader each, for commands and pages alike (refusals in
Danish: staff type these)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click

# The years the line reckons with. Far from date's own limits, so that a time zone, a day added to an
# `until` or a year's search for the next opening can never overflow.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
ACCEPTED = f"mellem {EARLIEST} og {LATEST}"
DAY_FORM = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# ISO 8601 as people write it: a day, T, hours and minutes; seconds and an offset (or Z) if they like.
MOMENT_FORM = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?", re.ASCII
)


def check_day(day: date) -> date:
    """Return `day` if it lies between EARLIEST and LATEST, else raise ValueError saying so."""
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{day} ligger uden for de dage, linjen regner med: {ACCEPTED}")
    return day


def read_day(text: str) -> date:
    """Read a day written YYYY-MM-DD between EARLIEST and LATEST; raise ValueError naming the form."""
    try:
        if DAY_FORM.fullmatch(text):
            return check_day(date.fromisoformat(text))
    except ValueError:
        pass
    raise ValueError(f"{text!r} er ikke en dag skrevet ÅÅÅÅ-MM-DD {ACCEPTED}, fx 2026-11-25")


def read_moment(text: str, zone: ZoneInfo) -> datetime:
    """Read YYYY-MM-DDTHH:MM[:SS][offset] between EARLIEST and LATEST; no offset means `zone`'s time."""
    form = MOMENT_FORM.fullmatch(text)
    try:
        if form:
            # The day as written is checked before any conversion, which could overflow near year 1.
            check_day(date.fromisoformat(form["day"]))
            at = datetime.fromisoformat(text)
            return at if at.tzinfo else at.replace(tzinfo=zone)
    except ValueError:
        pass
    raise ValueError(f"{text!r} er ikke et tidspunkt skrevet som 2026-11-25T11:00 (ISO 8601) {ACCEPTED}")


class DayType(click.ParamType):
    """A command option holding a day, read with `read_day`."""

    name = "day"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> date:
        """Read the option's text, or stop the command (exit 2) naming the option and the accepted days."""
        if isinstance(value, date):
            return value
        try:
            return read_day(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


DAY = DayType()


def option_moment(text: str | None, zone: ZoneInfo, option: str = "--at") -> datetime | None:
    """Read a command's moment option in `zone` (None when not given), or stop with exit 2 naming it."""
    # Not a ParamType: the zone comes from the content, which the command loads after parsing its options.
    if text is None:
        return None
    try:
        return read_moment(text, zone)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=f"'{option}'") from None
