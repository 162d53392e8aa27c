"""Trying a transaction again: after a deadlock, a serialization failure or a busy SQLite file; only then."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy.exc import OperationalError

from ivr import db_limits
from ivr.db_limits import retried, transient


class DriverError(Exception):
    """A driver's error with PostgreSQL's SQLSTATE, as psycopg's carry it."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def failing(times: int, error: Exception) -> tuple[Callable[[], str], list[int]]:
    """A transaction that fails `times` times with `error`, then succeeds; and the count of its runs."""
    runs: list[int] = []

    def work() -> str:
        runs.append(1)
        if len(runs) <= times:
            raise OperationalError("INSERT INTO call_hours ...", {}, error)
        return "done"

    return work, runs


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ivr.db_limits.time.sleep", lambda _seconds: None)


@pytest.mark.parametrize(
    "error",
    [DriverError("40P01"), DriverError("40001"), sqlite3.OperationalError("database is locked")],
    ids=["deadlock", "serialization failure", "sqlite busy"],
)
def test_a_transient_failure_is_tried_again(error: Exception) -> None:
    work, runs = failing(db_limits.ATTEMPTS - 1, error)
    assert retried(work) == "done"
    assert len(runs) == db_limits.ATTEMPTS


def test_the_last_attempts_failure_is_raised() -> None:
    work, runs = failing(db_limits.ATTEMPTS, DriverError("40P01"))
    with pytest.raises(OperationalError) as raised:
        retried(work)
    assert transient(raised.value)
    assert len(runs) == db_limits.ATTEMPTS


@pytest.mark.parametrize(
    "error",
    [DriverError("23505"), DriverError("57014"), sqlite3.OperationalError("disk I/O error")],
    ids=["unique violation", "statement timeout", "sqlite disk error"],
)
def test_any_other_failure_is_raised_at_once(error: Exception) -> None:
    work, runs = failing(1, error)
    with pytest.raises(OperationalError):
        retried(work)
    assert len(runs) == 1
