"""A call never hears a crash: a fault in a step is answered with the calm apology and the main menu."""

from __future__ import annotations

import logging
import traceback

from ivr.line.flow import Moment
from ivr.line.running import Line

log = logging.getLogger(__name__)
# Without the clock the line cannot know whether the secretariat is open, so it never offers a transfer.
UNKNOWN_MOMENT = Moment(open=False, next_opening=())


def emergency_document(line: Line) -> bytes:
    """Render, once at start-up, the apology and main menu to fall back on when rendering itself fails."""
    return line.respond(line.flow.error(UNKNOWN_MOMENT))


def describe(error: BaseException) -> str:
    """Name the error and where it happened, without its message: messages may quote request data."""
    frames = traceback.extract_tb(error.__traceback__)
    where = " < ".join(
        f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}" for frame in frames[::-1]
    )
    return f"{type(error).__name__} at {where or '?'}"
