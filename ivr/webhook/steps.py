"""The steps of a call: what each call route asks of the flow, from the query string and the form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from ivr.line.events import CallEvent, call_hash
from ivr.line.flow import MAIN, Moment, Reply
from ivr.line.running import Line

TWIML = "text/xml; charset=utf-8"


class ActionUrls:
    """Where Twilio sends the call's next request: the routes' paths under the public URL's path, if any."""

    def __init__(self, public_url: str | None, line: str | None = None) -> None:
        # Twilio resolves these against the URL it called, so a path is enough.
        root = urlsplit(public_url).path.rstrip("/") if public_url else ""
        self.key_path = root + "/voice/key"
        self.dial_path = root + "/voice/dial"
        # On a deployment of several lines, the line the call reached goes into every URL with the call's
        # other state, so every step is answered by the same line whichever worker or host answers it.
        self.line = {"line": line} if line else {}
        self.dial_url = f"{self.dial_path}?{urlencode(self.line)}" if line else self.dial_path

    def key(self, menu: str, tries: int) -> str:
        return f"{self.key_path}?{urlencode(self.line | {'menu': menu, 'tries': tries})}"

    def dial(self) -> str:
        return self.dial_url


def call_event(
    route: str, reply: Reply, form: Mapping[str, str], hash_key: bytes, now: datetime, *, line: str = ""
) -> CallEvent:
    """Describe this step of the call for the observers, naming the call only by its keyed hash."""
    return CallEvent(
        call=call_hash(form.get("CallSid"), hash_key),
        at=now,
        route=route,
        event=reply.event,
        menu=reply.menu,
        key=form.get("Digits"),
        line=line,
    )


def _tries(args: Mapping[str, str]) -> int:
    """Read the failed-turn count from the query string; anything odd counts as none."""
    value = args.get("tries", "0")
    # isascii: "²".isdigit() is true, yet int("²") fails.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 2 else 0


# One step of a call: (the line, the query string, the form, the moment of the request) -> the reply.
CallStep = Callable[[Line, Mapping[str, str], Mapping[str, str], Moment], Reply]


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


# Every call route: its path, and the route name (for logs and statistics) with its step.
ROUTES: dict[str, tuple[str, CallStep]] = {
    "/voice": ("voice.welcome", welcome_step),
    "/voice/key": ("voice.key", key_step),
    "/voice/dial": ("voice.dial", dial_step),
    "/voice/fallback": ("voice.fallback", fallback_step),
}
