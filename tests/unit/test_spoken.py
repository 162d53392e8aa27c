"""Danish for the ear: next-opening phrases, opening hours and phone numbers."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from ivr.line import spoken

CPH = ZoneInfo("Europe/Copenhagen")
WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("opening", "phrase"),
    [
        (datetime(2026, 11, 25, 10, tzinfo=CPH), ("i dag", "klokken 10")),
        (datetime(2026, 11, 26, 10, tzinfo=CPH), ("i morgen", "klokken 10")),
        (datetime(2026, 11, 30, 10, tzinfo=CPH), ("på mandag", "klokken 10")),
        (datetime(2026, 12, 1, 10, tzinfo=CPH), ("på tirsdag", "klokken 10")),
        (datetime(2026, 12, 2, 10, tzinfo=CPH), ("onsdag", "den anden", "december", "klokken 10")),
        (datetime(2027, 1, 4, 10, tzinfo=CPH), ("mandag", "den fjerde", "januar", "klokken 10")),
        (datetime(2026, 12, 31, 10, tzinfo=CPH), ("torsdag", "den enogtredivte", "december", "klokken 10")),
        (datetime(2026, 11, 26, 9, 30, tzinfo=CPH), ("i morgen", "klokken 9.30")),
    ],
)
def test_next_opening_phrases(opening: datetime, phrase: tuple[str, ...]) -> None:
    # Each phrase is one audio fragment; the date is said with an ordinal day, as Danes say it.
    assert spoken.next_opening(opening, WEDNESDAY) == phrase


@pytest.mark.parametrize(
    ("day", "word"),
    [(1, "første"), (2, "anden"), (3, "tredje"), (11, "ellevte"), (20, "tyvende"), (30, "tredivte")],
)
def test_ordinal_days(day: int, word: str) -> None:
    assert spoken.ordinal(day) == word


def test_opening_hours_as_said() -> None:
    assert spoken.opening_hours(range(5), time(10), time(14)) == "mandag til fredag klokken 10 til 14"
    assert spoken.opening_hours([0, 2], time(8, 30), time(12)) == "mandag og onsdag klokken 8.30 til 12"
    assert spoken.day_list([0, 2, 4]) == "mandag, onsdag og fredag"


@pytest.mark.parametrize(
    ("number", "said"),
    [
        ("+4597662400", "syvoghalvfems, seksogtreds, fireogtyve, nul nul"),
        ("+4533050102", "treogtredive, nul fem, nul et, nul to"),
    ],
)
def test_phone_numbers_in_pairs(number: str, said: str) -> None:
    assert spoken.phone_number(number) == said
