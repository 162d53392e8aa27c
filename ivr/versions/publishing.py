"""Publishing a line's draft, or restoring an earlier version: the checks and the refusals, in one place for
`ivr publish` and the staff page Indhold.

A refusal is one Danish sentence (`RefusedError`). Content that fails what `ivr check` checks (the leaflet
too), or that clashes with another running line (a number, the default), never reaches the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ivr.cli_errors import one_line
from ivr.line.content import Content
from ivr.line.content_loader import ContentError, load_text
from ivr.line.lines import conflicts
from ivr.versions import drafts
from ivr.versions.store import ContentVersions, Version


class RefusedError(Exception):
    """A publish or restore refused; the message is one Danish sentence for staff."""


def publish_draft(
    versions: ContentVersions,
    config: Mapping[str, Any],
    running: Sequence[Content],
    line_id: str,
    *,
    who: str,
    now: datetime,
) -> tuple[Version, bool]:
    """Publish `line_id`'s draft as its newest version; the newest version and whether it is new (a draft
    the same as the live text publishes nothing)."""
    path = drafts.draft_file(config, line_id)
    if not path.is_file():
        raise RefusedError(
            f"Der er ingen kladde til linjen {line_id} ({path}): lav en med ivr draft --line {line_id}."
        )
    try:
        mine = drafts.load_draft(config, line_id, leaflet=True)
        problems = conflicts([mine if content.line.id == line_id else content for content in running])
        if problems:
            raise ContentError(mine.source, problems)
        text = path.read_text(encoding="utf-8")
    except (ContentError, OSError) as error:
        raise RefusedError(f"Kladden kan ikke udgives: {one_line(error)}") from None
    return _publish(versions, line_id, text, who, now)


def restore(
    versions: ContentVersions,
    config: Mapping[str, Any],
    running: Content,
    number: int,
    *,
    who: str,
    now: datetime,
) -> tuple[Version, bool]:
    """Publish version `number`'s text again as the line's newest version (marked as brought back)."""
    line_id = running.line.id
    chosen = versions.get(line_id, number)
    if chosen is None:
        raise RefusedError(
            f"Linjen {line_id} har ingen version {number} (ivr versions --line {line_id} viser dem)."
        )
    try:
        load_text(chosen.text, running.source, drafts.number_override(config), leaflet=True)
    except ContentError as error:
        raise RefusedError(f"Version {number} kan ikke udgives igen: {one_line(error)}") from None
    return _publish(versions, line_id, chosen.text, who, now, restored_from=number)


def _publish(
    versions: ContentVersions,
    line: str,
    text: str,
    who: str,
    now: datetime,
    *,
    restored_from: int | None = None,
) -> tuple[Version, bool]:
    newest = versions.newest().get(line)
    if newest is not None and newest.text == text:
        return newest, False
    return versions.publish(line, text, who, now, restored_from=restored_from), True
