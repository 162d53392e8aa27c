"""The staff page of closures, `/staff/closed`: close a line for an afternoon, a day or a week, or from now.

Behind the staff login. The forms post a token signed for the staff user (as the callback list's do), and
every change is written to the closures' log with the user's name. A refusal (a past day, an overlap, an end
before the start) is shown on the page in one Danish sentence, with what was typed kept in the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from ivr import staff
from ivr.closures.book import ClosureBook
from ivr.closures.live import LiveClosures
from ivr.closures.spans import RefusedError, span
from ivr.line.running import Line

bp = Blueprint("staff_closed", __name__, template_folder="templates")
# The changes the page shows below the closures.
RECENT_CHANGES = 20
_NOTES = {
    "added": "Lukningen er gemt. Linjen siger det til patienterne inden for 5 sekunder.",
    "removed": "Lukningen er fjernet.",
}
# Said when the database cannot take the change.
_DOWN = "Lukningen kunne ikke gemmes lige nu (databasen svarer ikke). Prøv igen om lidt."


@dataclass(eq=False)
class ClosurePages(staff.StaffPages):
    """Staff's closures as staff see and change them."""

    blueprint = bp

    book: ClosureBook
    # This worker's closures in memory, read again at once after a change here.
    live: LiveClosures


bp.before_request(staff.login_required)


@bp.get("/staff/closed")
def closed_page() -> ResponseReturnValue:
    """The closures not yet over, the forms to add one, and the latest changes."""
    return _page(note=_NOTES.get(request.args.get("note", "")))


@bp.post("/staff/closed/add")
def add() -> ResponseReturnValue:
    """Close a line from a day (or now) up to a day and time, for a reason; back to the page."""
    pages = ClosurePages.current()
    if not ClosurePages.signer().posted():
        return _page(refusal=staff.STALE_FORM, status=400)
    line = _line(pages, request.form.get("line"))
    form = request.form
    now = pages.clock()
    try:
        wanted = span(
            "nu" if form.get("from_now") else form.get("first", ""),
            form.get("reason", ""),
            line.content.hours.timezone,
            now,
            until=form.get("until") or None,
            from_time=form.get("from_time") or None,
            to_time=form.get("to_time") or None,
        )
        pages.book.add(line.content.line.id, wanted, staff.user(), now)
        pages.live.expire()
    except RefusedError as refused:
        return _page(refusal=str(refused), status=400, typed=form)
    except SQLAlchemyError:
        return _page(
            refusal=_DOWN,
            status=503,
            typed=form,
        )
    return redirect(url_for("staff_closed.closed_page", note="added"), 303)


@bp.post("/staff/closed/<int:closure_id>/remove")
def remove(closure_id: int) -> ResponseReturnValue:
    """Remove a closure (kept in the log, marked with who removed it); back to the page."""
    pages = ClosurePages.current()
    if not ClosurePages.signer().posted():
        return _page(refusal=staff.STALE_FORM, status=400)
    zone = pages.lines.first.content.hours.timezone
    if pages.book.remove(closure_id, staff.user(), pages.clock(), zone) is None:
        return _page(refusal="Den lukning findes ikke længere (allerede fjernet?).", status=404)
    pages.live.expire()
    return redirect(url_for("staff_closed.closed_page", note="removed"), 303)


def _page(
    *, note: str | None = None, refusal: str | None = None, status: int = 200, typed: Any = None
) -> Response:
    pages = ClosurePages.current()
    now = pages.clock()
    names = {line.content.line.id: line.content.line.name for line in pages.lines}
    zone = pages.lines.first.content.hours.timezone
    closures = [
        {
            "id": closure.id,
            "line": names.get(closure.line, closure.line),
            "when": closure.said(zone),
            "reason": closure.reason,
            "now": closure.starts <= now < closure.ends,
            "who": closure.made_by,
            "made": closure.made_at.astimezone(zone).strftime("%d.%m.%Y kl. %H:%M"),
        }
        for closure in pages.book.active(now)
    ]
    changes = [
        {
            "at": at.astimezone(zone).strftime("%d.%m.%Y kl. %H:%M"),
            "who": who,
            "action": action,
            "id": closure,
            "line": names.get(line, line),
            "what": what,
        }
        for at, who, action, closure, line, what in pages.book.log(RECENT_CHANGES)[::-1]
    ]
    local = now.astimezone(zone)
    body = render_template(
        "closed.html",
        closures=closures,
        changes=changes,
        lines=[(line.content.line.id, line.content.line.name) for line in pages.lines],
        token=ClosurePages.signer().token(),
        note=note,
        refusal=refusal,
        typed=typed or {},
        today=local.date().isoformat(),
        later=(local + timedelta(hours=2)).strftime("%H:00"),
    )
    return Response(body, status, mimetype="text/html")


def _line(pages: ClosurePages, line_id: str | None) -> Line:
    """The line a form names (the first when there is one line); 400 for one that is not there."""
    if not line_id:
        return pages.lines.first
    line = pages.lines.by_id.get(line_id)
    if line is None:
        abort(400)
    return line
