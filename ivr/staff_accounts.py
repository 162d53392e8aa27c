"""Named staff accounts in the line's database (`ivr staff add`), so every look and change names who did it.

Each account is a name and a werkzeug password hash (never the password), in ivr/db.py's `staff_users`; every
worker and host reads the same table, so an account added or removed counts at the next page, with no
restart. The staff login (ivr/staff.py) asks this on every page, so each query waits at most STAFF_SECONDS for
the database; then Stalled (an SQLAlchemyError) is raised and the login answers 503 rather than hang.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from ivr.db import STAFF_NAME_LENGTH, Database, staff_users, to_utc_naive
from ivr.db_limits import STAFF_SECONDS, within

# A name a browser's login box can send (HTTP Basic forbids ":") and a log can show: letters, digits, . _ -
NAME = re.compile(rf"[a-zæøå0-9][a-zæøå0-9._-]{{0,{STAFF_NAME_LENGTH - 1}}}")


class AccountError(ValueError):
    """An account that cannot be added or removed; its message is one Danish line for staff."""


@dataclass(frozen=True)
class Account:
    """One staff account as `ivr staff list` shows it: never its hash."""

    name: str
    added_at: datetime
    added_by: str


def account_name(text: str) -> str:
    """The account name `text` means (lower case, as a login is looked up), or AccountError saying why not."""
    name = text.strip().lower()
    if not NAME.fullmatch(name):
        raise AccountError(
            f"navnet {text!r} kan ikke bruges: 1 til {STAFF_NAME_LENGTH} tegn, små bogstaver, tal, punktum, "
            "bindestreg eller understreg, og det første et bogstav eller tal"
        )
    return name


class StaffAccounts:
    """The named accounts of the staff pages."""

    def __init__(self, database: Database, seconds: float = STAFF_SECONDS) -> None:
        self.database = database
        self.seconds = seconds

    def add(self, name: str, password_hash: str, who: str, now: datetime) -> Account:
        """Add the account `name` (AccountError when it is there already)."""
        account = Account(account_name(name), now, who)

        def write(connection: Connection) -> None:
            row = {"name": account.name, "password_hash": password_hash, "added_by": who[:64]}
            connection.execute(insert(staff_users).values(**row, added_at=to_utc_naive(now)))

        try:
            within(self.database, self.seconds, write)
        except IntegrityError:
            raise AccountError(f"der er allerede en bruger, der hedder {account.name}") from None
        return account

    def remove(self, name: str) -> None:
        """Remove the account `name`: its next page asks for a login (AccountError when there is none)."""
        wanted = account_name(name)

        def write(connection: Connection) -> int:
            return connection.execute(delete(staff_users).where(staff_users.c.name == wanted)).rowcount

        if not within(self.database, self.seconds, write):
            raise AccountError(f"der er ingen bruger, der hedder {wanted}")

    def all(self) -> list[Account]:
        """Every account, by name."""
        query = select(staff_users.c.name, staff_users.c.added_at, staff_users.c.added_by)

        def read(connection: Connection) -> list[Account]:
            rows = connection.execute(query.order_by(staff_users.c.name)).all()
            return [Account(row.name, row.added_at.replace(tzinfo=UTC), row.added_by) for row in rows]

        return within(self.database, self.seconds, read)

    def password_hash(self, name: str) -> str | None:
        """The hash of the account a login names (any case), or None when there is no such account."""
        wanted = name.strip().lower()
        if not NAME.fullmatch(wanted):
            return None
        query = select(staff_users.c.password_hash).where(staff_users.c.name == wanted)
        return within(self.database, self.seconds, lambda connection: connection.execute(query).scalar())

    def exist(self) -> bool:
        """Tell whether there is any account at all (else the staff pages are off, as without a login)."""
        query = select(staff_users.c.name).limit(1)
        return (
            within(self.database, self.seconds, lambda connection: connection.execute(query).first())
            is not None
        )
