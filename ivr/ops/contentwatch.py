"""Whether the content file on disk can still be loaded, checked only when the file changes."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ivr.line.content import MAX_CONTENT_BYTES, ContentError, load_content

# What stat tells of the file: inode, modification and change times (ns), size. Any edit changes one.
Stamp = tuple[int, int, int, int]


@dataclass(frozen=True)
class ContentState:
    """The content file as /healthz sees it: loadable or not, and whether it differs from the running one."""

    loadable: bool
    changed: bool
    problem: str | None = None


@dataclass(frozen=True)
class _Look:
    """One look at the file: its stamp, the hash of its bytes (None if unread) and the verdict."""

    stamp: Stamp | None
    digest: bytes | None
    state: ContentState


class ContentWatch:
    """Compares the content file with the running line's by hash, re-reading it only when its stat changes."""

    def __init__(self, path: Path, number: str | None) -> None:
        self.path = path
        self.number = number
        stamp = self._stamp()
        # The running line loaded this file just before: its bytes are what "changed" compares with.
        self._loaded = self._digest(stamp)
        # One record, so a concurrent check never pairs one look's stamp with another look's verdict.
        self._last = _Look(stamp, self._loaded, ContentState(True, False))

    def state(self) -> ContentState:
        """Return whether the content can be loaded now, re-checking only after the file changed."""
        stamp = self._stamp()
        last = self._last
        if stamp == last.stamp:
            return last.state
        digest = self._digest(stamp)
        if digest is not None and digest == last.digest:
            # Touched, or saved again with the same bytes: the verdict stands.
            state = last.state
        else:
            state = self._check(changed=digest is None or digest != self._loaded)
        self._last = _Look(stamp, digest, state)
        return state

    def _check(self, changed: bool) -> ContentState:
        try:
            load_content(self.path, self.number)
        except ContentError as error:
            key, problem = error.problems[0] if error.problems else ("(file)", "invalid")
            return ContentState(False, changed, f"{len(error.problems)} problem(s), first: {key}: {problem}")
        return ContentState(True, changed)

    def _stamp(self) -> Stamp | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size)

    def _digest(self, stamp: Stamp | None) -> bytes | None:
        """Return the SHA-256 of the file's bytes; None if it is missing, unreadable or too large to load."""
        if stamp is None or stamp[3] > MAX_CONTENT_BYTES:
            return None
        try:
            with open(self.path, "rb") as file:
                # At most one byte past the limit: a file that grew since the stat is not read in full.
                data = file.read(MAX_CONTENT_BYTES + 1)
        except OSError:
            return None
        return None if len(data) > MAX_CONTENT_BYTES else hashlib.sha256(data).digest()
