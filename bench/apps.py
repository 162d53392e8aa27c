"""The two apps a benchmark compares, loaded by gunicorn: the line, and a bare Flask app."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, Response

from ivr import create_app

CONSTANT = (
    b'<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/key?menu=main&amp;tries=0" '
    b'finishOnKey="" input="dtmf" method="POST" numDigits="1" timeout="7"><Say language="da-DK">Velkommen'
    b"</Say></Gather><Redirect>/voice/key?menu=main&amp;tries=0</Redirect></Response>"
)


def bare() -> Flask:
    """A Flask app that answers every webhook path with one constant TwiML document."""
    app = Flask("bare")

    @app.post("/voice", defaults={"step": ""})
    @app.post("/voice/<step>")
    def answer(step: str) -> Response:
        return Response(CONSTANT, content_type="text/xml; charset=utf-8")

    return app


class ShiftedClock:
    """The real clock moved to a chosen moment: every request still reads the time once."""

    def __init__(self, start: datetime) -> None:
        self.offset = start - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def line(start: str) -> Flask:
    """The line as production builds it (token from TWILIO_AUTH_TOKEN), its clock shifted to `start`."""
    return create_app(clock=ShiftedClock(datetime.fromisoformat(start)))


# Module-level aliases for gunicorn: it cannot pass time zones through its factory syntax.
OPEN_START = "2026-11-25T10:30:00+01:00"  # a Wednesday: open for 3.5 hours
CLOSED_START = "2026-11-25T15:00:00+01:00"


def line_open() -> Flask:
    """The line on a Wednesday at 10:30, open."""
    return line(OPEN_START)


def line_closed() -> Flask:
    """The line on a Wednesday at 15:00, closed."""
    return line(CLOSED_START)
