"""The staff page: the call statistics with plots, behind a user name and password."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from ivr.flow import MAIN
from ivr.line import Line
from ivr.staff import staff_only
from ivr.stats import charts, report
from ivr.stats.store import Store

bp = Blueprint("staff_stats", __name__, url_prefix="/staff", template_folder="templates")
log = logging.getLogger(__name__)
# Everything is inline and from this server: the page loads nothing from anywhere else.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _date_arg(name: str) -> date | None:
    """Read a YYYY-MM-DD query argument; anything else counts as not given."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/stats")
@staff_only
def stats_page() -> Response:
    """Show the call statistics of a period with a heat map and bar charts."""
    line: Line = current_app.extensions["ivr.line"]
    store: Store = current_app.extensions["ivr.stats.store"]
    period = report.Period(_date_arg("since"), _date_arg("until"), line.content.hours.timezone)
    try:
        rows = store.rows(*period.bounds())
    except (SQLAlchemyError, OSError):  # the database is down, or its folder cannot be made
        log.exception("statistics: could not read the call events")
        return Response(
            "Statistikken kan ikke læses lige nu. Prøv igen senere.\n", 503, headers=SECURITY_HEADERS
        )
    html = _render(report.build(rows, period), line)
    return Response(html, content_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


def _render(result: report.Report, line: Line) -> str:
    """Lay out the report's plots and render the page."""
    titles = report.section_titles(line.content.sections)
    sections = [(f"{s.key}. {s.title}", result.sections.get(s.key, 0)) for s in line.content.sections]
    return render_template(
        "stats/page.html",
        report=result,
        hours=line.content.hours,
        heat=charts.heat_map(result.heatmap, line.content.hours),
        days=charts.bar_chart([(day.isoformat(), n) for day, n in result.calls_per_day.items()]),
        sections=charts.bar_chart(sections),
        transfers=charts.bar_chart([(report.label(name), n) for name, n in result.transfers.items()]),
        dials=charts.bar_chart([(report.label(name), n) for name, n in result.dials.items()]),
        endings=[(_ending(name, titles), n) for name, n in result.endings.items()],
        label=report.label,
    )


def _ending(name: str, titles: Mapping[str, str]) -> str:
    """Describe a call's last step for staff, naming the section when there is one."""
    event, _, menu = name.partition(" ")
    if not menu:
        return report.label(event)
    where = "hovedmenuen" if menu == MAIN else f"afsnit {menu} ({titles.get(menu, '?')})"
    return f"{report.label(event)}, {where}"
