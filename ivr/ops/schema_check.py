"""Whether the line can use its database's schema: checked by `ivr serve` before it starts, in a child.

Checking the schema needs Alembic (with Mako and Pygments, about 10 MiB). Every gunicorn worker forks from the
process that runs `ivr serve`, so a check made there would leave Alembic in each worker, which never needs it
(docs/performance.md, memory). The check runs in a short-lived child instead, and here only if that fails.

The child reads the database URL from its standard input (never its command line, which `ps` shows) and prints
one JSON object: {"problem": the reason the line cannot start, or null; "unreachable": why the database could
not be opened, or null}.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from ivr.cli_errors import describe
from ivr.db import create_engine, sqlite_file

log = logging.getLogger(__name__)
# Connecting waits at most ivr.db's CONNECT_SECONDS; the rest is Python starting and reading the revisions.
CHILD_SECONDS = 30


def refusal(error: BaseException) -> str | None:
    """What a PostgreSQL server said when it refused a connection (a wrong password, user or database name, a
    host name that does not resolve), or None when it could not be reached at all (down, or not yet up)."""
    text = str(getattr(error, "orig", None) or error)
    if "FATAL:" in text:
        # libpq's "connection to server at ... failed: FATAL:  password authentication failed for user ...":
        # the server's own words, which never hold the password.
        return " ".join(text.split("FATAL:", 1)[1].split())
    if "failed to resolve host" in text or "could not translate host name" in text:
        # psycopg resolves the name itself (the first), libpq otherwise (the second).
        return " ".join(text.split())
    return None


def schema_problem(url: str) -> str | None:
    """Say why the line cannot use the database's schema (none, behind, newer), or None when it can.

    Only `ivr db upgrade` makes or changes the schema. A driver that is not installed, or a server that
    refuses the line (a wrong password, user or database name), is a wrong setting and stops the start. A
    database that cannot be reached is only logged: calls go on without their statistics, the writers keep
    what they could not store and try again, and the line is up the moment the database is.
    """
    try:
        # -I: the child reads no PYTHON* variables and imports nothing from the working folder.
        done = subprocess.run(
            [sys.executable, "-I", "-m", __name__],
            input=url,
            capture_output=True,
            text=True,
            timeout=CHILD_SECONDS,
            check=True,
        )
        found = json.loads(done.stdout)
        problem, unreachable = found["problem"], found["unreachable"]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError) as error:
        log.warning("database: the schema could not be checked in a child process (%s); checked here", error)
        problem, unreachable = checked(url)
    if unreachable is not None:
        log.error("database: cannot be opened: %s", unreachable)
    return None if problem is None else str(problem)


def checked(url: str) -> tuple[str | None, str | None]:
    """The check itself: (why the line cannot start, or None; why the database cannot be opened, or None)."""
    from ivr import migrations  # noqa: PLC0415  (Alembic: see the module's docstring)

    path = sqlite_file(url)
    if path is not None and not path.is_file():
        return f"the database {path} is not there: run `ivr db upgrade` first", None
    try:
        engine = create_engine(url)
    except ImportError as error:
        return describe(error), None
    try:
        with engine.connect() as connection:
            migrations.require_current(connection)
    except migrations.SchemaError as error:
        return str(error), None
    except Exception as error:
        if refusal(error) is not None:
            return refused(error), None
        return None, describe(error)
    finally:
        engine.dispose()
    return None, None


def refused(error: BaseException) -> str:
    """The start-up error for a server that refuses the line."""
    return f"the database cannot be used: {refusal(error)}; is IVR_DATABASE_URL right?"


def main() -> None:
    """The child: check the URL read from standard input and print the JSON answer."""
    logging.disable(logging.CRITICAL)  # the answer is the output; the parent logs what it needs to
    problem, unreachable = checked(sys.stdin.read().strip())
    print(json.dumps({"problem": problem, "unreachable": unreachable}))


if __name__ == "__main__":
    main()
