"""Which numbers the line may ever ring back or text: a Danish subscriber's, and never one that costs the
clinic more than a call, reaches a service rather than a person, or rings the secretariat or the line."""

from __future__ import annotations

from collections.abc import Collection

# A Danish number as Twilio sends it (+45 and eight digits) or a caller keys it in (eight digits).
DANISH_DIGITS = 8
# Leading digits of Danish numbers that are not a subscriber's to call back: 0 and 1 start short and service
# numbers (112, 114, 1810), 90 the premium-rate series ("overtakserede tjenester", 90xx xxxx).
NOT_SUBSCRIBERS = ("0", "1", "90")


def callable_number(text: str, never: Collection[str] = ()) -> str | None:
    """The number in E.164 ("+4520304050") when the line may ring or text it; None for anything else:
    foreign, withheld, short, premium-rate, or one of `never` (given in E.164)."""
    digits = text.removeprefix("+45") if text.startswith("+45") else text
    if len(digits) != DANISH_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    if digits.startswith(NOT_SUBSCRIBERS):
        return None
    number = "+45" + digits
    return None if number in never else number
