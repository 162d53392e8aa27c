"""The leaflet by SMS as a call step uses it: whom it can reach, and sending at most once per call.

The step answers at once ("Du får en SMS om lidt"); the message goes out on the sender's threads.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ivr.component import Component
from ivr.line.events import call_hash
from ivr.line.phonenumbers import is_danish_mobile

if TYPE_CHECKING:
    from ivr.sms.ledger import SmsLedger
    from ivr.sms.sender import SmsSender


class LeafletSms(Component):
    """Sends a line's leaflet link to the caller's mobile: one per call, three per number a day, within the
    line's caps per hour and day."""

    extension = "ivr.sms"

    def __init__(self, ledger: SmsLedger, sender: SmsSender, hash_key: bytes) -> None:
        self.ledger = ledger
        self.sender = sender
        self.hash_key = hash_key

    def can_reach(self, number: str | None) -> bool:
        """Tell whether an SMS can go to the number Twilio says called (a Danish mobile, not withheld)."""
        return is_danish_mobile(number)

    def send(self, call_sid: str | None, number: str | None, body: str, now: datetime, *, line: str) -> bool:
        """Claim this call's SMS and send it off the request path; False when it may not go."""
        if number is None or not is_danish_mobile(number):
            return False
        call = call_hash(call_sid, self.hash_key)
        if not self.ledger.reserve(call, number, now, line):
            return False
        self.sender.send_later(number, body, call=call)
        return True

    def close(self) -> None:
        """Finish the SMS promised to callers before the worker stops (seconds at most)."""
        self.sender.close()


class TrialSms:
    """The SMS of a trial call (the preview, an in-process `ivr call`): nothing is sent."""

    def __init__(self, sent: bool = True) -> None:
        self.sent = sent

    def can_reach(self, number: str | None) -> bool:
        """As LeafletSms.can_reach."""
        return is_danish_mobile(number)

    def send(self, call_sid: str | None, number: str | None, body: str, now: datetime, *, line: str) -> bool:
        """Send nothing; say it went when the number could get one and the trial says so."""
        return self.sent and is_danish_mobile(number)
