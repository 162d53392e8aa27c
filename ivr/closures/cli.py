"""`ivr closed add | list | remove`: staff's closures from a shell, as the staff page makes them.

A refusal (a past day, an overlap, an end before the start, a reason too long) is one Danish line and exit 2,
the same sentence the staff page shows.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path

import click

from ivr.cli_errors import Stop
from ivr.cli_options import CONTENT_OPTION, LINE_OPTION, configured_content, configured_lines
from ivr.closures.book import ClosureBook, StaffClosure
from ivr.closures.spans import RefusedError, span
from ivr.db import sqlite_file
from ivr.line.schedule import ClosedPeriod
from ivr.migrations.cli import DATABASE_OPTION, database_url, opened_database


@click.group("closed", context_settings={"help_option_names": ["-h", "--help"]})
def closed() -> None:
    """Luk en linjes sekretariat en eftermiddag, en dag eller en uge; vis og fjern lukninger."""


@closed.command("add")
@CONTENT_OPTION
@LINE_OPTION
@DATABASE_OPTION
@click.argument("day", metavar="DAG")
@click.option(
    "--until", metavar="DAG", help="Sidste lukkede dag (ÅÅÅÅ-MM-DD eller en uge som 2026-W48); standard: DAG."
)
@click.option(
    "--from", "from_time", metavar="HH:MM", help="Lukket fra dette klokkeslæt på DAG (standard: hele dagen)."
)
@click.option(
    "--to",
    "to_time",
    metavar="HH:MM",
    help="Lukket til dette klokkeslæt den sidste dag (standard: hele dagen).",
)
@click.option(
    "--reason",
    required=True,
    metavar="GRUND",
    help='Siges til patienterne midt i en sætning: "på grund af GRUND" (højst 4 ord).',
)
def add(  # noqa: PLR0917 (click passes every option as an argument)
    content_path: Path | None,
    line_id: str | None,
    url: str | None,
    day: str,
    until: str | None,
    from_time: str | None,
    to_time: str | None,
    reason: str,
) -> None:
    """Luk linjen fra DAG (ÅÅÅÅ-MM-DD, en uge som 2026-W48, eller "nu") på grund af GRUND."""
    content = configured_content(content_path, line_id)
    now = datetime.now(UTC)
    with _book(url) as book:
        try:
            wanted = span(
                day, reason, content.hours.timezone, now, until=until, from_time=from_time, to_time=to_time
            )
            made = book.add(content.line.id, wanted, _who(), now)
        except RefusedError as refused:
            raise Stop(str(refused)) from None
    click.echo(
        f"Lukning {made.id} gemt ({content.line.id}): {made.said(content.hours.timezone)}: {made.reason}"
    )


@closed.command("list")
@CONTENT_OPTION
@DATABASE_OPTION
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Vis som en JSON-liste med {id, line, days, hours, reason, who, when}.",
)
def list_closures(content_path: Path | None, url: str | None, as_json: bool) -> None:
    """Vis de lukninger, der ikke er forbi endnu, tidligste først."""
    zones = {content.line.id: content.hours.timezone for content in configured_lines(content_path)}
    with _book(url) as book:
        found = book.active(datetime.now(UTC))
    rows = [_row(closure, zones) for closure in found]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(rows)} lukning(er) nu og fremover")
    for closure, row in zip(found, rows, strict=True):
        zone = zones.get(closure.line, UTC)
        made = f"{row['who']}, {row['when']}"
        click.echo(f"  {row['id']:>4}  {row['line']:<16} {closure.said(zone)}: {row['reason']}  ({made})")


@closed.command("remove")
@CONTENT_OPTION
@DATABASE_OPTION
@click.argument("closure_id", metavar="ID", type=int)
def remove(content_path: Path | None, url: str | None, closure_id: int) -> None:
    """Fjern lukning ID (den står stadig i loggen, med hvem der fjernede den)."""
    zone = configured_content(content_path).hours.timezone
    with _book(url) as book:
        gone = book.remove(closure_id, _who(), datetime.now(UTC), zone)
    if gone is None:
        raise Stop(f"Der er ingen lukning {closure_id} (ivr closed list viser dem, der er).")
    click.echo(f"Lukning {gone.id} fjernet ({gone.line}): {gone.said(zone)}: {gone.reason}")


def line_closures(line_id: str, at: datetime) -> tuple[tuple[ClosedPeriod, ...], str | None]:
    """`line_id`'s closures not yet over at `at`, for `ivr hours`; with why not, when they cannot be read."""
    url = database_url(None)
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return (), None  # no database yet, so no closures either
    try:
        with _book(url) as book:
            return book.periods(at).get(line_id, ()), None
    except click.ClickException as error:
        return (), error.format_message()
    except Exception as error:  # the content's hours are still worth telling
        return (), type(error).__name__


@contextmanager
def _book(url: str | None) -> Iterator[ClosureBook]:
    with opened_database(url) as database:
        yield ClosureBook(database)


def _who() -> str:
    return f"ivr closed ({getpass.getuser()})"[:64]


def _row(closure: StaffClosure, zones: Mapping[str, tzinfo]) -> dict[str, object]:
    """A closure for other tools: its days and hours in the line's time zone, who made it and when."""
    zone = zones.get(closure.line, UTC)
    starts, ends = closure.starts.astimezone(zone), closure.ends.astimezone(zone)
    # Up to midnight: closed all of the day before.
    to_midnight = ends.time() == time()
    last = (ends - timedelta(days=1)).date() if to_midnight else ends.date()
    return {
        "id": closure.id,
        "line": closure.line,
        "days": [starts.date().isoformat(), last.isoformat()],
        "hours": None if starts.time() == time() and to_midnight else [f"{starts:%H:%M}", f"{ends:%H:%M}"],
        "starts": starts.isoformat(timespec="minutes"),
        "ends": ends.isoformat(timespec="minutes"),
        "reason": closure.reason,
        "who": closure.made_by,
        "when": closure.made_at.isoformat(timespec="seconds"),
    }
