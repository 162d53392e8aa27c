"""The voice webhook: one route per step of a call, each answering TwiML."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, g, request, url_for

from ivr.events import CallEvent, call_hash, publish
from ivr.flow import MAIN, Reply
from ivr.line import Line
from ivr.security import twilio_signed

bp = Blueprint("voice", __name__, url_prefix="/voice")
log = logging.getLogger(__name__)
TWIML = "text/xml; charset=utf-8"


class FlaskUrls:
    """Action URLs from url_for, relative so Twilio resolves them against the URL it called."""

    def key(self, menu: str, tries: int) -> str:
        return url_for("voice.key", menu=menu, tries=tries)

    def dial(self) -> str:
        return url_for("voice.dial")


def line() -> Line:
    """Return the running line of the current app."""
    line_: Line = current_app.extensions["ivr.line"]
    return line_


def twiml(reply: Reply) -> Response:
    """Tell the observers what happened, and answer Twilio with the reply's TwiML."""
    current = line()
    event = CallEvent(
        call=call_hash(request.form.get("CallSid"), current_app.extensions["ivr.hash_key"]),
        at=current.clock(),
        route=request.endpoint or "",
        event=reply.event,
        menu=reply.menu,
        key=request.form.get("Digits"),
    )
    g.ivr_event = event
    publish(current_app.extensions["ivr.observers"], event)
    return Response(current.respond(reply), content_type=TWIML)


def _tries() -> int:
    """Read the failed-turn count from the query string; anything odd counts as none."""
    value = request.args.get("tries", "0")
    # isascii: "²".isdigit() is true, yet int("²") fails.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 2 else 0


@bp.post("")
@twilio_signed
def welcome() -> Response:
    """Answer a new call."""
    return twiml(line().flow.welcome(line().moment()))


@bp.post("/key")
@twilio_signed
def key() -> Response:
    """Answer a key press, or silence when Twilio sends no Digits."""
    current = line()
    looped = current.is_loop(request.form.get("To"), request.form.get("ForwardedFrom"))
    reply = current.flow.key(
        request.args.get("menu", MAIN),
        _tries(),
        request.form.get("Digits", ""),
        current.moment(),
        looped,
    )
    return twiml(reply)


@bp.post("/dial")
@twilio_signed
def dial() -> Response:
    """Answer the end of a transfer with Twilio's DialCallStatus."""
    return twiml(line().flow.dial_result(request.form.get("DialCallStatus"), line().moment()))


@bp.post("/fallback")
@twilio_signed
def fallback() -> Response:
    """Answer Twilio's fallback URL, used when the primary URL failed: apologise and carry on."""
    return twiml(line().flow.error(line().moment()))
