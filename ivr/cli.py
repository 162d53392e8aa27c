"""The `ivr` command: thin click commands that validate input and call the line's functions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ivr.cli_errors import Commands
from ivr.cli_options import (
    AUDIO_OPTION,
    CONTENT_OPTION,
    LINE_OPTION,
    configured_lines,
    per_line,
)
from ivr.line import spoken
from ivr.line.content import FRAGMENT
from ivr.line.moments import option_moment
from ivr.line.schedule import Schedule

# The commands kept in their own modules, imported only when run.
LAZY = {
    "ask": "ivr.tryout.ask_cli:ask",
    "build-audio": "ivr.audio.cli:build_audio",
    "callback-key": "ivr.callbacks.cli:callback_key",
    "callbacks": "ivr.callbacks.cli:callbacks",
    "closed": "ivr.closures.cli:closed",
    "call": "ivr.tryout.call_cli:call",
    "db": "ivr.migrations.cli:db",
    "draft": "ivr.versions.cli:draft",
    "graph": "ivr.tryout.graph:graph_command",
    "import": "ivr.importer.cli:import_command",
    "publish": "ivr.versions.cli:publish",
    "serve": "ivr.ops.server:serve",
    "staff": "ivr.staff_cli:staff",
    "staff-password": "ivr.staff:staff_password",
    "stats": "ivr.stats.cli:stats",
    "versions": "ivr.versions.cli:versions_command",
}


@click.group(cls=Commands, lazy=LAZY, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rodblokade-linjen", prog_name="ivr")
def main() -> None:
    """Rodblokade-linjen: klinikkens telefonlinje med information til patienterne."""


@main.command()
@CONTENT_OPTION
def check(content_path: Path | None) -> None:
    """Tjek indholdsfilen (eller alle linjer i en mappe, samlet) og nævn hvert problem, der findes."""
    for content in configured_lines(content_path, every_problem=True):
        sizes = f"{len(content.all_prompts())} tekster, {len(content.sections)} afsnit"
        click.echo(f"{content.source}: i orden (linje {content.line.id}: {sizes})")


@main.command()
@CONTENT_OPTION
@LINE_OPTION
@AUDIO_OPTION
@click.option("--json", "as_json", is_flag=True, help="Vis som en JSON-liste med {id, text, audio, file}.")
def prompts(content_path: Path | None, line_id: str | None, audio_dir: Path | None, as_json: bool) -> None:
    """Vis hver tekst, linjen siger, og om dens lydfil er ny, forældet eller mangler."""
    from ivr.versions.cli import published_content  # noqa: PLC0415  (the database, only where asked)

    content = published_content(content_path, line_id)
    from ivr.audio.cli import audio_rows, line_folder  # noqa: PLC0415  (the audio pipeline is slow to import)

    rows = audio_rows(content.audio_prompts(), line_folder(audio_dir, content, per_line(content_path)))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    whole = [row for row in rows if not row["id"].startswith(FRAGMENT)]
    for row in whole:
        click.echo(f"[{row['id']}] lyd: {prompt_audio(row)}\n{row['text']}\n")
    fragments = rows[len(whole) :]
    click.echo(f"Brudstykker til sætninger, der sættes sammen under opkaldet ({len(fragments)}):")
    for row in fragments:
        click.echo(f"  {row['text']}: {prompt_audio(row)}")


def prompt_audio(row: Mapping[str, Any]) -> str:
    """Describe a prompt's audio for staff, in Danish: played from which file and voice, or read aloud."""
    from ivr.audio.cli import AUDIO_WORDS, source  # noqa: PLC0415  (as in prompts)

    if row["audio"] != "fresh":
        why = "lydfilen er lavet til en ældre tekst" if row["audio"] == "stale" else "ingen lydfil"
        return f"{AUDIO_WORDS[row['audio']]} ({why}; læses op med Twilios stemme)"
    seconds = f"{row['seconds']:.1f} s".replace(".", ",")
    return f"{AUDIO_WORDS['fresh']} ({row['file']}, {source(row['engine'])}, {seconds})"


@main.command()
@CONTENT_OPTION
@LINE_OPTION
@click.option(
    "--at",
    "at_text",
    metavar="ISO-TIDSPUNKT",
    help="Tidspunktet, der spørges om (år 2000-2100); uden tidszone gælder indholdets (standard: nu).",
)
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    metavar="ÅR",
    help="Vis hver hverdag i dette år, hvor der er lukket hele dagen, og hvorfor.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Vis som JSON: {"open", "next_opening", "closes" (mens der er åbent), "closed_today" (hvorfor)}.',
)
def hours(
    content_path: Path | None, line_id: str | None, at_text: str | None, year: int | None, as_json: bool
) -> None:
    """Fortæl, om et opkald nu (eller --at) ville blive stillet om, hvorfor ikke, og hvornår der åbnes."""
    from ivr.versions.cli import published_content  # noqa: PLC0415  (the database, only where asked)

    content = published_content(content_path, line_id)
    from ivr.closures.cli import line_closures  # noqa: PLC0415  (the database, only where asked)

    closed, unread = line_closures(content.line.id, datetime.now(UTC))
    if unread is not None:
        click.echo(
            f"advarsel: personalets lukninger (ivr closed) kan ikke læses og vises derfor ikke: {unread}",
            err=True,
        )
    schedule = Schedule(content.hours, closed)
    if year is not None:
        if at_text is not None:
            raise click.UsageError("--year og --at spørger om hver sit: giv kun den ene.")
        closed_days(schedule, year, as_json)
        return
    zone = content.hours.timezone
    at = option_moment(at_text, zone) or datetime.now(UTC)
    status = schedule.status(at)
    opening = status.next_opening.astimezone(zone)
    closes = status.closes.astimezone(zone) if status.closes is not None else None
    if as_json:
        data = {
            "open": status.open,
            "next_opening": opening.isoformat(),
            "closes": closes.isoformat() if closes else None,
            "closed_today": status.closed_today,
            "closed_for": status.closed_for,
        }
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    local = at.astimezone(zone)
    if closes is not None:
        state = f"åbent til {closes:%H:%M}: et opkald ville blive stillet om"
    elif status.closed_for:
        state = f"lukket af personalet ({status.closed_for}): et opkald ville ikke blive stillet om"
    elif status.closed_today:
        state = f"lukket hele dagen ({status.closed_today}): et opkald ville ikke blive stillet om"
    else:
        state = "lukket: et opkald ville ikke blive stillet om"
    click.echo(f"{local:%Y-%m-%d %H:%M %Z}: {state}")
    said = " ".join(spoken.next_opening(opening, local.date()))
    click.echo(f"næste åbning: {opening:%Y-%m-%d %H:%M %Z} ({said})")


def closed_days(schedule: Schedule, year: int, as_json: bool) -> None:
    """Print the opening weekdays of `year` closed all day: the date, the weekday and the reason."""
    days = schedule.closed_days(year)
    if as_json:
        rows = [{"date": day.isoformat(), "kind": why.kind, "reason": why.reason} for day, why in days]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"Lukkede hverdage i {year} ({len(days)}):")
    for day, why in days:
        kind = {"holiday": "helligdag", "staff": "lukket af personalet"}.get(why.kind, "klinikkens lukkedag")
        click.echo(f"  {day:%Y-%m-%d} {spoken.WEEKDAYS[day.weekday()]:<7} {why.reason or 'lukket'} ({kind})")
