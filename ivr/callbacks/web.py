"""The staff's callback list, `/staff/callbacks`: who asked to be rung, and "Ringet op" / "Ikke truffet".

Behind the staff login, like the statistics. Every look at the list and every change is written to the
access log (who, when, what; never the number). The buttons are POST forms with a token signed for the staff
user, timestamped by the app's clock and good for TOKEN_SECONDS (itsdangerous), so another site cannot make a
logged-in browser mark calls done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ivr import staff
from ivr.component import Component
from ivr.line.clock import Clock
from ivr.line.lines import Lines
from ivr.line.spoken import WEEKDAYS

if TYPE_CHECKING:
    from ivr.callbacks.desk import CallbackDesk

bp = Blueprint("staff_callbacks", __name__, template_folder="templates")
# How long a loaded list's buttons work: a working day, so a list left open in the morning still works in the
# afternoon, and a token copied from a page does not work for ever.
TOKEN_SECONDS = 12 * 3600
SALT = "ivr.staff-callbacks"
# What staff are told after a button.
_DONE = {"done": "Markeret som ringet op; nummeret er slettet.", "not_reached": "Markeret som ikke truffet."}


@dataclass(eq=False)
class CallbackPages(Component):
    """The secretariat's callback list as staff see it."""

    extension = "ivr.callbacks"
    blueprint = bp

    # None where the deployment has no key for the list.
    desk: CallbackDesk | None
    # The lines whose names it shows.
    lines: Lines
    clock: Clock
    # What the forms' tokens are signed with.
    key: bytes


# The staff login, as for every staff page.
bp.before_request(staff.login_required)


@bp.get("/staff/callbacks")
def callbacks_page() -> ResponseReturnValue:
    """The waiting requests, oldest first, with the numbers; the look is logged."""
    pages = CallbackPages.current()
    desk = pages.desk
    if desk is None:
        return render_template("callbacks.html", enabled=False, pending=[], counts=None, token="", note=None)
    now = pages.clock()
    zone = pages.lines.first.content.hours.timezone
    names = {line.content.line.id: line.content.line.name for line in pages.lines}
    pending = [
        {
            "id": item.id,
            "line": names.get(item.line, item.line),
            "asked": _when(item.asked_at.astimezone(zone)),
            "number": _grouped(item.number),
            "tel": item.number,
            "attempts": item.attempts,
        }
        for item in desk.pending(_who(), now)
    ]
    counts = desk.counts(now - timedelta(days=30))
    note = _DONE.get(request.args.get("note", ""))
    return render_template(
        "callbacks.html", enabled=True, pending=pending, counts=counts, token=_token(), note=note
    )


@bp.post("/staff/callbacks/<int:request_id>/<any(done, not_reached):action>")
def mark(request_id: int, action: str) -> ResponseReturnValue:
    """Mark a request done (deleting it) or not reached (counting the attempt); then back to the list."""
    pages = CallbackPages.current()
    desk = pages.desk
    if desk is None:
        abort(404)
    if not _valid(request.form.get("token", "")):
        return Response(
            "Siden er for gammel: hent listen igen, og prøv så igen.\n", 400, mimetype="text/plain"
        )
    change = desk.done if action == "done" else desk.not_reached
    if not change(request_id, _who(), pages.clock()):
        return Response("Den anmodning findes ikke længere (allerede klaret?).\n", 404, mimetype="text/plain")
    return redirect(url_for("staff_callbacks.callbacks_page", note=action), 303)


def _who() -> str:
    """The staff user as the access log names them."""
    return staff.user()


def _signer() -> staff.ClockSigner:
    pages = CallbackPages.current()
    return staff.ClockSigner(pages.key, pages.clock, salt=SALT)


def _token() -> str:
    """The form token of this staff user, signed now."""
    return _signer().token()


def _valid(token: str) -> bool:
    """Tell whether a posted token is this user's, signed here at most TOKEN_SECONDS ago (never ahead)."""
    return _signer().valid(token, TOKEN_SECONDS)


def _grouped(number: str) -> str:
    """A Danish number as staff dial it: "+4597662400" -> "97 66 24 00"."""
    national = number.removeprefix("+45")
    return " ".join(national[i : i + 2] for i in range(0, len(national), 2))


def _when(at: datetime) -> str:
    """A moment as staff read it: "mandag 30.11.2026 kl. 15:04"."""
    return f"{WEEKDAYS[at.weekday()]} {at:%d.%m.%Y kl. %H:%M}"
