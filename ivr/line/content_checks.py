"""Checks across a whole content file, after each table has been read: the menus offer every section and no
key that does nothing, the closed notice stays short, and the sections say the whole leaflet."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from ivr.line import advice, spoken
from ivr.line.content import E164, TEMPLATES, Keys, LineInfo, Prompt, Section
from ivr.line.schedule import OpeningHours

# A problem as the content file's reader names it: (the key, what is wrong with it).
Problem = tuple[str, str]
# The closed notice is said before the menu: each of its sentences at most this many words, however long the
# next opening's date or the day's reason.
CLOSED_WORDS = 12
# How keys are said in the texts: "Tryk 1", "tryk stjerne", "firkant for menuen".
KEY_WORDS = {"stjerne": "*", "firkant": "#", **{digit: digit for digit in "0123456789"}}
_KEY = r"(\d|stjerne|firkant)"
# A Danish number has eight digits after +45; those starting 90 cost the caller extra (premium rate).
DANISH_DIGITS = 8
PREMIUM = "90"
# "Tryk 1", "Tryk 1 til 5", "tryk stjerne"; a key offered in a list: ", firkant for menuen", "eller 0 for".
_PROMISES = (
    re.compile(rf"\btryk\s+{_KEY}(?:\s+til\s+{_KEY})?\b"),
    re.compile(rf"(?:,|\beller|\bog)\s+{_KEY}(?:\s+til\s+{_KEY})?\s+for\b"),
)


def menus(keys: Keys, prompts: Mapping[str, Prompt], sections: Sequence[Section]) -> list[Problem]:
    """Name a section either menu does not offer, the secretariat's key offered there, and any key that does
    nothing in this line."""
    problems: list[Problem] = []
    section_keys = {section.key for section in sections}
    working = section_keys | {keys.transfer, keys.repeat, keys.main_menu} | {keys.slower, keys.sms} - {None}
    for prompt_id in ("main_menu", "section_menu"):
        offered = promised_keys(prompts[prompt_id].text)
        for key in sorted(section_keys - offered):
            title = next(section.title for section in sections if section.key == key)
            problems.append(
                (f"prompts.{prompt_id}", f'does not offer key {key} ("{title}"): callers never hear of it')
            )
        if keys.transfer in offered:
            problems.append(
                (
                    f"prompts.{prompt_id}",
                    f"offers key {keys.transfer} for the secretariat; leave that to prompts.transfer_offer, "
                    "which is said only while the secretariat is open",
                )
            )
    if keys.transfer not in promised_keys(prompts["transfer_offer"].text):
        problems.append(("prompts.transfer_offer", f"must offer key {keys.transfer} (keys.transfer)"))
    texts = [(f"prompts.{p.id}", p.text) for p in prompts.values()]
    texts += [(f"section {s.key}", s.prompt.text) for s in sections]
    for where, text in texts:
        problems += (
            (where, f"offers key {_said(key)}, which does nothing in this line")
            for key in sorted(promised_keys(text) - working)
        )
    return problems


def closed_words(hours: OpeningHours, templates: Mapping[str, str]) -> list[Problem]:
    """Name each sentence of the closed notice too long with the longest date and reason it can say."""
    # The longest next opening: a weekday and a date with the longest names, at the opening time.
    when = " ".join(("onsdag", "den enogtredivte", "september", spoken.clock(hours.opens)))
    reasons = [closed.reason for closed in hours.extra_closed if closed.reason]
    reason = max([*reasons, "anden påskedag"], key=lambda text: len(text.split()))
    problems: list[Problem] = []
    for name in TEMPLATES:
        template = templates.get(name, "")
        for sentence in re.split(r"(?<=[.!?])\s+", template.format(when=when, reason=reason)):
            if len(words := sentence.split()) > CLOSED_WORDS:
                said = f'says "{sentence}" ({len(words)} words); keep each sentence to {CLOSED_WORDS} words'
                problems.append((f"templates.{name}", said))
    return problems


def leaflet_coverage(
    line: LineInfo, sections: Sequence[Section], secretariat: Collection[object] = ()
) -> list[Problem]:
    """Name each sentence of the line's leaflet the sections do not say, and each line `leaflet_skip` leaves
    out that gives advice or a phone number other than the secretariat's (only contact details may go).

    `secretariat`: its numbers, the file's and any IVR_SECRETARIAT_NUMBER (which may differ on a test
    system)."""
    # Only files that name a leaflet need these (pypdf is slow to import).
    from ivr.line import coverage  # noqa: PLC0415
    from ivr.line.leaflet import LeafletError, read_leaflet  # noqa: PLC0415

    assert line.leaflet is not None
    try:
        raw = read_leaflet(line.leaflet).text
    except LeafletError as error:
        return [("line.leaflet", f"cannot be read: {error}")]
    said = [text for section in sections for text in (section.title, section.prompt.text)]
    problems = [
        ("sections", f'do not say this sentence of the leaflet: "{sentence}"')
        for sentence in coverage.uncovered(raw, said, line.leaflet_skip)
    ]
    for passage, entry in coverage.skipped(raw, line.leaflet_skip):
        others = [number for number in advice.phone_numbers(passage) if number not in secretariat]
        if advice.holds_advice(passage) or others:
            problems.append(
                (
                    "line.leaflet_skip",
                    f'"{entry}" udelader noget, opkalderne skal høre; kun kontaktoplysninger (sekretariatets'
                    " nummer, åbningstid, adresse, hjemmeside) må udelades, læg resten i et afsnit:"
                    f' "{passage}"',
                )
            )
    return problems


def secretariat_number(value: object, line_numbers: Sequence[str]) -> str | None:
    """What is wrong with the secretariat's number, if anything: not a number, the line's own (a call put
    through to itself), a short number or a premium-rate one (90xx), neither of which a call can be put to."""
    if not isinstance(value, str) or not E164.match(value):
        return f'must be a phone number like "+4597662400", not {value!r}'
    if value in line_numbers:
        return (
            f"{value} er linjens eget nummer (line.numbers): opkaldet ville blive stillet om til linjen selv"
        )
    danish = value.removeprefix("+45")
    if value.startswith("+45") and len(danish) != DANISH_DIGITS:
        return f"{value} er et kort nummer; sekretariatets nummer skal have {DANISH_DIGITS} cifre efter +45"
    if value.startswith("+45") and danish.startswith(PREMIUM):
        return f"{value} er et betalingsnummer ({PREMIUM}xx); brug sekretariatets almindelige nummer"
    return None


def promised_keys(text: str) -> set[str]:
    """Every key a text tells callers to press: "Tryk 1 til 5" is 1, 2, 3, 4 and 5."""
    found: set[str] = set()
    lowered = text.lower()
    for pattern in _PROMISES:
        for first, last in pattern.findall(lowered):
            start = KEY_WORDS[first]
            if last and start.isdigit() and KEY_WORDS[last].isdigit():
                found |= {str(n) for n in range(int(start), int(KEY_WORDS[last]) + 1)}
            else:
                found |= {start, *([KEY_WORDS[last]] if last else [])}
    return found


def _said(key: str) -> str:
    return {"*": "* (stjerne)", "#": "# (firkant)"}.get(key, key)
