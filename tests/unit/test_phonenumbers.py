"""Danish phone numbers, read and sorted in one place (ivr/line/phonenumbers.py)."""

from __future__ import annotations

import pytest

from ivr.line.phonenumbers import Kind, digit_pairs, kind, typed_number, written_numbers


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+4578451200", Kind.SUBSCRIBER),
        ("+4520304050", Kind.SUBSCRIBER),
        ("+451813", Kind.SHORT),
        ("+45112", Kind.SHORT),
        ("+457845120", Kind.SHORT),  # seven digits
        ("+45784512000", Kind.SHORT),  # nine
        ("+4590123456", Kind.PREMIUM),
        ("+4511223344", Kind.SERVICE),
        ("+4580123456", Kind.SUBSCRIBER),  # freephone: a call can be put through to it
        ("+46701234567", Kind.FOREIGN),
        ("+298201234", Kind.FOREIGN),
    ],
)
def test_kinds(number: str, expected: Kind) -> None:
    assert kind(number) is expected


def test_numbers_as_a_leaflet_writes_them() -> None:
    text = "Ring på tlf. 78 45 12 00 eller +45 7845 1201 og 0045 78451202; ikke 1.250,00 kr. eller 1813."
    assert written_numbers(text) == ["+4578451200", "+4578451201", "+4578451202"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+45 78 78 78 78", "+4578787878"),
        ("78787878", "+4578787878"),
        ("0045 7878-7878", "+4578787878"),
        ("+46701234567", "+46701234567"),
        ("7878", None),
        ("tlf. 78787878", None),
        ("+45７8787878", None),  # a full-width digit
    ],
)
def test_numbers_as_staff_type_them(typed: str, expected: str | None) -> None:
    assert typed_number(typed) == expected


@pytest.mark.parametrize(
    ("number", "pairs"),
    [
        ("+4597662400", ["97", "66", "24", "00"]),
        ("+4520304050", ["20", "30", "40", "50"]),
        ("+46701234567", ["46", "70", "12", "34", "56", "7"]),  # foreign: every digit, country code too
    ],
)
def test_numbers_in_pairs_as_danes_say_them(number: str, pairs: list[str]) -> None:
    assert digit_pairs(number) == pairs
