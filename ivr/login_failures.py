"""Failed staff logins in the database, so every worker and host shares the throttle (ivr/staff.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select

from ivr.db import Database, login_failures, to_utc_naive


class LoginFailures:
    """Each client's failed logins (a keyed hash of its address, never the address) in ivr/db.py's table."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def since(self, client: str, since: datetime) -> list[datetime]:
        """Return the times (aware UTC) of a client's failed logins since `since`, oldest first."""
        query = (
            select(login_failures.c.at)
            .where(login_failures.c.client == client, login_failures.c.at >= to_utc_naive(since))
            .order_by(login_failures.c.at)
        )
        with self.database.engine.connect() as connection:
            return [at.replace(tzinfo=UTC) for at in connection.execute(query).scalars()]

    def add(self, client: str, at: datetime, forget_before: datetime) -> None:
        """Note a failed login; forget failures older than `forget_before`, which no longer count."""
        with self.database.engine.begin() as connection:
            old = login_failures.c.at < to_utc_naive(forget_before)
            connection.execute(delete(login_failures).where(old))
            connection.execute(insert(login_failures).values(client=client, at=to_utc_naive(at)))

    def clear(self, client: str) -> None:
        """Forget a client's failed logins once it has logged in."""
        with self.database.engine.begin() as connection:
            connection.execute(delete(login_failures).where(login_failures.c.client == client))
