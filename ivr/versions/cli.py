"""`ivr draft`, `ivr publish` and `ivr versions`: start a draft, make it live on every node, list and restore.

A refusal (a draft that fails the checks, a version that is not there) is one Danish line and exit 2.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from ivr.cli_errors import Stop, one_line
from ivr.cli_options import (
    CONTENT_OPTION,
    LINE_OPTION,
    configured_content,
    configured_lines,
    configured_settings,
)
from ivr.db import sqlite_file
from ivr.line.content import Content
from ivr.line.content_loader import ContentError, load_text
from ivr.migrations.cli import DATABASE_OPTION, database_url, opened_database
from ivr.versions import drafts, publishing
from ivr.versions.live import TTL_SECONDS
from ivr.versions.store import ContentVersions, Version

# How long after `ivr publish` every node runs the new version at the latest (a read, then a call's wait).
LIVE_WITHIN = f"{TTL_SECONDS + 2:.0f}"


@contextmanager
def _versions(url: str | None) -> Iterator[ContentVersions]:
    with opened_database(url) as database:
        yield ContentVersions(database)


def published_contents(contents: Sequence[Content], url: str | None = None) -> tuple[Content, ...]:
    """`contents` with each published line's newest version in place of its file, as the running line has
    it; the files (and a warning on stderr) when the versions cannot be read."""
    path = sqlite_file(database_url(url))
    if path is not None and not path.exists():
        return tuple(contents)  # no database yet, so nothing published either
    try:
        with _versions(url) as versions:
            newest = versions.newest()
        number = drafts.number_override(configured_settings())
        return tuple(
            load_text(newest[content.line.id].text, content.source, number)
            if content.line.id in newest
            else content
            for content in contents
        )
    except (click.ClickException, ContentError, SQLAlchemyError) as error:
        why = error.format_message() if isinstance(error, click.ClickException) else one_line(error)
        click.echo(f"advarsel: de udgivne versioner kan ikke læses, så filerne bruges: {why}", err=True)
        return tuple(contents)


def published_content(content_path: Path | None, line_id: str | None = None) -> Content:
    """The line --line names (else the default), as callers hear it: its newest published version, if any."""
    return published_contents((configured_content(content_path, line_id),))[0]


def _who(command: str) -> str:
    return f"ivr {command} ({getpass.getuser()})"[:64]


@click.command("draft", context_settings={"help_option_names": ["-h", "--help"]})
@CONTENT_OPTION
@LINE_OPTION
@DATABASE_OPTION
def draft(content_path: Path | None, line_id: str | None, url: str | None) -> None:
    """Start en kladde af linjen: en kopi af det, patienterne hører nu, i kladdemappen, til at rette i."""
    content = configured_content(content_path, line_id)
    target = drafts.draft_file(configured_settings(), content.line.id)
    if target.exists():
        raise Stop(
            f"Der er allerede en kladde: {target} (ret den, eller slet den først for at starte forfra)."
        )
    with _versions(url) as versions:
        newest = versions.newest().get(content.line.id)
    text = newest.text if newest is not None else content.source.read_text(encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    drafts.copy_leaflet(content, target)
    what = f"version {newest.number}" if newest is not None else f"filen {content.source}"
    click.echo(f"Kladde til linjen {content.line.id} lavet fra {what}: {target}")
    click.echo(
        f"Prøv den: ivr call --draft --line {content.line.id}, eller Eksempel med Kladde; udgiv: ivr publish"
    )


@click.command("publish", context_settings={"help_option_names": ["-h", "--help"]})
@CONTENT_OPTION
@LINE_OPTION
@DATABASE_OPTION
@click.option(
    "--restore", "restore", type=int, metavar="N", help="Gør version N aktiv igen (se ivr versions)."
)
def publish(content_path: Path | None, line_id: str | None, url: str | None, restore: int | None) -> None:
    """Gør linjens kladde aktiv på alle maskiner (eller med --restore N en tidligere version)."""
    content = configured_content(content_path, line_id)
    config = configured_settings()
    line = content.line.id
    running = published_contents(configured_lines(content_path))
    mine = next(each for each in running if each.line.id == line)
    now = datetime.now(UTC)
    with _versions(url) as versions:
        try:
            if restore is not None:
                made, new = publishing.restore(versions, config, mine, restore, who=_who("publish"), now=now)
            else:
                made, new = publishing.publish_draft(
                    versions, config, running, line, who=_who("publish"), now=now
                )
        except publishing.RefusedError as refused:
            raise Stop(str(refused)) from None
    if not new:
        click.echo(f"Linjen {line} kører allerede den tekst (version {made.number}); intet udgivet.")
        return
    again = f" (teksten fra version {restore})" if restore is not None else ""
    click.echo(
        f"Version {made.number} af linjen {line} er udgivet{again}; alle noder bruger den inden for "
        f"{LIVE_WITHIN} sekunder."
    )
    click.echo(
        f"Nye sætninger læses op med Twilios stemme, til lyden er bygget: ivr build-audio --line {line}"
    )


@click.command("versions", context_settings={"help_option_names": ["-h", "--help"]})
@CONTENT_OPTION
@LINE_OPTION
@DATABASE_OPTION
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Vis som en JSON-liste med {line, version, who, when, restored_from, live}.",
)
def versions_command(content_path: Path | None, line_id: str | None, url: str | None, as_json: bool) -> None:
    """Vis linjens udgivne versioner (alle linjers uden --line), ældste først; den nyeste er aktiv."""
    line = configured_content(content_path, line_id).line.id if line_id else None
    with _versions(url) as versions:
        found = versions.history(line)
    newest = {version.line: version.number for version in found}
    rows = [_row(version, newest[version.line] == version.number) for version in found]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Intet er udgivet endnu: linjerne kører deres indholdsfiler.")
    for row in rows:
        again = f", teksten fra version {row['restored_from']}" if row["restored_from"] else ""
        live = "  <- kører nu" if row["live"] else ""
        click.echo(
            f"  {row['line']:<16} version {row['version']:>3}  {row['when']}  {row['who']}{again}{live}"
        )


def _row(version: Version, live: bool) -> dict[str, object]:
    return {
        "line": version.line,
        "version": version.number,
        "who": version.who,
        "when": version.at.isoformat(timespec="seconds"),
        "restored_from": version.restored_from,
        "live": live,
    }
