"""The line's words and menu, loaded from one data file and checked before a caller hears them."""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
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
    "transfer",
    "transfer_failed",
    "transfer_loop",
    "closed",
    "error",
)
TEMPLATES = {"next_opening": {"when"}}
PLACEHOLDERS = {"hours", "phone"}
SECTION_KEYS = tuple("123456789")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# The shipped file is about 6 KB. Anything beyond this is a mistake (or a hostile file): refused before it is
# read, so `ivr check`, start-up and /healthz stay quick (TOML of this size parses in a quarter of a second).
MAX_CONTENT_BYTES = 256 * 1024


def default_path() -> Path:
    """Return the content file shipped inside the package."""
    return Path(str(resources.files("ivr") / "content.toml"))


@dataclass(frozen=True)
class Prompt:
    """One thing the line says, by id."""

    id: str
    text: str


@dataclass(frozen=True)
class Section:
    """One leaflet section, read when its key is pressed."""

    key: str
    title: str
    prompt: Prompt


@dataclass(frozen=True)
class Keys:
    """Keys that mean the same everywhere in a call, besides the section keys."""

    transfer: str
    repeat: str
    main_menu: str


@dataclass(frozen=True)
class Content:
    """Everything the line says, its menu, the opening hours and the secretariat's number."""

    source: Path
    number: str
    hours: OpeningHours
    keys: Keys
    sections: tuple[Section, ...]
    prompts: Mapping[str, Prompt]
    templates: Mapping[str, str]
    _by_key: Mapping[str, Section] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {section.key: section for section in self.sections})

    def prompt(self, prompt_id: str) -> Prompt:
        """Return a system prompt by id."""
        return self.prompts[prompt_id]

    def section(self, key: str) -> Section | None:
        """Return the section read for `key`, if any."""
        return self._by_key.get(key)

    def all_prompts(self) -> list[Prompt]:
        """Return every static prompt: the system prompts, then the sections in leaflet order."""
        return [*self.prompts.values(), *(section.prompt for section in self.sections)]

    def next_opening(self, when: str) -> Prompt:
        """Return the spoken next opening, e.g. "Sekretariatet åbner igen i morgen klokken 10."."""
        return Prompt("next_opening", self.templates["next_opening"].format(when=when))


class ContentError(Exception):
    """The content file has problems; each names the file, the key and what is wrong."""

    def __init__(self, source: Path, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {key}: {problem}" for key, problem in problems))


def load_content(path: Path | None = None, number: str | None = None) -> Content:
    """Load and validate the content file; `number` overrides the secretariat's number."""
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
        raise ContentError(source, [("(file)", f"is not valid TOML: {error}")]) from None
    except (RecursionError, MemoryError):
        # tomllib parses nested arrays and tables recursively: deep nesting exhausts the stack, not the file.
        raise ContentError(source, [("(file)", "is nested too deeply or too large to read")]) from None
    return _Parser(source, data).content(number)


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

    def content(self, number_override: str | None) -> Content:
        number = self.number(number_override)
        hours = self.hours()
        keys = self.keys()
        fills = {"hours": "", "phone": ""}
        if hours is not None:
            fills["hours"] = spoken.opening_hours(hours.weekdays, hours.opens, hours.closes)
        if number is not None:
            fills["phone"] = spoken.phone_number(number)
        prompts = self.prompts(fills)
        templates = self.templates()
        sections = self.sections(keys, fills)
        if self.problems or number is None or hours is None or keys is None:
            raise ContentError(self.source, self.problems)
        return Content(self.source, number, hours, keys, sections, prompts, templates)

    def table(self, key: str) -> dict[str, Any]:
        value = self.data.get(key)
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
            self.fail("hours.extra_closed_days", 'must be a list of "MM-DD" or "YYYY-MM-DD"')
            return ()
        days = []
        for index, item in enumerate(value):
            day = _closed_day(item)
            if day is None:
                self.fail(
                    f"hours.extra_closed_days[{index}]",
                    f'must be "MM-DD" or "YYYY-MM-DD", not {item!r}',
                )
            else:
                days.append(day)
        return tuple(days)

    def keys(self) -> Keys | None:
        table = self.table("keys")
        found: dict[str, str] = {}
        for name in ("transfer", "repeat", "main_menu"):
            value = table.get(name)
            if not isinstance(value, str) or value not in KEYPAD:
                self.fail(f"keys.{name}", f"must be one keypad key (0-9, * or #), not {value!r}")
            else:
                found[name] = value
        if len(set(found.values())) < len(found):
            self.fail("keys", "two actions share one key")
        return Keys(**found) if len(found) == 3 else None

    def prompts(self, fills: Mapping[str, str]) -> dict[str, Prompt]:
        table = self.table("prompts")
        for extra in sorted(set(table) - set(SYSTEM_PROMPTS)):
            self.fail(f"prompts.{extra}", "is not used by the line (a typo?)")
        prompts = {}
        for prompt_id in SYSTEM_PROMPTS:
            if prompt_id not in table:
                self.fail(f"prompts.{prompt_id}", "missing")
                continue
            text = self.text(f"prompts.{prompt_id}", table[prompt_id], fills, PLACEHOLDERS)
            prompts[prompt_id] = Prompt(prompt_id, text)
        return prompts

    def templates(self) -> dict[str, str]:
        table = self.table("templates")
        templates = {}
        for name, needed in TEMPLATES.items():
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
        reserved = set() if keys is None else {keys.transfer, keys.repeat, keys.main_menu}
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
            sections.append(Section(key, _spaced(title), Prompt(f"section_{key}", text)))
        return tuple(sections)


def _closed_day(value: object) -> ClosedDay | None:
    """Parse "MM-DD" or "YYYY-MM-DD", or return None."""
    if not isinstance(value, str):
        return None
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
    return ClosedDay(month, day, year)
