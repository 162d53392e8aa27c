"""The line's words and menu, loaded from one data file and checked before a caller hears them."""

from __future__ import annotations

import difflib
import re
import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.line import spoken
from ivr.line.keypad import KEYPAD
from ivr.line.schedule import ClosedDay, OpeningHours

# Every system prompt the call flow uses; a missing one is a content error, not a silent gap.
SYSTEM_PROMPTS = (
    "welcome",
    "main_menu",
    "transfer_offer",
    "section_menu",
    "invalid",
    "silence",
    "goodbye",
    "goodbye_failed",
    "transfer",
    "transfer_failed",
    "transfer_loop",
    "error",
)
# Said only where the line offers them: speech (sections with `phrases`) and slower speech (`keys.slower`).
SPEECH_PROMPTS = ("speech_offer", "not_understood")
SLOWER_PROMPTS = ("slower_offer", "slower_on", "slower_off")
# Said only where the line takes callback requests (IVR_CALLBACK_KEY set, and these texts in the file).
CALLBACK_PROMPTS = ("callback_offer", "callback_enter", "callback_bad_number")
# Said only where the line sends its leaflet by SMS (`line.leaflet_url`, `keys.sms` and SMS settings).
SMS_PROMPTS = ("sms_offer", "sms_sent", "sms_not_sent")
# The actions a caller may name instead of pressing their key, as `[phrases]` names them.
ACTIONS = ("transfer", "repeat", "main_menu", "slower", "sms")
# Sentences with a part worked out during the call; each is said as audio fragments (see Content.fragments).
TEMPLATES = {"closed": {"when"}, "closed_today": {"reason", "when"}}
# Templates only a line that understands speech needs: asking back when unsure ("Mente du komplikationer?").
SPEECH_TEMPLATES = {"confirm": {"choice"}}
# The callback's sentences: the number read back in pairs, and when the secretariat will ring.
CALLBACK_TEMPLATES = {"callback_confirm": {"number"}, "callback_done": {"when"}, "callback_already": {"when"}}
# The SMS itself, with the leaflet's link: not spoken.
SMS_TEMPLATES = {"sms_text": {"url"}}
# The closed notice is said before the menu: each of its sentences at most this many words, however long the
# next opening's date or the day's reason.
CLOSED_WORDS = 12
PLACEHOLDERS = {"hours", "phone"}
SECTION_KEYS = tuple("123456789")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
LINE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# Every table and key the file may hold; anything else is a typo that would otherwise be ignored in silence
# (a misspelt `extra_closed_days` once put callers through on 24 December).
SCHEMA: dict[str, tuple[str, ...]] = {
    "line": ("id", "name", "numbers", "default", "leaflet", "leaflet_skip", "leaflet_url"),
    "secretariat": ("number",),
    "hours": ("timezone", "days", "opens", "closes", "extra_closed_days"),
    "keys": ("transfer", "repeat", "main_menu", "slower", "sms"),
    "prompts": SYSTEM_PROMPTS + SPEECH_PROMPTS + SLOWER_PROMPTS + CALLBACK_PROMPTS + SMS_PROMPTS,
    "templates": tuple(TEMPLATES)
    + tuple(SPEECH_TEMPLATES)
    + tuple(CALLBACK_TEMPLATES)
    + tuple(SMS_TEMPLATES),
    "phrases": ACTIONS,
    "sections": ("key", "title", "text", "phrases"),
}
CLOSED_DAY_KEYS = ("days", "reason")
# The id suffix of a prompt's slow variant: "welcome_slow".
SLOW = "_slow"
# The id prefix of a fragment's prompt: "fragment_i_morgen".
FRAGMENT = "fragment_"
# A value `ivr import` could not fill in starts with this, and stays a problem until someone does.
TODO = "TODO"
# How keys are said in the texts: "Tryk 1", "tryk stjerne", "firkant for menuen".
KEY_WORDS = {"stjerne": "*", "firkant": "#", **{digit: digit for digit in "0123456789"}}
_KEY = r"(\d|stjerne|firkant)"
# "Tryk 1", "Tryk 1 til 5", "tryk stjerne"; a key offered in a list: ", firkant for menuen", "eller 0 for".
_PROMISES = (
    re.compile(rf"\btryk\s+{_KEY}(?:\s+til\s+{_KEY})?\b"),
    re.compile(rf"(?:,|\beller|\bog)\s+{_KEY}(?:\s+til\s+{_KEY})?\s+for\b"),
)
# The shipped file is about 6 KB. Anything beyond this is a mistake (or a hostile file): refused before it is
# read, so `ivr check`, start-up and /healthz stay quick (TOML of this size parses in a quarter of a second).
MAX_CONTENT_BYTES = 256 * 1024


def default_path() -> Path:
    """Return the content file shipped inside the package."""
    return Path(str(resources.files("ivr") / "lines" / "rodblokade.toml"))


@dataclass(frozen=True)
class Prompt:
    """One thing the line says, by id."""

    id: str
    text: str
    # A sentence worked out during the call is said as fragments, each its own audio; `text` is the whole
    # sentence, read by Twilio's voice when any fragment lacks fresh audio (never half in one voice).
    parts: tuple[Prompt, ...] = ()
    # Said more slowly: a caller asked for slower speech (built audio slowed down, <Say> at a slower rate).
    slow: bool = False
    # Holds a caller's own data (their number read back): never kept in a cache of rendered documents.
    private: bool = False

    def slowed(self) -> Prompt:
        """The same words said more slowly, with their own audio (id + "_slow")."""
        if self.slow:
            return self
        parts = tuple(part.slowed() for part in self.parts)
        return Prompt(self.id + SLOW, self.text, parts, slow=True, private=self.private)


@dataclass(frozen=True)
class Section:
    """One leaflet section, read when its key is pressed."""

    key: str
    title: str
    prompt: Prompt
    # Words and phrasings callers use for this section when they speak instead of pressing its key.
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LineInfo:
    """Which line this is, the numbers that reach it, and the leaflet it speaks."""

    id: str
    name: str
    numbers: tuple[str, ...] = ()
    default: bool = False
    leaflet: Path | None = None
    leaflet_skip: tuple[str, ...] = ()
    # The leaflet on the hospital's web site: sent by SMS to callers who ask (key 8).
    leaflet_url: str | None = None


@dataclass(frozen=True)
class Keys:
    """Keys that mean the same everywhere in a call, besides the section keys."""

    transfer: str
    repeat: str
    main_menu: str
    # Slower speech for the rest of the call, and back; None where the line does not offer it.
    slower: str | None = None
    # The leaflet's link by SMS; None where the line does not send it.
    sms: str | None = None


@dataclass(frozen=True)
class Content:
    """Everything the line says, its menu, the opening hours and the secretariat's number."""

    source: Path
    line: LineInfo
    number: str
    hours: OpeningHours
    keys: Keys
    sections: tuple[Section, ...]
    prompts: Mapping[str, Prompt]
    templates: Mapping[str, str]
    # The actions' phrases, by action ("transfer", ...): with the sections', what speech is matched against.
    action_phrases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _by_key: Mapping[str, Section] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {section.key: section for section in self.sections})

    def prompt(self, prompt_id: str) -> Prompt:
        """Return a system prompt by id."""
        return self.prompts[prompt_id]

    def section(self, key: str) -> Section | None:
        """Return the section read for `key`, if any."""
        return self._by_key.get(key)

    @property
    def sends_sms(self) -> bool:
        """Tell whether the file can send its leaflet by SMS (the deployment must be able to send, too)."""
        return self.line.leaflet_url is not None and self.keys.sms is not None

    def sms_text(self) -> str:
        """The SMS a caller gets: the template with the leaflet's link."""
        assert self.line.leaflet_url is not None
        return self.templates["sms_text"].format(url=self.line.leaflet_url)

    @property
    def offers_callbacks(self) -> bool:
        """Tell whether the file has the callback's texts (the deployment must also have IVR_CALLBACK_KEY)."""
        return "callback_offer" in self.prompts

    def callback_confirm(self, number: str) -> Prompt:
        """Read the number back in pairs, as Danes say them: "ringer til syvoghalvfems, seksogtreds, ..."."""
        pairs = tuple(spoken.phone_pairs(number))
        return self._sentence("callback_confirm", {"number": pairs}, private=True, joiner=", ")

    def callback_when(self, name: str, when: Sequence[str]) -> Prompt:
        """Say when the secretariat rings: "Sekretariatet ringer dig op i morgen mellem klokken 10 og 14."."""
        return self._sentence(name, {"when": when})

    @property
    def understands_speech(self) -> bool:
        """Tell whether callers may say what they want (the sections have phrases)."""
        return any(section.phrases for section in self.sections)

    def phrases(self) -> dict[str, tuple[str, ...]]:
        """Every choice's phrases by the key it stands for: the sections', then the actions'."""
        found = {section.key: section.phrases for section in self.sections if section.phrases}
        for action, said in self.action_phrases.items():
            key = getattr(self.keys, action)
            if key is not None and said:
                found[key] = said
        return found

    def choice_words(self) -> dict[str, str]:
        """How the line names each choice when it asks back: "Mente du komplikationer?"."""
        names = {section.key: _lowered(section.title) for section in self.sections}
        keys = self.keys
        names |= {keys.transfer: "sekretariatet", keys.repeat: "at høre det igen", keys.main_menu: "menuen"}
        if keys.slower is not None:
            names[keys.slower] = "langsommere tale"
        if keys.sms is not None:
            names[keys.sms] = "folderen som SMS"
        return names

    def confirm(self, key: str) -> Prompt:
        """Ask whether the caller meant `key`'s choice, in fragments: "Mente du" + "komplikationer" + ..."""
        return self._sentence("confirm", {"choice": (self.choice_words()[key],)})

    def all_prompts(self) -> list[Prompt]:
        """Return every static prompt: the system prompts, then the sections in leaflet order."""
        return [*self.prompts.values(), *(section.prompt for section in self.sections)]

    def closed(self, when: Sequence[str], reason: str | None = None) -> Prompt:
        """Say that the secretariat is closed, why when today is a closed opening day, and when it opens.

        "Sekretariatet har lukket og åbner igen i morgen klokken 10.", or with a reason: "I dag er det
        juleaften, så sekretariatet har lukket. Det åbner igen mandag den otteogtyvende december klokken 10."
        """
        if reason is None:
            return self._sentence("closed", {"when": when})
        return self._sentence("closed_today", {"reason": (reason,), "when": when})

    def audio_prompts(self) -> list[Prompt]:
        """Every prompt with audio of its own: the static prompts, then every fragment (see `fragments`)."""
        return list(self._audio_prompts)

    @cached_property
    def _audio_prompts(self) -> tuple[Prompt, ...]:
        # Made once: /healthz asks for every line's on every look, and 50 lines' took 0.2 s to make each time.
        from ivr.line.schedule import holiday_names  # noqa: PLC0415  (imports the holidays package)

        this_year = date.today().year
        prompts = [*self.all_prompts(), *self.fragments(holiday_names(range(this_year, this_year + 2)))]
        if self.keys.slower is None:
            return tuple(prompts)
        # A line offering slower speech has every prompt and fragment built slowly too, each right after its
        # usual pace, so that a build synthesizes the words once for both.
        return tuple(variant for prompt in prompts for variant in (prompt, prompt.slowed()))

    def fragments(self, reasons: Iterable[str] = ()) -> list[Prompt]:
        """Every fragment the call's worked-out sentences are made of, to be built as audio.

        `reasons`: the public holidays' names (the schedule knows them); the clinic's own reasons are added.
        """
        hours = self.hours
        days = sorted(hours.weekdays)
        phrases = [
            "i dag",
            "i morgen",
            *(f"på {spoken.WEEKDAYS[day]}" for day in days),
            *(spoken.WEEKDAYS[day] for day in days),
            *(f"den {spoken.ordinal(day)}" for day in range(1, 32)),
            *spoken.MONTHS,
            spoken.clock(hours.opens),
            *reasons,
            *(closed.reason for closed in hours.extra_closed if closed.reason),
            *(self.choice_words().values() if "confirm" in self.templates else ()),
            *(self._callback_phrases() if self.offers_callbacks else ()),
        ]
        for template in self.templates.values():
            phrases += _literals(template)
        unique = dict.fromkeys(_fragment(phrase) for phrase in phrases)
        return list(unique)

    def _callback_phrases(self) -> list[str]:
        """Every pair of digits as said in a number, and the opening hours as a window."""
        return [*spoken.every_pair(), spoken.between(self.hours.opens, self.hours.closes)]

    def _sentence(
        self, name: str, phrases: Mapping[str, Sequence[str]], *, private: bool = False, joiner: str = " "
    ) -> Prompt:
        template = self.templates[name]
        text = template.format_map({field_name: joiner.join(said) for field_name, said in phrases.items()})
        parts: list[Prompt] = []
        for literal, field_here, _, _ in string.Formatter().parse(template):
            parts += (_fragment(piece) for piece in _pieces(literal))
            if field_here:
                parts += (_fragment(phrase) for phrase in phrases[field_here])
        return Prompt(name, text, tuple(parts), private=private)


def _lowered(title: str) -> str:
    """A title as it reads mid-sentence: "Komplikationer" -> "komplikationer" (not "KOL" or "Lidokain")."""
    first = title.split(" ", 1)[0]
    return title if first.isupper() or len(first) < 2 else title[:1].lower() + title[1:]


def _pieces(literal: str) -> list[str]:
    """A template's fixed text as fragments, a sentence each, without the punctuation at their edges.

    "., så sekretariatet har lukket. Det åbner igen " -> ["så sekretariatet har lukket", "Det åbner igen"]
    """
    pieces = (piece.strip().strip(",;:").strip() for piece in re.split(r"[.!?]+(?:\s|$)", literal))
    return [piece for piece in pieces if piece]


def _literals(template: str) -> list[str]:
    return [piece for literal, _, _, _ in string.Formatter().parse(template) for piece in _pieces(literal)]


_SLUG = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def _fragment(phrase: str) -> Prompt:
    """One fragment, named after its words so the same words are one file: "i morgen" -> fragment_i_morgen."""
    slug = re.sub(r"[^a-z0-9]+", "_", phrase.lower().translate(_SLUG)).strip("_")
    return Prompt(f"{FRAGMENT}{slug}", phrase)


class ContentError(Exception):
    """The content file has problems; each names the file, the key and what is wrong."""

    def __init__(self, source: Path, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {key}: {problem}" for key, problem in problems))


def load_content(path: Path | None = None, number: str | None = None, *, leaflet: bool = False) -> Content:
    """Load and validate the content file; `number` overrides the secretariat's number.

    `leaflet`: also check that the sections say every sentence of the leaflet the file names (`ivr check`
    does; a running line does not need the leaflet's file, nor the time to read it).
    """
    source = path or default_path()
    try:
        if (size := source.stat().st_size) > MAX_CONTENT_BYTES:
            too_large = f"is too large ({size} bytes; at most {MAX_CONTENT_BYTES})"
            raise ContentError(source, [("(file)", too_large)])
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError(source, [("(file)", "not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(source, [("(file)", f"cannot be read: {error}")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ContentError(source, [_syntax_problem(error)]) from None
    except (RecursionError, MemoryError):
        # tomllib parses nested arrays and tables recursively: deep nesting exhausts the stack, not the file.
        raise ContentError(source, [("(file)", "is nested too deeply or too large to read")]) from None
    return _Parser(source, data).content(number, leaflet)


# tomllib's messages, in plain words for someone who edits texts, not TOML.
_SYNTAX_WORDS = (
    ("Unterminated string", 'a text is not closed: a " or """ is missing at its end'),
    ("Illegal character", "a character that cannot stand there (a line break inside a one-line text?)"),
    ("Cannot overwrite a value", "the same key is given twice"),
    ("Cannot declare", "the same table is given twice"),
    ("Expected '=' after a key", 'a key needs = and a value after it, e.g. closes = "14:00"'),
    ("Invalid value", "a value must be a text in quotes, a number, true/false, or a list in [ ]"),
    ("Unclosed array", "a list is not closed with ]"),
    ("Unclosed inline table", "a { } table is not closed with }"),
    ("Expected newline or end of document", "something follows a value on the same line"),
    ("Invalid statement", "a line is neither key = value nor a [table] heading"),
    (
        "Invalid initial character for a key",
        "a line begins with something a key or [table] cannot begin with",
    ),
)


def _syntax_problem(error: tomllib.TOMLDecodeError) -> tuple[str, str]:
    """Name where and what is wrong: ("line 12, column 9", "is not valid TOML: a text is not closed ...")."""
    message = str(error)
    where = re.search(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)", message)
    place = (
        "(file)" if where is None else f"line {where[1]}, column {where[2]}" if where[1] else "end of file"
    )
    detail = message[: where.start()] if where else message
    plain = next((words for start, words in _SYNTAX_WORDS if detail.startswith(start)), None)
    return place, f"is not valid TOML: {plain} ({detail})" if plain else f"is not valid TOML: {detail}"


def _spaced(text: str) -> str:
    """Fold the line breaks and indentation of multi-line texts into single spaces."""
    return " ".join(text.split())


class _Parser:
    """Turns the file's tables into Content, collecting every problem before failing."""

    def __init__(self, source: Path, data: dict[str, Any]) -> None:
        self.source = source
        self.data = data
        self.problems: list[tuple[str, str]] = []

    def fail(self, key: str, problem: str) -> None:
        self.problems.append((key, problem))

    def content(self, number_override: str | None, leaflet: bool) -> Content:
        self.unknown_keys()
        self.todos(self.data, "")
        line = self.line()
        number = self.number(number_override)
        hours = self.hours()
        keys = self.keys()
        fills = {"hours": "", "phone": ""}
        if hours is not None:
            fills["hours"] = spoken.opening_hours(hours.weekdays, hours.opens, hours.closes)
        if number is not None:
            fills["phone"] = spoken.phone_number(number)
        sections = self.sections(keys, fills)
        speech = any(section.phrases for section in sections)
        slower = keys is not None and keys.slower is not None
        sms = keys is not None and keys.sms is not None
        if sms and (line is None or line.leaflet_url is None):
            self.fail("keys.sms", "needs line.leaflet_url: the link the SMS sends")
        prompts = self.prompts(fills, speech, slower, sms)
        templates = self.templates(speech, "callback_offer" in prompts, sms)
        actions = self.action_phrases(speech, slower, sms)
        if keys is not None and not self.problems:
            self.menus(keys, prompts, sections)
        if hours is not None and not self.problems:
            self.closed_words(hours, templates)
        if leaflet and line is not None and line.leaflet is not None and not self.problems:
            self.coverage(line, sections)
        if self.problems or line is None or number is None or hours is None or keys is None:
            raise ContentError(self.source, self.problems)
        return Content(self.source, line, number, hours, keys, sections, prompts, templates, actions)

    def unknown_keys(self) -> None:
        """Name every table and key the line does not know, with the nearest known name."""
        for name, value in self.data.items():
            if name not in SCHEMA:
                self.unknown(name, name, SCHEMA)
                continue
            tables = value if name == "sections" and isinstance(value, list) else [value]
            for index, table in enumerate(tables):
                if not isinstance(table, dict):
                    continue
                where = f"sections[{index}]" if name == "sections" else name
                for key in table:
                    if key not in SCHEMA[name]:
                        self.unknown(f"{where}.{key}", key, SCHEMA[name])
        closed = self.data.get("hours", {})
        closed = closed.get("extra_closed_days") if isinstance(closed, dict) else None
        for index, item in enumerate(closed if isinstance(closed, list) else []):
            for key in item if isinstance(item, dict) else ():
                if key not in CLOSED_DAY_KEYS:
                    self.unknown(f"hours.extra_closed_days[{index}].{key}", key, CLOSED_DAY_KEYS)

    def unknown(self, where: str, name: str, known: Iterable[str]) -> None:
        near = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
        kind = "table" if "." not in where else "key"
        hint = f"did you mean {near[0]}?" if near else f"known: {', '.join(known)}"
        self.fail(where, f"unknown {kind}; {hint}")

    def todos(self, value: object, where: str) -> None:
        """Name every value `ivr import` left for a person to fill in."""
        if isinstance(value, str) and value.lstrip().startswith(TODO):
            self.fail(where, f"still to be filled in: {_spaced(value)[:80]}")
        elif isinstance(value, dict):
            for key, item in value.items():
                self.todos(item, f"{where}.{key}" if where else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.todos(item, f"{where}[{index}]")

    def table(self, key: str, *, required: bool = True) -> dict[str, Any]:
        value = self.data.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.fail(key, "missing table" if value is None else "must be a table")
            return {}
        return value

    def text(self, key: str, value: object, fills: Mapping[str, str], allowed: set[str]) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty text")
            return ""
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as error:
            self.fail(key, f"has a broken {{placeholder}}: {error}")
            return ""
        unknown = names - allowed
        if unknown:
            known = ", ".join(sorted("{" + n + "}" for n in allowed)) or "none"
            self.fail(key, f"unknown placeholder {', '.join(sorted(unknown))} (known: {known})")
            return ""
        return _spaced(value.format_map(dict(fills)) if fills else value)

    def line(self) -> LineInfo | None:
        """The [line] table; a file without one is a line named after the file, reached by no number."""
        table = self.table("line", required=False)
        before = len(self.problems)
        line_id = table.get("id", self.source.stem)
        if not isinstance(line_id, str) or not LINE_ID.match(line_id):
            self.fail(
                "line.id", f'must be a short name of a-z, 0-9 and -, like "rodblokade", not {line_id!r}'
            )
        name = table.get("name", line_id)
        if not isinstance(name, str) or not name.strip():
            self.fail("line.name", "must be a non-empty text")
        numbers = table.get("numbers", [])
        if not isinstance(numbers, list) or not all(isinstance(n, str) and E164.match(n) for n in numbers):
            self.fail("line.numbers", 'must be a list of phone numbers like ["+4578787878"]')
            numbers = []
        elif len(set(numbers)) < len(numbers):
            self.fail("line.numbers", "names a number twice")
        default = table.get("default", False)
        if not isinstance(default, bool):
            self.fail("line.default", f"must be true or false, not {default!r}")
        leaflet = table.get("leaflet")
        if leaflet is not None and (not isinstance(leaflet, str) or not leaflet.strip()):
            self.fail("line.leaflet", "must be the leaflet's file name, relative to this file")
            leaflet = None
        skip = table.get("leaflet_skip", [])
        if not isinstance(skip, list) or not all(isinstance(heading, str) for heading in skip):
            self.fail("line.leaflet_skip", 'must be a list of the leaflet\'s headings, e.g. ["KONTAKT"]')
            skip = []
        url = table.get("leaflet_url")
        if url is not None and (not isinstance(url, str) or not re.fullmatch(r"https://\S+", url)):
            self.fail("line.leaflet_url", f'must be the leaflet\'s web address, "https://...", not {url!r}')
        if len(self.problems) > before:
            return None
        path = (self.source.parent / leaflet) if leaflet else None
        return LineInfo(line_id, _spaced(name), tuple(numbers), default, path, tuple(skip), url)

    def number(self, override: str | None) -> str | None:
        value = override if override is not None else self.table("secretariat").get("number")
        key = "IVR_SECRETARIAT_NUMBER" if override is not None else "secretariat.number"
        if not isinstance(value, str) or not E164.match(value):
            self.fail(key, f'must be a phone number like "+4597662400", not {value!r}')
            return None
        return value

    def hours(self) -> OpeningHours | None:
        table = self.table("hours")
        before = len(self.problems)
        zone = self.zone(table.get("timezone"))
        weekdays = self.weekdays(table.get("days"))
        opens = self.clock("hours.opens", table.get("opens"))
        closes = self.clock("hours.closes", table.get("closes"))
        if opens is not None and closes is not None and not opens < closes:
            self.fail("hours.closes", f"must be after hours.opens ({opens:%H:%M})")
        closed = self.closed_days(table.get("extra_closed_days", []))
        if len(self.problems) > before or zone is None or opens is None or closes is None:
            return None
        return OpeningHours(zone, weekdays, opens, closes, closed)

    def zone(self, value: object) -> ZoneInfo | None:
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            self.fail("hours.timezone", f'unknown time zone {value!r} (e.g. "Europe/Copenhagen")')
            return None

    def weekdays(self, value: object) -> frozenset[int]:
        names = spoken.WEEKDAYS
        if not isinstance(value, list) or not value or any(day not in names for day in value):
            self.fail("hours.days", f"must be a list of Danish weekday names from {', '.join(names)}")
            return frozenset()
        return frozenset(names.index(day) for day in value)

    def clock(self, key: str, value: object) -> time | None:
        if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        self.fail(key, f'must be a time like "10:00", not {value!r}')
        return None

    def closed_days(self, value: object) -> tuple[ClosedDay, ...]:
        if not isinstance(value, list):
            self.fail("hours.extra_closed_days", f"must be a list: {CLOSED_DAY_FORMS}")
            return ()
        found: list[ClosedDay] = []
        for index, item in enumerate(value):
            where = f"hours.extra_closed_days[{index}]"
            reason, days = None, item
            if isinstance(item, dict):
                reason, days = item.get("reason"), item.get("days")
                if reason is not None and (not isinstance(reason, str) or not reason.strip()):
                    self.fail(f"{where}.reason", 'must be a short text, e.g. "juleaften"')
                    continue
                where = f"{where}.days"
            day = _closed_day(days, _spaced(reason) if reason else None)
            if isinstance(day, str):
                self.fail(where, f"{day}, not {days!r} ({CLOSED_DAY_FORMS})")
            else:
                found.append(day)
        return tuple(found)

    def keys(self) -> Keys | None:
        table = self.table("keys")
        found: dict[str, str] = {}
        for name in ("transfer", "repeat", "main_menu"):
            value = table.get(name)
            if not isinstance(value, str) or value not in KEYPAD:
                self.fail(f"keys.{name}", f"must be one keypad key (0-9, * or #), not {value!r}")
            else:
                found[name] = value
        for name in ("slower", "sms"):
            value = table.get(name)
            if value is None:
                continue
            if not isinstance(value, str) or value not in KEYPAD:
                self.fail(f"keys.{name}", f"must be one keypad key (0-9, * or #), not {value!r}")
            else:
                found[name] = value
        if len(set(found.values())) < len(found):
            self.fail("keys", "two actions share one key")
        return Keys(**found) if {"transfer", "repeat", "main_menu"} <= set(found) else None

    def prompts(self, fills: Mapping[str, str], speech: bool, slower: bool, sms: bool) -> dict[str, Prompt]:
        table = self.table("prompts")
        # The callback's texts come all together or not at all.
        callbacks = any(name in table for name in CALLBACK_PROMPTS)
        needed = [*SYSTEM_PROMPTS, *(SPEECH_PROMPTS if speech else ()), *(SLOWER_PROMPTS if slower else ())]
        needed += CALLBACK_PROMPTS if callbacks else ()
        needed += SMS_PROMPTS if sms else ()
        self.unused(table, "prompts", SMS_PROMPTS, sms, NO_SMS)
        self.unused(table, "prompts", SPEECH_PROMPTS, speech, NO_SPEECH)
        self.unused(table, "prompts", SLOWER_PROMPTS, slower, NO_SLOWER)
        prompts = {}
        for prompt_id in needed:
            if prompt_id not in table:
                self.fail(f"prompts.{prompt_id}", "missing")
                continue
            text = self.text(f"prompts.{prompt_id}", table[prompt_id], fills, PLACEHOLDERS)
            prompts[prompt_id] = Prompt(prompt_id, text)
        return prompts

    def unused(
        self, table: Mapping[str, Any], where: str, names: Iterable[str], offered: bool, why: str
    ) -> None:
        """Name the texts of a feature the line does not offer: they would never be said."""
        for name in names:
            if not offered and name in table:
                self.fail(f"{where}.{name}", f"is never said: {why}")

    def action_phrases(self, speech: bool, slower: bool, sms: bool) -> dict[str, tuple[str, ...]]:
        table = self.table("phrases", required=False)
        if table and not speech:
            self.fail("phrases", f"are never heard: {NO_SPEECH}")
            return {}
        self.unused(table, "phrases", ("slower",), slower, NO_SLOWER)
        self.unused(table, "phrases", ("sms",), sms, NO_SMS)
        return {
            name: self.phrase_list(f"phrases.{name}", value)
            for name, value in table.items()
            if name in ACTIONS
        }

    def phrase_list(self, where: str, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            self.fail(
                where, 'must be a list of words and phrasings, e.g. ["komplikationer", "er det farligt"]'
            )
            return ()
        return tuple(_spaced(item) for item in value)

    def templates(self, speech: bool, callbacks: bool, sms: bool) -> dict[str, str]:
        table = self.table("templates")
        self.unused(table, "templates", SMS_TEMPLATES, sms, NO_SMS)
        self.unused(table, "templates", SPEECH_TEMPLATES, speech, NO_SPEECH)
        self.unused(table, "templates", CALLBACK_TEMPLATES, callbacks, NO_CALLBACKS)
        templates = {}
        wanted = TEMPLATES | (SPEECH_TEMPLATES if speech else {}) | (CALLBACK_TEMPLATES if callbacks else {})
        wanted |= SMS_TEMPLATES if sms else {}
        for name, needed in wanted.items():
            key = f"templates.{name}"
            value = self.text(key, table.get(name), {}, needed)
            names = {n for _, n, _, _ in string.Formatter().parse(value) if n} if value else needed
            if names != needed:
                self.fail(key, f"must contain {', '.join('{' + n + '}' for n in sorted(needed))}")
            templates[name] = value
        return templates

    def sections(self, keys: Keys | None, fills: Mapping[str, str]) -> tuple[Section, ...]:
        value = self.data.get("sections")
        if not isinstance(value, list) or not value:
            self.fail("sections", "must be a list of [[sections]] tables")
            return ()
        reserved = (
            set() if keys is None else {keys.transfer, keys.repeat, keys.main_menu, keys.slower, keys.sms}
        )
        sections: list[Section] = []
        for index, table in enumerate(value):
            where = f"sections[{index}]"
            if not isinstance(table, dict):
                self.fail(where, "must be a table")
                continue
            key, title = table.get("key"), table.get("title")
            if not isinstance(key, str) or key not in SECTION_KEYS or key in reserved:
                self.fail(f"{where}.key", f"must be one digit 1-9 not used for another action, not {key!r}")
                continue
            if any(section.key == key for section in sections):
                self.fail(f"{where}.key", f"key {key} is used by an earlier section")
                continue
            if not isinstance(title, str) or not title.strip():
                self.fail(f"{where}.title", "must be a non-empty text")
                continue
            text = self.text(f"{where}.text", table.get("text"), fills, PLACEHOLDERS)
            phrases = self.phrase_list(f"{where}.phrases", table["phrases"]) if "phrases" in table else ()
            sections.append(Section(key, _spaced(title), Prompt(f"section_{key}", text), phrases))
        return tuple(sections)

    def menus(self, keys: Keys, prompts: Mapping[str, Prompt], sections: Sequence[Section]) -> None:
        """Every section is offered in both menus, the secretariat only by transfer_offer, and no text offers
        a key that does nothing."""
        section_keys = {section.key for section in sections}
        working = (
            section_keys | {keys.transfer, keys.repeat, keys.main_menu} | {keys.slower, keys.sms} - {None}
        )
        for prompt_id in ("main_menu", "section_menu"):
            offered = promised_keys(prompts[prompt_id].text)
            for key in sorted(section_keys - offered):
                title = next(section.title for section in sections if section.key == key)
                self.fail(
                    f"prompts.{prompt_id}", f'does not offer key {key} ("{title}"): callers never hear of it'
                )
            if keys.transfer in offered:
                self.fail(
                    f"prompts.{prompt_id}",
                    f"offers key {keys.transfer} for the secretariat; leave that to prompts.transfer_offer, "
                    "which is said only while the secretariat is open",
                )
        if keys.transfer not in promised_keys(prompts["transfer_offer"].text):
            self.fail("prompts.transfer_offer", f"must offer key {keys.transfer} (keys.transfer)")
        texts = [(f"prompts.{p.id}", p.text) for p in prompts.values()]
        texts += [(f"section {s.key}", s.prompt.text) for s in sections]
        for where, text in texts:
            for key in sorted(promised_keys(text) - working):
                self.fail(where, f"offers key {_said(key)}, which does nothing in this line")

    def closed_words(self, hours: OpeningHours, templates: Mapping[str, str]) -> None:
        """Keep each sentence of the closed notice short, even with the longest date and reason it can say."""
        # The longest next opening: a weekday and a date with the longest names, at the opening time.
        when = " ".join(("onsdag", "den enogtredivte", "september", spoken.clock(hours.opens)))
        reasons = [closed.reason for closed in hours.extra_closed if closed.reason]
        reason = max([*reasons, "anden påskedag"], key=lambda text: len(text.split()))
        for name in TEMPLATES:
            template = templates.get(name, "")
            for sentence in re.split(r"(?<=[.!?])\s+", template.format(when=when, reason=reason)):
                if len(words := sentence.split()) > CLOSED_WORDS:
                    self.fail(
                        f"templates.{name}",
                        f'says "{sentence}" ({len(words)} words); keep each sentence to {CLOSED_WORDS} words',
                    )

    def coverage(self, line: LineInfo, sections: Sequence[Section]) -> None:
        """Name each leaflet sentence the sections do not say."""
        # Only files that name a leaflet need these (pypdf is slow to import).
        from ivr.line import coverage  # noqa: PLC0415
        from ivr.line.leaflet import LeafletError, read_leaflet  # noqa: PLC0415

        assert line.leaflet is not None
        try:
            raw = read_leaflet(line.leaflet).text
        except LeafletError as error:
            self.fail("line.leaflet", f"cannot be read: {error}")
            return
        said = [text for section in sections for text in (section.title, section.prompt.text)]
        for sentence in coverage.uncovered(raw, said, line.leaflet_skip):
            self.fail("sections", f'do not say this sentence of the leaflet: "{sentence}"')


NO_SPEECH = "no section has `phrases`, so the line does not listen for speech"
NO_SLOWER = "keys.slower is not set, so the line offers no slower speech"
NO_SMS = "keys.sms is not set, so the line sends no SMS"
NO_CALLBACKS = "prompts.callback_offer is not set, so the line takes no callback requests"
CLOSED_DAY_FORMS = '"MM-DD" or "YYYY-MM-DD", a range "A..B" of either, or { days = ..., reason = "..." }'


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


def _closed_day(value: object, reason: str | None) -> ClosedDay | str:
    """Parse "MM-DD", "YYYY-MM-DD" or a range "A..B" of either; else say what is wrong."""
    if not isinstance(value, str):
        return "must be a text"
    first, separator, last = value.partition("..")
    start, end = _one_day(first.strip()), _one_day(last.strip() if separator else first.strip())
    if start is None or end is None:
        return "is not a date"
    if (start[0] is None) != (end[0] is None):
        return "a range must give the year at both ends or at neither"
    if start[0] is not None and end[0] is not None:
        if date(start[0], *start[1]) > date(end[0], *end[1]):
            return "the range ends before it starts"
        if (date(end[0], *end[1]) - date(start[0], *start[1])).days > 366:
            return "the range is longer than a year"
    return ClosedDay(start[1], end[1], start[0], end[0], reason)


def _one_day(value: str) -> tuple[int | None, tuple[int, int]] | None:
    match = re.fullmatch(r"(?:(\d{4})-)?(\d{2})-(\d{2})", value)
    if match is None:
        return None
    year = int(match[1]) if match[1] else None
    month, day = int(match[2]), int(match[3])
    try:
        # 2000 is a leap year, so "02-29" is accepted as a yearly day.
        date(year or 2000, month, day)
    except ValueError:
        return None
    return year, (month, day)
