"""What happened in a call, told to whoever listens (logs, statistics), never who called."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple


class Event(StrEnum):
    """What one step of a call did: the one name the logs, the statistics and the staff pages count by."""

    WELCOME = "welcome"
    SECTION = "section"
    REPEAT = "repeat"
    MAIN_MENU = "main_menu"
    TRANSFER_OPEN = "transfer_open"
    TRANSFER_CLOSED = "transfer_closed"
    TRANSFER_LOOP = "transfer_loop"
    INVALID = "invalid"
    SILENCE = "silence"
    INVALID_GOODBYE = "invalid_goodbye"
    SILENCE_GOODBYE = "silence_goodbye"
    DIAL_COMPLETED = "dial_completed"
    DIAL_BUSY = "dial_busy"
    DIAL_NO_ANSWER = "dial_no_answer"
    DIAL_FAILED = "dial_failed"
    DIAL_CANCELED = "dial_canceled"
    SLOWER = "slower"
    SPEECH_ASK = "speech_ask"
    CALLBACK_NUMBER = "callback_number"
    CALLBACK_REQUESTED = "callback_requested"
    CALLBACK_ALREADY = "callback_already"
    CALLBACK_FULL = "callback_full"
    SMS_SENT = "sms_sent"
    SMS_NOT_SENT = "sms_not_sent"
    ERROR = "error"
    URGENT = "urgent"
    NOT_IN_LEAFLET = "not_in_leaflet"
    CONFIRM_NO = "confirm_no"
    SECRETARIAT_NUMBER = "secretariat_number"
    ANSWERED = "answered"


# A failed turn's event, and the event when it was one too many.
GOODBYE = {Event.INVALID: Event.INVALID_GOODBYE, Event.SILENCE: Event.SILENCE_GOODBYE}
# Twilio's DialCallStatus of a transfer that did not reach the secretariat; anything else counts as failed.
DIAL_FAILURES = {
    "busy": Event.DIAL_BUSY,
    "no-answer": Event.DIAL_NO_ANSWER,
    "failed": Event.DIAL_FAILED,
    "canceled": Event.DIAL_CANCELED,
}


log = logging.getLogger(__name__)
# The route name of a step whose choice came by speech, in the logs and statistics (a key press: "voice.key").
SPEECH_ROUTE = "voice.speech"


class CallEvent(NamedTuple):
    """One step of one call. `call` is a keyed hash of the CallSid: stable within a call, not reversible."""

    # A named tuple rather than a frozen dataclass: one is made on every request, and a tuple is made cheaper.
    call: str
    at: datetime
    route: str
    event: str
    menu: str
    key: str | None
    # The line the call reached (its content's [line] id): one deployment answers several leaflets' lines.
    line: str = ""


Observer = Callable[[CallEvent], None]


def call_hash(call_sid: str | None, key: bytes) -> str:
    """Return a short keyed hash (HMAC-SHA256) that identifies a call without revealing its CallSid."""
    sid = call_sid or ""
    # A call makes about ten requests with the same CallSid, so a CallSid's hash is made once per call;
    # anything longer than a CallSid (34 characters) is hashed each time rather than kept.
    return _remembered_hash(sid, key) if len(sid) <= 34 else _hash(sid, key)


# Far more calls than a worker hears at once; a larger cache grew a worker's memory (docs/performance.md).
@lru_cache(maxsize=256)
def _remembered_hash(sid: str, key: bytes) -> str:
    return _hash(sid, key)


def _hash(sid: str, key: bytes) -> str:
    mac = _keyed(key).copy()
    mac.update(sid.encode("utf-8"))
    return mac.hexdigest()[:16]


@lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    # Copying an HMAC already keyed is cheaper than keying a new one, on every request.
    return hmac.new(key, digestmod=hashlib.sha256)


def hash_key(secret: str | None) -> bytes:
    """Derive the call-hash key from the auth token, so every worker and host hashes a call alike."""
    # Without a token (development only) a fixed key is fine: nothing real is hashed.
    return hmac.new((secret or "development").encode("utf-8"), b"ivr-call-hash", hashlib.sha256).digest()


def publish(observers: list[Observer], event: CallEvent) -> None:
    """Tell every observer; an observer's failure is logged and never reaches the caller."""
    for observer in observers:
        try:
            observer(event)
        except Exception:
            log.exception("call event observer %r failed for event %s", observer, event.event)
