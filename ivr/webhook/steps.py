"""The steps of a call: what each call route asks of the flow, from the query string and the form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from ivr.line.events import SPEECH_ROUTE, CallEvent, call_hash
from ivr.line.flow import MAIN, Moment, Reply
from ivr.line.running import Line
from ivr.line.understanding import is_yes

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
        self.line = {"line": line} if line else {}
        # Encrypts a keyed-in callback number for the next URL (Fernet, expiring); never the number bare.
        self.seal = seal

    def key(
        self,
        menu: str,
        tries: int,
        *,
        slow: bool = False,
        confirm: str | None = None,
        keyed: str | None = None,
        texted: bool = False,
    ) -> str:
        state: dict[str, str | int] = {**self.line, "menu": menu, "tries": tries}
        if slow:
            state["slow"] = 1
        if texted:
            state["texted"] = 1
        if confirm is not None:
            state["confirm"] = confirm
        if keyed is not None and self.seal is not None:
            state["cb"] = self.seal(keyed)
        return f"{self.key_path}?{urlencode(state)}"

    def dial(self, *, slow: bool = False, texted: bool = False) -> str:
        state = {**self.line, **({"slow": "1"} if slow else {}), **({"texted": "1"} if texted else {})}
        return f"{self.dial_path}?{urlencode(state)}" if state else self.dial_path


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
        menu=reply.menu,
        key=reply.spoken_key if spoken else _one_key(form.get("Digits")),
        line=line,
    )


def _one_key(digits: str | None) -> str | None:
    """The key pressed, for observers; several digits (a number keyed in for a callback) are never told."""
    return digits if digits is None or len(digits) <= 1 else None


def _tries(args: Mapping[str, str]) -> int:
    """Read the failed-turn count from the query string; anything odd counts as none."""
    value = args.get("tries", "0")
    # isascii: "²".isdigit() is true, yet int("²") fails.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 2 else 0


# One step of a call: (the line, the query string, the form, the moment of the request) -> the reply.
CallStep = Callable[[Line, Mapping[str, str], Mapping[str, str], Moment], Reply]


def welcome_step(current: Line, args: Mapping[str, str], form: Mapping[str, str], moment: Moment) -> Reply:
    """Answer a new call (offering the leaflet by SMS to a caller it can reach)."""
    sms = current.sms is not None and current.sms.can_reach(form.get("From"))
    return current.flow.welcome(moment, sms=sms)


def key_step(current: Line, args: Mapping[str, str], form: Mapping[str, str], moment: Moment) -> Reply:
    """Answer a key press, what the caller said (Twilio's SpeechResult), or silence when it sends neither."""
    menu, tries, slow = args.get("menu", MAIN), _tries(args), args.get("slow") == "1"
    confirm = args.get("confirm") or None
    digits = form.get("Digits", "")
    said = form.get("SpeechResult", "")
    desk = current.callbacks
    if not digits and said and current.understanding is not None:
        understood = current.understanding.understand(said, _confidence(form.get("Confidence")))
        looped = understood.key == current.content.keys.transfer and _looped(current, form)
        yes = confirm is not None and is_yes(said)
        reply = current.flow.heard(
            menu, tries, understood, moment, looped, slow=slow, confirm=confirm, yes=yes
        )
    else:
        # The loop check matters only for a transfer; skipping it otherwise keeps the usual step cheap.
        looped = digits == current.content.keys.transfer and _looped(current, form)
        keyed = desk.unseal(args["cb"]) if desk is not None and "cb" in args else None
        caller = form.get("From")
        reply = current.flow.key(
            menu, tries, digits, moment, looped, slow=slow, confirm=confirm, caller=caller, keyed=keyed
        )
    if reply.callback is not None and desk is not None:
        new = desk.ask(current.content.line.id, reply.callback, current.clock())
        reply = current.flow.callback_stored(new, moment, slow=slow)
    if reply.sms and current.sms is not None:
        body = current.content.sms_text()
        sent = current.sms.send(form.get("CallSid"), form.get("From"), body, current.clock())
        # Said or pressed, the request is counted as what it was.
        said_key = reply.spoken_key
        reply = replace(current.flow.sms_result(sent, reply.menu, moment, slow=slow), spoken_key=said_key)
    return _with_sms(current, args, form, reply)


def _with_sms(current: Line, args: Mapping[str, str], form: Mapping[str, str], reply: Reply) -> Reply:
    """Carry on that the leaflet went by SMS in this call; until it has, every main menu offers it."""
    texted = reply.texted or args.get("texted") == "1"
    reachable = not texted and current.sms is not None and current.sms.can_reach(form.get("From"))
    return current.flow.offering_sms(replace(reply, texted=texted) if texted else reply, reachable)


def _looped(current: Line, form: Mapping[str, str]) -> bool:
    return current.is_loop(form.get("To"), form.get("ForwardedFrom"))


def _confidence(value: str | None) -> float | None:
    """Read Twilio's Confidence (0.0-1.0); anything else is no confidence given."""
    try:
        confidence = float(value) if value else None
    except ValueError:
        return None
    return confidence if confidence is not None and 0.0 <= confidence <= 1.0 else None


def dial_step(current: Line, args: Mapping[str, str], form: Mapping[str, str], moment: Moment) -> Reply:
    """Answer the end of a transfer with Twilio's DialCallStatus."""
    reply = current.flow.dial_result(form.get("DialCallStatus"), moment, slow=args.get("slow") == "1")
    return _with_sms(current, args, form, reply)


def fallback_step(current: Line, args: Mapping[str, str], form: Mapping[str, str], moment: Moment) -> Reply:
    """Answer Twilio's fallback URL, used when the primary URL failed: apologise and carry on."""
    return _with_sms(current, args, form, current.flow.error(moment, slow=args.get("slow") == "1"))


# Every call route: its path, and the route name (for logs and statistics) with its step.
ROUTES: dict[str, tuple[str, CallStep]] = {
    "/voice": ("voice.welcome", welcome_step),
    "/voice/key": ("voice.key", key_step),
    "/voice/dial": ("voice.dial", dial_step),
    "/voice/fallback": ("voice.fallback", fallback_step),
}
