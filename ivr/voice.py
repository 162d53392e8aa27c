"""The voice webhook: one route per step of a call, each answering TwiML."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, g, request, url_for

from ivr.events import CallEvent, call_hash, publish
from ivr.flow import MAIN, Moment, Reply
from ivr.line import Line
from ivr.security import twilio_signed

bp = Blueprint("voice", __name__, url_prefix="/voice")
log = logging.getLogger(__name__)
TWIML = "text/xml; charset=utf-8"


class ActionUrls:
    """Action URLs under the routes' paths, found once with url_for; Twilio resolves them against its URL."""

    def __init__(self, key_path: str, dial_path: str) -> None:
        self.key_path = key_path
        self.dial_path = dial_path

    @classmethod
    def for_app(cls, app: Flask) -> ActionUrls:
        """Ask url_for where the routes are, as deployed (under IVR_PUBLIC_URL's path, if any)."""
        with app.test_request_context(base_url=app.config["PUBLIC_URL"] or None):
            return cls(url_for("voice.key"), url_for("voice.dial"))

    def key(self, menu: str, tries: int) -> str:
        return f"{self.key_path}?{urlencode({'menu': menu, 'tries': tries})}"

    def dial(self) -> str:
        return self.dial_path


def line() -> Line:
    """Return the running line of the current app."""
    line_: Line = current_app.extensions["ivr.line"]
    return line_


def twiml(reply: Reply, now: datetime) -> Response:
    """Tell the observers what happened at `now`, and answer Twilio with the reply's TwiML."""
    current = line()
    event = call_event(
        request.endpoint or "", reply, request.form, current_app.extensions["ivr.hash_key"], now
    )
    g.ivr_event = event
    publish(current_app.extensions["ivr.observers"], event)
    return Response(current.respond(reply), content_type=TWIML)


def call_event(
    route: str, reply: Reply, form: Mapping[str, str], hash_key: bytes, now: datetime
) -> CallEvent:
    """Describe this step of the call for the observers, naming the call only by its keyed hash."""
    return CallEvent(
        call=call_hash(form.get("CallSid"), hash_key),
        at=now,
        route=route,
        event=reply.event,
        menu=reply.menu,
        key=form.get("Digits"),
    )


def _tries(args: Mapping[str, str]) -> int:
    """Read the failed-turn count from the query string; anything odd counts as none."""
    value = args.get("tries", "0")
    # isascii: "²".isdigit() is true, yet int("²") fails.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 2 else 0


# A step of the call: (the line, the query string, the form, the moment of the request) -> the reply.
Step = Callable[[Line, Mapping[str, str], Mapping[str, str], Moment], Reply]


def welcome_step(current: Line, args: Mapping[str, str], form: Mapping[str, str], moment: Moment) -> Reply:
    """Answer a new call."""
    return current.flow.welcome(moment)


def key_step(current: Line, args: Mapping[str, str], form: Mapping[str, str], moment: Moment) -> Reply:
    """Answer a key press, or silence when Twilio sends no Digits."""
    menu, digits = args.get("menu", MAIN), form.get("Digits", "")
    # The loop check matters only for a transfer; skipping it otherwise keeps the usual step cheap.
    looped = digits == current.content.keys.transfer and current.is_loop(
        form.get("To"), form.get("ForwardedFrom")
    )
    return current.flow.key(menu, _tries(args), digits, moment, looped)


def dial_step(current: Line, args: Mapping[str, str], form: Mapping[str, str], moment: Moment) -> Reply:
    """Answer the end of a transfer with Twilio's DialCallStatus."""
    return current.flow.dial_result(form.get("DialCallStatus"), moment)


def fallback_step(current: Line, args: Mapping[str, str], form: Mapping[str, str], moment: Moment) -> Reply:
    """Answer Twilio's fallback URL, used when the primary URL failed: apologise and carry on."""
    return current.flow.error(moment)


def answer(step: Step) -> Response:
    """Run one step of the call for this request, reading the clock once, and answer its TwiML."""
    current = line()
    now = current.clock()
    return twiml(step(current, request.args, request.form, current.moment(now)), now)


@bp.post("")
@twilio_signed
def welcome() -> Response:
    """Answer a new call."""
    return answer(welcome_step)


@bp.post("/key")
@twilio_signed
def key() -> Response:
    """Answer a key press, or silence when Twilio sends no Digits."""
    return answer(key_step)


@bp.post("/dial")
@twilio_signed
def dial() -> Response:
    """Answer the end of a transfer with Twilio's DialCallStatus."""
    return answer(dial_step)


@bp.post("/fallback")
@twilio_signed
def fallback() -> Response:
    """Answer Twilio's fallback URL, used when the primary URL failed: apologise and carry on."""
    return answer(fallback_step)


# Every call route's step, by endpoint: the fast lane answers these routes with the same functions.
STEPS: dict[str, Step] = {
    "voice.welcome": welcome_step,
    "voice.key": key_step,
    "voice.dial": dial_step,
    "voice.fallback": fallback_step,
}
