"""The drafts staff try before publishing: a content file per line in the drafts folder, and their audio.

A line's draft is `ID.toml` in IVR_DRAFT_DIR (else drafts/ in the working directory); `ivr draft` starts one
from what the line runs. A draft is heard only in trial calls (the preview's "Kladde", `ivr call --draft`),
with its own audio built aside in the folder's `audio/`, so the live line's audio is never replaced or made
stale by it; `ivr publish` makes it live.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ivr.line.content import Content
from ivr.line.content_loader import ContentError, load_content
from ivr.line.lines import conflicts


def folder(config: Mapping[str, Any]) -> Path:
    """The drafts folder: IVR_DRAFT_DIR, else drafts/ in the working directory (as audio/ is)."""
    configured: Path | None = config["DRAFT_DIR"]
    return configured or Path.cwd() / "drafts"


def draft_file(config: Mapping[str, Any], line_id: str) -> Path:
    """Where line `line_id`'s draft is."""
    return folder(config) / f"{line_id}.toml"


def audio_folder(config: Mapping[str, Any]) -> Path:
    """Where the drafts' audio is built: kept apart from the live line's, laid out as the live folder is."""
    return folder(config) / "audio"


def number_override(config: Mapping[str, Any]) -> str | None:
    """The secretariat's number IVR_SECRETARIAT_NUMBER sets for a deployment of one content file."""
    return None if config["CONTENT_DIR"] else config["SECRETARIAT_NUMBER"]


def load_draft(config: Mapping[str, Any], line_id: str, *, leaflet: bool = False) -> Content:
    """Load line `line_id`'s draft, refusing one that names another line; `leaflet`: check it says the whole
    leaflet too, as `ivr check` does (the leaflet `ivr draft` copied beside it)."""
    source = draft_file(config, line_id)
    content = load_content(source, number_override(config), leaflet=leaflet)
    if content.line.id != line_id:
        problem = (
            f"er linjen {content.line.id!r}, ikke {line_id!r}: ret [line] id, eller vælg linjen med --line"
        )
        raise ContentError(source, [("line.id", problem)])
    return content


def copy_leaflet(content: Content, target: Path) -> None:
    """Copy the leaflet `content` names beside its draft `target`, where the draft will look for it."""
    leaflet = content.line.leaflet
    if leaflet is None or not leaflet.is_file():
        return
    relative = leaflet.relative_to(content.source.parent)
    copy = target.parent / relative
    # Only beside the draft or below it, never out of the drafts folder.
    if ".." not in relative.parts and not copy.exists():
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(leaflet.read_bytes())


def drafted(config: Mapping[str, Any], running: Sequence[Content]) -> tuple[tuple[Content, ...], list[str]]:
    """The running lines with each drafted one's draft in its place, checked together; and the drafted ids.

    ContentError names every problem of a draft that cannot be loaded.
    """
    contents, ids = [], []
    for content in running:
        line_id = content.line.id
        if draft_file(config, line_id).is_file():
            contents.append(load_draft(config, line_id))
            ids.append(line_id)
        else:
            contents.append(content)
    problems = conflicts(contents)
    if problems:
        raise ContentError(folder(config), problems)
    return tuple(contents), ids
