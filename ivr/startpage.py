"""The start page for staff and developers: the preview, the statistics, the health check, the menu."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import graphviz
from flask import Blueprint, Response, abort, render_template, request
from flask.blueprints import BlueprintSetupState
from sqlalchemy.exc import SQLAlchemyError

from ivr import staff
from ivr.closures.web import ClosurePages
from ivr.line.running import Line
from ivr.tryout.graph import rendered
from ivr.webhook.endpoint import Webhook

bp = Blueprint("start", __name__, template_folder="templates")
log = logging.getLogger(__name__)
# The pages a staff member may open, in the order the start page and each page's links show them.
PAGES = (
    ("preview.page", "Prøv linjen", "Ring til linjen i browseren, med tastatur og udskrift."),
    ("staff_stats.stats_page", "Statistik", "Hvornår der ringes, og hvad der bliver valgt."),
    ("staff_callbacks.callbacks_page", "Opringninger", "Patienter, der har bedt sekretariatet ringe dem op."),
    (
        "staff_closed.closed_page",
        "Lukninger",
        "Luk sekretariatet en eftermiddag, en dag, en uge, eller fra nu.",
    ),
    (
        "staff_content.content_page",
        "Indhold",
        "Prøv en ændret tekst, udgiv den, eller hent en tidligere frem.",
    ),
    ("start.menu_picture", "Menuen som tegning", "Hver tast, og hvor den fører hen."),
    ("health.healthz", "Driftsstatus", "Linjens tilstand som JSON, som overvågningen ser den."),
)


@bp.record_once
def _share_the_page_list(setup: BlueprintSetupState) -> None:
    """Give every template the staff pages, for the links each page shows to the others."""
    setup.app.jinja_env.globals["staff_pages"] = PAGES


# Shown in development mode or with the staff login; otherwise the pages do not exist (404).
bp.before_request(staff.login_required)


@bp.before_app_request
def _login_before_a_wrong_method() -> Response | None:
    """`/` asked with another method than GET: the login first, so where the staff pages are off it is a
    plain 404 too, not a 405 that tells the page exists."""
    if request.path == "/" and request.routing_exception is not None:
        return staff.login_required()
    return None


@bp.get("/")
def start() -> str:
    """Link to every staff page, in Danish, below whether each line's secretariat is open now and why not."""
    return render_template("start.html", pages=PAGES, lines=_now_and_closures())


def _now_and_closures() -> list[dict[str, Any]]:
    """Each line: its name, open now or not (and why), and staff's closures not yet over."""
    closures = ClosurePages.current()
    now = closures.clock()
    try:
        ahead = closures.book.active(now)
    except SQLAlchemyError:
        log.warning("start page: the closures cannot be read; shown without them")
        ahead = []
    shown = []
    for line in closures.lines:
        zone = line.content.hours.timezone
        status = line.current_schedule(now).status(now)
        why = status.closed_for or status.closed_today
        state = "åbent nu" if status.open else f"lukket nu ({why})" if why else "lukket nu"
        opening = status.next_opening.astimezone(zone)
        mine = [f"{item.said(zone)}: {item.reason}" for item in ahead if item.line == line.content.line.id]
        shown.append(
            {
                "name": line.content.line.name,
                "state": state,
                "opens": f"{opening:%d.%m.%Y kl. %H:%M}",
                "closures": mine,
            }
        )
    return shown


@bp.get("/staff/menu.svg")
def menu_picture() -> Response:
    """Draw a running line's menu (Graphviz), as `ivr graph` does: ?line=ID, else the default line."""
    lines = Webhook.current().lines
    wanted = request.args.get("line")
    line = lines.by_id.get(wanted) if wanted is not None else lines.first
    if line is None:
        abort(404)
    try:
        picture = _picture(line, line.flow.max_tries)
    except graphviz.ExecutableNotFound:
        log.warning("the menu picture needs Graphviz's dot (apt-get install graphviz)")
        return Response(
            "Tegningen kan ikke laves på denne server (Graphviz mangler).\n", 503, mimetype="text/plain"
        )
    return Response(
        picture, mimetype="image/svg+xml", headers={"Content-Security-Policy": "default-src 'none'"}
    )


@lru_cache(maxsize=16)
def _picture(line: Line, max_tries: int) -> bytes:
    """Render the menu once per running line: it changes only with the content, which needs a restart."""
    return rendered(line.content, max_tries, "svg")
