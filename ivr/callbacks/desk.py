"""The callback list: numbers encrypted at rest, kept briefly, every look and change written to an access log.

A callback number of a neurosurgery line is health data. It is stored only as a Fernet token (`cryptography`,
AES-128-CBC with HMAC-SHA256, keyed by IVR_CALLBACK_KEY) beside a keyed hash that lets one pending request per
number and line be enforced without decrypting; it is deleted a minute (UNDO_SECONDS, for an undo) after
staff mark the call made (at the next look at the list or request, or by a timer on the page's worker,
whichever comes first), and after IVR_CALLBACK_DAYS in any case. The access log holds who did what and when,
never the number. The tables
(ivr/db.py's `callback_requests` and `callback_access`) live in the line's database, so every worker and host
shares one list, and the caps on it: one request per call, and at most IVR_CALLBACKS_PER_HOUR new requests
per line (ivr/caps.py), so nobody can fill the secretariat's day with numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import statistics
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import ColumnElement, Row, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ivr.caps import DAY, HOUR, Cap, Caps, CapWatch
from ivr.db import Database, to_utc_naive
from ivr.db import callback_access as access
from ivr.db import callback_requests as requests
from ivr.db_limits import CALL_SECONDS, within
from ivr.line.events import call_hash
from ivr.line.flow import Asked
from ivr.line.phonenumbers import callable_number

log = logging.getLogger(__name__)
# One callback request per call (a day is longer than any call): a withheld call cannot key in a list.
PER_CALL = Cap("callbacks_per_call", 1, DAY)
# A keyed-in number travels in the call's URL as a Fernet token for this long, no longer.
SEAL_SECONDS = 15 * 60
# How long after "Ringet op" the request (and its number) is kept so a slip can be undone.
UNDO_SECONDS = 60


@dataclass(frozen=True)
class Pending:
    """One request as staff see it: the number decrypted only for the page or `ivr callbacks`."""

    id: int
    line: str
    number: str
    asked_at: datetime
    attempts: int
    # Keyed in by the caller (True), the number they rang from (False), or not known (asked before 0006).
    keyed: bool | None = None
    # Who of the staff last rang without reaching them.
    last_attempt_by: str | None = None
    # "Ringet op" by whom and when: the request then waits only for an undo (UNDO_SECONDS).
    done_at: datetime | None = None
    done_by: str | None = None


@dataclass(frozen=True)
class Counts:
    """What the statistics may say of callbacks: how many, not whose."""

    asked: int
    done: int
    pending: int
    median_hours: float | None


class Sealing:
    """A keyed-in number carried in the call's next URL: encrypted, and readable only for a while."""

    fernet: Fernet

    def seal(self, number: str) -> str:
        """Encrypt a keyed-in number for the call's next URL (it expires in SEAL_SECONDS)."""
        return self.fernet.encrypt(number.encode()).decode("ascii")

    def unseal(self, token: str) -> str | None:
        """The number a URL's token holds, or None when it is forged, broken or too old."""
        try:
            return self.fernet.decrypt(token.encode("ascii"), ttl=SEAL_SECONDS).decode()
        except (InvalidToken, UnicodeError, ValueError):
            return None


class CallbackDesk(Sealing):
    """The callback list in the line's database."""

    def __init__(
        self,
        database: Database,
        key: str,
        hash_key: bytes,
        days: int,
        per_hour: int = 30,
        *,
        watches: Sequence[CapWatch] = (),
    ) -> None:
        # The settings have checked the key's form (a bad one stops the start naming IVR_CALLBACK_KEY).
        self.fernet = Fernet(key.encode("ascii"))
        self.database = database
        self.hash_key = hmac.new(hash_key, b"callback-number", hashlib.sha256).digest()
        self.call_key = hash_key
        self.days = days
        self.per_hour = Cap("callbacks_per_hour", per_hour, HOUR)
        self._caps = Caps(watches)

    def ask(
        self, line: str, number: str, now: datetime, *, call_sid: str | None = None, keyed: bool = False
    ) -> Asked:
        """Put `number` on `line`'s list (`keyed`: keyed in, not the number the caller rang from): NEW, or
        ALREADY when it is waiting there or the call (`call_sid`; None outside a call) has put a number on
        the list before, or FULL when the line's cap this hour is reached. Nothing is kept but a NEW request
        and the call's one try.

        A caller waits for this: the database gets CALL_SECONDS, else Stalled (an SQLAlchemyError) is raised
        and the caller hears the line's apology instead of silence.
        """
        if callable_number(number) != number:
            raise ValueError("not a number the secretariat may ring back")
        try:
            return within(
                self.database, CALL_SECONDS, lambda on: self._ask(on, line, number, now, call_sid, keyed)
            )
        except _Full:
            log.info("callbacks: not added, line %s has %d new requests this hour", line, self.per_hour.limit)
            return Asked.FULL

    def _ask(  # noqa: PLR0917 (the request's parts, handed on from ask)
        self, connection: Connection, line: str, number: str, now: datetime, call_sid: str | None, keyed: bool
    ) -> Asked:
        """The request, its caps and its access-log line, in the transaction given."""
        if call_sid is not None and not self._caps.take(connection, PER_CALL, self._call(call_sid), now):
            log.info("callbacks: not added, this call has asked once already")
            return Asked.ALREADY
        asked = self._insert(connection, line, number, now, keyed)
        if asked is not Asked.NEW or self._caps.take(connection, self.per_hour, line, now):
            return asked
        # Raised, so the transaction is rolled back: the request is not kept, nor the call's one try.
        raise _Full

    def _call(self, call_sid: str) -> str:
        """The call's key in the per-call cap: a keyed hash, never the CallSid."""
        return call_hash(call_sid, self.call_key)

    def _insert(self, connection: Connection, line: str, number: str, now: datetime, keyed: bool) -> Asked:
        """Insert the request and its access-log line; ALREADY when the number is waiting on the line."""
        at = to_utc_naive(now)
        self._prune(connection, at)
        # Rung back within the last minute (kept only for an undo) and asking again: the new request counts,
        # the old one goes as if its minute were over (an undo would only put the number back on the list).
        self._delete(
            connection,
            at,
            connection.execute(
                select(requests.c.id, requests.c.line).where(
                    (requests.c.line == line)
                    & (requests.c.number_hash == self._hash(number))
                    & requests.c.done_at.is_not(None)
                )
            ).all(),
        )
        try:
            with connection.begin_nested():
                inserted = connection.execute(
                    insert(requests).values(
                        line=line,
                        number=self.fernet.encrypt(number.encode()).decode("ascii"),
                        number_hash=self._hash(number),
                        asked_at=at,
                        attempts=0,
                        keyed=keyed,
                    )
                )
        except IntegrityError:
            return Asked.ALREADY
        key = inserted.inserted_primary_key
        assert key is not None  # an INSERT of one row
        connection.execute(
            insert(access).values(at=at, who="caller", action="asked", request=key[0], line=line)
        )
        return Asked.NEW

    def pending(self, who: str, now: datetime) -> list[Pending]:
        """Every waiting request, oldest first, decrypted, and those marked done that can still be undone;
        the look itself is logged."""
        at = to_utc_naive(now)
        with self._begin() as connection:
            self._prune(connection, at)
            rows = connection.execute(select(requests).order_by(requests.c.asked_at, requests.c.id)).all()
            connection.execute(insert(access).values(at=at, who=who, action="viewed"))
        found = []
        for row in rows:
            try:
                number = self.fernet.decrypt(row.number.encode("ascii")).decode()
            except InvalidToken:
                # Encrypted with another key (it was changed): unreadable, so useless; it expires by itself.
                number = "(ulæseligt: krypteret med en anden nøgle)"
            found.append(_pending(row, number))
        return found

    def done(self, request_id: int, who: str, now: datetime) -> bool:
        """The secretariat rang back: mark it so, keeping the number UNDO_SECONDS for an undo (then it is
        deleted); False if it was gone or marked already."""
        at = to_utc_naive(now)
        with self._begin() as connection:
            row = connection.execute(select(requests).where(_waiting(request_id))).first()
            if row is None:
                return False
            connection.execute(update(requests).where(_waiting(request_id)).values(done_at=at, done_by=who))
            hours = (at - row.asked_at).total_seconds() / 3600
            connection.execute(
                insert(access).values(
                    at=at, who=who, action="done", request=request_id, line=row.line, hours=hours
                )
            )
        return True

    def undo(self, request_id: int, who: str, now: datetime) -> bool:
        """Take back a "Ringet op" of at most UNDO_SECONDS ago (it waits again); False when too late."""
        at = to_utc_naive(now)
        recent = (
            (requests.c.id == request_id)
            & requests.c.done_at.is_not(None)
            & (requests.c.done_at >= at - timedelta(seconds=UNDO_SECONDS))
        )
        with self._begin() as connection:
            changed = connection.execute(
                update(requests).where(recent).values(done_at=None, done_by=None)
            ).rowcount
            if changed:
                connection.execute(insert(access).values(at=at, who=who, action="undone", request=request_id))
        return bool(changed)

    def not_reached(self, request_id: int, who: str, now: datetime) -> bool:
        """The secretariat rang and nobody answered: keep the request, counting the attempt and who rang."""
        at = to_utc_naive(now)
        with self._begin() as connection:
            changed = connection.execute(
                update(requests)
                .where(_waiting(request_id))
                .values(attempts=requests.c.attempts + 1, last_attempt_at=at, last_attempt_by=who)
            ).rowcount
            if changed:
                connection.execute(
                    insert(access).values(at=at, who=who, action="not_reached", request=request_id)
                )
        return bool(changed)

    def forget_done(self, now: datetime) -> None:
        """Delete the requests marked done more than UNDO_SECONDS ago (and expired ones)."""
        with self._begin() as connection:
            self._prune(connection, to_utc_naive(now))

    def counts(self, since: datetime | None = None) -> Counts:
        """How many asked and were rung back (since `since`), how many wait, and the median time to call."""
        with self._begin() as connection:
            query = select(access.c.action, access.c.hours, access.c.request)
            if since is not None:
                query = query.where(access.c.at >= to_utc_naive(since))
            rows = connection.execute(query.order_by(access.c.id)).all()
            waiting = len(connection.execute(select(requests.c.id).where(requests.c.done_at.is_(None))).all())
        hours = _done_hours(rows)
        asked = sum(row.action == "asked" for row in rows)
        return Counts(asked, len(hours), waiting, statistics.median(hours) if hours else None)

    def access_log(self) -> list[tuple[datetime, str, str, int | None]]:
        """The access log, oldest first: (when, who, what, which request); for the data protection officer."""
        with self._begin() as connection:
            rows = connection.execute(select(access).order_by(access.c.id)).all()
        return [(row.at.replace(tzinfo=UTC), row.who, row.action, row.request) for row in rows]

    def _prune(self, connection: Connection, at: datetime) -> None:
        """Delete requests older than the retention, and those marked done more than UNDO_SECONDS ago,
        logging each deletion (never the number)."""
        before = at - timedelta(days=self.days)
        done_before = at - timedelta(seconds=UNDO_SECONDS)
        old = connection.execute(
            select(requests.c.id, requests.c.line).where(
                (requests.c.asked_at < before) | (requests.c.done_at < done_before)
            )
        ).all()
        if self._delete(connection, at, old):
            log.info("callbacks: %d request(s) done or older than %d days deleted", len(old), self.days)

    @staticmethod
    def _delete(connection: Connection, at: datetime, old: Sequence[Row[Any, Any]]) -> bool:
        """Delete the requests `old` (id, line), logging each deletion (never the number); False if none."""
        if not old:
            return False
        connection.execute(delete(requests).where(requests.c.id.in_([row.id for row in old])))
        connection.execute(
            insert(access),
            [
                {"at": at, "who": "system", "action": "deleted", "request": row.id, "line": row.line}
                for row in old
            ],
        )
        return True

    def _hash(self, number: str) -> str:
        return hmac.new(self.hash_key, number.encode(), hashlib.sha256).hexdigest()

    def _begin(self) -> AbstractContextManager[Connection]:
        """A transaction on the line's database."""
        return self.database.engine.begin()


def _waiting(request_id: int) -> ColumnElement[bool]:
    """The request `request_id`, while not marked done."""
    return (requests.c.id == request_id) & requests.c.done_at.is_(None)


def _pending(row: Row[Any], number: str) -> Pending:
    """A request's row as staff see it, with its number decrypted."""
    done_at = row.done_at.replace(tzinfo=UTC) if row.done_at is not None else None
    asked_at = row.asked_at.replace(tzinfo=UTC)
    return Pending(
        row.id, row.line, number, asked_at, row.attempts, row.keyed, row.last_attempt_by, done_at, row.done_by
    )


def _done_hours(rows: Sequence[Row[Any, Any, Any]]) -> list[float]:
    """The hours to each call back in the access log (oldest first), leaving out a "done" taken back."""
    hours: dict[int | None, list[float]] = {}
    for row in rows:
        if row.action == "done" and row.hours is not None:
            hours.setdefault(row.request, []).append(row.hours)
        elif row.action == "undone" and hours.get(row.request):
            hours[row.request].pop()
    return [value for values in hours.values() for value in values]


def new_key() -> str:
    """A new IVR_CALLBACK_KEY."""
    return Fernet.generate_key().decode("ascii")


class TrialDesk(Sealing):
    """The callback list of a trial call (the preview, an in-process `ivr call`): kept in memory only.

    Staff trying the line must never put a number on the secretariat's real list.
    """

    def __init__(self) -> None:
        self.fernet = Fernet(Fernet.generate_key())
        self.asked: set[tuple[str, str]] = set()

    def ask(
        self, line: str, number: str, now: datetime, *, call_sid: str | None = None, keyed: bool = False
    ) -> Asked:
        """Remember the request for this process only; ALREADY when it was asked already."""
        new = (line, number) not in self.asked
        self.asked.add((line, number))
        return Asked.NEW if new else Asked.ALREADY


class _Full(Exception):  # noqa: N818  (not an error: the list's answer)
    """The line's cap of new requests this hour is reached."""
