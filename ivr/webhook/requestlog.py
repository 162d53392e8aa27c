"""One structured log line per request, naming a call only by its keyed hash, never by who called."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Mapping
from typing import Any

import orjson
from flask import Flask, Request, Response, g, request

from ivr.line.events import CallEvent
from ivr.line.keypad import KEYPAD

log = logging.getLogger("ivr.requests")
# A healthy health check is polled every few seconds and says nothing worth keeping.
HEALTH = "health.healthz"
# For what orjson cannot encode (an integer beyond 64 bits, a key that is not a string): a line is never lost.
ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)
# A net under free text (messages, tracebacks): anything shaped like a phone number or CallSid is masked.
MASK = "<redacted>"
PRIVATE = re.compile(r"\+\d{6,15}|(?<![\w.])\d{8,15}(?![\w.])|\bCA[0-9a-fA-F]{32}\b")


def init_app(app: Flask) -> None:
    """Time every request and log one line when it is answered."""
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.ivr_started = time.perf_counter()


def _finish(response: Response) -> Response:
    """Log the request's line; logging never changes or breaks the answer."""
    if not log.isEnabledFor(logging.INFO):
        return response
    try:
        # Unwrapped once: every access through Flask's context proxies costs a lookup (docs/performance.md).
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        fields = request_fields(req, vars(g), response)
        if not (fields["route"] == HEALTH and response.status_code == 200):
            emit(fields)
    except Exception:
        log.error("could not log a request", exc_info=True)
    return response


def emit(fields: dict[str, Any], level: int = logging.INFO, message: str = "request") -> None:
    """Log one request line with these fields."""
    # Made and handled directly: Logger.info would also walk the stack to find this very function.
    log.handle(log.makeRecord(log.name, level, __file__, 0, message, (), None, extra={"ivr": fields}))


def request_fields(req: Request, state: Mapping[str, Any], response: Response) -> dict[str, Any]:
    """Describe the answered request: route, step, key, outcome, status and latency.

    `state` is the request's `flask.g`: when it started, the CallEvent, and any fault.
    """
    started: float | None = state.get("ivr_started")
    fields: dict[str, Any] = {
        "route": req.endpoint or "unmatched",
        "method": req.method,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 2) if started is not None else None,
    }
    event: CallEvent | None = state.get("ivr_event")
    if event is not None:
        fields |= {"call": event.call, "event": event.event, "menu": event.menu}
        fields["key"] = loggable_key(event.key)
    fault: str | None = state.get("ivr_fault")
    if fault is not None:
        # When even the apology failed there is no event, but the fault still names its call.
        fields |= {"call": fields.get("call", state.get("ivr_call")), "fault": fault}
    return fields


def loggable_key(digits: str | None) -> str | None:
    """Return the key pressed as Twilio sends it, or a length for anything a keypad cannot send."""
    if digits is None or (len(digits) <= 3 and set(digits) <= KEYPAD):
        return digits
    return f"<{len(digits)} odd characters>"


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object per line, with the `ivr` fields merged in."""

    # The last second formatted, and its text, as one tuple so threads never see a mismatched pair.
    _second: tuple[int, str] | None = None

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one JSON line; free text is masked for numbers and CallSids."""
        line: dict[str, Any] = {
            "ts": self._timestamp(record.created, record.msecs),
            "level": record.levelname,
            "logger": record.name,
            "msg": PRIVATE.sub(MASK, record.getMessage()),
        }
        # The fields are built by request_fields from hashes, names and sanitised keys: no masking needed,
        # which keeps the per-request line cheap.
        fields = getattr(record, "ivr", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exc"] = PRIVATE.sub(MASK, self.formatException(record.exc_info))
        try:
            # orjson: a line is encoded on every request; it is the cheapest encoder (docs/performance.md).
            return orjson.dumps(line, default=str).decode("utf-8")
        except TypeError:
            return ENCODER.encode(line)

    def _timestamp(self, created: float, msecs: float) -> str:
        """Return the record's time as ISO 8601 UTC with milliseconds, formatting each second only once."""
        second = int(created)
        cached = self._second
        if cached is None or cached[0] != second:
            cached = self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        return f"{cached[1]}.{int(msecs):03d}Z"


def configure(level: int = logging.INFO) -> None:
    """Send every log record (the line's and the server's) to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
