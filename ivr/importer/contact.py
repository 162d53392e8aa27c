"""The leaflet's contact block: the secretariat's number and its opening days and hours."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ivr.line.phonenumbers import WRITTEN, from_written
from ivr.line.spoken import WEEKDAYS

NUMBER_TODO = "TODO: sekretariatets nummer stod ikke i folderen"
HOURS_TODO = "TODO: åbningstiden stod ikke i folderen"

# The secretariat's number as a contact block gives it: "Tlf. 78 45 12 00", "ring på +45 7845 1200".
_PHONE = re.compile(
    rf"(?:tlf|telefon|tel|ring(?:e)?(?:\s+på)?)\.?\s*(?:nr\.?|nummer)?\s*:?\s*{WRITTEN}(?![\d])",
    re.IGNORECASE,
)
_DAY = r"(?<![a-zæøå])(?:man|tirs?|ons|tors?|fre|lør|søn)(?:dag|dage)?(?![a-zæøå])\.?"
_DAYS = rf"(?:hverdage|{_DAY}(?:\s*(?:-|til|,|og)\s*{_DAY})*)"
_TIME = r"(\d{1,2})(?:[.:](\d{2}))?"
_HOURS = re.compile(
    rf"(?P<days>{_DAYS})\s*:?\s*(?:kl\.?|klokken)?\s*{_TIME}\s*(?:-|til)\s*(?:kl\.?\s*)?{_TIME}(?![\d])",
    re.IGNORECASE,
)
_DAY_TOKEN = re.compile(r"hverdage|man|tir|ons|tor|fre|lør|søn|-|til", re.IGNORECASE)
_PREFIXES = ("man", "tir", "ons", "tor", "fre", "lør", "søn")
_LAST_HOUR = 24


@dataclass(frozen=True)
class Hours:
    """Opening days (Danish names, Monday first) and times ("HH:MM"), or TODO values when not found."""

    days: tuple[str, ...]
    opens: str
    closes: str
    written: str = ""

    @property
    def found(self) -> bool:
        """Whether the leaflet's hours could be read."""
        return not self.opens.startswith("TODO")


def phone_number(text: str) -> str | None:
    """The first Danish phone number the text gives after "Tlf.", "Telefon" or "ring på", in E.164."""
    match = _PHONE.search(text)
    return from_written(match.group(1)) if match else None


def opening_hours(text: str) -> Hours:
    """The opening days and hours the text gives ("Mandag – fredag 10.00 – 14.00", "Man-tors kl. 9-12")."""
    found = [(days, times) for match in _HOURS.finditer(text) if (days := _days(match.group("days")))
             and (times := _times(match))]  # fmt: skip
    written = "; ".join(match.group(0) for match in _HOURS.finditer(text))
    if not found:
        return Hours((HOURS_TODO,), HOURS_TODO, HOURS_TODO, written)
    if len({times for _, times in found}) > 1:
        todo = f"TODO: folderen nævner flere åbningstider ({written}); vælg én"
        return Hours((todo,), todo, todo, written)
    days = sorted({day for found_days, _ in found for day in found_days})
    opens, closes = found[0][1]
    return Hours(tuple(WEEKDAYS[day] for day in days), opens, closes, written)


def _days(written: str) -> list[int]:
    """Weekday numbers (Monday 0) of "Mandag – fredag", "man, ons og fre", "hverdage"."""
    tokens = [token.lower() for token in _DAY_TOKEN.findall(written)]
    days: list[int] = []
    ranged = False
    for token in tokens:
        if token == "hverdage":
            days += range(5)
        elif token in {"-", "til"}:
            ranged = bool(days)
        else:
            day = _PREFIXES.index(token)
            days += range(days[-1] + 1, day + 1) if ranged and days[-1] < day else [day]
            ranged = False
    return days


def _times(match: re.Match[str]) -> tuple[str, str] | None:
    """The opening and closing times of a match as "HH:MM", if they make sense."""
    first, first_minutes, last, last_minutes = match.groups()[-4:]
    opens = (int(first), int(first_minutes or 0))
    closes = (int(last), int(last_minutes or 0))
    if not (opens < closes <= (_LAST_HOUR, 0)) or max(opens[1], closes[1]) > 59:
        return None
    return f"{opens[0]:02d}:{opens[1]:02d}", f"{closes[0]:02d}:{closes[1]:02d}"
