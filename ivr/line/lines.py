"""Several lines on one deployment: every content file of a folder, checked together, and each call routed.

Each content file is one line (a leaflet, its clinic's secretariat, hours and audio), named by its `[line] id`
and reached by the Twilio numbers in `[line] numbers`. A call is routed by Twilio's `To` (the number called);
a number no line claims reaches the line marked `default = true`. The line a call reached also travels in the
action URLs (`line=ID`), so any worker and any host answers every step of a call on the same line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ivr.line.callstate import LINE
from ivr.line.content import Content
from ivr.line.content_checks import unreadable
from ivr.line.content_loader import ContentError, load_content
from ivr.line.running import Line

# More files than any hospital has leaflets: a folder holding more is a mistake, refused before reading.
MAX_LINES = 500
# Where a problem of the whole folder is named, in place of a file and key.
FOLDER = "(mappen)"


def content_files(folder: Path) -> list[Path]:
    """The folder's content files, one line each, in name order (never its sub-folders or hidden files)."""
    try:
        files = sorted(
            path for path in folder.iterdir() if path.suffix == ".toml" and not path.name.startswith(".")
        )
    except FileNotFoundError:
        raise ContentError(folder, [(FOLDER, "findes ikke")]) from None
    except NotADirectoryError:
        raise ContentError(folder, [(FOLDER, "er en fil, ikke en mappe med indholdsfiler")]) from None
    except OSError as error:
        raise ContentError(folder, [(FOLDER, unreadable(error))]) from None
    if not files:
        raise ContentError(folder, [(FOLDER, "indeholder ingen indholdsfiler (*.toml)")])
    if len(files) > MAX_LINES:
        raise ContentError(folder, [(FOLDER, f"indeholder {len(files)} indholdsfiler; højst {MAX_LINES}")])
    return files


def load_folder(folder: Path, *, leaflet: bool = False) -> tuple[Content, ...]:
    """Load every line in `folder`, naming every problem of every file, then check them together."""
    contents: list[Content] = []
    problems: list[tuple[str, str]] = []
    for path in content_files(folder):
        try:
            contents.append(load_content(path, leaflet=leaflet))
        except ContentError as error:
            problems += [(f"{path.name}: {key}", problem) for key, problem in error.problems]
    problems += conflicts(contents)
    if problems:
        raise ContentError(folder, problems)
    return tuple(contents)


def conflicts(contents: Sequence[Content]) -> list[tuple[str, str]]:
    """Name what lines may not share: an id, a number, being the default; and a secretariat reached at a
    line's number."""
    problems = []
    seen_ids: dict[str, Content] = {}
    claimed: dict[str, Content] = {}
    for content in contents:
        line = content.line
        if line.id in seen_ids:
            problems.append(
                (f"{content.source.name}: line.id", f"{line.id!r} er også id for {_name(seen_ids[line.id])}")
            )
        seen_ids.setdefault(line.id, content)
        for number in line.numbers:
            if number in claimed:
                problems.append(
                    (
                        f"{content.source.name}: line.numbers",
                        f"{number} bruges også af {_name(claimed[number])}",
                    )
                )
            claimed.setdefault(number, content)
    problems += [
        (
            f"{content.source.name}: secretariat.number",
            f"{content.number} er nummeret til {_name(claimed[content.number])}: opkaldet ville blive "
            "stillet om til en linje, ikke til sekretariatet",
        )
        for content in contents
        if content.number in claimed
    ]
    defaults = [content for content in contents if content.line.default]
    if len(defaults) > 1:
        problems.append(
            ("line.default", f"flere linjer er sat som standard (default): {', '.join(map(_name, defaults))}")
        )
    return problems


def _name(content: Content) -> str:
    return f"{content.source.name} ({content.line.id})"


def configured_contents(config: Mapping[str, Any], *, leaflet: bool = False) -> tuple[Content, ...]:
    """The lines the configuration names: IVR_CONTENT_DIR's files, or IVR_CONTENT_FILE's (or the packaged)."""
    if config.get("CONTENT_DIR"):
        return load_folder(config["CONTENT_DIR"], leaflet=leaflet)
    return (load_content(config.get("CONTENT_FILE"), config.get("SECRETARIAT_NUMBER"), leaflet=leaflet),)


class Lines:
    """The running lines of one deployment, and which one a call reached.

    A line's published content (ivr/versions/) may replace it while the app runs: `replace` swaps the whole
    set in one assignment, so a request sees the lines before or after, never half of each; `follow`, where
    set, is asked before each call is routed whether a newer version is due (it never waits long).
    """

    def __init__(self, lines: Iterable[Line], *, follow: Callable[[], None] | None = None) -> None:
        self._set = _LineSet(tuple(lines), {})
        self.follow = follow

    @property
    def all(self) -> tuple[Line, ...]:
        """Every running line."""
        return self._set.all

    @property
    def by_id(self) -> Mapping[str, Line]:
        """The running lines by their ids."""
        return self._set.by_id

    @property
    def by_number(self) -> Mapping[str, Line]:
        """The running lines by the numbers that reach them."""
        return self._set.by_number

    @property
    def default(self) -> Line | None:
        """The line a number no line claims reaches."""
        return self._set.default

    def version(self, line_id: str) -> int | None:
        """The published version `line_id` runs, or None when it runs its content file."""
        return self._set.versions.get(line_id)

    def replace(self, lines: Iterable[Line], versions: Mapping[str, int]) -> None:
        """Run `lines` from now on, each published one's version named in `versions`."""
        self._set = _LineSet(tuple(lines), dict(versions))

    def __iter__(self) -> Iterator[Line]:
        return iter(self.all)

    def __len__(self) -> int:
        return len(self.all)

    @property
    def first(self) -> Line:
        """The line staff pages show unless told otherwise: the default, else the first by name."""
        return self.default or self.all[0]

    def route(self, args: Mapping[str, str], form: Mapping[str, str]) -> Line | None:
        """The line for one request: the one its action URL names, else the one its number reaches."""
        if self.follow is not None:
            self.follow()
        lines = self._set
        named = lines.by_id.get(args.get(LINE, ""))
        if named is not None:
            return named
        return lines.by_number.get(form.get("To", ""), lines.default)

    def refresh(self) -> None:
        """Take up newly published content, and let every line take up a rebuilt audio folder."""
        if self.follow is not None:
            self.follow()
        for line in self.all:
            line.refresh()


class _LineSet:
    """One set of running lines, indexed; replaced whole, never changed."""

    def __init__(self, lines: tuple[Line, ...], versions: dict[str, int]) -> None:
        self.all = lines
        self.versions = versions
        self.by_id = {line.content.line.id: line for line in lines}
        self.by_number = {number: line for line in lines for number in line.content.line.numbers}
        defaults = [line for line in lines if line.content.line.default]
        # A single line answers every number: there is nothing else a call could have meant.
        self.default = defaults[0] if defaults else (lines[0] if len(lines) == 1 else None)
