"""The staff page: the call statistics with plots, behind a user name and password."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from ivr.component import Component
from ivr.line import moments
from ivr.line.clock import Clock
from ivr.line.content import LINE_ID
from ivr.line.lines import Lines
from ivr.line.running import Line
from ivr.staff import staff_only
from ivr.stats import charts, gate, report
from ivr.stats.recorder import Recorder
from ivr.stats.store import Store

bp = Blueprint("staff_stats", __name__, url_prefix="/staff", template_folder="templates")
log = logging.getLogger(__name__)
# No copy of the statistics stays in a browser's or a proxy's cache; ivr.pages adds the page's policy.
SECURITY_HEADERS = {"Cache-Control": "no-store"}
# The period's query arguments, named as the page's form labels them.
FIELDS = {"since": "fra og med", "until": "til og med"}
# The query arguments that choose the period, kept when another line is picked.
PERIOD_ARGS = ("since", "until", "period")


@dataclass(eq=False)
class Statistics(Component):
    """The call statistics: the store, this worker's recorder writing to it, the staff page reading it."""

    extension = "ivr.statistics"
    blueprint = bp

    store: Store
    recorder: Recorder
    # The lines the deployment answers, named on the page even before their first call.
    lines: Lines
    clock: Clock


class PeriodError(ValueError):
    """The address asks for a period the page cannot show; the message says why, in Danish."""


class LineError(ValueError):
    """The address asks for a line the page does not know; the message says why, in Danish."""


@bp.get("/stats")
@staff_only
def stats_page() -> Response:
    """Show the call statistics of a period, of one line or all, with a heat map and bar charts."""
    statistics = Statistics.current()
    line, store = statistics.lines.first, statistics.store
    try:
        # The lines the statistics hold, and those the deployment answers (which may have had no calls yet).
        known = sorted({*store.lines(seconds=gate.QUERY_SECONDS), *statistics.lines.by_id} - {""})
    except (SQLAlchemyError, OSError):  # the database is down, or its folder cannot be made
        return _unreadable()
    try:
        period = _period(line.content.hours.timezone)
        chosen = _line(known)
    except (PeriodError, LineError) as refused:
        html = _render_refusal(str(refused), line, known)
        return Response(html, 400, content_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)
    # Sections are named as the chosen line names them (the line staff see first, for all lines).
    shown = statistics.lines.by_id.get(chosen, line) if chosen else line
    try:
        result = store.report(period, seconds=gate.QUERY_SECONDS, line=chosen)
    except (SQLAlchemyError, OSError):
        return _unreadable()
    html = _render(result, shown, known, chosen)
    return Response(html, content_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


def _unreadable() -> Response:
    """Log why the statistics cannot be read, and tell staff politely to try again."""
    log.exception("statistics: could not read the call events")
    headers = {**SECURITY_HEADERS, "Retry-After": "60"}
    return Response("Statistikken kan ikke læses lige nu. Prøv igen senere.\n", 503, headers=headers)


# What the page shows when the address names no period: the last 30 days, today included.
DEFAULT_DAYS = 30


def periods(today: date, line: str | None = None) -> list[tuple[str, str]]:
    """The periods staff pick most, as (Danish label, address) for the links above the form; of `line`."""
    month = today.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)

    def span(since: date, until: date) -> str:
        return url_for("staff_stats.stats_page", since=since.isoformat(), until=until.isoformat(), line=line)

    return [
        (f"Sidste {DEFAULT_DAYS} dage", url_for("staff_stats.stats_page", line=line)),
        ("Denne måned", span(month, today)),
        ("Sidste måned", span(last_month, month - timedelta(days=1))),
        ("I år", span(today.replace(month=1, day=1), today)),
        ("Alt", url_for("staff_stats.stats_page", period="alt", line=line)),
    ]


def line_links(known: list[str], chosen: str | None) -> list[tuple[str, str, bool]]:
    """Each line to pick, by name, and all together, as (Danish label, address, shown now), in the period
    shown."""
    kept: dict[str, Any] = {name: request.args[name] for name in PERIOD_ARGS if request.args.get(name)}
    every = [("Alle linjer", url_for("staff_stats.stats_page", **kept), chosen is None)]
    return every + [
        (_name(line), url_for("staff_stats.stats_page", **kept, line=line), line == chosen) for line in known
    ]


def _name(line: str) -> str:
    """A line as staff know it: its name; by id only when it is no longer answered here (its name unknown)."""
    running = Statistics.current().lines.by_id.get(line)
    return running.content.line.name if running is not None else line


def _today(zone: ZoneInfo) -> date:
    return Statistics.current().clock().astimezone(zone).date()


def _period(zone: ZoneInfo) -> report.Period:
    """Read since/until from the address (empty means not given), or raise PeriodError saying why.

    No period at all means the last DEFAULT_DAYS days; `period=alt` means everything kept.
    """
    if request.args.get("period") == "alt":
        return report.Period(None, None, zone)
    if not request.args.get("since") and not request.args.get("until"):
        today = _today(zone)
        return report.Period(today - timedelta(days=DEFAULT_DAYS - 1), today, zone)
    days: dict[str, date | None] = {}
    for name, label in FIELDS.items():
        text = request.args.get(name, "")
        try:
            days[name] = moments.read_day(text) if text else None
        except ValueError:
            raise PeriodError(
                f"Datoen »{label}« skal være en dato som 2026-11-01 mellem år 2000 og 2100."
            ) from None
    try:
        return report.Period(days["since"], days["until"], zone)
    except ValueError:  # each day is good, so the period is the wrong way round
        raise PeriodError(
            f"Datoen »fra og med« ({days['since']}) ligger efter datoen »til og med« ({days['until']})."
        ) from None


def _line(known: list[str]) -> str | None:
    """Read the line from the address (empty or none: all lines), or raise LineError saying why."""
    text = request.args.get("line", "")
    if not text:
        return None
    if not LINE_ID.fullmatch(text):
        raise LineError("Linjen skal være en linjes id som rodblokade: a-z, 0-9 og -, højst 40 tegn.")
    if text not in known:
        raise LineError(f"Statistikken kender ingen linje »{text}«. Vælg en af linjerne ovenfor.")
    return text


def _render_refusal(message: str, line: Line, known: list[str]) -> str:
    """Render the page with the form as it was filled in and the problem instead of the statistics."""
    # The pickers offer what can be shown: a line asked for that is not one is left out of their links.
    asked = request.args.get("line", "")
    chosen = asked if asked in known else None
    return render_template(
        "stats/page.html",
        error=message,
        since=request.args.get("since", ""),
        until=request.args.get("until", ""),
        hours=line.content.hours,
        periods=periods(_today(line.content.hours.timezone), chosen),
        lines=line_links(known, chosen),
        line=chosen,
        line_words=report.line_words(_name(chosen) if chosen else None),
    )


def _render(result: report.Report, line: Line, known: list[str], chosen: str | None) -> str:
    """Lay out the report's plots and render the page."""
    titles = report.section_titles(line.content.sections)
    sections = [(f"{s.key}. {s.title}", result.sections.get(s.key, 0)) for s in line.content.sections]
    answers = [(f"{s.key}. {s.title}", result.answers.get(s.key, 0)) for s in line.content.sections]
    return render_template(
        "stats/page.html",
        report=result,
        since=result.since or "",
        until=result.until or "",
        hours=line.content.hours,
        heat=charts.heat_map(result.heatmap, line.content.hours),
        days=charts.bar_chart([(day.isoformat(), n) for day, n in result.calls_per_day.items()]),
        sections=charts.bar_chart(sections),
        answers=charts.bar_chart(answers),
        transfers=charts.bar_chart([(report.label(name), n) for name, n in result.transfers.items()]),
        dials=charts.bar_chart([(report.label(name), n) for name, n in result.dials.items()]),
        endings=[(report.ending_words(name, titles), n) for name, n in result.endings.items()],
        choices=[(report.label(name), said, keys) for name, (said, keys) in result.choices.items()],
        label=report.label,
        periods=periods(_today(line.content.hours.timezone), chosen),
        lines=line_links(known, chosen),
        line=chosen,
        line_words=report.line_words(_name(chosen) if chosen else None),
    )
