"""Sending one SMS through Twilio's Messages API, on a small thread pool so no call step ever waits for it.

A send is tried once more after a failure that may pass (a timeout, a dropped connection, a 5xx), never after
a 4xx: Twilio has refused that message and would refuse it again. Each send ends in one log line naming the
call by its keyed hash and the message by its sid; never the number, never the text.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import TwilioException

if TYPE_CHECKING:
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

log = logging.getLogger(__name__)
# Twilio's client logs every request's URL and headers at INFO: kept to its warnings, off the line's log.
_twilio_log = logging.getLogger("ivr.sms.twilio")
_twilio_log.setLevel(logging.WARNING)
# A messaging service's sid starts so; it is sent as MessagingServiceSid rather than From.
MESSAGING_SERVICE = "MG"


class Outcome(StrEnum):
    """How a send ended."""

    SENT = "sent"
    FAILED = "failed"  # a failure that may pass, twice; or an error of our own
    REFUSED = "refused"  # a 4xx: Twilio will not send this message
    DROPPED = "dropped"  # asked for after close()


class _RetryError(Exception):
    """A failure worth one more try; its text names the failure, never the message."""


class SmsSender:
    """Sends messages from one number (or messaging service) with one Twilio account."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_url: str | None = None,
        timeout: float = 3.0,
        *,
        workers: int = 2,
        retry_pause: float = 0.5,
    ) -> None:
        if api_url is not None and urlsplit(api_url).scheme not in {"http", "https"}:
            raise ValueError("the API URL must be http(s)://host[:port]")
        self.account_sid = account_sid
        self._token = auth_token
        self.from_number = from_number
        self.api_url = api_url.rstrip("/") if api_url else None
        self.timeout = timeout
        self.retry_pause = retry_pause
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ivr-sms")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._http: list[TwilioHttpClient] = []
        self._counts: Counter[str] = Counter()
        self._pending = 0
        self._closed = False

    def send_later(self, to: str, body: str, call: str | None = None) -> None:
        """Queue a message and return at once; `call` (the call's keyed hash) goes into the log line."""
        with self._lock:
            if self._closed:
                self._counts[Outcome.DROPPED] += 1
                log.warning("sms: not sent, the sender is closed; call %s", call)
                return
            self._pending += 1
            self._pool.submit(self._send, to, body, call)

    def _send(self, to: str, body: str, call: str | None) -> None:
        """Send, once more after a failure that may pass; log and count the outcome."""
        outcome = Outcome.FAILED
        try:
            outcome = self._attempts(to, body, call)
        except Exception as error:
            # Never the exception's text: Twilio's messages quote the number.
            log.error("sms: failed, %s; call %s", type(error).__name__, call)
        finally:
            with self._lock:
                self._counts[outcome] += 1
                self._pending -= 1

    def _attempts(self, to: str, body: str, call: str | None) -> Outcome:
        """Make at most two tries; return the outcome, having logged it."""
        failure = ""
        for attempt in (1, 2):
            if attempt == 2:
                time.sleep(self.retry_pause)
            try:
                sid = self._create(to, body)
            except _RetryError as error:
                failure = str(error)
                continue
            except TwilioException as error:
                status, code = getattr(error, "status", None), getattr(error, "code", None)
                if not isinstance(status, int):
                    # Twilio's client gave up before any answer: ours to fix, not worth a second try.
                    log.error("sms: failed, %s; call %s", type(error).__name__, call)
                    return Outcome.FAILED
                log.warning("sms: refused, HTTP %s, Twilio error %s; call %s", status, code, call)
                return Outcome.REFUSED
            log.info("sms: sent, sid %s, try %d; call %s", sid, attempt, call)
            return Outcome.SENT
        log.error("sms: failed after 2 tries, last %s; call %s", failure, call)
        return Outcome.FAILED

    def _create(self, to: str, body: str) -> str:
        """Send the message once; return its sid. A failure that may pass is a _RetryError."""
        sender = (
            {"messaging_service_sid": self.from_number}
            if self.from_number.startswith(MESSAGING_SERVICE)
            else {"from_": self.from_number}
        )
        try:
            message = self._client().messages.create(to=to, body=body, **sender)
        except requests.RequestException as error:
            # Timeouts, refused and dropped connections: Twilio may not have seen the request.
            raise _RetryError(type(error).__name__) from None
        except TwilioException as error:
            status = getattr(error, "status", None)
            if isinstance(status, int) and status >= 500:
                raise _RetryError(f"HTTP {status}") from None
            raise
        return str(message.sid)

    def _client(self) -> Client:
        """Return this thread's Twilio client (a requests session is not made for sharing between threads)."""
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            # Imported at the first SMS: twilio.rest weighs about 16 MiB, which no worker should carry for
            # a feature that sends a few messages a day (docs/performance.md, memory).
            from twilio.http.http_client import TwilioHttpClient  # noqa: PLC0415
            from twilio.rest import Client  # noqa: PLC0415

            http = TwilioHttpClient(timeout=self.timeout, logger=_twilio_log)
            client = Client(self.account_sid, self._token, http_client=http)
            if self.api_url is not None:
                # Tests only: every API domain builds its URLs from its base_url (twilio.base.domain.Domain).
                client.api.base_url = self.api_url
                if http.session is not None:
                    # A local test server: no proxy from the environment stands between.
                    http.session.trust_env = False
            with self._lock:
                self._http.append(http)
            self._local.client = client
        return client

    def outcomes(self) -> dict[str, int]:
        """Return how many sends ended each way so far, and how many are still pending."""
        with self._lock:
            counts = {outcome.value: self._counts[outcome] for outcome in Outcome}
            counts["pending"] = self._pending
            return counts

    def close(self) -> None:
        """Wait for the pending sends, then close the connections; later sends are dropped."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True)
        with self._lock:
            for http in self._http:
                if http.session is not None:
                    http.session.close()
            self._http.clear()
