"""The draft written as a content file: TOML in the order and with the comments staff know."""

from __future__ import annotations

import re
from datetime import date

from ivr.importer.draft import Draft

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# The answer to an urgent word, for when the line is given phrases and listens for speech: the clinic
# writes its advice from its own leaflet, so the draft only names what is needed (as comments: a line
# that does not listen never says them, and the draft stays a line `ivr check` accepts).
URGENT_DRAFT = (
    "# Når afsnittene får phrases (linjen lytter efter tale), skal der også være [phrases] urgent",
    "# (hasteord) og disse to: urgent siges først og kan ikke afbrydes; after_problems er klinikkens",
    "# egne råd ved problemer efter indgrebet, kun med folderens ord.",
    '# urgent = "Haster det, så læg på og ring 1-1-2 nu."',
    '# after_problems = "TODO: klinikkens råd ved problemer efter indgrebet, med folderens ord"',
)


def render(draft: Draft, source: str, today: date) -> str:
    """The draft content file's text."""
    lines = [
        f"# KLADDE lavet af `ivr import` fra {source} {today.isoformat()}:",
        "# en kliniker skal læse den igennem, rette teksterne til for øret og fjerne disse linjer,",
        "# før linjen tages i brug.",
        "# Værdier der begynder med TODO stod ikke i folderen: `ivr check` melder dem, til de er udfyldt.",
        "# Bagefter: ivr check --content <denne fil>",
        "",
        "[line]",
        f"id = {string(draft.line_id)}",
        f"name = {string(draft.name)}",
        f"numbers = {array(draft.numbers)}",
        f"leaflet = {string(draft.leaflet)}",
    ]
    if draft.leaflet_skip:
        lines += [
            "# Linjer og afsnit i folderen, der ikke læses op: kun kontaktoplysninger (nummer, åbningstid,",
            "# adresse, hjemmeside), for linjen siger selv sekretariatets nummer og åbningstid.",
            "# Står der råd her (feber, blødning, 112, 1813, medicin, bilkørsel), afviser `ivr check` filen.",
            f"leaflet_skip = {array(draft.leaflet_skip)}",
        ]
    lines += ["", "[secretariat]", f"number = {string(draft.secretariat)}", "", "[hours]"]
    if draft.hours.written:
        lines.append(f"# Folderen skriver: {_comment(draft.hours.written)}")
    lines += [
        'timezone = "Europe/Copenhagen"',
        f"days = {array(draft.hours.days)}",
        f"opens = {string(draft.hours.opens)}",
        f"closes = {string(draft.hours.closes)}",
        '# Klinikkens egne lukkedage ud over helligdagene: "12-31" hvert år, "2027-06-04" én gang, eller en',
        '# periode "2027-07-05..2027-07-30". Med en grund, som opkalderne hører på dagen:',
        '# { days = "2027-07-05..2027-07-30", reason = "sommerferie" }. Se docs/staff.md.',
        "extra_closed_days = []",
        "",
        "[keys]",
        'transfer = "0"',
        'repeat = "*"',
        'main_menu = "#"',
        "",
        "[prompts]",
        *(f"{key} = {text(value)}" for key, value in draft.prompts.items()),
        *URGENT_DRAFT,
        "",
        "[templates]",
        'closed = "Sekretariatet har lukket og åbner igen {when}."',
        'closed_today = "I dag er det {reason}, så sekretariatet har lukket. Det åbner igen {when}."',
        "",
        "# Folderen i sin egen rækkefølge; hvert afsnit læses op, når der trykkes på dets tast.",
        *(f"# {_comment(note)}" for note in draft.notes),
    ]
    for section in draft.sections:
        lines += [
            "",
            "[[sections]]",
            f"key = {string(section.key)}",
            f"title = {string(section.title)}",
            f"text = {text(section.text)}",
        ]
    return "\n".join(lines) + "\n"


def string(value: str) -> str:
    """A TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{_controls(escaped)}"'


def text(value: str) -> str:
    """A TOML string: a multi-line basic string when the value has several lines."""
    if "\n" not in value:
        return string(value)
    escaped = _controls(value.replace("\\", "\\\\").replace('"', '\\"'))
    return f'"""\n{escaped}\n"""'


def array(values: tuple[str, ...]) -> str:
    """A TOML array of strings."""
    return "[" + ", ".join(string(value) for value in values) + "]"


def _controls(value: str) -> str:
    """Control characters (other than a line break) escaped, as TOML requires."""
    return _CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", value)


def _comment(value: str) -> str:
    """Text safe on one comment line."""
    return " ".join(value.split())
