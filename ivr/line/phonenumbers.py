"""Danish phone numbers, read and sorted in one place: as a leaflet writes them ("78 45 12 00"), as staff type
them ("+45 78 78 78 78", "0045 78787878"), as Twilio sends them (E.164); and what kind each is: a subscriber's
(which the line may ring back or text), a short or service number, a premium-rate one (90xx), a foreign one.

Written by hand rather than with libphonenumber (`phonenumbers` on PyPI): the line needs Denmark's plan only,
eight digits after +45 with no area codes, and the mobile series as the Danish regulator lists them; the
library's metadata for every country would cost each worker memory for a handful of rules.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import Enum

COUNTRY = "+45"
# A Danish number as Twilio sends it (+45 and eight digits) or a caller keys it in (eight digits).
DANISH_DIGITS = 8
# Any number as Twilio sends it: "+", a country code and the subscriber's digits.
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# A Danish number as a leaflet writes it: "78 45 12 00", "+45 7845 1200", "0045 78451200", "78451200"; the
# eight digits (spaces allowed in pairs) are the first group.
WRITTEN = r"(?:(?:\+|00)\s*45\s*)?(\d{2}\s?\d{2}\s?\d{2}\s?\d{2})"
# The same inside running text: not part of a longer number, a price ("1.250,00") or a date.
IN_TEXT = re.compile(rf"(?<![\d,.]){WRITTEN}(?![\d,])")
# Leading digits of eight-digit Danish numbers that reach a service rather than a person: 0 and 1 start short
# and service numbers (112, 114, 1810); 90 is the premium-rate series ("overtakserede tjenester", 90xx xxxx).
SERVICE = ("0", "1")
PREMIUM = "90"
# "+45" and exactly eight ASCII digits (\d would also take other scripts' digits).
_DANISH = re.compile(r"\+45([0-9]{8})")

# The Danish numbering plan's series "fortrinsvis afsat til mobilkommunikation" (set aside mainly for mobile),
# as Styrelsen for Dataforsyning og Infrastruktur (SDFI) lists them on "Den samlede danske nummerplan",
# https://sdfi.dk/digital-infrastruktur/telefoni/numre/den-samlede-danske-nummerplan (read 2025):
# the series starting 2, 30, 31, 40-42, 50-53, 60, 61, 71, 81 and 91-93, and these three-digit series taken
# from the landline series for mobile use.
_MOBILE_SERIES = "2 30 31 40 41 42 50 51 52 53 60 61 71 81 91 92 93"
_MOBILE_THREE_DIGIT = (
    "342 344-349 356-357 359 362 365-366 389 398 431 441 462 466 468 472 474 476 478 485-486 488-489"
    " 493-496 498-499 542-543 545 551-552 556 571-574 577 579 584 586-587 589 597-598 627 629 641 649 658"
    " 662-665 667 692-694 697 771-772 782-783 785-786 788-789 826-827 829"
)


class Kind(Enum):
    """What a number in E.164 reaches."""

    SUBSCRIBER = "subscriber"  # a Danish person or business: eight digits, not a service or premium series
    SHORT = "short"  # Danish, but not eight digits (112, 1813)
    SERVICE = "service"  # eight digits starting 0 or 1
    PREMIUM = "premium"  # 90xx xxxx: costs the caller extra
    FOREIGN = "foreign"  # not +45


def kind(number: str) -> Kind:
    """What kind of number `number` (E.164) is."""
    if not number.startswith(COUNTRY):
        return Kind.FOREIGN
    digits = danish_digits(number)
    if digits is None:
        return Kind.SHORT
    if digits.startswith(PREMIUM):
        return Kind.PREMIUM
    if digits.startswith(SERVICE):
        return Kind.SERVICE
    return Kind.SUBSCRIBER


def danish_digits(number: str) -> str | None:
    """The eight digits after +45 of a Danish number in E.164, else None."""
    match = _DANISH.fullmatch(number)
    return match[1] if match else None


def callable_number(text: str, never: Collection[str] = ()) -> str | None:
    """The number in E.164 ("+4520304050") when the line may ring or text it; None for anything else:
    foreign, withheld, short, premium-rate, or one of `never` (given in E.164).

    `text` is as Twilio sends it (E.164) or as a caller keys it in (eight digits)."""
    number = text if text.startswith(COUNTRY) else COUNTRY + text
    if kind(number) is not Kind.SUBSCRIBER or number in never:
        return None
    return number


def _expand(ranges: str) -> frozenset[str]:
    """Return every prefix a list like "30 344-349" names."""
    prefixes: set[str] = set()
    for part in ranges.split():
        first, _, last = part.partition("-")
        prefixes.update(str(number) for number in range(int(first), int(last or first) + 1))
    return frozenset(prefixes)


MOBILE_PREFIXES = _expand(_MOBILE_SERIES) | _expand(_MOBILE_THREE_DIGIT)


def is_danish_mobile(number: str | None) -> bool:
    """Tell whether an E.164 number is a Danish mobile number; withheld, foreign and landline ones are not."""
    digits = danish_digits(number) if number else None
    return digits is not None and any(digits[:length] in MOBILE_PREFIXES for length in (1, 2, 3))


def from_written(digits: str) -> str:
    """A number matched by `WRITTEN` (its eight digits, perhaps spaced) in E.164."""
    return COUNTRY + re.sub(r"\s", "", digits)


def written_numbers(text: str) -> list[str]:
    """The Danish phone numbers a text gives, in E.164."""
    return [from_written(match.group(1)) for match in IN_TEXT.finditer(text)]


def digit_pairs(number: str) -> list[str]:
    """The number's digits in pairs as Danes say and dial them, after +45 for a Danish number:
    "+4597662400" -> ["97", "66", "24", "00"]."""
    digits = "".join(char for char in number if char.isdigit())
    if number.startswith(COUNTRY) and len(digits) == len(COUNTRY) - 1 + DANISH_DIGITS:
        digits = digits[len(COUNTRY) - 1 :]
    return [digits[index : index + 2] for index in range(0, len(digits), 2)]


def typed_number(written: str) -> str | None:
    """A number as staff type it, in E.164: "+45 78 78 78 78", "78787878" and "0045 7878-7878" become
    "+4578787878"; None when it is no phone number."""
    number = re.sub(r"[\s-]", "", written)
    if number.isdigit() and len(number) == DANISH_DIGITS:
        number = COUNTRY + number
    if number.startswith("00"):
        number = "+" + number[2:]
    return number if E164.match(number) and number.isascii() else None
