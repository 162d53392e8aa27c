"""`ivr build-audio`: a thin click command over build(), with a progress bar and a summary table."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ivr.audio import manifest
from ivr.audio.build import (
    RECORDED,
    UNREACHABLE_IN_A_ROW,
    BuildReport,
    BuildStoppedError,
    Done,
    Outcome,
    build,
)
from ivr.audio.engines import Engine, make_engine
from ivr.audio.library import Library, default_folder
from ivr.audio.processing import Output
from ivr.cli_errors import Stop, one_line
from ivr.cli_options import (
    CONTENT_OPTION,
    LINE_OPTION,
    configured_content,
    configured_lines,
    configured_settings,
    per_line,
)
from ivr.line.content import Content, Prompt
from ivr.line.content_loader import ContentError
from ivr.versions import drafts
from ivr.versions.cli import published_contents

# How staff read each outcome and voice (their screens are in Danish).
OUTCOMES: dict[Outcome, str] = {"built": "bygget", "unchanged": "uændret", "failed": "fejlede"}
AUDIO_WORDS = {"fresh": "aktuel", "stale": "forældet", "missing": "mangler"}
# Why a prompt failed, as staff read it, by the error the build met (its own words, English, go to the log).
FAILURES = (
    ("UnreachableError", "stemmen kan ikke nås (ingen forbindelse)"),
    ("TransientError", "stemmen svarede ikke i tide; prøv igen senere"),
)
FAILED_OTHERWISE = "lyden kunne ikke laves (loggen siger hvorfor)"


def source(engine: str | None) -> str:
    """Say in Danish where a prompt's sound comes from: a human recording or which synthetic voice."""
    if engine is None:
        return "ingen lyd"
    return "optaget af et menneske" if engine == RECORDED else f"syntetisk ({engine})"


def failure_words(reason: str) -> str:
    """Why a prompt failed, in Danish, from the build's reason ("UnreachableError: gTTS: ...")."""
    return next((words for kind, words in FAILURES if reason.startswith(kind)), FAILED_OTHERWISE)


def line_folder(audio_dir: Path | None, content: Content, per_line: bool) -> Path:
    """A line's audio folder: the audio folder, or its sub-folder named by the line on a folder of lines."""
    base = audio_dir or default_folder()
    return base / content.line.id if per_line else base


def audio_rows(prompts: Sequence[Prompt], folder: Path) -> list[dict[str, Any]]:
    """Return each prompt's id, text, audio status, built file, duration and source, for `ivr prompts`."""
    library = Library.load(folder)
    rows: list[dict[str, Any]] = []
    for prompt in prompts:
        entry = library.entries.get(prompt.id)
        rows.append(
            {
                "id": prompt.id,
                "text": prompt.text,
                "audio": library.status(prompt),
                "file": str(library.folder / entry.file) if entry else None,
                "seconds": round(entry.duration, 2) if entry else None,
                "engine": entry.engine if entry else None,
                "recorded": entry.engine == RECORDED if entry else None,
            }
        )
    return rows


def progress_line(done: Done) -> str:
    """One prompt's line while building: what happened, which prompt, its voice and how long it took."""
    line = f"{OUTCOMES[done.outcome]:<8} {done.prompt_id}"
    if done.outcome == "built":
        return f"{line}  {source(done.engine)}, {done.seconds:.2f} s".replace(".", ",")
    if done.outcome == "failed":
        return f"{line}  {failure_words(done.reason)}"
    return f"{line}  {source(done.engine)}"


@click.command("build-audio")
@click.option(
    "--engine",
    type=click.Choice([engine.value for engine in Engine]),
    default=Engine.GTTS.value,
    show_default=True,
    help="gtts: Googles danske stemme (kræver internet). espeak: dansk stemme uden internet.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="IVR_AUDIO_DIR",
    help="Mappen med lydfiler (standard: IVR_AUDIO_DIR, ellers audio/ i den mappe, du står i).",
)
@click.option("--force", is_flag=True, help="Lav alle lydfiler igen, også dem, hvis tekst ikke er ændret.")
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="ID",
    help="Lav kun lydfilen til denne tekst (kan gives flere gange).",
)
@click.option("--format", "file_format", type=click.Choice(["wav", "mp3"]), default="wav", show_default=True,
              help="wav: 8 kHz µ-law, som telefonnettet bærer. mp3: mindre filer.")  # fmt: skip
@click.option(
    "--draft",
    is_flag=True,
    help="Lav lyden til kladderne (ivr draft) i kladdemappen, adskilt fra den, der bruges nu.",
)
@CONTENT_OPTION
@LINE_OPTION
def build_audio(  # noqa: PLR0917 (click passes every option as an argument)
    engine: str,
    out: Path | None,
    force: bool,
    only: tuple[str, ...],
    file_format: str,
    content_path: Path | None,
    line_id: str | None,
    draft: bool,
) -> None:
    """Lav lydfilen til hver tekst og listen over dem, for hver linje (eller --line); uændrede springes over.

    I en mappe med flere linjer får hver linje sin egen undermappe, og en tekst, som flere linjer siger ens
    (med samme indstillinger), laves kun én gang: de andre linjer får en kopi af filen.
    """
    lines = configured_lines(content_path)
    if line_id is not None:
        lines = (configured_content(content_path, line_id),)
    folders = per_line(content_path)
    # What callers hear: a published line's newest version, not its file; or, with --draft, staff's drafts.
    lines = published_contents(lines)
    live = out or default_folder()
    config = configured_settings()
    if draft:
        lines = _drafts(config, lines)
        out = drafts.audio_folder(config)
    tts = make_engine(Engine(engine))
    output = Output(format="mp3" if file_format == "mp3" else "wav")
    console = Console(stderr=True)  # progress and problems; the summary table goes to stdout
    # A text built for a draft, or for the live line, is copied, never synthesized again.
    elsewhere = drafts.audio_folder(config) if not draft else live
    reuse = built_in(elsewhere) | built_elsewhere(elsewhere)
    reuse |= built_elsewhere(out or default_folder()) if folders else {}
    failed = False
    for content in lines:
        prompts = content.audio_prompts()
        folder = line_folder(out, content, folders)
        if folders:
            console.print(f"linje {content.line.id} -> {folder}", highlight=False, markup=False)
        # A bar only on a terminal; in a log or a pipe, plain lines, one per prompt.
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        ) as bar:  # fmt: skip
            task = bar.add_task("bygger lyd", total=len(only) if only else len(prompts))

            def advance(done: Done, bar: Progress = bar, task: TaskID = task) -> None:
                bar.console.print(progress_line(done), highlight=False, markup=False)
                bar.update(task, advance=1, description=f"{OUTCOMES[done.outcome]} {done.prompt_id}")

            try:
                report = build(
                    prompts, folder, tts, output,
                    only=set(only) or None, force=force, progress=advance, reuse=reuse,
                )  # fmt: skip
            except ValueError as error:
                raise click.BadParameter(str(error), param_hint="--only") from None
            except BuildStoppedError as stopped:
                raise Stop(_unreachable(stopped, engine)) from None
        if folders:
            reuse |= built_in(folder)
        Console().print(summary(report))
        if report.failed:
            _explain_failures(console, report, engine)
            failed = True
    if failed:
        sys.exit(1)


def _drafts(config: dict[str, Any], lines: Sequence[Content]) -> tuple[Content, ...]:
    """The drafted lines' drafts, or stop naming a draft that cannot be loaded (or that there are none)."""
    try:
        contents, ids = drafts.drafted(config, lines)
    except ContentError as error:
        raise Stop(f"Kladden kan ikke indlæses: {one_line(error)}") from None
    if not ids:
        raise Stop(f"Der er ingen kladder i {drafts.folder(config)}: lav en med ivr draft.")
    return tuple(content for content in contents if content.line.id in ids)


def built_elsewhere(base: Path) -> dict[str, Path]:
    """Every built file in `base`'s line folders, by the hash of its text and settings (build's `reuse`)."""
    found: dict[str, Path] = {}
    for folder in sorted(path for path in base.glob("*") if path.is_dir()) if base.is_dir() else []:
        found = built_in(folder) | found
    return found


def built_in(folder: Path) -> dict[str, Path]:
    """The synthesized files one audio folder's manifest names, by hash (recordings are a line's own)."""
    try:
        entries = manifest.load(folder)
    except manifest.ManifestError:
        return {}
    return {
        entry.hash: folder / entry.file
        for entry in entries.values()
        if entry.engine != RECORDED and manifest.present(folder, entry)
    }


def summary(report: BuildReport) -> Table:
    """Return the table printed after a build."""
    table = Table(title="Lydfiler")
    table.add_column(OUTCOMES["built"], justify="right")
    table.add_column(OUTCOMES["unchanged"], justify="right")
    table.add_column(OUTCOMES["failed"], justify="right")
    table.add_column("sekunder", justify="right")
    table.add_row(
        str(len(report.built)), str(len(report.unchanged)), str(len(report.failed)), f"{report.seconds:.2f}"
    )
    return table


def _unreachable(stopped: BuildStoppedError, engine: str) -> str:
    """Say in one line that the engine cannot be reached, what was kept, and the offline way."""
    kept = len(stopped.report.built)
    said = (
        f"{engine} kan ikke nås: bygningen stoppede efter {UNREACHABLE_IN_A_ROW} forsøg "
        f"i træk uden svar; {kept} lydfil(er) nåede at blive bygget og er gemt."
    )
    if engine == Engine.GTTS:
        said += " Uden internet: byg med den lokale stemme, ivr build-audio --engine espeak"
    return said


def _explain_failures(console: Console, report: BuildReport, engine: str) -> None:
    """Name each failed prompt and what to do; their previous files are still in place."""
    for prompt_id, reason in sorted(report.failed.items()):
        said = f"[red]{OUTCOMES['failed']}[/red] {prompt_id}: {failure_words(reason)}"
        console.print(said, markup=True, highlight=False)
    hint = "Patienterne hører disse tekster med Twilios stemme (eller deres tidligere lyd), til en bygning"
    hint += " lykkes."
    if engine == Engine.GTTS:
        hint += " Uden internet: byg med den lokale stemme, ivr build-audio --engine espeak"
    console.print(hint, highlight=False)
