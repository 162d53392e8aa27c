"""`ivr db upgrade` and `ivr db current`; `ivr serve` and the read commands refuse a database behind the code
in one line, and leave it as it was."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivr import db
from ivr.callbacks.desk import new_key
from ivr.cli import main
from tests.support import TOKEN, free_port, old_database, todays_database

HEAD = db.head()


def ivr(*args: str, database: Path, **env: str) -> Result:
    """Run `ivr ARGS` on the database file, on a free port."""
    settings = {"IVR_DATABASE_URL": f"sqlite:///{database}", "IVR_BIND": f"127.0.0.1:{free_port()}", **env}
    return CliRunner().invoke(main, list(args), env=settings)


def one_line(result: Result, code: int = 2) -> str:
    """The command's one line of output, after checking its exit code and that no traceback came."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    # `ivr serve` logs (as JSON lines) what it found building the line before it looks at the database.
    lines = [line for line in result.output.strip().splitlines() if not line.startswith('{"ts"')]
    assert len(lines) == 1, result.output
    return lines[0]


def schema_and_rows(path: Path) -> tuple[list[tuple[str, str]], dict[str, list[tuple[object, ...]]]]:
    """Everything in a SQLite file: its schema and every table's rows."""
    with sqlite3.connect(path) as connection:
        schema = connection.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        tables = [
            name
            for kind, name in connection.execute("SELECT type, name FROM sqlite_master")
            if kind == "table"
        ]
        rows = {name: sorted(connection.execute(f"SELECT * FROM {name}")) for name in tables}
    connection.close()
    return schema, rows


def test_upgrade_makes_a_database_and_current_says_it_is_at_the_head(tmp_path: Path) -> None:
    database = tmp_path / "new" / "stats.sqlite"
    assert one_line(ivr("db", "upgrade", database=database), 0) == (
        f"the database was empty; now at revision {HEAD}, this version's"
    )
    assert one_line(ivr("db", "current", database=database), 0) == (
        f"the database is at revision {HEAD} (the head: up to date)"
    )
    assert one_line(ivr("db", "upgrade", database=database), 0) == (
        f"the database is at revision {HEAD}, this version's: nothing to do"
    )


def made_by_the_code_of_before(path: Path) -> None:
    todays_database(f"sqlite:///{path}")


def from_before_lines(path: Path) -> None:
    old_database(f"sqlite:///{path}", [])


def at_an_earlier_revision(path: Path) -> None:
    made_by_the_code_of_before(path)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('0002')")
    connection.close()


def empty(path: Path) -> None:
    sqlite3.connect(path).close()


BEHIND: list[Callable[[Path], None]] = [
    made_by_the_code_of_before,
    from_before_lines,
    at_an_earlier_revision,
    empty,
]


@pytest.mark.parametrize("make", BEHIND, ids=[make.__name__ for make in BEHIND])
def test_current_says_how_far_behind_and_changes_nothing(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    database = tmp_path / "stats.sqlite"
    make(database)
    before = schema_and_rows(database)
    said = one_line(ivr("db", "current", database=database), 0)
    assert said.startswith("the database is ")
    assert said.endswith(f"{HEAD}: run `ivr db upgrade`")
    assert schema_and_rows(database) == before


@pytest.mark.parametrize("make", BEHIND, ids=[make.__name__ for make in BEHIND])
def test_serve_refuses_a_database_behind_the_code(tmp_path: Path, make: Callable[[Path], None]) -> None:
    database = tmp_path / "stats.sqlite"
    make(database)
    before = schema_and_rows(database)
    said = one_line(ivr("serve", database=database, TWILIO_AUTH_TOKEN=TOKEN))
    assert said.startswith("ivr serve: cannot start: the database is ")
    assert "run `ivr db upgrade`" in said
    assert schema_and_rows(database) == before


def test_serve_refuses_a_database_that_is_not_there(tmp_path: Path) -> None:
    database = tmp_path / "stats.sqlite"
    said = one_line(ivr("serve", database=database, TWILIO_AUTH_TOKEN=TOKEN))
    assert (
        said == f"ivr serve: cannot start: the database {database} is not there: run `ivr db upgrade` first"
    )
    assert not database.exists()


READS = [["stats"], ["stats", "--json"], ["stats", "--prune", "30"], ["callbacks", "--json"]]


@pytest.mark.parametrize("args", READS, ids=[" ".join(args) for args in READS])
@pytest.mark.parametrize("make", BEHIND[:3], ids=[make.__name__ for make in BEHIND[:3]])
def test_other_commands_leave_a_database_behind_the_code_as_it_is(
    tmp_path: Path, make: Callable[[Path], None], args: list[str]
) -> None:
    database = tmp_path / "stats.sqlite"
    make(database)
    before = schema_and_rows(database)
    said = one_line(ivr(*args, database=database, IVR_CALLBACK_KEY=new_key(), TWILIO_AUTH_TOKEN=TOKEN))
    assert said.startswith("Fejl: databasen er ")
    assert said.endswith("kør `ivr db upgrade` (eller bed IT om det)")
    assert schema_and_rows(database) == before


@pytest.mark.parametrize("command", ["upgrade", "current"])
@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("nonsense://", "IVR_DATABASE_URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot be used (OperationalError)"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line(
    tmp_path: Path, command: str, url: str, said: str
) -> None:
    result = CliRunner().invoke(main, ["db", command], env={"IVR_DATABASE_URL": url})
    line = one_line(result)
    assert line.startswith("ivr db: ") or line.startswith("Fejl:"), line
    assert said in line


def test_current_never_makes_a_database_where_none_is(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere.sqlite"
    said = one_line(ivr("db", "current", database=database))
    assert str(database) in said
    assert "is not there" in said
    assert not database.exists()
