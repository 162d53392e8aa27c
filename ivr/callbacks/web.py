"""The staff's callback list, `/staff/callbacks`: who asked to be rung, and "Ringet op" / "Ikke truffet".

Behind the staff login, like the statistics. "Ringet op" asks once (a page of its own, no script needed), and
can be undone for a minute; then the number is deleted for good. Every look at the list and every change is
written to the access log (who, when, what; never the number). The buttons are POST forms with a token signed
for the staff user, timestamped by the app's clock and good for a working day (staff.FORM_TOKEN_SECONDS;
itsdangerous), so another site cannot make a logged-in browser mark calls done.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from ivr import staff
from ivr.line.spoken import WEEKDAYS

if TYPE_CHECKING:
    from ivr.callbacks.desk import CallbackDesk, Pending

log = logging.getLogger(__name__)
bp = Blueprint("staff_callbacks", __name__, template_folder="templates")
# What staff are told after a button.
_DONE = {
    "done": "Markeret som ringet op. Nummeret slettes om et minut; indtil da kan det fortrydes herunder.",
    "not_reached": "Markeret som ikke truffet.",
    "undone": "Fortrudt: anmodningen venter igen på listen.",
}
# What staff are told when a button came too late or twice.
_GONE = "Den anmodning findes ikke længere (allerede klaret?).\n"
_TOO_LATE = 'Det kan ikke længere fortrydes: nummeret er slettet (der går et minut efter "Ringet op").\n'


@dataclass(eq=False)
class CallbackPages(staff.StaffPages):
    """The secretariat's callback list as staff see it."""

    blueprint = bp

    # None where the deployment has no key for the list.
    desk: CallbackDesk | None

    def forget_later(self) -> None:
        """Delete the numbers marked done once their minute for an undo is over, on a timer of this worker
        (the next look or request deletes them too, should the worker stop first)."""
        desk = self.desk
        if desk is None:
            return
        from ivr.callbacks.desk import UNDO_SECONDS  # noqa: PLC0415  (cryptography: only where the list is)

        clock = self.clock

        def forget() -> None:
            try:
                desk.forget_done(clock())
            except (SQLAlchemyError, OSError) as error:
                # Nothing is lost: the next look at the list or request deletes them.
                log.warning("callbacks: numbers marked done not deleted now (%s)", type(error).__name__)

        timer = threading.Timer(UNDO_SECONDS + 1, forget)
        timer.daemon = True
        timer.start()


# The staff login, as for every staff page.
bp.before_request(staff.login_required)


@bp.get("/staff/callbacks")
def callbacks_page() -> ResponseReturnValue:
    """The waiting requests, oldest first, with the numbers, and those just rung back (to undo); logged."""
    pages = CallbackPages.current()
    desk = pages.desk
    if desk is None:
        return render_template(
            "callbacks.html", enabled=False, pending=[], done=[], counts=None, token="", note=None
        )
    now = pages.clock()
    shown = [_shown(pages, item) for item in desk.pending(_who(), now)]
    counts = desk.counts(now - timedelta(days=30))
    note = _DONE.get(request.args.get("note", ""))
    return render_template(
        "callbacks.html",
        enabled=True,
        pending=[item for item in shown if not item["done"]],
        done=[item for item in shown if item["done"]],
        counts=counts,
        token=_token(),
        note=note,
    )


@bp.get("/staff/callbacks/<int:request_id>/done")
def confirm_done(request_id: int) -> ResponseReturnValue:
    """Ask once before "Ringet op": the request, and a button that marks it (no script needed)."""
    pages = CallbackPages.current()
    if pages.desk is None:
        abort(404)
    found = [item for item in pages.desk.pending(_who(), pages.clock()) if item.id == request_id]
    if not found or found[0].done_at is not None:
        return Response(_GONE, 404, mimetype="text/plain")
    return render_template("callback_done.html", item=_shown(pages, found[0]), token=_token())


@bp.post("/staff/callbacks/<int:request_id>/<any(done, not_reached, undone):action>")
def mark(request_id: int, action: str) -> ResponseReturnValue:
    """Mark a request done (kept a minute for an undo), not reached (counting the attempt), or undo a done;
    then back to the list."""
    pages = CallbackPages.current()
    desk = pages.desk
    if desk is None:
        abort(404)
    if not CallbackPages.signer().posted():
        return Response(
            "Siden er for gammel: hent listen igen, og prøv så igen.\n", 400, mimetype="text/plain"
        )
    change = {"done": desk.done, "not_reached": desk.not_reached, "undone": desk.undo}[action]
    if not change(request_id, _who(), pages.clock()):
        return Response(_TOO_LATE if action == "undone" else _GONE, 404, mimetype="text/plain")
    if action == "done":
        # The number goes a minute later even when nobody opens the list or calls in between.
        pages.forget_later()
    return redirect(url_for("staff_callbacks.callbacks_page", note=action), 303)


def _shown(pages: CallbackPages, item: Pending) -> dict[str, Any]:
    """A request as the page shows it: in the line's time, the number grouped, who did what."""
    zone = pages.lines.first.content.hours.timezone
    names = {line.content.line.id: line.content.line.name for line in pages.lines}
    return {
        "id": item.id,
        "line": names.get(item.line, item.line),
        "asked": _when(item.asked_at.astimezone(zone)),
        "number": _grouped(item.number),
        "tel": item.number,
        "source": SOURCES[item.keyed],
        "attempts": item.attempts,
        "last_attempt_by": item.last_attempt_by,
        "done": item.done_at is not None,
        "done_by": item.done_by,
        "done_at": f"{item.done_at.astimezone(zone):%H:%M}" if item.done_at is not None else None,
    }


# Whether the number was keyed in by the caller (True), the one they rang from (False), or not known.
SOURCES = {True: "tastet ind", False: "eget nummer", None: "–"}


def _who() -> str:
    """The staff user as the access log names them."""
    return staff.user()


def _token() -> str:
    """The form token of this staff user, signed now."""
    return CallbackPages.signer().token()


def _grouped(number: str) -> str:
    """A Danish number as staff dial it: "+4597662400" -> "97 66 24 00"."""
    national = number.removeprefix("+45")
    return " ".join(national[i : i + 2] for i in range(0, len(national), 2))


def _when(at: datetime) -> str:
    """A moment as staff read it: "mandag 30.11.2026 kl. 15:04"."""
    return f"{WEEKDAYS[at.weekday()]} {at:%d.%m.%Y kl. %H:%M}"
