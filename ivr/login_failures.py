"""Failed staff logins in the database, so every worker and host shares the throttle (ivr/staff.py).

Every staff page asks this first, so each query waits at most STAFF_SECONDS for the database; after that
Stalled (an SQLAlchemyError) is raised and the login answers 503 with Retry-After rather than hang.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from ivr.db import Database, login_failures, to_utc_naive
from ivr.db_limits import STAFF_SECONDS, within


class LoginFailures:
    """Each client's failed logins (a keyed hash of its address, never the address) in ivr/db.py's table."""

    def __init__(self, database: Database, seconds: float = STAFF_SECONDS) -> None:
        self.database = database
        self.seconds = seconds

    def since(self, client: str, since: datetime) -> list[datetime]:
        """Return the times (aware UTC) of a client's failed logins since `since`, oldest first."""
        query = (
            select(login_failures.c.at)
            .where(login_failures.c.client == client, login_failures.c.at >= to_utc_naive(since))
            .order_by(login_failures.c.at)
        )

        def read(connection: Connection) -> list[datetime]:
            return [at.replace(tzinfo=UTC) for at in connection.execute(query).scalars()]

        return within(self.database, self.seconds, read)

    def add(self, client: str, at: datetime, forget_before: datetime) -> None:
        """Note a failed login; forget failures older than `forget_before`, which no longer count."""

        def write(connection: Connection) -> None:
            old = login_failures.c.at < to_utc_naive(forget_before)
            connection.execute(delete(login_failures).where(old))
            connection.execute(insert(login_failures).values(client=client, at=to_utc_naive(at)))

        within(self.database, self.seconds, write)

    def clear(self, client: str) -> None:
        """Forget a client's failed logins once it has logged in."""

        def write(connection: Connection) -> None:
            connection.execute(delete(login_failures).where(login_failures.c.client == client))

        within(self.database, self.seconds, write)
