"""What the `ivr` commands share: the --content option, and loading content as the running line does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ivr import settings
from ivr.cli_errors import Refusal, Stop, one_line
from ivr.line.content import Content
from ivr.line.content_loader import ContentError
from ivr.line.lines import configured_contents

CONTENT_OPTION = click.option(
    "--content",
    "content_path",
    type=click.Path(path_type=Path),
    help="En indholdsfil, eller en mappe med én fil for hver linje (standard: IVR_CONTENT_DIR eller "
    "IVR_CONTENT_FILE, ellers linjen, der følger med).",
)
LINE_OPTION = click.option(
    "--line",
    "line_id",
    metavar="ID",
    help="Linjen, der skal bruges, ved dens id fra [line], når der er flere.",
)


def configured_settings() -> dict[str, Any]:
    """Read the line's IVR_* settings, or stop (exit 2) naming each bad one in one line."""
    try:
        return settings.from_environment()
    except settings.ConfigError as error:
        raise Stop(one_line(error)) from None


def per_line(content_path: Path | None) -> bool:
    """Tell whether the lines come from a folder (each with its own audio sub-folder and `line=` URLs)."""
    if content_path is not None:
        return content_path.is_dir()
    return bool(configured_settings()["CONTENT_DIR"])


def configured_lines(content_path: Path | None, *, every_problem: bool = False) -> tuple[Content, ...]:
    """Load every line as the running line does (a folder, or one file), or stop naming the problems.

    One line and exit 2 for commands that need the content; `ivr check` asks for every problem, a line each,
    exit 1 (finding them is its job), and checks each line's leaflet too.
    """
    config = configured_settings()
    if content_path is not None:
        folder = content_path.is_dir()
        config |= {
            "CONTENT_DIR": content_path if folder else None,
            "CONTENT_FILE": None if folder else content_path,
        }
    try:
        return configured_contents(config, leaflet=every_problem)
    except ContentError as error:
        if every_problem:
            raise Refusal(str(error)) from None
        raise Stop(one_line(error)) from None


def configured_content(content_path: Path | None, line_id: str | None = None) -> Content:
    """Load the line `line_id` names (--line), else the default or only line, or stop naming the lines."""
    contents = configured_lines(content_path)
    ids = ", ".join(content.line.id for content in contents)
    if line_id is not None:
        found = next((content for content in contents if content.line.id == line_id), None)
        if found is None:
            raise Stop(f"--line {line_id}: der er ingen sådan linje (linjerne: {ids})")
        return found
    if len(contents) == 1:
        return contents[0]
    default = next((content for content in contents if content.line.default), None)
    if default is None:
        raise Stop(f"der er flere linjer, og ingen er standard (default): vælg én med --line ({ids})")
    return default


AUDIO_OPTION = click.option(
    "--audio",
    "audio_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="IVR_AUDIO_DIR",
    help="Mappen med lydfiler (standard: IVR_AUDIO_DIR, ellers audio/ i den mappe, du står i).",
)
