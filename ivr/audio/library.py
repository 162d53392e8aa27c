"""The built audio as the running line sees it: read once at start-up, then only looked up."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ivr.audio import manifest
from ivr.audio.manifest import Entry, Status
from ivr.line.content import FRAGMENT, SLOW, Prompt

log = logging.getLogger(__name__)
CONTENT_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg"}


def default_folder() -> Path:
    """Return the audio/ folder in the working directory, where `ivr build-audio` puts it by default.

    Not a path relative to this file: an installed (non-editable) package lives in site-packages, far from
    the deployment's audio. IVR_AUDIO_DIR names another folder.
    """
    return Path.cwd() / "audio"


@dataclass(frozen=True)
class AudioFile:
    """A servable file: where it is, what it is, and its ETag."""

    path: Path
    content_type: str
    etag: str


class Library:
    """The manifest's prompts whose files exist, and the files that may be served."""

    def __init__(self, folder: Path, entries: Mapping[str, Entry], stamp: Stamp | None = None) -> None:
        self.folder = folder
        self.entries: dict[str, Entry] = {}
        # Every file this library has named, the current manifest's and earlier ones': a call told to play
        # a file a moment before a rebuild may still fetch it, and builds keep such files for a while.
        self.files: dict[str, AudioFile] = {}
        self._texts: dict[str, str] = {}
        self._named: dict[str, Entry] = {}
        self.stamp = stamp
        self._use(entries)
        # Filled in by log_status at start-up: fresh, stale and missing prompts, e.g. for a health check.
        self.counts: Counter[Status] = Counter()

    @classmethod
    def load(cls, folder: Path) -> Library:
        """Read the manifest in `folder`; an unreadable one is logged and means no audio."""
        stamp = _stamp(folder)
        return cls(folder, _read(folder), stamp)

    def reload_if_changed(self) -> bool:
        """Read the manifest again if a build has replaced it since; tell whether it had."""
        stamp = _stamp(self.folder)
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        self._use(_read(self.folder))
        log.info("audio prompts in %s: a new manifest, %d prompts built", self.folder, len(self.entries))
        return True

    def files_changed(self) -> bool:
        """Look again which of the manifest's files are on disk; tell whether that changed since last time.

        A file deleted by hand, or not yet copied to this node's share of the folder, is then spoken with
        <Say> instead of sent to Twilio as a URL that would answer 404; one that comes back is played again.
        """
        present = {key for key, entry in self._named.items() if manifest.present(self.folder, entry)}
        if present == self.entries.keys():
            return False
        gone = sorted(self.entries.keys() - present)
        self._use(self._named)
        log.warning(
            "audio prompts in %s: %d built, %d files gone from disk%s",
            self.folder,
            len(self.entries),
            len(self._named) - len(self.entries),
            f" (spoken with <Say> instead: {', '.join(gone)})" if gone else "",
        )
        return True

    def spoken(self) -> dict[str, str]:
        """Map every file this library has named to the text it speaks."""
        return {file: self._texts[file] for file in self.files}

    @property
    def built(self) -> bool:
        """Tell whether the folder's manifest names any built file (else every prompt is <Say> by design)."""
        return bool(self._named)

    def missing_files(self) -> list[str]:
        """Name the current manifest's files that are no longer on disk (someone deleted them)."""
        # Every file the manifest names, played or not: one found missing at loading is missing still.
        named = self._named.values()
        return sorted(entry.file for entry in named if not manifest.present(self.folder, entry))

    def _use(self, entries: Mapping[str, Entry]) -> None:
        """Take a manifest's entries whose files are there; keep serving the files named before."""
        self._named = dict(entries)
        self.entries = {key: entry for key, entry in entries.items() if manifest.present(self.folder, entry)}
        named = {entry.file: _audio_file(self.folder, entry) for entry in self.entries.values()}
        self.files = self.files | named
        self._texts = self._texts | {entry.file: entry.text for entry in self.entries.values()}

    def status(self, prompt: Prompt) -> Status:
        """Tell whether the prompt's audio is fresh, stale or missing."""
        entry = self.entries.get(prompt.id)
        if entry is None:
            return "missing"
        return "fresh" if entry.matches(prompt.text) else "stale"

    def statuses(self, prompts: Sequence[Prompt]) -> dict[str, Status]:
        """Return each prompt's status, by id."""
        return {prompt.id: self.status(prompt) for prompt in prompts}

    def playable(self, base_url: str) -> dict[str, tuple[str, str]]:
        """Map each prompt id to (the text its file speaks, the file's URL under `base_url`)."""
        return {
            key: (entry.text, f"{base_url}/audio/{entry.file}")
            for key, entry in self.entries.items()
            if entry.matches(entry.text)
        }

    def log_status(self, prompts: Sequence[Prompt]) -> Counter[Status]:
        """Log how many prompts are fresh, stale and missing, naming the ones spoken with <Say>."""
        statuses = self.statuses(prompts)
        counts = Counter(statuses.values())
        self.counts = counts
        fallback = sorted(key for key, value in statuses.items() if value != "fresh")
        # Fragments are many and named after their words, slow variants are the prompts again: counted.
        slow = sum(key.endswith(SLOW) for key in fallback)
        fragments = sum(key.startswith(FRAGMENT) and not key.endswith(SLOW) for key in fallback)
        named = [key for key in fallback if not key.startswith(FRAGMENT) and not key.endswith(SLOW)]
        named += [f"{count} {what}" for count, what in ((fragments, "fragments"), (slow, "slow")) if count]
        level = logging.WARNING if fallback else logging.INFO
        log.log(
            level,
            "audio prompts in %s: %d fresh, %d stale, %d missing%s",
            self.folder,
            counts["fresh"],
            counts["stale"],
            counts["missing"],
            f"; spoken with <Say> instead: {', '.join(named)}" if fallback else "",
        )
        return counts


# What stat says of the manifest file: a build replaces it (a new inode), an edit changes time or size.
Stamp = tuple[int, int, int]


def _stamp(folder: Path) -> Stamp | None:
    try:
        info = (folder / manifest.MANIFEST).stat()
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _read(folder: Path) -> dict[str, Entry]:
    """Read the manifest; an unreadable one is logged and means no audio."""
    try:
        return manifest.load(folder)
    except manifest.ManifestError as error:
        log.error("%s: every prompt will be spoken with <Say> until `ivr build-audio` is run", error)
        return {}


def _audio_file(folder: Path, entry: Entry) -> AudioFile:
    extension = entry.file.rsplit(".", 1)[-1]
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    return AudioFile(folder / entry.file, content_type, entry.sha256)
