"""`ivr import`: read a leaflet and write a draft content file for a clinician to read through."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import click

from ivr.cli_errors import Stop
from ivr.importer.draft import Draft, build_draft
from ivr.importer.writing import render
from ivr.line.leaflet import LeafletError, read_leaflet
from ivr.line.phonenumbers import typed_number

_SLUG = re.compile(r"[a-z0-9-]+")


@click.command("import")
@click.argument("leaflet_path", metavar="FOLDER", type=click.Path(path_type=Path))
@click.option(
    "--id", "line_id", required=True, metavar="ID", help="Linjens id: små bogstaver, tal og bindestreger."
)
@click.option(
    "--number",
    "numbers",
    multiple=True,
    metavar="+45XXXXXXXX",
    help="Twilio-nummeret, som patienterne ringer til linjen på (gentag for flere).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Filen, kladden skrives til.",
)
@click.option("--title", metavar="TITEL", help="Første afsnits titel, når folderen begynder uden overskrift.")
@click.option("--name", metavar="NAVN", help="Linjens navn (standard: folderens titel).")
@click.option("--force", is_flag=True, help="Skriv over --out, hvis den findes.")
def import_command(  # noqa: PLR0917  (click passes every option as an argument)
    leaflet_path: Path,
    line_id: str,
    numbers: tuple[str, ...],
    out: Path,
    title: str | None,
    name: str | None,
    force: bool,
) -> None:
    """Læs FOLDER (almindelig tekst eller en PDF med tekst i) og skriv en kladde til indholdsfil i --out."""
    if not _SLUG.fullmatch(line_id):
        raise Stop(f"--id skal bestå af små bogstaver a-z, tal og bindestreger, ikke {line_id!r}.")
    if out.exists() and not force:
        raise Stop(f"{out} findes allerede; brug --force for at overskrive den.")
    if not out.parent.is_dir():
        raise Stop(f"Mappen {out.parent} findes ikke.")
    draft = import_leaflet(
        leaflet_path,
        out,
        line_id=line_id,
        name=name,
        numbers=tuple(twilio_number(number) for number in numbers),
        title=title,
    )
    click.echo(f"Skrev kladden {out}: {len(draft.sections)} afsnit. En kliniker skal læse den igennem.")
    for todo in draft.todos:
        click.echo(f"Mangler: {todo}")
    for skipped in draft.leaflet_skip:
        click.echo(f"Udelades (titel eller kontaktoplysninger): {skipped}")
    for sentence in draft.uncovered:
        click.echo(f"Læses ikke op: {sentence}")


def import_leaflet(
    leaflet_path: Path,
    out: Path,
    *,
    line_id: str,
    name: str | None,
    numbers: tuple[str, ...],
    title: str | None,
) -> Draft:
    """Read the leaflet, build its draft and write it to `out`; any problem is one Danish line."""
    reference = Path(os.path.relpath(leaflet_path.resolve(), out.parent.resolve())).as_posix()
    try:
        leaflet = read_leaflet(leaflet_path)
        draft = build_draft(
            leaflet, line_id=line_id, name=name, numbers=numbers, leaflet_ref=reference, title=title
        )
    except LeafletError as error:
        raise Stop(str(error)) from None
    try:
        out.write_text(render(draft, leaflet_path.name, date.today()), encoding="utf-8")
    except OSError as error:
        raise Stop(f"Kladden kan ikke skrives til {out} ({error.strerror}).") from None
    return draft


def twilio_number(written: str) -> str:
    """A --number in E.164: "+45 78 78 78 78" and "78787878" become "+4578787878"."""
    number = typed_number(written)
    if number is None:
        raise Stop(f"--number skal være et telefonnummer med landekode, fx +4578787878, ikke {written!r}.")
    return number
