"""The webhook's fast lane: a well-formed, signed Twilio request answered before Flask builds a request.

Every call step is a small url-encoded POST whose answer is a cached document, so Flask's request context,
routing and response objects would cost more than the step itself. The fast lane answers those requests
with the same step functions, signature check, renderer, call events and log line as the Flask views. Anything
else, or anything unexpected (another method or content type, an oversized or duplicated field, a signature
that needs the validator's full check, any exception), goes to Flask untouched, which answers it as usual:
403, 413, the calm apology, and so on.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from flask import Flask

from ivr import calllog, voice
from ivr.events import CallEvent, publish
from ivr.security import Fields, signature_matches, signed_url
from ivr.webhook_request import MAX_FIELDS

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)
FORM = "application/x-www-form-urlencoded"


class FastLane:
    """WSGI middleware in front of Flask for the call routes."""

    def __init__(self, app: Flask, inner: WSGIApplication) -> None:
        self.inner = inner
        self.line = app.extensions["ivr.line"]
        self.validator = app.extensions["ivr.validator"]
        self.hash_key: bytes = app.extensions["ivr.hash_key"]
        # The same list the app holds: observers added later (statistics) are told too.
        self.observers: list[Callable[[CallEvent], None]] = app.extensions["ivr.observers"]
        self.public_url: str | None = app.config["PUBLIC_URL"]
        self.max_body: int = app.config["MAX_CONTENT_LENGTH"] or app.config["MAX_BODY_BYTES"]
        self.routes = {
            rule.rule: (rule.endpoint, voice.STEPS[rule.endpoint])
            for rule in app.url_map.iter_rules()
            if rule.endpoint in voice.STEPS and not rule.arguments
        }

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        route = self.routes.get(environ.get("PATH_INFO", ""))
        if route is None or environ.get("REQUEST_METHOD") != "POST":
            return self.inner(environ, start_response)
        started = time.perf_counter()
        try:
            answered = self._answer(environ, *route)
        except Exception:
            # Flask's path runs the same step again and answers the fault calmly, with its log line.
            answered = None
        if answered is None:
            return self.inner(environ, start_response)
        body, event = answered
        publish(self.observers, event)
        self._log(route[0], event, started)
        start_response("200 OK", [("Content-Type", voice.TWIML), ("Content-Length", str(len(body)))])
        return [body]

    def _answer(
        self, environ: WSGIEnvironment, endpoint: str, step: voice.Step
    ) -> tuple[bytes, CallEvent] | None:
        """Answer the request, or return None to leave it to Flask (the body stays readable for it)."""
        if environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != FORM:
            return None
        length = environ.get("CONTENT_LENGTH", "")
        if not length.isdigit() or int(length) > self.max_body:
            return None
        raw = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(raw)
        form, args = _fields(raw.decode("utf-8")), _fields(environ.get("QUERY_STRING", ""))
        if form is None or args is None:
            return None
        if self.validator is not None:
            signature = environ.get("HTTP_X_TWILIO_SIGNATURE", "")
            url = signed_url(environ, self.public_url)
            if not signature or not signature_matches(self.validator, url, form, signature):
                return None
        now = self.line.clock()
        reply = step(self.line, args, form, self.line.moment(now))
        event = voice.call_event(endpoint, reply, form, self.hash_key, now)
        return self.line.respond(reply), event

    def _log(self, endpoint: str, event: CallEvent, started: float) -> None:
        """Log the request's line, as calllog does for Flask's requests."""
        if not calllog.log.isEnabledFor(logging.INFO):
            return
        try:
            ms = round((time.perf_counter() - started) * 1000, 2)
            calllog.emit(
                {"route": endpoint, "method": "POST", "status": 200, "ms": ms, "call": event.call}
                | {"event": event.event, "menu": event.menu, "key": calllog.safe_key(event.key)}
            )
        except Exception:
            log.error("could not log a request", exc_info=True)


def _fields(text: str) -> Fields | None:
    """Parse url-encoded fields, or None when a name repeats (Flask's path keeps every value) or too many.

    Most of Twilio's values need no decoding, so each is decoded only when it holds "%" or "+": the same
    result as parse_qsl at a fraction of its cost on the request path.
    """
    fields = Fields()
    parts = [part for part in text.split("&") if part]
    if len(parts) > MAX_FIELDS:
        return None
    for part in parts:
        name, _, value = part.partition("=")
        name = _decoded(name) if "%" in name or "+" in name else name
        if name in fields:
            return None
        fields[name] = _decoded(value) if "%" in value or "+" in value else value
    return fields


def _decoded(text: str) -> str:
    """Decode one url-encoded name or value as unquote_plus does."""
    # Every request carries four phone numbers as "%2B45..." and a key may be "%23" or "%2A": replacing
    # these costs a sixth of unquote_plus. When no "%" is left, each one began such an escape, which
    # unquote_plus decodes alike; anything else is left to unquote_plus.
    if "+" not in text:
        plain = text.replace("%2B", "+").replace("%23", "#").replace("%2A", "*")
        if "%" not in plain:
            return plain
    return unquote_plus(text)


def install(app: Flask) -> None:
    """Put the fast lane in front of the app's WSGI callable; call once the routes are registered."""
    app.wsgi_app = FastLane(app, app.wsgi_app)  # type: ignore[method-assign]
    app.extensions["ivr.fastlane"] = app.wsgi_app
