"""`ivr build-audio`: a thin click command over build(), with a progress bar and a summary table."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ivr.audio.build import RECORDED, Done, Outcome, Report, build
from ivr.audio.engines import Engine, make_engine
from ivr.audio.library import Library, default_folder
from ivr.audio.processing import Output
from ivr.cli_options import CONTENT_OPTION, configured_content
from ivr.line.content import Prompt

# How staff read each outcome and voice (their screens are in Danish).
OUTCOMES: dict[Outcome, str] = {"built": "bygget", "unchanged": "uændret", "failed": "fejlede"}
AUDIO_WORDS = {"fresh": "aktuel", "stale": "forældet", "missing": "mangler"}


def source(engine: str | None) -> str:
    """Say in Danish where a prompt's sound comes from: a human recording or which synthetic voice."""
    if engine is None:
        return "ingen lyd"
    return "optaget af et menneske" if engine == RECORDED else f"syntetisk ({engine})"


def audio_rows(prompts: Sequence[Prompt], audio_dir: Path | None) -> list[dict[str, Any]]:
    """Return each prompt's id, text, audio status, built file, duration and source, for `ivr prompts`."""
    library = Library.load(audio_dir or default_folder())
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
        return f"{line}  {done.reason}"
    return f"{line}  {source(done.engine)}"


@click.command("build-audio")
@click.option(
    "--engine",
    type=click.Choice([engine.value for engine in Engine]),
    default=Engine.GTTS.value,
    show_default=True,
    help="gtts: Google's Danish voice (needs internet access). espeak: offline Danish voice.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="IVR_AUDIO_DIR",
    help="Audio folder (default: IVR_AUDIO_DIR, else audio/ in the working directory).",
)
@click.option("--force", is_flag=True, help="Rebuild every prompt, even unchanged ones.")
@click.option("--only", "only", multiple=True, metavar="ID", help="Build only this prompt (repeatable).")
@click.option("--format", "file_format", type=click.Choice(["wav", "mp3"]), default="wav", show_default=True,
              help="wav: 8 kHz µ-law, what the phone network carries. mp3: smaller files.")  # fmt: skip
@CONTENT_OPTION
def build_audio(  # noqa: PLR0917 (click passes every option as an argument)
    engine: str,
    out: Path | None,
    force: bool,
    only: tuple[str, ...],
    file_format: str,
    content_path: Path | None,
) -> None:
    """Build every prompt's audio file and the manifest; unchanged prompts are skipped."""
    prompts = configured_content(content_path).audio_prompts()
    console = Console(stderr=True)  # progress and problems; the summary table goes to stdout
    # A bar only on a terminal; in a log or a pipe, plain lines, one per prompt.
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    ) as bar:  # fmt: skip
        task = bar.add_task("bygger lyd", total=len(only) if only else len(prompts))

        def advance(done: Done) -> None:
            bar.console.print(progress_line(done), highlight=False, markup=False)
            bar.update(task, advance=1, description=f"{OUTCOMES[done.outcome]} {done.prompt_id}")

        try:
            report = build(
                prompts,
                out or default_folder(),
                make_engine(Engine(engine)),
                Output(format="mp3" if file_format == "mp3" else "wav"),
                only=set(only) or None,
                force=force,
                progress=advance,
            )
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--only") from None
    Console().print(summary(report))
    if report.failed:
        _explain_failures(console, report, engine)
        sys.exit(1)


def summary(report: Report) -> Table:
    """Return the table printed after a build."""
    table = Table(title="Audio prompts")
    table.add_column("built", justify="right")
    table.add_column("unchanged", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("seconds", justify="right")
    table.add_row(
        str(len(report.built)), str(len(report.unchanged)), str(len(report.failed)), f"{report.seconds:.2f}"
    )
    return table


def _explain_failures(console: Console, report: Report, engine: str) -> None:
    """Name each failed prompt and what to do; their previous files are still in place."""
    for prompt_id, reason in sorted(report.failed.items()):
        console.print(f"[red]failed[/red] {prompt_id}: {reason}", markup=True, highlight=False)
    hint = "Callers hear these prompts with <Say> (or their previous audio) until a build succeeds."
    if engine == Engine.GTTS:
        hint += " Without internet access, build with the offline voice: ivr build-audio --engine espeak"
    console.print(hint, highlight=False)
