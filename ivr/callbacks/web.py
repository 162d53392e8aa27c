"""The staff's callback list, `/staff/callbacks`: who asked to be rung, and "Ringet op" / "Ikke truffet".

Behind the staff login, like the statistics. Every look at the list and every change is written to the
access log (who, when, what; never the number). The buttons are POST forms with a token tied to the staff
user and the day, so another site cannot make a logged-in browser mark calls done.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ivr import staff, state
from ivr.line.spoken import WEEKDAYS

bp = Blueprint("staff_callbacks", __name__, template_folder="templates")
# What staff are told after a button.
_DONE = {"done": "Markeret som ringet op; nummeret er slettet.", "not_reached": "Markeret som ikke truffet."}


# The staff login, as for every staff page.
bp.before_request(staff.login_required)


@bp.get("/staff/callbacks")
def callbacks_page() -> ResponseReturnValue:
    """The waiting requests, oldest first, with the numbers; the look is logged."""
    shared = state.current()
    desk = shared.callbacks
    if desk is None:
        return render_template("callbacks.html", enabled=False, pending=[], counts=None, token="", note=None)
    now = state.current().clock()
    zone = shared.line.content.hours.timezone
    names = {line.content.line.id: line.content.line.name for line in shared.lines}
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
    desk = state.current().callbacks
    if desk is None:
        abort(404)
    if not hmac.compare_digest(request.form.get("token", ""), _token()) and not _yesterday(
        request.form.get("token", "")
    ):
        return Response(
            "Siden er for gammel: hent listen igen, og prøv så igen.\n", 400, mimetype="text/plain"
        )
    change = desk.done if action == "done" else desk.not_reached
    if not change(request_id, _who(), state.current().clock()):
        return Response("Den anmodning findes ikke længere (allerede klaret?).\n", 404, mimetype="text/plain")
    return redirect(url_for("staff_callbacks.callbacks_page", note=action), 303)


def _who() -> str:
    """The staff user as the access log names them (the development machine's has none)."""
    auth = request.authorization
    return (auth.username or "?")[:64] if auth is not None and auth.username else "udvikling"


def _token(days_ago: int = 0) -> str:
    """The form token of this staff user on this day (or `days_ago`)."""
    day = (state.current().clock() - timedelta(days=days_ago)).date().isoformat()
    key = state.current().hash_key
    return hmac.new(key, f"callbacks:{_who()}:{day}".encode(), hashlib.sha256).hexdigest()


def _yesterday(token: str) -> bool:
    """A page loaded just before midnight still works just after it."""
    return hmac.compare_digest(token, _token(1))


def _grouped(number: str) -> str:
    """A Danish number as staff dial it: "+4597662400" -> "97 66 24 00"."""
    national = number.removeprefix("+45")
    return " ".join(national[i : i + 2] for i in range(0, len(national), 2))


def _when(at: datetime) -> str:
    """A moment as staff read it: "mandag 30.11.2026 kl. 15:04"."""
    return f"{WEEKDAYS[at.weekday()]} {at:%d.%m.%Y kl. %H:%M}"
