"""Checks across a whole content file, after each table has been read: the menus offer every section and no
key that does nothing, the closed notice stays short, the sections say the whole leaflet, and nothing in the
file can break a call (control characters, a document larger than Twilio takes)."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from xml.sax.saxutils import escape as xml_escape

from ivr.line import advice, phonenumbers, spoken
from ivr.line.content import OPTIONAL_TEMPLATES, TEMPLATES, Keys, LineInfo, Prompt, Section
from ivr.line.schedule import OpeningHours

# A problem as the content file's reader names it: (the key, what is wrong with it).
Problem = tuple[str, str]
# The closed notice is said before the menu: each of its sentences at most this many words, however long the
# next opening's date or the day's reason.
CLOSED_WORDS = 12
# How keys are said in the texts: "Tryk 1", "tryk stjerne", "firkant for menuen".
KEY_WORDS = {"stjerne": "*", "firkant": "#", **{digit: digit for digit in "0123456789"}}
_KEY = r"(\d|stjerne|firkant)"
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
    working = (
        section_keys | {keys.transfer, keys.repeat, keys.main_menu} | {keys.slower, keys.sms, keys.number}
    )
    working -= {None}
    for prompt_id in ("main_menu", "section_menu"):
        offered = promised_keys(prompts[prompt_id].text)
        for key in sorted(section_keys - offered):
            title = next(section.title for section in sections if section.key == key)
            problems.append(
                (
                    f"prompts.{prompt_id}",
                    f'tilbyder ikke tast {key} ("{title}"): opkalderne hører aldrig om den',
                )
            )
        if keys.transfer in offered:
            problems.append(
                (
                    f"prompts.{prompt_id}",
                    f"tilbyder tast {keys.transfer} til sekretariatet; det gør prompts.transfer_offer, "
                    "som kun siges, mens sekretariatet har åbent",
                )
            )
    if keys.transfer not in promised_keys(prompts["transfer_offer"].text):
        problems.append(("prompts.transfer_offer", f"skal tilbyde tast {keys.transfer} (keys.transfer)"))
    texts = [(f"prompts.{p.id}", p.text) for p in prompts.values()]
    texts += _section_texts(sections)
    for where, text in texts:
        problems += (
            (where, f"tilbyder tast {_said(key)}, som ikke gør noget på denne linje")
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
    for name in (*TEMPLATES, *OPTIONAL_TEMPLATES):
        template = templates.get(name, "")
        for sentence in re.split(r"(?<=[.!?])\s+", template.format(when=when, reason=reason)):
            if len(words := sentence.split()) > CLOSED_WORDS:
                said = f'siger "{sentence}" ({len(words)} ord); hold hver sætning på højst {CLOSED_WORDS} ord'
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
        return [("line.leaflet", f"kan ikke læses: {error}")]
    said = [text for section in sections for text in (section.title, section.prompt.text)]
    problems = [
        ("sections", f'siger ikke denne sætning fra folderen: "{sentence}"')
        for sentence in coverage.uncovered(raw, said, line.leaflet_skip)
    ]
    for passage, entry in coverage.skipped(raw, line.leaflet_skip):
        others = [number for number in phonenumbers.written_numbers(passage) if number not in secretariat]
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
    if not isinstance(value, str) or not phonenumbers.E164.match(value):
        return f'skal være et telefonnummer som "+4597662400", ikke {value!r}'
    if value in line_numbers:
        return (
            f"{value} er linjens eget nummer (line.numbers): opkaldet ville blive stillet om til linjen selv"
        )
    found = phonenumbers.kind(value)
    if found is phonenumbers.Kind.SHORT:
        digits = phonenumbers.DANISH_DIGITS
        return f"{value} er et kort nummer; sekretariatets nummer skal have {digits} cifre efter +45"
    if found is phonenumbers.Kind.PREMIUM:
        premium = phonenumbers.PREMIUM
        return f"{value} er et betalingsnummer ({premium}xx); brug sekretariatets almindelige nummer"
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


def _section_texts(sections: Sequence[Section]) -> list[tuple[str, str]]:
    """Each section's text with its key path in the file (the checks run only on a file read whole)."""
    return [(f"sections[{index}].text", section.prompt.text) for index, section in enumerate(sections)]


def _said(key: str) -> str:
    return {"*": "* (stjerne)", "#": "# (firkant)"}.get(key, key)


# Twilio refuses a TwiML document over 64 kB (its "TwiML document size" limit); a call would hear an error.
MAX_TWIML_BYTES = 64_000
# What a document holds besides the texts: the <Gather> markup, its action URL and speech hints.
MARKUP_BYTES = 4_000
# The prompts that may follow any text in one document: the menu, the offers.
TAIL = ("main_menu", "section_menu", "transfer_offer", "sms_offer", "speech_offer", "slower_offer")
# Line breaks and tabs are how multi-line texts are written; no other control character belongs in a text.
WHITESPACE = frozenset("\n\r\t")
# Characters that reorder what staff see (bidirectional overrides): a text could read one way and say another.
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def characters(data: Mapping[str, object]) -> list[Problem]:
    """Name every key and text holding a control character: one in a prompt makes every answer of the line
    malformed XML."""
    problems: list[Problem] = []
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                path = f"{where}.{key}" if where else str(key)
                if _hostile(str(key)) is not None:
                    problems.append((path, "har et kontroltegn i sit navn"))
                stack.append((path, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
        elif isinstance(value, str) and (found := _hostile(value)) is not None:
            problems.append((where, f"har kontroltegnet U+{ord(found):04X}; skriv kun almindelig tekst"))
    return sorted(problems)


def document_sizes(
    prompts: Mapping[str, Prompt], templates: Mapping[str, str], sections: Sequence[Section]
) -> list[Problem]:
    """Name every text that would make a call's TwiML document larger than Twilio takes, with the menu and
    offers said after it."""
    tail = sum(_xml_bytes(prompts[name].text) for name in TAIL if name in prompts)
    texts = [(f"prompts.{p.id}", p.text) for p in prompts.values()]
    texts += [(f"templates.{name}", text) for name, text in templates.items()]
    texts += _section_texts(sections)
    problems = []
    for where, text in texts:
        size = _xml_bytes(text) + tail + MARKUP_BYTES
        if size > MAX_TWIML_BYTES:
            problems.append(
                (
                    where,
                    f"er for lang: et opkalds TwiML-dokument ville fylde omkring {size // 1000} kB, og "
                    f"Twilio tager højst {MAX_TWIML_BYTES // 1000} kB; gør teksten kortere, eller del den i "
                    "flere afsnit",
                )
            )
    return problems


def unreadable(error: OSError) -> str:
    """Why a file or folder cannot be read, in Danish (the system's own words are English)."""
    if isinstance(error, PermissionError):
        return "kan ikke læses: der er ikke adgang til den"
    return f"kan ikke læses (fejl {error.errno})" if error.errno else "kan ikke læses"


def shown(text: str) -> str:
    """A key or problem as a terminal may print it: every control character escaped (\\x1b, \\u202e)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _hostile(text: str) -> str | None:
    """The first control character in `text` that is not a line break or tab, else None."""
    for char in text:
        if char in WHITESPACE:
            continue
        if unicodedata.category(char) in {"Cc", "Cs", "Co"} or char in BIDI or char in "\ufffe\uffff":
            return char
    return None


def _xml_bytes(text: str) -> int:
    """The bytes `text` takes in a TwiML document, escaped as XML."""
    return len(xml_escape(text, {'"': "&quot;"}).encode("utf-8"))


# tomllib's (English) messages, in plain Danish words for someone who edits texts, not TOML.
_SYNTAX_WORDS = (
    ("Unterminated string", 'en tekst er ikke afsluttet: der mangler " eller """ til sidst'),
    ("Illegal character", "et tegn, der ikke kan stå der (et linjeskift inde i en tekst på én linje?)"),
    ("Cannot overwrite a value", "den samme nøgle står to gange"),
    ("Cannot declare", "den samme tabel står to gange"),
    ("Expected '=' after a key", 'en nøgle skal have = og en værdi efter sig, fx closes = "14:00"'),
    ("Invalid value", "en værdi skal være en tekst i anførselstegn, et tal, true/false eller en liste i [ ]"),
    ("Unclosed array", "en liste er ikke afsluttet med ]"),
    ("Unclosed inline table", "en { }-tabel er ikke afsluttet med }"),
    ("Expected newline or end of document", "der står noget efter en værdi på samme linje"),
    ("Invalid statement", "en linje er hverken nøgle = værdi eller en [tabel]-overskrift"),
    (
        "Invalid initial character for a key",
        "en linje begynder med noget, ingen nøgle eller [tabel] kan begynde med",
    ),
    ("Expected ']' at the end of a table", "en [tabel]-overskrift er ikke afsluttet med ]"),
    ("Expected ']]' at the end of an array", "en [[tabel]]-overskrift er ikke afsluttet med ]]"),
    ("Cannot mutate immutable namespace", "en tabel, der er skrevet i { }, kan ikke udvides senere"),
    ("Cannot redefine namespace", "den samme tabel står to gange"),
    ("Duplicate inline table key", "den samme nøgle står to gange i en { }-tabel"),
    ("Escaped character is not a Unicode", "en \\u-kode i en tekst er ikke et tegn"),
    ("Invalid hex value", "en \\u-kode i en tekst er ikke gyldig"),
    ("Found invalid character", "et tegn, der ikke kan stå der"),
    ("Invalid date or datetime", "en dato eller et klokkeslæt er ikke gyldigt"),
    ("Unescaped '\\'", "en \\ i en tekst skal skrives \\\\"),
    ("Expected", "der mangler et tegn her (et komma, en ] eller en })"),
)


def syntax_problem(error: tomllib.TOMLDecodeError) -> tuple[str, str]:
    """Name where and what is wrong: ("linje 12, kolonne 9", "er ikke gyldig TOML: en tekst er ikke ...")."""
    message = str(error)
    where = re.search(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)", message)
    place = (
        "(filen)"
        if where is None
        else f"linje {where[1]}, kolonne {where[2]}"
        if where[1]
        else "filens slutning"
    )
    detail = message[: where.start()] if where else message
    plain = next((words for start, words in _SYNTAX_WORDS if detail.startswith(start)), None)
    # A message with no Danish words here is quoted as tomllib gives it, marked as its words.
    return (
        place,
        f"er ikke gyldig TOML: {plain}" if plain else f"er ikke gyldig TOML (TOML-læseren skriver: {detail})",
    )
