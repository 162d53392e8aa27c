"""The content file read into a `Content`: its TOML, each table and key checked, every problem named with the
file and the key before any is raised; the checks across tables are in `content_checks`."""

from __future__ import annotations

import difflib
import re
import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.line import content_checks, content_listening, content_synonyms, phonenumbers, spoken
from ivr.line.content import (
    ACTIONS,
    CALLBACK_PROMPTS,
    CALLBACK_TEMPLATES,
    LINE_ID,
    OPTIONAL_TEMPLATES,
    SLOWER_PROMPTS,
    SMS_PROMPTS,
    SMS_TEMPLATES,
    SPEECH_PROMPTS,
    SPEECH_TEMPLATES,
    SYSTEM_PROMPTS,
    TEMPLATES,
    Content,
    Keys,
    LineInfo,
    Prompt,
    Section,
)
from ivr.line.keypad import KEYPAD
from ivr.line.schedule import ClosedDay, OpeningHours, closed_day

LISTENING = content_listening.PROMPTS
PLACEHOLDERS = {"hours", "phone"}
SECTION_KEYS = tuple("123456789")
# Every table and key the file may hold; anything else is a typo that would otherwise be ignored in silence
# (a misspelt `extra_closed_days` once put callers through on 24 December).
SCHEMA: dict[str, tuple[str, ...]] = {
    "line": ("id", "name", "numbers", "default", "leaflet", "leaflet_skip", "leaflet_url"),
    "secretariat": ("number",),
    "hours": ("timezone", "days", "opens", "closes", "extra_closed_days"),
    "keys": ("transfer", "repeat", "main_menu", "slower", "sms", "number"),
    "prompts": SYSTEM_PROMPTS + SPEECH_PROMPTS + SLOWER_PROMPTS + CALLBACK_PROMPTS + SMS_PROMPTS + LISTENING,
    "templates": (*TEMPLATES, *OPTIONAL_TEMPLATES, *SPEECH_TEMPLATES, *CALLBACK_TEMPLATES, *SMS_TEMPLATES),
    "phrases": ACTIONS + content_listening.LISTS,
    "questions": content_listening.QUESTION_NAMES,
    "sections": ("key", "title", "text", "phrases", "question"),
    # A clinic's own words for the leaflet's: any word may be a key (content_synonyms checks them).
    "synonyms": (),
}
CLOSED_DAY_KEYS = ("days", "reason")
# Where a problem of the whole file is named, in place of a key.
FILE = "(filen)"
NON_EMPTY = "skal være en tekst, der ikke er tom"
# A value `ivr import` could not fill in starts with this, and stays a problem until someone does.
TODO = "TODO"
# The shipped file is about 6 KB. Anything beyond this is a mistake (or a hostile file): refused before it is
# read, so `ivr check`, start-up and /healthz stay quick (TOML of this size parses in a quarter of a second).
MAX_CONTENT_BYTES = 256 * 1024


def default_path() -> Path:
    """Return the content file shipped inside the package."""
    return Path(str(resources.files("ivr") / "leaflets" / "rodblokade.toml"))


class ContentError(Exception):
    """The content file has problems; each names the file, the key and what is wrong."""

    def __init__(self, source: Path, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        shown = content_checks.shown
        super().__init__("\n".join(f"{source}: {shown(key)}: {shown(problem)}" for key, problem in problems))


def load_content(path: Path | None = None, number: str | None = None, *, leaflet: bool = False) -> Content:
    """Load and validate the content file; `number` overrides the secretariat's number.

    `leaflet`: also check that the sections say every sentence of the leaflet the file names (`ivr check`
    does; a running line does not need the leaflet's file, nor the time to read it).
    """
    source = path or default_path()
    try:
        if (size := source.stat().st_size) > MAX_CONTENT_BYTES:
            too_large = f"er for stor ({size} bytes; højst {MAX_CONTENT_BYTES})"
            raise ContentError(source, [(FILE, too_large)])
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(source, [(FILE, "findes ikke")]) from None
    except IsADirectoryError:
        raise ContentError(source, [(FILE, "er en mappe, ikke en indholdsfil")]) from None
    except UnicodeDecodeError:
        raise ContentError(source, [(FILE, "er ikke gemt som UTF-8-tekst")]) from None
    except OSError as error:
        raise ContentError(source, [(FILE, content_checks.unreadable(error))]) from None
    return load_text(text, source, number, leaflet=leaflet)


def load_text(text: str, source: Path, number: str | None = None, *, leaflet: bool = False) -> Content:
    """Load and validate content from its TOML text (a published version), named as the file `source`."""
    if len(text.encode("utf-8")) > MAX_CONTENT_BYTES:
        raise ContentError(source, [(FILE, f"er for stor (højst {MAX_CONTENT_BYTES} bytes)")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ContentError(source, [content_checks.syntax_problem(error)]) from None
    except (RecursionError, MemoryError):
        # tomllib parses nested arrays and tables recursively: deep nesting exhausts the stack, not the file.
        raise ContentError(
            source, [(FILE, "har for mange lag inden i hinanden eller er for stor til at kunne læses")]
        ) from None
    return _Parser(source, data).content(number, leaflet)


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
        self.problems += content_checks.characters(self.data)
        line = self.line()
        number = self.number(number_override, line.numbers if line is not None else ())
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
            self.fail("keys.sms", "kræver line.leaflet_url: linket, som SMS'en sender")
        prompts = self.prompts(fills, speech, slower, sms)
        templates = self.templates(speech, "callback_offer" in prompts, sms)
        actions = self.action_phrases(speech, slower, sms)
        heard = content_listening.read(self.data, speech, keys, self.phrase_list, self.fail)
        texts = (section.prompt.text for section in sections)
        synonyms = content_synonyms.read(self.data, texts, self.fail)
        if keys is not None and not self.problems:
            self.problems += content_checks.menus(keys, prompts, sections)
            self.problems += content_checks.document_sizes(prompts, templates, sections)
        if hours is not None and not self.problems:
            self.problems += content_checks.closed_words(hours, templates)
        if leaflet and line is not None and line.leaflet is not None and not self.problems:
            self.problems += content_checks.leaflet_coverage(line, sections, self.secretariat_numbers)
        if self.problems or line is None or number is None or hours is None or keys is None:
            raise ContentError(self.source, self.problems)
        parts = (self.source, line, number, hours, keys, sections, prompts, templates, actions, *heard)
        return Content(*parts, synonyms=synonyms)

    def unknown_keys(self) -> None:
        """Name every table and key the line does not know, with the nearest known name."""
        for name, value in self.data.items():
            if name not in SCHEMA:
                self.unknown(name, name, SCHEMA)
                continue
            tables = value if name == "sections" and isinstance(value, list) else [value]
            tables = [] if name == "synonyms" else tables
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
        kind = "tabel" if "." not in where else "nøgle"
        hint = f"mente du {near[0]!r}?" if near else f"kendte: {', '.join(map(repr, known))}"
        self.fail(where, f"ukendt {kind} {str(name)!r}; {hint}")

    def todos(self, value: object, where: str) -> None:
        """Name every value `ivr import` left for a person to fill in."""
        if isinstance(value, str) and value.lstrip().startswith(TODO):
            self.fail(where, f"mangler stadig at blive udfyldt: {_spaced(value)[:80]}")
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
            self.fail(key, "tabellen mangler" if value is None else "skal være en tabel")
            return {}
        return value

    def text(self, key: str, value: object, fills: Mapping[str, str], allowed: set[str]) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, NON_EMPTY)
            return ""
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError:
            self.fail(key, "har en { eller } uden sin modpart (en pladsholder skrives {navn})")
            return ""
        unknown = names - allowed
        if unknown:
            known = ", ".join(sorted("{" + n + "}" for n in allowed)) or "ingen"
            named = ", ".join(sorted("{" + n + "}" for n in unknown))
            self.fail(key, f"ukendt pladsholder {named} (kendte: {known})")
            return ""
        return _spaced(value.format_map(dict(fills)) if fills else value)

    def line(self) -> LineInfo | None:
        """The [line] table; a file without one is a line named after the file, reached by no number."""
        table = self.table("line", required=False)
        before = len(self.problems)
        line_id = table.get("id", self.source.stem)
        if not isinstance(line_id, str) or not LINE_ID.match(line_id):
            self.fail(
                "line.id", f'skal være et kort navn af a-z, 0-9 og -, fx "rodblokade", ikke {line_id!r}'
            )
        name = table.get("name", line_id)
        if not isinstance(name, str) or not name.strip():
            self.fail("line.name", NON_EMPTY)
        numbers = table.get("numbers", [])
        e164 = phonenumbers.E164
        if not isinstance(numbers, list) or not all(isinstance(n, str) and e164.match(n) for n in numbers):
            self.fail("line.numbers", 'skal være en liste af telefonnumre, fx ["+4578787878"]')
            numbers = []
        elif len(set(numbers)) < len(numbers):
            self.fail("line.numbers", "nævner det samme nummer to gange")
        default = table.get("default", False)
        if not isinstance(default, bool):
            self.fail("line.default", f"skal være true eller false, ikke {default!r}")
        leaflet = table.get("leaflet")
        if leaflet is not None and (not isinstance(leaflet, str) or not leaflet.strip()):
            self.fail("line.leaflet", "skal være folderens filnavn, set fra denne fil")
            leaflet = None
        skip = table.get("leaflet_skip", [])
        if not isinstance(skip, list) or not all(isinstance(heading, str) for heading in skip):
            self.fail("line.leaflet_skip", 'skal være en liste af folderens overskrifter, fx ["KONTAKT"]')
            skip = []
        url = table.get("leaflet_url")
        if url is not None and (not isinstance(url, str) or not re.fullmatch(r"https://\S+", url)):
            self.fail("line.leaflet_url", f'skal være folderens webadresse, "https://...", ikke {url!r}')
        if len(self.problems) > before:
            return None
        path = (self.source.parent / leaflet) if leaflet else None
        return LineInfo(line_id, _spaced(name), tuple(numbers), default, path, tuple(skip), url)

    def number(self, override: str | None, line_numbers: Sequence[str]) -> str | None:
        written = self.table("secretariat").get("number")
        self.secretariat_numbers = {override, written}  # the leaflet gives the file's, whatever the override
        value = override if override is not None else written
        if problem := content_checks.secretariat_number(value, line_numbers):
            self.fail("IVR_SECRETARIAT_NUMBER" if override is not None else "secretariat.number", problem)
        return None if problem or not isinstance(value, str) else value

    def hours(self) -> OpeningHours | None:
        table = self.table("hours")
        before = len(self.problems)
        zone = self.zone(table.get("timezone"))
        weekdays = self.weekdays(table.get("days"))
        opens = self.clock("hours.opens", table.get("opens"))
        closes = self.clock("hours.closes", table.get("closes"))
        if opens is not None and closes is not None and not opens < closes:
            self.fail("hours.closes", f"skal være efter hours.opens ({opens:%H:%M})")
        closed = self.closed_days(table.get("extra_closed_days", []))
        if len(self.problems) > before or zone is None or opens is None or closes is None:
            return None
        return OpeningHours(zone, weekdays, opens, closes, closed)

    def zone(self, value: object) -> ZoneInfo | None:
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            self.fail("hours.timezone", f'ukendt tidszone {value!r} (fx "Europe/Copenhagen")')
            return None

    def weekdays(self, value: object) -> frozenset[int]:
        names = spoken.WEEKDAYS
        if not isinstance(value, list) or not value or any(day not in names for day in value):
            self.fail("hours.days", f"skal være en liste af ugedage, skrevet som {', '.join(names)}")
            return frozenset()
        return frozenset(names.index(day) for day in value)

    def clock(self, key: str, value: object) -> time | None:
        if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        self.fail(key, f'skal være et klokkeslæt som "10:00", ikke {value!r}')
        return None

    def closed_days(self, value: object) -> tuple[ClosedDay, ...]:
        if not isinstance(value, list):
            self.fail("hours.extra_closed_days", f"skal være en liste: {CLOSED_DAY_FORMS}")
            return ()
        found: list[ClosedDay] = []
        for index, item in enumerate(value):
            where = f"hours.extra_closed_days[{index}]"
            reason, days = None, item
            if isinstance(item, dict):
                reason, days = item.get("reason"), item.get("days")
                if reason is not None and (not isinstance(reason, str) or not reason.strip()):
                    self.fail(f"{where}.reason", 'skal være en kort tekst, fx "juleaften"')
                    continue
                where = f"{where}.days"
            day = closed_day(days, _spaced(reason) if reason else None)
            if isinstance(day, str):
                self.fail(where, f"{day}, ikke {days!r} ({CLOSED_DAY_FORMS})")
            else:
                found.append(day)
        return tuple(found)

    def keys(self) -> Keys | None:
        table = self.table("keys")
        found: dict[str, str] = {}
        for name in ("transfer", "repeat", "main_menu"):
            value = table.get(name)
            if not isinstance(value, str) or value not in KEYPAD:
                self.fail(f"keys.{name}", f"skal være én tast (0-9, * eller #), ikke {value!r}")
            else:
                found[name] = value
        for name in ("slower", "sms", "number"):
            value = table.get(name)
            if value is None:
                continue
            if not isinstance(value, str) or value not in KEYPAD:
                self.fail(f"keys.{name}", f"skal være én tast (0-9, * eller #), ikke {value!r}")
            else:
                found[name] = value
        if len(set(found.values())) < len(found):
            self.fail("keys", "to handlinger har samme tast")
        return Keys(**found) if {"transfer", "repeat", "main_menu"} <= set(found) else None

    def prompts(self, fills: Mapping[str, str], speech: bool, slower: bool, sms: bool) -> dict[str, Prompt]:
        table = self.table("prompts")
        # The callback's texts come all together or not at all.
        callbacks = any(name in table for name in CALLBACK_PROMPTS)
        needed = [*SYSTEM_PROMPTS, *(SPEECH_PROMPTS if speech else ()), *(SLOWER_PROMPTS if slower else ())]
        needed += CALLBACK_PROMPTS if callbacks else ()
        needed += SMS_PROMPTS if sms else ()
        needed += content_listening.prompts_needed(self.data, speech)
        self.unused(table, "prompts", SMS_PROMPTS, sms, NO_SMS)
        self.unused(table, "prompts", SPEECH_PROMPTS, speech, NO_SPEECH)
        self.unused(table, "prompts", SLOWER_PROMPTS, slower, NO_SLOWER)
        prompts = {}
        for prompt_id in needed:
            if prompt_id not in table:
                self.fail(f"prompts.{prompt_id}", "mangler")
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
                self.fail(f"{where}.{name}", f"siges aldrig: {why}")

    def action_phrases(self, speech: bool, slower: bool, sms: bool) -> dict[str, tuple[str, ...]]:
        table = self.table("phrases", required=False)
        if table and not speech:
            self.fail("phrases", f"høres aldrig: {NO_SPEECH}")
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
                where, 'skal være en liste af ord og vendinger, fx ["komplikationer", "er det farligt"]'
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
        # An optional template the file leaves out is said as the line's own (OPTIONAL_TEMPLATES).
        wanted |= {name: needed for name, (needed, _) in OPTIONAL_TEMPLATES.items() if name in table}
        for name, needed in wanted.items():
            key = f"templates.{name}"
            value = self.text(key, table.get(name), {}, needed)
            names = {n for _, n, _, _ in string.Formatter().parse(value) if n} if value else needed
            if names != needed:
                self.fail(key, f"skal indeholde {', '.join('{' + n + '}' for n in sorted(needed))}")
            templates[name] = value
        return {name: said for name, (_, said) in OPTIONAL_TEMPLATES.items()} | templates

    def sections(self, keys: Keys | None, fills: Mapping[str, str]) -> tuple[Section, ...]:
        value = self.data.get("sections")
        if not isinstance(value, list) or not value:
            self.fail("sections", "skal være en liste af [[sections]]-tabeller")
            return ()
        reserved = (
            set() if keys is None else {keys.transfer, keys.repeat, keys.main_menu, keys.slower, keys.sms}
        )
        sections: list[Section] = []
        for index, table in enumerate(value):
            where = f"sections[{index}]"
            if not isinstance(table, dict):
                self.fail(where, "skal være en tabel")
                continue
            key, title = table.get("key"), table.get("title")
            if not isinstance(key, str) or key not in SECTION_KEYS or key in reserved:
                self.fail(f"{where}.key", f"skal være ét ciffer 1-9, der ikke bruges til andet, ikke {key!r}")
                continue
            if any(section.key == key for section in sections):
                self.fail(f"{where}.key", f"tasten {key} bruges allerede af et tidligere afsnit")
                continue
            if not isinstance(title, str) or not title.strip():
                self.fail(f"{where}.title", NON_EMPTY)
                continue
            text = self.text(f"{where}.text", table.get("text"), fills, PLACEHOLDERS)
            phrases = self.phrase_list(f"{where}.phrases", table["phrases"]) if "phrases" in table else ()
            sections.append(Section(key, _spaced(title), Prompt(f"section_{key}", text), phrases))
        return tuple(sections)


NO_SPEECH = "intet afsnit har `phrases`, så linjen lytter ikke efter tale"
NO_SLOWER = "keys.slower er ikke sat, så linjen tilbyder ikke langsommere tale"
NO_SMS = "keys.sms er ikke sat, så linjen sender ingen SMS"
NO_CALLBACKS = "prompts.callback_offer er ikke sat, så linjen tager ikke imod ønsker om at blive ringet op"
CLOSED_DAY_FORMS = (
    '"MM-DD" eller "ÅÅÅÅ-MM-DD", et interval "A..B" af dem, eller { days = ..., reason = "..." }'
)
