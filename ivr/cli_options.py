"""What the `ivr` commands share: the --content option, and loading content as the running line does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ivr import settings
from ivr.cli_errors import Stop, one_line
from ivr.line.content import Content, ContentError, load_content

CONTENT_OPTION = click.option(
    "--content",
    "content_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Content file to use (default: IVR_CONTENT_FILE, else the packaged one).",
)


def configured_settings() -> dict[str, Any]:
    """Read the line's IVR_* settings, or stop (exit 2) naming each bad one in one line."""
    try:
        return settings.from_environment()
    except settings.ConfigError as error:
        raise Stop(one_line(error)) from None


def configured_content(content_path: Path | None, *, every_problem: bool = False) -> Content:
    """Load the content with the line's settings (file, number override), or stop naming its problems.

    One line and exit 2 for commands that need the content; `ivr check` asks for every problem, a line each,
    and exit 1: finding them is its job.
    """
    config = configured_settings()
    try:
        path = content_path or config["CONTENT_FILE"]
        return load_content(path, config["SECRETARIAT_NUMBER"], leaflet=every_problem)
    except ContentError as error:
        if every_problem:
            raise click.ClickException(str(error)) from None
        raise Stop(one_line(error)) from None


AUDIO_OPTION = click.option(
    "--audio",
    "audio_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="IVR_AUDIO_DIR",
    help="Audio folder (default: IVR_AUDIO_DIR, else audio/ in the working directory).",
)
