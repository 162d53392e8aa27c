"""Whether the content on disk (a file, or a folder of lines) can still be loaded, checked only on change."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ivr.component import Component
from ivr.line.content_loader import MAX_CONTENT_BYTES, ContentError, load_content
from ivr.line.lines import MAX_LINES, load_folder

# What stat tells of each file: name, inode, modification and change times (ns), size. An edit changes one.
Stamp = tuple[tuple[str, int, int, int, int], ...]


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


class ContentWatch(Component):
    """Compares the content file with the running line's by hash, re-reading it only when its stat changes."""

    extension = "ivr.content_watch"

    def __init__(self, path: Path, number: str | None, *, folder: bool = False) -> None:
        self.path = path
        self.number = number
        # A folder of lines (IVR_CONTENT_DIR): every *.toml in it, checked together.
        self.folder = folder
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
            if self.folder:
                load_folder(self.path)
            else:
                load_content(self.path, self.number)
        except ContentError as error:
            key, problem = error.problems[0] if error.problems else ("(file)", "invalid")
            return ContentState(False, changed, f"{len(error.problems)} problem(s), first: {key}: {problem}")
        return ContentState(True, changed)

    def _files(self) -> list[Path]:
        if not self.folder:
            return [self.path]
        try:
            found = sorted(path for path in self.path.iterdir() if path.suffix == ".toml")
        except OSError:
            return []
        return found[: MAX_LINES + 1]

    def _stamp(self) -> Stamp | None:
        stamps = []
        for path in self._files():
            try:
                info = os.stat(path)
            except OSError:
                return None
            stamps.append((path.name, info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size))
        return tuple(stamps) if stamps else None

    def _digest(self, stamp: Stamp | None) -> bytes | None:
        """Return the SHA-256 of the files' names and bytes; None if one is missing, unreadable or too big."""
        if stamp is None or any(one[4] > MAX_CONTENT_BYTES for one in stamp):
            return None
        digest = hashlib.sha256()
        for name, *_ in stamp:
            try:
                with open(self.path / name if self.folder else self.path, "rb") as file:
                    # At most one byte past the limit: a file that grew since the stat is not read in full.
                    data = file.read(MAX_CONTENT_BYTES + 1)
            except OSError:
                return None
            if len(data) > MAX_CONTENT_BYTES:
                return None
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return digest.digest()
