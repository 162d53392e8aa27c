"""The one way into the call routes: every request to /voice… is answered here, before Flask.

Every call step is a small url-encoded POST whose answer is a cached document, so Flask's request context,
routing and response objects would cost more than the step itself. This WSGI layer answers every request to
a call route itself: the refusals (400, 403, 405, 413, 415), the steps, and the calm apology when a
step fails. Nothing here falls through to Flask; every other path goes to Flask untouched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ivr.component import Component
from ivr.line.events import CallEvent, Observer, call_hash, publish
from ivr.line.lines import Lines
from ivr.line.running import Line
from ivr.webhook import requestlog
from ivr.webhook.form import Fields, FormError, parse_form
from ivr.webhook.safety import describe, emergency_document, unrouted_document
from ivr.webhook.signature import Signatures
from ivr.webhook.steps import ROUTES, TWIML, CallStep, call_event

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

log = logging.getLogger(__name__)
FORM = "application/x-www-form-urlencoded"
STATUS = {200: "200 OK", 400: "400 Bad Request", 403: "403 Forbidden", 404: "404 Not Found"}
STATUS |= {405: "405 Method Not Allowed"}
STATUS |= {413: "413 Content Too Large", 415: "415 Unsupported Media Type"}


class RefusalError(Exception):
    """The request is not a call step this line answers: its status and a few words why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class CallRequest(NamedTuple):
    """A readable request to a call route: its query string and form."""

    args: Fields
    form: Fields


class Answer(NamedTuple):
    """What the webhook answers, and what it tells the observers and the log."""

    status: int
    body: bytes
    event: CallEvent | None = None
    fault: str | None = None
    call: str | None = None


class StepMeter(Protocol):
    """Told of every request to a call route, as the metrics count them (ivr/ops/metrics.py)."""

    def __call__(
        self, route: str, status: int, seconds: float, event: CallEvent | None, fault: str | None
    ) -> None: ...


@dataclass(eq=False, kw_only=True)
class Webhook(Component):
    """WSGI middleware in front of Flask that answers every request to a call route: the calls' part of the
    app, owning the running lines and who is told of each step."""

    extension = "ivr.webhook"

    lines: Lines
    signatures: Signatures
    # The app's own list: observers added later (statistics) are told too.
    observers: list[Observer]
    hash_key: bytes
    max_body: int
    log_requests: bool = True
    meter: StepMeter | None = None

    def __post_init__(self) -> None:
        # Every other path goes to the app this is put in front of (init_app).
        self.inner: WSGIApplication = _not_found
        self.refusals = RefusalLog()
        self.emergency = emergency_document(self.lines.first)
        # For a number no line claims on a deployment without a default line.
        self.unrouted = unrouted_document(self.lines.first)

    def init_app(self, app: Flask) -> None:
        """Answer the call routes in front of `app`, before Flask's request handling."""
        super().init_app(app)
        self.inner = app.wsgi_app
        app.wsgi_app = self  # type: ignore[method-assign]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        route = ROUTES.get(environ.get("PATH_INFO", ""))
        if route is None:
            return self.inner(environ, start_response)
        started = time.perf_counter()
        name, step = route
        try:
            answer = self.answer(environ, name, step)
        except RefusalError as refused:
            self.refusals.note(name, refused.status, refused.reason)
            self._measure(name, refused.status, started, None, None)
            # The reason goes to the log only: the answer tells a stranger nothing about the check.
            return _respond(start_response, refused.status, STATUS[refused.status][4:].encode(), "text/plain")
        if answer.event is not None:
            publish(self.observers, answer.event)
        if self.log_requests:
            self._log(name, answer, started)
        self._measure(name, answer.status, started, answer.event, answer.fault)
        return _respond(start_response, answer.status, answer.body, TWIML)

    def _measure(
        self, name: str, status: int, started: float, event: CallEvent | None, fault: str | None
    ) -> None:
        """Tell the meter of the request; counting never changes or breaks the answer."""
        if self.meter is None:
            return
        try:
            self.meter(name, status, time.perf_counter() - started, event, fault)
        except Exception:
            log.error("could not count a request in the metrics", exc_info=True)

    def answer(self, environ: WSGIEnvironment, name: str, step: CallStep) -> Answer:
        """Check and run one step; raise RefusalError for anything that is not a signed call step."""
        try:
            request = self._read(environ)
        except RefusalError:
            raise
        except Exception as error:  # fail closed: a request that breaks the reading is refused
            raise RefusalError(400, f"unreadable request ({type(error).__name__})") from None
        why = self.signatures.refusal(environ, request.form)
        if why is not None:
            raise RefusalError(403, why)
        return self._run(name, step, request)

    def _read(self, environ: WSGIEnvironment) -> CallRequest:
        """Read the request's query and form, or refuse what Twilio never sends."""
        if environ.get("REQUEST_METHOD") != "POST":
            raise RefusalError(405, "method not POST")
        # An empty body needs no content type: it is an empty form, as Twilio never sends but a test may.
        length = environ.get("CONTENT_LENGTH") or "0"
        if not (length.isascii() and length.isdigit()):
            raise RefusalError(400, "odd Content-Length")
        if int(length) > self.max_body:
            raise RefusalError(413, f"body over {self.max_body} bytes")
        if int(length) and environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != FORM:
            raise RefusalError(415, "not a url-encoded form")
        raw = environ["wsgi.input"].read(int(length))
        if len(raw) != int(length):
            raise RefusalError(400, "body shorter than its Content-Length")
        try:
            return CallRequest(parse_form(environ.get("QUERY_STRING", "")), parse_form(raw.decode("utf-8")))
        except (UnicodeDecodeError, FormError) as error:
            raise RefusalError(400, f"not a form ({type(error).__name__})") from None

    def _run(self, name: str, step: CallStep, request: CallRequest) -> Answer:
        """Run the step on the call's line at one reading of the clock; a fault gets the apology."""
        try:
            line = self.lines.route(request.args, request.form)
        except Exception as error:
            return self._apologise(name, request.form, error, self.lines.first)
        if line is None:
            # The number called is in no content file and no line is the default: the deployment is wrong,
            # not the caller. Never the number in the log: the caller's or the one called.
            log.warning(
                "call %s: the number called reaches no line, and no line is the default (misconfigured)",
                _call(request.form, self.hash_key),
            )
            return Answer(200, self.unrouted, None, "unrouted", _call(request.form, self.hash_key))
        try:
            line.refresh()
            now = line.clock()
            reply = step(line, request.args, request.form, now)
            body = line.respond(reply)
            event = call_event(name, reply, request.form, self.hash_key, now, line=line.content.line.id)
            return Answer(200, body, event)
        except Exception as error:
            return self._apologise(name, request.form, error, line)

    def _apologise(self, name: str, form: Fields, error: Exception, line: Line) -> Answer:
        """Log the fault with the call's hash, then apologise and offer the main menu."""
        call = _call(form, self.hash_key)
        log.error("call %s: %s failed: %s", call, name, describe(error))
        fault = type(error).__name__
        try:
            now = line.clock()
            reply = line.flow.error(line.moment(now))
            body = line.respond(reply)
            event = call_event(name, reply, form, self.hash_key, now, line=line.content.line.id)
            return Answer(200, body, event, fault, call)
        except Exception as second:
            log.error("call %s: apology failed too, using the emergency document: %s", call, describe(second))
        return Answer(200, self.emergency, None, fault, call)

    def _log(self, name: str, answer: Answer, started: float) -> None:
        """Log the request's one line; logging never changes or breaks the answer."""
        if not requestlog.log.isEnabledFor(logging.INFO):
            return
        try:
            ms = round((time.perf_counter() - started) * 1000, 2)
            fields: dict[str, Any] = {"route": name, "method": "POST", "status": answer.status, "ms": ms}
            event = answer.event
            if event is not None:
                fields |= {"call": event.call, "event": event.event, "menu": event.menu}
                fields["key"] = requestlog.loggable_key(event.key)
            if answer.fault is not None:
                fields |= {"call": fields.get("call", answer.call), "fault": answer.fault}
            requestlog.emit(fields)
        except Exception:
            log.error("could not log a request", exc_info=True)


class RefusalLog:
    """Logs refused requests as WARNING request lines, at most `per_minute` a minute in each worker.

    A flood of forged requests must not fill the disk with log lines; the lines left out are counted and
    the next line logged says how many. (The `limits` package's in-memory storage starts a timer thread per
    expiry, which a flood would turn into a thread every few milliseconds; a counter per minute is enough.)
    """

    def __init__(self, per_minute: int = 10) -> None:
        self.per_minute = per_minute
        self._window = -1
        self._logged = 0
        self._skipped = 0

    def note(self, route: str, status: int, reason: str) -> None:
        """Log one refusal, unless this minute's lines are used up."""
        window = int(time.monotonic() // 60)
        if window != self._window:
            self._window, self._logged = window, 0
        if self._logged >= self.per_minute:
            self._skipped += 1
            return
        self._logged += 1
        fields: dict[str, Any] = {"route": route, "status": status, "refused": reason}
        if self._skipped:
            fields["unlogged_refusals"], self._skipped = self._skipped, 0
        requestlog.emit(fields, logging.WARNING, "refused")


def _not_found(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """What a webhook in front of nothing answers for any other path."""
    return _respond(start_response, 404, b"Not Found", "text/plain")


def _respond(start_response: StartResponse, status: int, body: bytes, content_type: str) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    if status == 405:
        headers.append(("Allow", "POST"))
    start_response(STATUS[status], headers)
    return [body]


def _call(form: Fields, hash_key: bytes) -> str:
    """Return the keyed hash of the request's CallSid, or '?' if even that fails."""
    try:
        return call_hash(form.get("CallSid"), hash_key)
    except Exception:
        return "?"
