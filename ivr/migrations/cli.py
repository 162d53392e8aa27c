"""`ivr db upgrade` and `ivr db current`; how every other command opens the database, never changing it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from ivr import migrations, settings
from ivr.cli_errors import Stop
from ivr.cli_options import configured_settings
from ivr.db import Database, create_engine, default_url, sqlite_file

DATABASE_OPTION = click.option(
    "--database",
    "url",
    metavar="URL",
    help="Databasens URL (standard: IVR_DATABASE_URL, ellers SQLite-filen i mappen instance).",
)


def database_url(url: str | None) -> str:
    """Return the given URL, else IVR_DATABASE_URL, else the default SQLite file in the instance folder."""
    return url or configured_settings()["DATABASE_URL"] or default_url(settings.instance_folder())


def existing(url: str) -> str:
    """Refuse a SQLite file that is not there (or is a folder), rather than create an empty database."""
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        what = "a folder, not a database file" if path.is_dir() else "not there"
        raise Stop(f"the database {path} is {what}; check --database or IVR_DATABASE_URL ({UPGRADE_MAKES})")
    return url


UPGRADE_MAKES = "`ivr db upgrade` makes a new one"


def current_database(url: str) -> Database:
    """Open an existing database whose schema is this code's; refuse any other in one line, never upgrade.

    Staff run the commands that open it this way (`ivr stats`, `ivr closed`, `ivr staff`, ...): in Danish."""
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        what = "er en mappe, ikke en databasefil" if path.is_dir() else "findes ikke"
        raise Stop(
            f"databasen {path} {what}; tjek --database eller IVR_DATABASE_URL (`ivr db upgrade` laver en ny)"
        )
    database = Database(url)
    try:
        with database.engine.connect() as connection:
            found = migrations.status(connection)
    except BaseException:
        database.dispose()
        raise
    if not found.current:
        database.dispose()
        raise Stop(found.danish())
    return database


@contextmanager
def opened_database(url: str | None) -> Iterator[Database]:
    """The database --database (else IVR_DATABASE_URL) names, at this code's schema; closed afterwards."""
    database = current_database(database_url(url))
    try:
        yield database
    finally:
        database.dispose()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def db() -> None:
    """Databasens skema: bring det op til denne versions, eller vis hvor det står."""


@db.command()
@DATABASE_OPTION
def upgrade(url: str | None) -> None:
    """Opret databasen, eller bring den op til denne versions skema uden at miste noget (før `ivr serve`)."""
    target = database_url(url)
    try:
        before, after = migrations.upgrade(target)
    except migrations.SchemaError as error:
        raise Stop(str(error)) from None
    if before.revision == after.revision:
        click.echo(f"the database is at revision {after.revision}, this version's: nothing to do")
    else:
        click.echo(f"the database was {_was(before)}; now at revision {after.revision}, this version's")


def _was(before: migrations.Status) -> str:
    if before.revision is not None:
        return f"at revision {before.revision}"
    return "made before the schema had versions" if before.tables else "empty"


@db.command()
@DATABASE_OPTION
def current(url: str | None) -> None:
    """Vis hvilken revision databasens skema har, og om den er ældre end denne versions."""
    engine = create_engine(existing(database_url(url)))
    try:
        with engine.connect() as connection:
            click.echo(f"the database is {migrations.status(connection).describe()}")
    finally:
        engine.dispose()
