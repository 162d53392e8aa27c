"""The schema's versions: Alembic revisions in `versions/`, run from code (no alembic.ini, no env.py).

`ivr db upgrade` is the only thing that changes a database's schema; everything else only asks `status` and,
in `require_current`, refuses a database the code cannot use. A database made before the schema had versions
(tables, no `alembic_version`) is marked as at the baseline, the oldest schema still in the field, and the
revisions after it look at what is there, as the hand-written upgrades before them did: no row is lost.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect

from ivr import db

# The first revision: the call events as the oldest databases still in use keep them.
BASELINE = "0001"
# The key of PostgreSQL's advisory lock around an upgrade ("ivr-line" in ASCII).
UPGRADE_LOCK = 0x6976722D6C696E65
UPGRADE = "run `ivr db upgrade`"
# Alembic tells at INFO how it talks to the database each time it looks; the revisions log what they do.
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


class SchemaError(Exception):
    """The database's schema is not the one this code uses; the message says what to do, in one line."""


@dataclass(frozen=True)
class Status:
    """Where a database's schema stands: its revision (None: none recorded), and whether it has tables."""

    revision: str | None
    head: str
    tables: bool

    @property
    def current(self) -> bool:
        """Tell whether the code can use the database as it is."""
        return self.revision == self.head

    @property
    def known(self) -> bool:
        """Tell whether this code knows the revision (a newer version may have upgraded the database)."""
        return self.revision is None or _known(db.scripts(), self.revision)

    @property
    def standing(self) -> Standing:
        """Which of the schema's standings this is; what is said of it is in `_SAID`."""
        if self.current:
            return "current"
        if not self.known:
            return "unknown"
        if self.revision is not None:
            return "behind"
        return "unversioned" if self.tables else "empty"

    def describe(self) -> str:
        """Say in one line where the schema stands and, unless current, what to do."""
        return _SAID[self.standing][0].format(revision=self.revision, head=self.head)

    def danish(self) -> str:
        """The same, for staff: the commands they run (`ivr stats`, `ivr closed`, ...) speak Danish."""
        return _SAID[self.standing][1].format(revision=self.revision, head=self.head)


Standing = Literal["current", "unknown", "behind", "unversioned", "empty"]
_NEEDS_DA = ", og denne version skal bruge {head}: kør `ivr db upgrade` (eller bed IT om det)"
# What is said of each standing, in one line: to IT in English (`ivr db current`, a refusal of `ivr serve`),
# to staff in Danish. Side by side, so the two say the same.
_SAID: dict[Standing, tuple[str, str]] = {
    "current": (
        "at revision {revision} (the head: up to date)",
        "databasen er på revision {revision} (den nyeste)",
    ),
    "unknown": (
        "at revision {revision}, which this version does not know (a newer version upgraded it?); run that"
        " version, or restore the backup made before",
        "databasen er på revision {revision}, som denne version ikke kender (opgraderet af en nyere"
        " version?); brug den version, eller læg sikkerhedskopien fra før tilbage",
    ),
    "behind": (
        "at revision {revision}, behind this version's {head}: " + UPGRADE,
        "databasen er på revision {revision}" + _NEEDS_DA,
    ),
    "unversioned": (
        "made before the schema had versions, behind this version's {head}: " + UPGRADE,
        "databasen er fra før skemaet fik versioner" + _NEEDS_DA,
    ),
    "empty": (
        "empty (no tables), this version needs {head}: " + UPGRADE,
        "databasen er tom (ingen tabeller)" + _NEEDS_DA,
    ),
}


def status(connection: Connection) -> Status:
    """Read where the database's schema stands, changing nothing."""
    revision = MigrationContext.configure(connection).get_current_revision()
    tables = inspect(connection).has_table(db.call_events.name)
    return Status(revision, db.head(), tables)


def require_current(connection: Connection) -> None:
    """Refuse a database whose schema is not this code's (SchemaError, naming `ivr db upgrade`)."""
    found = status(connection)
    if not found.current:
        raise SchemaError(f"the database is {found.describe()}")


def upgrade(url: str) -> tuple[Status, Status]:
    """Bring the database at `url` to the head revision, keeping every row; return where it stood and stands.

    Safe when several nodes run it at once: the first takes a lock (PostgreSQL's advisory lock, or the SQLite
    file's folder and write lock) and upgrades in one transaction; the others wait, then find nothing to do.
    """
    engine = db.create_engine(url, schema=True)
    try:
        with _locked(url), engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Held to the end of the transaction; PostgreSQL's schema changes are part of it.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
            before = status(connection)
            if not before.known:
                raise SchemaError(f"the database is {before.describe()}")
            _run(connection, before)
            return before, status(connection)
    finally:
        engine.dispose()


def _run(connection: Connection, before: Status) -> None:
    """Run the revisions from where the database stands to the head, in the connection's transaction."""
    script = db.scripts()
    if before.revision is None and before.tables:
        # Made by the code of before the revisions: the baseline, and the next revisions see what is there.
        MigrationContext.configure(connection).stamp(script, BASELINE)

    def steps(revision: str, _context: MigrationContext) -> Any:
        return script._upgrade_revs("head", revision)

    with EnvironmentContext(_config(), script, fn=steps, destination_rev="head") as environment:
        environment.configure(connection=connection, target_metadata=db.metadata)
        with environment.begin_transaction():
            environment.run_migrations()


def _config() -> Config:
    """Alembic's configuration, in code: where the revisions are."""
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    return config


@contextlib.contextmanager
def _locked(url: str) -> Iterator[None]:
    """Make SQLite upgrades of one file take turns, however long each takes (its write lock waits seconds)."""
    path = db.sqlite_file(url)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with db.folder_lock(path.parent):
        yield


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False
