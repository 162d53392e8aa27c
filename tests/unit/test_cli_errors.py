"""Every command, given each kind of bad input, ends in one line naming the cause: never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from ivr.cli import main
from ivr.ops.schema_check import schema_problem
from tests.support import TOKEN, clean_env, free_port, postgres_url

COMMANDS = [
    ["check"],
    ["prompts"],
    ["hours"],
    ["call", "--keys", "1"],
    ["graph", "-o", "{tmp}/menu.svg"],
    ["stats"],
    ["build-audio", "--engine", "espeak", "--out", "{tmp}/audio"],
]


def run(args: list[str], tmp_path: Path, **env: str) -> Result:
    """Run `ivr ARGS` with this environment (and the test's own statistics database and a free port
    unless given)."""
    env = {
        "IVR_DATABASE_URL": f"sqlite:///{tmp_path / 'stats.sqlite'}",
        "IVR_BIND": f"127.0.0.1:{free_port()}",
        **env,
    }
    return CliRunner().invoke(main, [arg.format(tmp=tmp_path) for arg in args], env=env)


def assert_one_line(result: Result, *expected: str) -> None:
    """The command failed (exit 1 for a check's findings, 2 for bad input) with one line and no traceback."""
    assert result.exit_code in {1, 2}, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    for text in expected:
        assert text in lines[0]


@pytest.mark.parametrize("args", COMMANDS, ids=[args[0] for args in COMMANDS])
def test_a_broken_content_file(tmp_path: Path, args: list[str]) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("welcome = [\n", encoding="utf-8")
    assert_one_line(run(args, tmp_path, IVR_CONTENT_FILE=str(broken)), "broken.toml", "ikke gyldig TOML")


@pytest.mark.parametrize("args", COMMANDS, ids=[args[0] for args in COMMANDS])
def test_a_bad_setting(tmp_path: Path, args: list[str]) -> None:
    assert_one_line(run(args, tmp_path, IVR_GATHER_TIMEOUT="soon"), "IVR_GATHER_TIMEOUT")


@pytest.mark.parametrize("url", ["nonsense://", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
def test_stats_with_a_database_that_cannot_be_used(tmp_path: Path, url: str) -> None:
    assert_one_line(
        run(["stats"], tmp_path, IVR_DATABASE_URL=url),
        "IVR_DATABASE_URL" if "nonsense" in url else "ivr stats:",
    )


def test_build_audio_into_a_folder_that_cannot_be_made(tmp_path: Path) -> None:
    result = run(["build-audio", "--engine", "espeak", "--out", "/proc/no-such-folder"], tmp_path)
    assert_one_line(result, "ivr build-audio:", "/proc/no-such-folder")


def test_serve_on_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(["serve", "--bind", f"127.0.0.1:{port}"], tmp_path, TWILIO_AUTH_TOKEN=TOKEN)
    assert_one_line(result, "ivr serve: cannot start:", f"127.0.0.1:{port}", "in use")


@pytest.mark.parametrize("args", [*COMMANDS, ["serve"]], ids=[a[0] for a in [*COMMANDS, ["serve"]]])
def test_every_command_takes_dash_h(args: list[str]) -> None:
    result = CliRunner().invoke(main, [args[0], "-h"])
    assert result.exit_code == 0
    assert result.output.startswith(f"Brug: main {args[0]}")


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("ivr, version ")


def test_serve_stops_at_start_on_a_database_url_it_cannot_use(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path, TWILIO_AUTH_TOKEN=TOKEN, IVR_DATABASE_URL="nonsense://")
    assert_one_line(result, "ivr serve: cannot start:", "IVR_DATABASE_URL")


def _postgres(*, password: str | None = None, database: str | None = None, host: str | None = None) -> str:
    """The test PostgreSQL URL with some of its parts changed (skipped without one)."""
    url = make_url(postgres_url()).set(password=password, database=database, host=host)  # None: unchanged
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (lambda: "postgresql+psycopg2://line:secret@127.0.0.1/ivr", "needs the Python module psycopg2"),
        (lambda: _postgres(password="not-the-password"), "password authentication failed"),
        (lambda: _postgres(database="no_such_database"), 'database "no_such_database" does not exist'),
        (lambda: _postgres(host="no-such-host.invalid"), "no-such-host.invalid"),
    ],
    ids=["driver not installed", "wrong password", "no such database", "no such host"],
)
def test_serve_stops_at_start_on_a_database_that_refuses_the_line(
    tmp_path: Path, url: Callable[[], str], said: str
) -> None:
    result = run(["serve"], tmp_path, TWILIO_AUTH_TOKEN=TOKEN, IVR_DATABASE_URL=url())
    assert_one_line(result, "ivr serve: cannot start:", said)
    assert result.exit_code == 2
    assert "not-the-password" not in result.output


def test_a_database_that_is_down_at_start_does_not_stop_the_line(caplog: pytest.LogCaptureFixture) -> None:
    # Down, or not up yet: calls are answered meanwhile, and the writers store their events once it is up.
    url = "postgresql+psycopg://line:secret@127.0.0.1:1/ivr"
    assert schema_problem(url) is None
    assert "database: cannot be opened" in caplog.text


def test_the_schema_is_checked_apart_so_no_worker_carries_alembic(tmp_path: Path) -> None:
    # `ivr serve` checks the schema, then forks its workers from the same process.
    url = f"sqlite:///{tmp_path / 'line.sqlite'}"
    assert run(["db", "upgrade"], tmp_path, IVR_DATABASE_URL=url).exit_code == 0
    script = (
        "import sys\n"
        "from ivr.ops.schema_check import schema_problem\n"
        f"print(schema_problem({url!r}))\n"
        f"print(schema_problem({'sqlite:///' + str(tmp_path / 'none.sqlite')!r}))\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "None",
        f"the database {tmp_path / 'none.sqlite'} is not there: run `ivr db upgrade` first",
        "False",
    ]


def test_a_schema_behind_the_code_is_told_from_the_child(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'line.sqlite'}"
    assert run(["db", "upgrade"], tmp_path, IVR_DATABASE_URL=url).exit_code == 0
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    engine.dispose()
    problem = schema_problem(url)
    assert problem is not None
    assert "behind" in problem
    assert "ivr db upgrade" in problem


@pytest.mark.parametrize(("make", "said"), [("nothing", "findes ikke"), ("folder", "er en mappe")])
def test_stats_never_makes_an_empty_database_where_none_is(tmp_path: Path, make: str, said: str) -> None:
    target = tmp_path / "elsewhere.sqlite"
    if make == "folder":
        target.mkdir()
    result = run(["stats", "--database", f"sqlite:///{target}"], tmp_path)
    assert_one_line(result, str(target), said)
    assert target.is_dir() == (make == "folder")
    assert not target.with_name("elsewhere.sqlite-wal").exists()
