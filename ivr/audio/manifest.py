"""The audio folder's manifest: which file speaks which text, built how; read by the builder and the app."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

MANIFEST = "manifest.json"
# Built files the manifest no longer names but a running line may still play, with when they were retired.
RETIRED = "retired.json"
VERSION = 1
EXTENSIONS = ("wav", "mp3")
Status = Literal["fresh", "stale", "missing"]


class ManifestError(Exception):
    """The manifest cannot be read; the audio is treated as missing until it is rebuilt."""


@dataclass(frozen=True)
class Entry:
    """One built prompt: `hash` covers its text and every build setting, `sha256` the file's bytes."""

    id: str
    hash: str
    engine: str
    file: str
    duration: float
    size: int
    sha256: str
    text: str
    settings: Mapping[str, Any]

    def matches(self, text: str) -> bool:
        """Tell whether this entry was built from `text` (and its own hash is intact)."""
        return self.text == text and self.hash == prompt_hash(text, self.settings)


def prompt_hash(text: str, settings: Mapping[str, Any]) -> str:
    """Return the SHA-256 of a prompt's text and build settings."""
    canonical = json.dumps({"text": text, "settings": settings}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_name(prompt_id: str, digest: str, extension: str) -> str:
    """Name a prompt's file after its id and hash, so a changed prompt gets a new URL."""
    return f"{prompt_id}-{digest[:12]}.{extension}"


def load(folder: Path) -> dict[str, Entry]:
    """Read the manifest in `folder`; a missing one means nothing is built yet."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            raise ManifestError(f"{path}: version {data.get('version')!r}, expected {VERSION}")
        return {prompt_id: Entry(**fields) for prompt_id, fields in data["prompts"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise ManifestError(f"{path}: cannot be read ({error})") from error


def load_retired(folder: Path) -> dict[str, datetime]:
    """Read which files earlier builds stopped naming, and since when; unreadable means none."""
    try:
        data = json.loads((folder / RETIRED).read_text(encoding="utf-8"))
        return {str(name): datetime.fromisoformat(str(at)) for name, at in dict(data).items()}
    except (OSError, ValueError, TypeError):
        return {}


def save_retired(folder: Path, retired: Mapping[str, datetime]) -> None:
    """Write the retired files and when they were retired (removed when there are none)."""
    if not retired:
        (folder / RETIRED).unlink(missing_ok=True)
        return
    text = json.dumps({name: at.isoformat() for name, at in sorted(retired.items())}, indent=2) + "\n"
    write_atomically(folder / RETIRED, text.encode("utf-8"))


def save(folder: Path, entries: Mapping[str, Entry]) -> None:
    """Write the manifest atomically, sorted so that rebuilds give small diffs."""
    prompts = {prompt_id: asdict(entries[prompt_id]) for prompt_id in sorted(entries)}
    text = json.dumps({"version": VERSION, "prompts": prompts}, ensure_ascii=False, indent=2) + "\n"
    write_atomically(folder / MANIFEST, text.encode("utf-8"))


def write_atomically(path: Path, data: bytes) -> None:
    """Write a temporary file beside `path`, then rename it: readers see the old file or the new one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private; built audio is served and committed, so it is world-readable.
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def status(entry: Entry | None, text: str, folder: Path) -> Status:
    """Tell whether a prompt's built file is fresh, stale (built for other text) or missing."""
    if entry is None or not present(folder, entry):
        return "missing"
    return "fresh" if entry.matches(text) else "stale"


def present(folder: Path, entry: Entry) -> bool:
    """Tell whether the entry's file is there with the size it was built with, under its proper name."""
    # A name not made by file_name() (an edited manifest, "../x") is never trusted as a path.
    proper = {file_name(entry.id, entry.hash, extension) for extension in EXTENSIONS}
    if entry.file not in proper:
        return False
    try:
        return (folder / entry.file).stat().st_size == entry.size
    except OSError:
        return False
