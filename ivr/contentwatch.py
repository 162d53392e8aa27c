"""Whether the content file on disk can still be loaded, checked only when the file changes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ivr.content import ContentError, load_content


@dataclass(frozen=True)
class ContentState:
    """The content file as /healthz sees it: loadable or not, and whether it differs from the running one."""

    loadable: bool
    changed: bool
    problem: str | None = None


class ContentWatch:
    """Re-reads the content file when its size or modification time changes, and remembers the verdict."""

    def __init__(self, path: Path, number: str | None) -> None:
        self.path = path
        self.number = number
        self._started = self._stamp()
        # One tuple, so a concurrent check never pairs one stamp with another stamp's state.
        self._last: tuple[tuple[int, int] | None, ContentState] = (self._started, ContentState(True, False))

    def state(self) -> ContentState:
        """Return whether the content can be loaded now, re-checking only after the file changed."""
        stamp = self._stamp()
        last_stamp, last_state = self._last
        if stamp == last_stamp:
            return last_state
        state = self._check(stamp)
        self._last = (stamp, state)
        return state

    def _check(self, stamp: tuple[int, int] | None) -> ContentState:
        changed = stamp != self._started
        try:
            load_content(self.path, self.number)
        except ContentError as error:
            key, problem = error.problems[0] if error.problems else ("(file)", "invalid")
            return ContentState(False, changed, f"{len(error.problems)} problem(s), first: {key}: {problem}")
        return ContentState(True, changed)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size)
