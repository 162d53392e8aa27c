"""The built audio as the running line sees it: read once at start-up, then only looked up."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ivr.audio import manifest
from ivr.audio.manifest import Entry, Status
from ivr.line.content import Prompt

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

    def __init__(self, folder: Path, entries: Mapping[str, Entry]) -> None:
        self.folder = folder
        self.entries = {key: entry for key, entry in entries.items() if manifest.present(folder, entry)}
        self.files = {entry.file: _audio_file(folder, entry) for entry in self.entries.values()}
        # Filled in by log_status at start-up: fresh, stale and missing prompts, e.g. for a health check.
        self.counts: Counter[Status] = Counter()

    @classmethod
    def load(cls, folder: Path) -> Library:
        """Read the manifest in `folder`; an unreadable one is logged and means no audio."""
        try:
            return cls(folder, manifest.load(folder))
        except manifest.ManifestError as error:
            log.error("%s: every prompt will be spoken with <Say> until `ivr build-audio` is run", error)
            return cls(folder, {})

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
        level = logging.WARNING if fallback else logging.INFO
        log.log(
            level,
            "audio prompts in %s: %d fresh, %d stale, %d missing%s",
            self.folder,
            counts["fresh"],
            counts["stale"],
            counts["missing"],
            f"; spoken with <Say> instead: {', '.join(fallback)}" if fallback else "",
        )
        return counts


def _audio_file(folder: Path, entry: Entry) -> AudioFile:
    extension = entry.file.rsplit(".", 1)[-1]
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    return AudioFile(folder / entry.file, content_type, entry.sha256)
