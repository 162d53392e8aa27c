"""The published content as a running app follows it: each line's newest version, read again every few
seconds (ivr/reread.py: a thread of its own, a call waits at most WAIT_SECONDS); a newer version is loaded and
replaces its line in the running `Lines` for every call after. A line never published runs its content file.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ivr.line.content import Content
from ivr.line.content_loader import ContentError, load_text
from ivr.line.lines import Lines, conflicts
from ivr.line.running import Line
from ivr.reread import Reread
from ivr.versions.store import Version

log = logging.getLogger(__name__)
# How old the versions in memory may be before a call reads them again: a publish is live within 5 s.
TTL_SECONDS = 3.0
# How long a call waits for that read before going on with what it runs.
WAIT_SECONDS = 0.3

# Reads each line's newest version (`ContentVersions.newest`).
Reader = Callable[[], Mapping[str, Version]]
# Builds a running line for content, never ringing back or texting the numbers given (every line's).
Builder = Callable[[Content, frozenset[str]], Line]


class LiveContent:
    """Swaps a line's newest published version into the running lines when it is not the one running."""

    def __init__(
        self,
        lines: Lines,
        read: Reader,
        build: Builder,
        *,
        number: str | None = None,
        ttl: float = TTL_SECONDS,
        wait: float = WAIT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lines = lines
        self.build = build
        # The secretariat's number IVR_SECRETARIAT_NUMBER sets, as for the content file.
        self.number = number
        empty: Mapping[str, Version] = {}
        self._kept: Reread[None, Mapping[str, Version]] = Reread(
            lambda _: read(), empty, what="content versions", ttl=ttl, wait=wait, monotonic=monotonic
        )
        # The read last applied (by identity: a new read is a new mapping), and what could not be used.
        self._applied: Mapping[str, Version] = empty
        self._refused: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def follow(self) -> None:
        """Run each line's newest version from now on, reading the versions again when they are old."""
        newest = self._kept.get(None)
        if newest is self._applied:
            return
        with self._lock:
            if newest is not self._applied:
                self._apply(newest)
                self._applied = newest

    def expire(self) -> None:
        """Read the versions again at the next call: this worker published one."""
        self._kept.expire()

    def _apply(self, newest: Mapping[str, Version]) -> None:
        running = self.lines.all
        changed = {
            line.content.line.id: version
            for line in running
            if (version := newest.get(line.content.line.id)) is not None
            and self.lines.version(version.line) != version.number
            and (version.line, version.number) not in self._refused
        }
        if not changed:
            return
        contents = [self._content(line.content, changed.get(line.content.line.id)) for line in running]
        problems = conflicts(contents)
        if problems:
            self._refuse(changed.values(), f"{problems[0][0]}: {problems[0][1]}")
            return
        never = frozenset(
            number for content in contents for number in (content.number, *content.line.numbers)
        )
        versions = {
            line_id: number for line_id in self.lines.by_id if (number := self.lines.version(line_id))
        }
        rebuilt = []
        for line, content in zip(running, contents, strict=True):
            line_id = line.content.line.id
            if content is line.content:
                rebuilt.append(line)
                continue
            rebuilt.append(self.build(content, never))
            versions[line_id] = changed[line_id].number
            log.info("content: line %s now runs published version %d", line_id, changed[line_id].number)
        self.lines.replace(rebuilt, versions)

    def _content(self, running: Content, version: Version | None) -> Content:
        """The content of `version` (else `running`); `running` still when the version cannot be loaded."""
        if version is None:
            return running
        source = Path(running.source)
        try:
            return load_text(version.text, source, self.number)
        except ContentError as error:
            # Checked when published; refused now only by a newer program that reads content more strictly.
            self._refuse([version], f"{len(error.problems)} problem(s), first: {error.problems[0]}")
            return running

    def _refuse(self, versions: Iterable[Version], why: str) -> None:
        for version in versions:
            self._refused.add((version.line, version.number))
            log.error(
                "content: published version %d of line %s cannot run (%s); kept the running one",
                version.number,
                version.line,
                why,
            )
