"""The `ivr` command: thin click commands that validate input and call the line's functions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ivr.cli_errors import Commands
from ivr.cli_options import AUDIO_OPTION, CONTENT_OPTION, configured_content
from ivr.line import spoken
from ivr.line.moments import option_moment
from ivr.line.schedule import Schedule

# The commands kept in their own modules, imported only when run.
LAZY = {
    "build-audio": "ivr.audio.cli:build_audio",
    "call": "ivr.tryout.call_cli:call",
    "graph": "ivr.tryout.graph:graph_command",
    "serve": "ivr.ops.server:serve",
    "staff-password": "ivr.staff:staff_password",
    "stats": "ivr.stats.cli:stats",
}


@click.group(cls=Commands, lazy=LAZY, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rodblokade-linjen", prog_name="ivr")
def main() -> None:
    """Rodblokade-linjen: the clinic's telephone information line."""


@main.command()
@CONTENT_OPTION
def check(content_path: Path | None) -> None:
    """Check the content file; exit 1 naming every problem."""
    content = configured_content(content_path, every_problem=True)
    click.echo(
        f"{content.source}: ok ({len(content.all_prompts())} prompts, {len(content.sections)} sections)"
    )


@main.command()
@CONTENT_OPTION
@AUDIO_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {id, text, audio, file}.")
def prompts(content_path: Path | None, audio_dir: Path | None, as_json: bool) -> None:
    """Print every prompt and whether its built audio is fresh, stale or missing."""
    content = configured_content(content_path)
    from ivr.audio.cli import audio_rows  # noqa: PLC0415  (the audio pipeline is slow to import)

    rows = audio_rows(content.audio_prompts(), audio_dir)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"[{row['id']}] lyd: {prompt_audio(row)}\n{row['text']}\n")


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
@click.option(
    "--at",
    "at_text",
    metavar="ISO-DATETIME",
    help="The moment to ask about, 2000-2100; without an offset, the content's time zone (default: now).",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"open": bool, "next_opening": "..."}.')
def hours(content_path: Path | None, at_text: str | None, as_json: bool) -> None:
    """Tell whether a call now (or --at) would be put through, and when the secretariat opens next."""
    content = configured_content(content_path)
    zone = content.hours.timezone
    at = option_moment(at_text, zone) or datetime.now(UTC)
    status = Schedule(content.hours).status(at)
    opening = status.next_opening.astimezone(zone)
    if as_json:
        click.echo(json.dumps({"open": status.open, "next_opening": opening.isoformat()}))
        return
    local = at.astimezone(zone)
    state = (
        "åbent: et opkald ville blive stillet om"
        if status.open
        else "lukket: et opkald ville ikke blive stillet om"
    )
    click.echo(f"{local:%Y-%m-%d %H:%M %Z}: {state}")
    click.echo(f"næste åbning: {opening:%Y-%m-%d %H:%M %Z} ({spoken.next_opening(opening, local.date())})")
