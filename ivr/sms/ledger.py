"""How many SMS the line has sent: one per call, three per number a day, and the line's caps per hour and
day (IVR_SMS_PER_HOUR, IVR_SMS_PER_DAY), counted by keyed hashes and line ids only.

The counts live in the line's database (ivr/db.py's `sms_calls` and `sms_numbers`), so every worker and every
host on one database share them. A send is claimed by inserting rows whose primary keys make a second claim
impossible (INSERT ... ON CONFLICT DO NOTHING): the database, not this process, decides who wins a race.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ivr.caps import Cap, Caps, CapWatch, NowAndThen
from ivr.db import Database, sms_calls, sms_numbers, to_utc_naive
from ivr.db_limits import CALL_SECONDS, within

log = logging.getLogger(__name__)
# At most this many messages to one number on one (Danish) day.
PER_NUMBER_PER_DAY = 3
# Rows older than this are deleted: a call is long over, and the day's count only needs today.
KEEP = timedelta(days=2)
# Old rows are looked for at most this often per ledger, not on every claim.
PRUNE_EVERY = timedelta(minutes=10)
# The prune runs after a claim, on the caller's time: it gets less than the claim (ivr/db_limits.py).
PRUNE_SECONDS = CALL_SECONDS / 2
# The day a number's count belongs to: the hospital's.
ZONE = ZoneInfo("Europe/Copenhagen")


def number_hash(number: str, key: bytes) -> str:
    """Return a keyed hash (HMAC-SHA256) that identifies a number without revealing it."""
    # The prefix keeps these apart from the call hashes made with the same key.
    mac = hmac.new(key, b"sms-number:" + number.encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:32]


class SmsLedger:
    """The sends claimed so far, in the line's database."""

    def __init__(
        self,
        database: Database,
        key: bytes,
        *,
        zone: ZoneInfo = ZONE,
        caps: Sequence[Cap] = (),
        watches: Sequence[CapWatch] = (),
    ) -> None:
        self.database = database
        # Per line, shared by every node: what pumping SMS from spoofed numbers can cost at most.
        self.caps = tuple(caps)
        self._caps = Caps(watches)
        self.key = key
        self.zone = zone
        self._prune = NowAndThen(PRUNE_EVERY)

    def reserve(self, call_hash: str, number: str, now: datetime, line: str = "") -> bool:
        """Claim one send to `number` for the call; False when the call had one, the number its three today
        or the line its cap this hour or day.

        Also False (and logged) when the database cannot be asked, or does not answer within CALL_SECONDS:
        no limit is ever skipped, and the caller is never kept waiting for it.
        """
        hashed = number_hash(number, self.key)

        def claim(connection: Connection) -> None:
            refused = self._claim(connection, call_hash, hashed, now, line)
            if refused is not None:
                # Raised, so the transaction is rolled back: a refusal does not use up the call's send.
                raise _Refused(refused)

        try:
            within(self.database, CALL_SECONDS, claim)
            claimed = None
        except _Refused as refused:
            claimed = str(refused)
        except SQLAlchemyError as error:
            log.error(
                "sms: not sent, the ledger could not be read (%s); call %s", type(error).__name__, call_hash
            )
            return False
        self._prune_now_and_then(now)
        if claimed is None:
            return True
        log.info("sms: not sent, %s; call %s", claimed, call_hash)
        return False

    def _claim(self, connection: Connection, call: str, number: str, now: datetime, line: str) -> str | None:
        """Insert the call's row, the number's next free slot today and a unit of each of the line's caps;
        None when all were free, else why."""
        at = to_utc_naive(now)
        if not _insert_new(connection, sms_calls, {"call": call, "at": at}):
            return "this call had one already"
        day = now.astimezone(self.zone).date()
        slots = range(1, PER_NUMBER_PER_DAY + 1)
        values = ({"number": number, "day": day, "slot": slot, "at": at} for slot in slots)
        if not any(_insert_new(connection, sms_numbers, row) for row in values):
            return f"this number had {PER_NUMBER_PER_DAY} today"
        for cap in self.caps:
            if not self._caps.take(connection, cap, line, now):
                return f"the line's cap {cap.name} ({cap.limit}) is reached"
        return None

    def count(self, number: str, day: date) -> int:
        """Return how many sends were claimed for a number on a (Danish) day."""
        query = select(func.count()).where(
            sms_numbers.c.number == number_hash(number, self.key), sms_numbers.c.day == day
        )
        with self.database.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def prune(self, now: datetime) -> int:
        """Delete the rows older than KEEP; say how many."""
        with self.database.engine.begin() as connection:
            return self._delete_old(connection, now)

    def _delete_old(self, connection: Connection, now: datetime) -> int:
        cutoff = now - KEEP
        calls = connection.execute(delete(sms_calls).where(sms_calls.c.at < to_utc_naive(cutoff)))
        day = cutoff.astimezone(self.zone).date()
        numbers = connection.execute(delete(sms_numbers).where(sms_numbers.c.day < day))
        return int(calls.rowcount) + int(numbers.rowcount)

    def _prune_now_and_then(self, now: datetime) -> None:
        """Prune when PRUNE_EVERY has passed since the last time (by the times given); never fail a claim, and
        keep the caller waiting PRUNE_SECONDS at most."""
        if not self._prune.due(now):
            return
        try:
            within(self.database, PRUNE_SECONDS, lambda connection: self._delete_old(connection, now))
        except SQLAlchemyError as error:
            # Two workers pruning the same rows at once may clash; the next prune catches up.
            log.warning("sms: could not delete old ledger rows (%s)", type(error).__name__)


class _Refused(Exception):  # noqa: N818  (not an error: the ledger's answer)
    """No send claimed, and why."""


def _insert_new(connection: Connection, table: Table, values: dict[str, object]) -> bool:
    """Insert a row unless its primary key is taken (waiting for a concurrent claim to end); say whether."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # psycopg reports no row count for an INSERT ... ON CONFLICT: the row it returns tells instead.
        key = next(iter(table.primary_key.columns))
        returning = postgresql.insert(table).values(values).on_conflict_do_nothing().returning(key)
        return connection.execute(returning).first() is not None
    if dialect == "sqlite":
        # Counted rather than returned: RETURNING needs SQLite 3.35, and sqlite3 counts reliably.
        statement = sqlite.insert(table).values(values).on_conflict_do_nothing()
        return connection.execute(statement).rowcount == 1
    raise NotImplementedError(f"the SMS ledger needs SQLite or PostgreSQL, not {dialect}")
