"""A call never hears a crash: any fault in a call route is answered with calm Danish TwiML."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, current_app, g, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ivr import voice
from ivr.events import call_hash
from ivr.flow import Moment
from ivr.line import Line

log = logging.getLogger(__name__)
# Without the clock the line cannot know whether the secretariat is open, so it never offers a transfer.
UNKNOWN_MOMENT = Moment(open=False, next_opening="")


def init_app(app: Flask) -> None:
    """Cap request bodies and answer faults calmly; call after the blueprints are registered."""
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    app.extensions["ivr.emergency"] = emergency_document(app)
    app.register_error_handler(Exception, answer_fault)


def emergency_document(app: Flask) -> bytes:
    """Render, once at start-up, the apology and main menu to fall back on when rendering itself fails."""
    line: Line = app.extensions["ivr.line"]
    # url_for needs a request; the actions point at the app's root, as deployed behind the proxy.
    with app.test_request_context("/voice", method="POST", base_url=app.config["PUBLIC_URL"]):
        return line.respond(line.flow.error(UNKNOWN_MOMENT))


def answer_fault(error: Exception) -> ResponseReturnValue:
    """Answer an exception: HTTP errors as they are, apology TwiML inside a call, Flask's 500 elsewhere."""
    if isinstance(error, HTTPException):
        return error
    if request.blueprint != voice.bp.name:
        # Not a call (staff pages, /healthz): Flask logs it and answers 500, or raises it in tests.
        raise error
    return apologise(error)


def apologise(error: Exception) -> Response:
    """Log the fault with the call's hash, then apologise and offer the main menu."""
    g.ivr_fault = type(error).__name__
    g.ivr_call = _call()
    log.error("call %s: %s failed: %s", g.ivr_call, request.endpoint, describe(error))
    current: Line = current_app.extensions["ivr.line"]
    try:
        now = current.clock()
        return voice.twiml(current.flow.error(current.moment(now)), now)
    except Exception as second:
        log.error(
            "call %s: apology failed too, using the emergency document: %s", g.ivr_call, describe(second)
        )
    return Response(current_app.extensions["ivr.emergency"], content_type=voice.TWIML)


def describe(error: BaseException) -> str:
    """Name the error and where it happened, without its message: messages may quote request data."""
    frames = traceback.extract_tb(error.__traceback__)
    where = " < ".join(
        f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}" for frame in frames[::-1]
    )
    return f"{type(error).__name__} at {where or '?'}"


def _call() -> str:
    """Return the keyed hash of this request's CallSid, or '?' if even that fails."""
    try:
        return call_hash(request.form.get("CallSid"), current_app.extensions["ivr.hash_key"])
    except Exception:
        return "?"
