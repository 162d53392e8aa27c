"""A stalled database never holds a call or a staff page: the usual fallback within 2 s, a 503 within 5 s.

The database is stalled for real: SQLite's write lock held by another connection, PostgreSQL's tables locked
by another transaction, or every PostgreSQL backend of the app frozen (SIGSTOP), where the database's own time
limits cannot act and only the line's own wait does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import func, select

from bench import stalling
from ivr.db import Database, callback_requests, sms_calls
from ivr.line.content_loader import default_path
from ivr.sms.service import LeafletSms
from ivr.stats.web import Statistics
from ivr.webhook.endpoint import Webhook
from tests.fake_twilio import ACCOUNT, FakeTwilio
from tests.support import (
    CLOSED_TIME,
    ROOT,
    TOKEN,
    FixedClock,
    TwilioClient,
    clean_env,
    postgres_url,
    spoken,
    stalled,
    text,
    verbs,
    with_sms,
)

# Times what it does: `make test` runs it alone, after the rest.
pytestmark = pytest.mark.serial

# What the caller hears instead, and how long at most until then; how long a staff page may take.
CALLER_SECONDS = 2.0
STAFF_SECONDS = 5.0
NOT_SENT = "Jeg kan desværre ikke sende en SMS til dit nummer lige nu."
TABLES = ("sms_calls", "sms_numbers", "callback_requests", "callback_access", "staff_login_failures")
STALLS = pytest.mark.parametrize(
    ("empty_database_url", "how"),
    [("sqlite", "lock"), ("postgresql", "lock"), ("postgresql", "freeze")],
    indirect=["empty_database_url"],
    ids=["sqlite write lock", "postgresql lock", "postgresql frozen"],
)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(token=TOKEN) as server:
        yield server


@pytest.fixture
def line(
    make_app: Callable[..., Flask], database_url: str, tmp_path: Path, fake: FakeTwilio
) -> Iterator[Flask]:
    """The line on the test's database, sending SMS (to the fake), keeping callbacks, with a staff login."""
    content = tmp_path / "rodblokade.toml"
    content.write_text(with_sms(default_path().read_text(encoding="utf-8")), encoding="utf-8")
    app = make_app(
        {
            "DATABASE_URL": database_url,
            "CONTENT_FILE": content,
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "SMS_FROM": "+4578787878",
            "TWILIO_API_URL": fake.url,
            "CALLBACK_KEY": "a" * 43 + "=",
            "STAFF_USER": "personale",
            "STAFF_PASSWORD": "en-lang-hemmelighed",
        }
    )
    database = Statistics.of(app).store.database
    # A connection in the pool, as a line that has run a while has: the one a frozen backend serves.
    database.open()
    yield app
    sms = Webhook.of(app).lines.first.flow.sms
    assert isinstance(sms, LeafletSms)
    sms.sender.close()
    # The transactions the requests left behind end once the database runs again: their connections go back
    # to the pool before it is closed, not to the garbage collector.
    for thread in threading.enumerate():
        if thread.name == "ivr-db-within":
            thread.join(10)
    database.dispose()


def timed(step: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    answer = step()
    return answer, time.monotonic() - started


def rows(url: str, table: Any) -> int:
    database = Database(url)
    try:
        with database.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())
    finally:
        database.dispose()


def gathers_again(root: ET.Element) -> bool:
    """Tell whether the answer goes on listening for a key (the caller is not hung up on)."""
    return verbs(root)[0] == "Gather" and "Hangup" not in verbs(root)


@STALLS
def test_pressing_8_hears_that_no_sms_can_be_sent(line: Flask, database_url: str, how: str) -> None:
    twilio = TwilioClient(line.test_client())
    with stalled(database_url, how, TABLES):
        answer, took = timed(lambda: twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "8"}))
    assert took < CALLER_SECONDS
    assert spoken(answer)[0] == NOT_SENT
    assert gathers_again(answer)
    # Nothing claimed behind the caller's back once the database runs again.
    time.sleep(0.5)
    assert rows(database_url, sms_calls) == 0


@STALLS
def test_confirming_a_callback_hears_the_apology_and_the_menu(
    line: Flask, database_url: str, how: str, clock: FixedClock
) -> None:
    clock.at = CLOSED_TIME
    twilio = TwilioClient(line.test_client())
    offered = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "0"})
    read_back = twilio.twiml(_action(offered), {"Digits": "1"})
    with stalled(database_url, how, TABLES):
        answer, took = timed(lambda: twilio.twiml(_action(read_back), {"Digits": "1"}))
    assert took < CALLER_SECONDS
    content = Webhook.of(line).lines.first.content
    assert spoken(answer)[0] == text(content, "error")
    assert gathers_again(answer)
    time.sleep(0.5)
    assert rows(database_url, callback_requests) == 0


@STALLS
def test_a_staff_login_answers_503_with_retry_after(line: Flask, database_url: str, how: str) -> None:
    client = line.test_client()
    # A wrong password: the throttle reads the failures and writes one more, so both wait on the database.
    wrong = {"Authorization": "Basic cGVyc29uYWxlOmZvcmtlcnQtZ8OmdC0xMjM0"}  # personale:forkert-gæt-1234
    with stalled(database_url, how, TABLES):
        response, took = timed(lambda: client.get("/staff/stats", headers=wrong))
    assert took < STAFF_SECONDS
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "Login er ikke muligt lige nu" in response.get_data(as_text=True)


@STALLS
def test_the_statistics_page_answers_in_time(line: Flask, database_url: str, how: str) -> None:
    client = line.test_client()
    # personale:en-lang-hemmelighed
    right = {"Authorization": "Basic cGVyc29uYWxlOmVuLWxhbmctaGVtbWVsaWdoZWQ="}
    # The statistics' tables only: the login's throttle answers, the page's own queries wait. Frozen, the
    # throttle meets the frozen backends first.
    with stalled(database_url, how, ("call_events", "call_hours", "call_last")):
        response, took = timed(lambda: client.get("/staff/stats", headers=right))
    assert took < STAFF_SECONDS
    if how == "lock" and database_url.startswith("sqlite"):
        # SQLite's readers never wait for its writer.
        assert response.status_code == 200
    else:
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        said = response.get_data(as_text=True)
        expected = (
            "Login er ikke muligt lige nu" if how == "freeze" else "Statistikken kan ikke læses lige nu"
        )
        assert expected in said


def _action(root: ET.Element) -> str:
    gather = root.find("Gather")
    assert gather is not None
    return gather.attrib["action"]


def test_a_freezer_killed_while_the_server_is_frozen_leaves_it_running() -> None:
    # A test run killed mid-freeze (SIGKILL: no `finally` runs) must not leave PostgreSQL stopped for every
    # later test: the freeze's watchdog resumes it.
    url = postgres_url()
    if not stalling.can_freeze(url):
        pytest.skip("the PostgreSQL backends cannot be frozen from here (another user's)")
    script = (
        "import sys, time\n"
        "from bench.stalling import stalled\n"
        "with stalled(sys.argv[1], 'freeze', ()):\n"
        "    print('frozen', flush=True)\n"
        "    time.sleep(60)\n"
    )
    freezer = subprocess.Popen(
        [sys.executable, "-c", script, url], cwd=ROOT, stdout=subprocess.PIPE, env=clean_env()
    )
    try:
        assert freezer.stdout is not None
        assert freezer.stdout.readline() == b"frozen\n"
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(stalling.libpq_url(url), connect_timeout=1).close()
        freezer.kill()
        freezer.wait()
        deadline = time.monotonic() + 5
        while True:
            try:
                with psycopg.connect(stalling.libpq_url(url), connect_timeout=1) as connection:
                    assert connection.execute("SELECT 1").fetchone() == (1,)
                break
            except psycopg.OperationalError:
                assert time.monotonic() < deadline, "the server was left frozen"
    finally:
        freezer.kill()
        freezer.wait()
        if freezer.stdout is not None:
            freezer.stdout.close()
        _resume_any_stopped_postgres()


def _resume_any_stopped_postgres() -> None:
    """The test's own safety net, should the watchdog fail: resume every stopped PostgreSQL process."""
    listing = subprocess.run(["ps", "-eo", "pid=,stat=,comm="], capture_output=True, text=True, check=False)
    for row in listing.stdout.splitlines():
        pid, stat, command = row.split(None, 2)
        if stat.startswith("T") and "postgres" in command:
            with contextlib.suppress(OSError):
                os.kill(int(pid), signal.SIGCONT)
