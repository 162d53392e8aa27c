"""What happened in a call, told to whoever listens (logs, statistics), never who called."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallEvent:
    """One step of one call. `call` is a keyed hash of the CallSid: stable within a call, not reversible."""

    call: str
    at: datetime
    route: str
    event: str
    menu: str
    key: str | None


Observer = Callable[[CallEvent], None]


def call_hash(call_sid: str | None, key: bytes) -> str:
    """Return a short keyed hash (HMAC-SHA256) that identifies a call without revealing its CallSid."""
    mac = _keyed(key).copy()
    mac.update((call_sid or "").encode("utf-8"))
    return mac.hexdigest()[:16]


@lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    # Copying an HMAC already keyed costs half as much as keying a new one, on every request.
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
