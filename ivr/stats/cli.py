"""`ivr stats`: the call statistics in a terminal or as JSON, and deleting old events."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from ivr.cli_options import CONTENT_OPTION, configured_content, configured_lines
from ivr.line.content import LINE_ID, Content
from ivr.line.moments import DAY
from ivr.line.spoken import WEEKDAYS
from ivr.migrations.cli import DATABASE_OPTION, current_database, database_url
from ivr.stats import report
from ivr.stats.store import Store


def line_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Accept a line id as content files name lines (a-z, 0-9 and -, at most 40), or stop the command."""
    if value is not None and not LINE_ID.fullmatch(value):
        raise click.BadParameter(
            f"{value!r} er ikke et linje-id: a-z, 0-9 og -, højst 40 tegn (fx rodblokade)"
        )
    return value


@click.command()
@click.option(
    "--since",
    type=DAY,
    metavar="DAG",
    help="Første dag (ÅÅÅÅ-MM-DD, 2000-2100, indholdets tidszone), medregnet.",
)
@click.option(
    "--until",
    type=DAY,
    metavar="DAG",
    help="Sidste dag (ÅÅÅÅ-MM-DD, 2000-2100, indholdets tidszone), medregnet.",
)
@click.option(
    "--line",
    metavar="ID",
    callback=line_option,
    help="Kun denne linjes opkald (indholdets id, fx rodblokade); standard: alle linjer samlet.",
)
@click.option("--json", "as_json", is_flag=True, help="Vis statistikken som JSON.")
@click.option(
    "--prune",
    "prune_days",
    type=click.IntRange(min=0),
    metavar="DAGE",
    help="Slet hændelser, der er ældre end DAGE dage, i stedet for at vise statistikken.",
)
@DATABASE_OPTION
@CONTENT_OPTION
def stats(
    *,
    since: date | None,
    until: date | None,
    line: str | None,
    as_json: bool,
    prune_days: int | None,
    url: str | None,
    content_path: Path | None,
) -> None:
    """Vis, hvad patienterne spurgte om, og hvornår de ringede; eller slet gamle hændelser (--prune)."""
    if prune_days is not None:
        store = Store(current_database(database_url(url)))
        try:
            deleted = store.prune(datetime.now(UTC) - timedelta(days=prune_days))
        finally:
            store.dispose()
        click.echo(f"slettede {deleted} opkaldshændelser ældre end {prune_days} dage")
        return
    # What was asked first (the content, the period), then the database.
    # The line's own content names its sections; a line no longer served is shown with the default's.
    served = {content.line.id: content for content in configured_lines(content_path)}
    content = served.get(line or "") or configured_content(content_path)
    try:
        period = report.Period(since, until, content.hours.timezone)
    except ValueError as error:  # the options' types took care of each day; this is their order
        raise click.BadParameter(str(error), param_hint="'--since' / '--until'") from None
    store = Store(current_database(database_url(url)))
    try:
        _report(store, period, line, as_json, content)
    finally:
        store.dispose()


def _report(store: Store, period: report.Period, line: str | None, as_json: bool, content: Content) -> None:
    """Print the report of the period, of one line or of all together."""
    result = store.report(period, line=line)
    if as_json:
        click.echo(json.dumps({"line": line, **result.as_json()}, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(text_lines(result, content, line)))


def text_lines(result: report.Report, content: Content, line: str | None = None) -> list[str]:
    """Render the report, of one line (None: all lines together), as plain text tables."""
    # For staff, in Danish, as the statistics page is.
    span = f"{result.since or 'det første opkald'} til {result.until or 'i dag'}"
    lines = [f"Opkaldsstatistik, {span} (tid i {content.hours.timezone.key})"]
    lines.append(report.line_words(line))
    lines.append(f"opkald: {result.calls}  hændelser: {result.events}")
    per_day = {f"{day} {WEEKDAYS[day.weekday()][:3]}": n for day, n in result.calls_per_day.items()}
    lines += _table("Opkald pr. dag", per_day)
    lines += ["", "Opkald pr. ugedag og time (opkald begyndt)"]
    lines.append("      " + " ".join(f"{h:>3}" for h in range(24)))
    for weekday, hours in enumerate(result.heatmap):
        cells = " ".join(f"{n:>3}" if n else "  ." for n in hours)
        lines.append(f"{WEEKDAYS[weekday][:3]:<5} {cells}")
    titles = report.section_titles(content.sections)
    chosen = {f"{key} {titles.get(key, '?')}": n for key, n in result.sections.items()}
    lines += _table("Valgte afsnit", chosen)
    answered = {f"{key} {titles.get(key, '?')}": n for key, n in result.answers.items()}
    lines += _table("Spørgsmål besvaret med en sætning fra afsnittet", answered)
    repeats = {report.menu_words(menu, titles): n for menu, n in result.repeats.items()}
    lines += _table("Bad om at høre igen, pr. menu", repeats)
    lines += _table("Ønsker om omstilling", _words(result.transfers))
    lines += _table("Omstillingernes udfald", _words(result.dials))
    lines += _table("Linjen lagde på", _words(result.line_hangups))
    lines += _choices_table(result)
    endings = {report.ending_words(name, titles): n for name, n in result.endings.items()}
    lines += _table("Hvor opkaldene sluttede (hvert opkalds sidste trin)", endings)
    return lines


def _words(counts: Mapping[str, int]) -> dict[str, int]:
    """Name each event as staff read it."""
    return {report.label(name): n for name, n in counts.items()}


def _choices_table(result: report.Report) -> list[str]:
    """Return the choices made by speech and by key, by kind and in all, or a line saying there were none."""
    title = "Valg ved tale og ved tast (tale, der ikke blev forstået, er ikke med)"
    rows = {report.label(name): pair for name, pair in result.choices.items()}
    if not rows:
        return ["", title, "  (ingen)"]
    rows["i alt"] = result.choices_in_all
    width = max(len(name) for name in rows)
    head = f"  {'':<{width}}  {'tale':>6}  {'tast':>6}"
    return [
        "",
        title,
        head,
        *(f"  {name:<{width}}  {said:>6}  {keys:>6}" for name, (said, keys) in rows.items()),
    ]


def _table(title: str, rows: Mapping[str, int]) -> list[str]:
    """Return a titled two-column table, or a line saying there is nothing."""
    width = max((len(name) for name in rows), default=0)
    body = [f"  {name:<{width}}  {n:>6}" for name, n in rows.items()] or ["  (ingen)"]
    return ["", title, *body]
