"""Which callers can get an SMS: Danish mobile numbers, as Twilio sends them (E.164), and nothing else."""

from __future__ import annotations

import re

# The Danish numbering plan's series "fortrinsvis afsat til mobilkommunikation" (set aside mainly for mobile),
# as Styrelsen for Dataforsyning og Infrastruktur (SDFI) lists them on "Den samlede danske nummerplan",
# https://sdfi.dk/digital-infrastruktur/telefoni/numre/den-samlede-danske-nummerplan (read 2025):
# the series starting 2, 30, 31, 40-42, 50-53, 60, 61, 71, 81 and 91-93, and these three-digit series taken
# from the landline series for mobile use.
_SERIES = "2 30 31 40 41 42 50 51 52 53 60 61 71 81 91 92 93"
_THREE_DIGIT = (
    "342 344-349 356-357 359 362 365-366 389 398 431 441 462 466 468 472 474 476 478 485-486 488-489"
    " 493-496 498-499 542-543 545 551-552 556 571-574 577 579 584 586-587 589 597-598 627 629 641 649 658"
    " 662-665 667 692-694 697 771-772 782-783 785-786 788-789 826-827 829"
)
# "+45" and exactly eight ASCII digits (\d would also take other scripts' digits).
_DANISH = re.compile(r"\+45([0-9]{8})")


def _expand(ranges: str) -> frozenset[str]:
    """Return every prefix a list like "30 344-349" names."""
    prefixes: set[str] = set()
    for part in ranges.split():
        first, _, last = part.partition("-")
        prefixes.update(str(number) for number in range(int(first), int(last or first) + 1))
    return frozenset(prefixes)


MOBILE_PREFIXES = _expand(_SERIES) | _expand(_THREE_DIGIT)


def is_danish_mobile(number: str | None) -> bool:
    """Tell whether an E.164 number is a Danish mobile number; withheld, foreign and landline ones are not."""
    if not number:
        return False
    match = _DANISH.fullmatch(number)
    if match is None:
        return False
    digits = match[1]
    return any(digits[:length] in MOBILE_PREFIXES for length in (1, 2, 3))
