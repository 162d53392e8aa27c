"""The callback list: numbers encrypted at rest, kept briefly, every look and change written to an access log.

A callback number of a neurosurgery line is health data. It is stored only as a Fernet token (`cryptography`,
AES-128-CBC with HMAC-SHA256, keyed by IVR_CALLBACK_KEY) beside a keyed hash that lets one pending request per
number and line be enforced without decrypting; it is deleted when staff mark the call made, and after
IVR_CALLBACK_DAYS in any case. The access log holds who did what and when, never the number. The tables
(ivr/db.py's `callback_requests` and `callback_access`) live in the line's database, so every worker and host
shares one list.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import statistics
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ivr.db import Database, to_utc_naive
from ivr.db import callback_access as access
from ivr.db import callback_requests as requests
from ivr.db_limits import CALL_SECONDS, within

log = logging.getLogger(__name__)
# A keyed-in number travels in the call's URL as a Fernet token for this long, no longer.
SEAL_SECONDS = 15 * 60


@dataclass(frozen=True)
class Pending:
    """One request as staff see it: the number decrypted only for the page or `ivr callbacks`."""

    id: int
    line: str
    number: str
    asked_at: datetime
    attempts: int


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

    def __init__(self, database: Database, key: str, hash_key: bytes, days: int) -> None:
        # The settings have checked the key's form (a bad one stops the start naming IVR_CALLBACK_KEY).
        self.fernet = Fernet(key.encode("ascii"))
        self.database = database
        self.hash_key = hmac.new(hash_key, b"callback-number", hashlib.sha256).digest()
        self.days = days

    def ask(self, line: str, number: str, now: datetime) -> bool:
        """Put `number` on `line`'s list; False when it is already waiting there (nothing is changed).

        A caller waits for this: the database gets CALL_SECONDS, else Stalled (an SQLAlchemyError) is raised
        and the caller hears the line's apology instead of silence.
        """
        return within(self.database, CALL_SECONDS, lambda on: self._ask(on, line, number, now))

    def _ask(self, connection: Connection, line: str, number: str, now: datetime) -> bool:
        """Insert the request and its line in the access log, in the transaction given."""
        at = to_utc_naive(now)
        self._prune(connection, at)
        try:
            with connection.begin_nested():
                inserted = connection.execute(
                    insert(requests).values(
                        line=line,
                        number=self.fernet.encrypt(number.encode()).decode("ascii"),
                        number_hash=self._hash(number),
                        asked_at=at,
                        attempts=0,
                    )
                )
        except IntegrityError:
            return False
        key = inserted.inserted_primary_key
        assert key is not None  # an INSERT of one row
        connection.execute(
            insert(access).values(at=at, who="caller", action="asked", request=key[0], line=line)
        )
        return True

    def pending(self, who: str, now: datetime) -> list[Pending]:
        """Every waiting request, oldest first, decrypted; the look itself is logged."""
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
            found.append(Pending(row.id, row.line, number, row.asked_at.replace(tzinfo=UTC), row.attempts))
        return found

    def done(self, request_id: int, who: str, now: datetime) -> bool:
        """The secretariat rang back: delete the request (and with it the number); False if it was gone."""
        at = to_utc_naive(now)
        with self._begin() as connection:
            row = connection.execute(select(requests).where(requests.c.id == request_id)).first()
            if row is None:
                return False
            connection.execute(delete(requests).where(requests.c.id == request_id))
            hours = (at - row.asked_at).total_seconds() / 3600
            connection.execute(
                insert(access).values(
                    at=at, who=who, action="done", request=request_id, line=row.line, hours=hours
                )
            )
        return True

    def not_reached(self, request_id: int, who: str, now: datetime) -> bool:
        """The secretariat rang and nobody answered: keep the request, counting the attempt."""
        at = to_utc_naive(now)
        with self._begin() as connection:
            changed = connection.execute(
                update(requests)
                .where(requests.c.id == request_id)
                .values(attempts=requests.c.attempts + 1, last_attempt_at=at)
            ).rowcount
            if changed:
                connection.execute(
                    insert(access).values(at=at, who=who, action="not_reached", request=request_id)
                )
        return bool(changed)

    def counts(self, since: datetime | None = None) -> Counts:
        """How many asked and were rung back (since `since`), how many wait, and the median time to call."""
        with self._begin() as connection:
            query = select(access.c.action, access.c.hours)
            if since is not None:
                query = query.where(access.c.at >= to_utc_naive(since))
            rows = connection.execute(query).all()
            waiting = len(connection.execute(select(requests.c.id)).all())
        hours = [row.hours for row in rows if row.action == "done" and row.hours is not None]
        asked = sum(row.action == "asked" for row in rows)
        return Counts(asked, len(hours), waiting, statistics.median(hours) if hours else None)

    def access_log(self) -> list[tuple[datetime, str, str, int | None]]:
        """The access log, oldest first: (when, who, what, which request); for the data protection officer."""
        with self._begin() as connection:
            rows = connection.execute(select(access).order_by(access.c.id)).all()
        return [(row.at.replace(tzinfo=UTC), row.who, row.action, row.request) for row in rows]

    def _prune(self, connection: Connection, at: datetime) -> None:
        """Delete requests older than the retention, logging each deletion (never the number)."""
        before = at - timedelta(days=self.days)
        old = connection.execute(
            select(requests.c.id, requests.c.line).where(requests.c.asked_at < before)
        ).all()
        if not old:
            return
        connection.execute(delete(requests).where(requests.c.id.in_([row.id for row in old])))
        connection.execute(
            insert(access),
            [
                {"at": at, "who": "system", "action": "deleted", "request": row.id, "line": row.line}
                for row in old
            ],
        )
        log.info("callbacks: %d request(s) older than %d days deleted", len(old), self.days)

    def _hash(self, number: str) -> str:
        return hmac.new(self.hash_key, number.encode(), hashlib.sha256).hexdigest()

    def _begin(self) -> AbstractContextManager[Connection]:
        """A transaction on the line's database."""
        return self.database.engine.begin()


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

    def ask(self, line: str, number: str, now: datetime) -> bool:
        """Remember the request for this process only; False when it was asked already."""
        new = (line, number) not in self.asked
        self.asked.add((line, number))
        return new
