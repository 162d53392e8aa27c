"""The steps of a call: what each call route asks of the flow, from the query string and the form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from ivr.line.callstate import LINE, Caller, CallState
from ivr.line.events import SPEECH_ROUTE, CallEvent, call_hash
from ivr.line.flow import Reply
from ivr.line.running import Line
from ivr.line.yes_no import is_no, is_yes

TWIML = "text/xml; charset=utf-8"


class ActionUrls:
    """Where Twilio sends the call's next request: the routes' paths under the public URL's path, if any."""

    def __init__(
        self, public_url: str | None, line: str | None = None, seal: Callable[[str], str] | None = None
    ) -> None:
        # Twilio resolves these against the URL it called, so a path is enough.
        root = urlsplit(public_url).path.rstrip("/") if public_url else ""
        self.key_path = root + "/voice/key"
        self.dial_path = root + "/voice/dial"
        # On a deployment of several lines, the line the call reached goes into every URL with the call's
        # other state, so every step is answered by the same line whichever worker or host answers it.
        self.line = {LINE: line} if line else {}
        # Encrypts a keyed-in callback number for the next URL (Fernet, expiring); never the number bare.
        self.seal = seal

    def key(self, state: CallState) -> str:
        return f"{self.key_path}?{urlencode(self.line | state.to_query(self.seal))}"

    def dial(self, state: CallState) -> str:
        query = self.line | state.dial_query()
        return f"{self.dial_path}?{urlencode(query)}" if query else self.dial_path


def call_event(
    route: str, reply: Reply, form: Mapping[str, str], hash_key: bytes, now: datetime, *, line: str = ""
) -> CallEvent:
    """Describe this step of the call for the observers, naming the call only by its keyed hash."""
    # A choice said rather than pressed is counted as its key on a route of its own: never the words.
    spoken = reply.spoken_key is not None
    return CallEvent(
        call=call_hash(form.get("CallSid"), hash_key),
        at=now,
        route=SPEECH_ROUTE if spoken else route,
        event=reply.event,
        menu=reply.state.menu,
        key=reply.spoken_key if spoken else _one_key(form.get("Digits")),
        line=line,
    )


def _one_key(digits: str | None) -> str | None:
    """The key pressed, for observers; several digits (a number keyed in for a callback) are never told."""
    return digits if digits is None or len(digits) <= 1 else None


def _caller(line: Line, form: Mapping[str, str], now: datetime) -> Caller:
    """Who is calling, from Twilio's form; a call through the secretariat's own number is a loop."""
    looped = line.is_loop(form.get("To"), form.get("ForwardedFrom"))
    return Caller(now, form.get("From"), form.get("CallSid"), looped)


# One step of a call: (the line, the query string, the form, the moment of the request) -> the reply.
CallStep = Callable[[Line, Mapping[str, str], Mapping[str, str], datetime], Reply]


def welcome_step(line: Line, args: Mapping[str, str], form: Mapping[str, str], now: datetime) -> Reply:
    """Answer a new call."""
    return line.flow.welcome(line.moment(now), _caller(line, form, now))


def key_step(line: Line, args: Mapping[str, str], form: Mapping[str, str], now: datetime) -> Reply:
    """Answer a key press, what the caller said (Twilio's SpeechResult), or silence when it sends neither."""
    state, caller, moment = line.state(args), _caller(line, form, now), line.moment(now)
    digits = form.get("Digits", "")
    said = form.get("SpeechResult", "")
    if not digits and said and line.understanding is not None:
        understood = line.understanding.understand(said, _confidence(form.get("Confidence")))
        asked = state.confirm is not None
        return line.flow.heard(
            state, understood, moment, caller, yes=asked and is_yes(said), no=asked and is_no(said), said=said
        )
    return line.flow.key(state, digits, moment, caller)


def _confidence(value: str | None) -> float | None:
    """Read Twilio's Confidence (0.0-1.0); anything else is no confidence given."""
    try:
        confidence = float(value) if value else None
    except ValueError:
        return None
    return confidence if confidence is not None and 0.0 <= confidence <= 1.0 else None


def dial_step(line: Line, args: Mapping[str, str], form: Mapping[str, str], now: datetime) -> Reply:
    """Answer the end of a transfer with Twilio's DialCallStatus."""
    status = form.get("DialCallStatus")
    return line.flow.dial_result(line.state(args), status, line.moment(now), _caller(line, form, now))


def fallback_step(line: Line, args: Mapping[str, str], form: Mapping[str, str], now: datetime) -> Reply:
    """Answer Twilio's fallback URL, used when the primary URL failed: apologise and carry on."""
    return line.flow.error(line.moment(now), line.state(args), _caller(line, form, now))


# Every call route: its path, and the route name (for logs and statistics) with its step.
ROUTES: dict[str, tuple[str, CallStep]] = {
    "/voice": ("voice.welcome", welcome_step),
    "/voice/key": ("voice.key", key_step),
    "/voice/dial": ("voice.dial", dial_step),
    "/voice/fallback": ("voice.fallback", fallback_step),
}
