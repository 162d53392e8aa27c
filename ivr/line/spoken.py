"""Danish for the ear: times, days, opening hours and phone numbers as a caller hears them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from ivr.line.phonenumbers import digit_pairs

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
# When the secretariat rings back a caller who asked in opening hours: it works through its list that day.
AS_SOON_AS_IT_CAN = "så snart det kan"


def clock(moment: time) -> str:
    """Say a time of day as in "klokken 10" or "klokken 9.30"."""
    if moment.minute == 0:
        return f"klokken {moment.hour}"
    return f"klokken {moment.hour}.{moment.minute:02d}"


def day_list(weekdays: Iterable[int]) -> str:
    """Say a set of weekdays: a run as "mandag til fredag", others as "mandag, onsdag og fredag"."""
    days = sorted(set(weekdays))
    if not days:
        return ""
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{WEEKDAYS[days[0]]} til {WEEKDAYS[days[-1]]}"
    names = [WEEKDAYS[d] for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def opening_hours(weekdays: Iterable[int], opens: time, closes: time) -> str:
    """Say the opening hours: "mandag til fredag klokken 10 til 14"."""
    return f"{day_list(weekdays)} {clock(opens)} til {clock(closes).removeprefix('klokken ')}"


def next_opening(opening: datetime, today: date) -> tuple[str, ...]:
    """Say when the next opening is, seen from `today` (both in the opening's local time), as phrases.

    Each phrase is one audio fragment ("i morgen", "klokken 10"), so a call with built audio says the whole
    sentence in one voice; joined with spaces they are the sentence Twilio's voice reads instead.
    """
    days = (opening.date() - today).days
    at = clock(opening.timetz())
    if days == 0:
        return ("i dag", at)
    if days == 1:
        return ("i morgen", at)
    weekday = WEEKDAYS[opening.weekday()]
    # A week or more away, a bare weekday would be ambiguous: name the date.
    if days < 7:
        return (f"på {weekday}", at)
    return (weekday, f"den {ordinal(opening.day)}", MONTHS[opening.month - 1], at)


def ordinal(day: int) -> str:
    """Say a day of the month as an ordinal: "første", "otteogtyvende", "enogtredivte"."""
    if day in _ORDINAL_FIXES:
        return _ORDINAL_FIXES[day]
    from num2words import num2words  # noqa: PLC0415  (as in _words)

    return str(num2words(day, lang="da", to="ordinal"))


# num2words 0.5 writes these two "tredivete" and "enogtredivete"; Retskrivningsordbogen has "tredivte".
_ORDINAL_FIXES = {30: "tredivte", 31: "enogtredivte"}


def between(opens: time, closes: time) -> str:
    """Say an opening window: "mellem klokken 10 og 14"."""
    return f"mellem {clock(opens)} og {clock(closes).removeprefix('klokken ')}"


def phone_pairs(e164: str) -> list[str]:
    """A Danish number's pairs as said: ["syvoghalvfems", "seksogtreds", "fireogtyve", "nul nul"]."""
    return [_pair(pair) for pair in digit_pairs(e164)]


def phone_number(e164: str) -> str:
    """Say a Danish phone number in pairs, as Danes do: "syvoghalvfems, seksogtreds, ..."."""
    return ", ".join(phone_pairs(e164))


def every_pair() -> list[str]:
    """Every two-digit pair as said in a number: "nul nul" to "nioghalvfems"."""
    return [_pair(f"{n:02d}") for n in range(100)]


def _pair(pair: str) -> str:
    """Say two digits as one number, but a leading zero digit by digit ("nul fem", "nul nul")."""
    if pair.startswith("0") or len(pair) == 1:
        return " ".join(_words(int(d)) for d in pair)
    return _words(int(pair))


def _words(number: int) -> str:
    """A number in Danish words."""
    from num2words import num2words  # noqa: PLC0415  (slow to import; the commands that never speak skip it)

    return str(num2words(number, lang="da"))
