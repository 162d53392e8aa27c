"""A call never hears a crash: a fault in a step is answered with the calm apology and the main menu."""

from __future__ import annotations

import logging
import traceback

from ivr.line.content import Prompt
from ivr.line.events import Event
from ivr.line.flow import Moment, Reply
from ivr.line.running import Line

log = logging.getLogger(__name__)
# Without the clock the line cannot know whether the secretariat is open, so it never offers a transfer.
UNKNOWN_MOMENT = Moment(open=False, next_opening=())


def emergency_document(line: Line) -> bytes:
    """Render, once at start-up, the apology and main menu to fall back on when rendering itself fails."""
    return line.respond(line.flow.error(UNKNOWN_MOMENT))


# Said to a call that reached a number no line claims, on a deployment without a default line. Not in any
# content file: it belongs to no line.
UNROUTED = Prompt(
    "unrouted",
    "Undskyld, dette nummer er ikke sat op endnu, så der er ingen information at hente her. "
    "Ring venligst til afdelingen direkte. Farvel.",
)


def unrouted_document(line: Line) -> bytes:
    """Render, once at start-up, the short apology and hang-up for a call that reaches no line."""
    return line.respond(Reply((UNROUTED,), "hangup", Event.ERROR))


def describe(error: BaseException) -> str:
    """Name the error and where it happened, without its message: messages may quote request data."""
    frames = traceback.extract_tb(error.__traceback__)
    where = " < ".join(
        f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}" for frame in frames[::-1]
    )
    return f"{type(error).__name__} at {where or '?'}"
