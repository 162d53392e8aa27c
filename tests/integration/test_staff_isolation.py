"""Staff pages never take the calls' workers: a gate across workers, a time limit, a default period."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator

from ivr.app import clock_of
from ivr.db import Database
from ivr.line.events import CallEvent
from ivr.stats.gate import StaffGate
from ivr.stats.store import Store, as_row
from ivr.stats.web import Statistics
from tests.support import CALL, TOKEN, live_line

# Times what it does: `make test` runs it alone, after the rest.
pytestmark = pytest.mark.serial

USER, PASSWORD = "personale", "rigtig-hemmelig"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}


def calls(store: Store, count: int, start: datetime, spread: timedelta, line: str = "") -> None:
    """Store `count` calls of three steps each on `line`, evenly over `spread` from `start`."""
    rows = []
    for n in range(count):
        at, call = start + spread * n / max(count, 1), f"{line}{n:016x}"
        rows += [
            as_row(CallEvent(call, at, "voice.welcome", "welcome", "main", None, line)),
            as_row(CallEvent(call, at + timedelta(seconds=20), "voice.key", "section", "2", "2", line)),
            as_row(CallEvent(call, at + timedelta(seconds=60), "voice.key", "main_menu", "main", "#", line)),
        ]
        if len(rows) >= 30_000:
            store.add(rows)
            rows = []
    store.add(rows)


@pytest.fixture
def staff_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})


def test_a_gate_of_one_slot_lets_one_in_until_it_leaves(tmp_path: Path) -> None:
    gate = StaffGate(tmp_path / "gate", 1)
    first = gate.enter()
    assert first is not None
    assert gate.enter() is None
    StaffGate.leave(first)
    second = gate.enter()
    assert second is not None
    StaffGate.leave(second)


def test_the_gate_is_shared_by_processes(tmp_path: Path) -> None:
    gate = StaffGate(tmp_path / "gate", 1)
    holder = "from pathlib import Path; from ivr.stats.gate import StaffGate; import sys, time\n"
    holder += (
        f"h = StaffGate(Path({str(tmp_path / 'gate')!r}), 1).enter(); print(h is not None, flush=True)\n"
    )
    holder += "time.sleep(30)"
    process = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "True"
        assert gate.enter() is None  # another process holds the only slot
    finally:
        process.kill()
        process.wait()
        if process.stdout:
            process.stdout.close()
    handle = gate.enter()  # the kernel released the dead process's lock
    assert handle is not None
    StaffGate.leave(handle)


def test_a_staff_page_waits_for_a_slot_and_gets_it_when_one_comes_free(staff_app: Flask) -> None:
    gate = StaffGate.of(staff_app)
    assert gate.wait == 10  # IVR_STAFF_WAIT_SECONDS' default
    held = gate.enter()
    assert held is not None
    threading.Timer(1.0, StaffGate.leave, args=(held,)).start()
    started = time.monotonic()
    response = staff_app.test_client().get("/staff/stats", headers=AUTH)
    waited = time.monotonic() - started
    assert response.status_code == 200
    assert 1.0 <= waited < 8, waited


def test_a_staff_page_waits_no_longer_than_the_setting_then_is_told_busy(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD, "STAFF_WAIT_SECONDS": 1})
    held = StaffGate.of(app).enter()
    assert held is not None
    try:
        started = time.monotonic()
        response = app.test_client().get("/staff/stats", headers=AUTH)
        assert 1.0 <= time.monotonic() - started < 4
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
    finally:
        StaffGate.leave(held)


def test_staff_requests_past_the_seats_are_busy_at_once_so_threads_are_left_for_calls(
    tmp_path: Path,
) -> None:
    gate = StaffGate(tmp_path / "gate", 1, wait=5, seats=2)
    app = Flask(__name__)
    gate.init_app(app)
    app.add_url_rule("/staff/x", "x", lambda: "ok")
    held = gate.enter()
    assert held is not None
    answers: list[int] = []
    waiting = [
        threading.Thread(target=lambda: answers.append(app.test_client().get("/staff/x").status_code))
        for _ in range(2)
    ]
    for thread in waiting:
        thread.start()
    time.sleep(0.5)  # both seated, waiting for the slot
    started = time.monotonic()
    third = app.test_client().get("/staff/x")
    assert (third.status_code, time.monotonic() - started < 0.5) == (503, True)
    StaffGate.leave(held)
    for thread in waiting:
        thread.join(10)
    assert answers == [200, 200]


def test_a_staff_page_with_every_slot_taken_is_busy_at_once_without_a_wait(
    make_app: Callable[..., Flask],
) -> None:
    staff_app = make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD, "STAFF_WAIT_SECONDS": 0})
    gate = StaffGate.of(staff_app)
    held = gate.enter()
    assert held is not None
    try:
        client = staff_app.test_client()
        started = time.monotonic()
        response = client.get("/staff/stats", headers=AUTH)
        assert time.monotonic() - started < 0.5
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "travlt" in response.get_data(as_text=True)
        assert client.post("/preview/call", json={"keys": []}, headers=AUTH).status_code == 503
        # The page's own files are fetched alongside the page: never made to wait.
        script = client.get("/preview/static/preview.js", headers=AUTH)
        assert script.status_code == 200
        script.close()
        # The calls themselves never wait for a slot.
        assert client.get("/healthz").status_code == 200
    finally:
        StaffGate.leave(held)
    assert staff_app.test_client().get("/staff/stats", headers=AUTH).status_code == 200


def test_a_slow_staff_query_is_stopped(config: dict[str, Any]) -> None:
    store = Store(Database(config["DATABASE_URL"]))
    calls(store, 20_000, datetime(2026, 1, 1, tzinfo=UTC), timedelta(days=300))
    # Stopped by the database (an OperationalError) or by the wait (Stalled): an SQLAlchemyError either way.
    with pytest.raises(SQLAlchemyError):
        store.rows(seconds=0.0)
    assert len(store.rows(seconds=30)) == 60_000
    store.dispose()


def test_the_page_opens_on_the_last_thirty_days_with_links_for_other_periods(staff_app: Flask) -> None:
    store = Statistics.of(staff_app).store
    now = clock_of(staff_app)()
    calls(store, 1, now - timedelta(days=10), timedelta(0))
    calls(store, 1, now - timedelta(days=90), timedelta(0))
    client = staff_app.test_client()
    html = client.get("/staff/stats", headers=AUTH).get_data(as_text=True)
    assert re.search(r'id="calls"><strong>1</strong>', html)
    everything = client.get("/staff/stats?period=alt", headers=AUTH).get_data(as_text=True)
    assert re.search(r'id="calls"><strong>2</strong>', everything)
    nav = html[html.index('aria-label="Perioder"') :].split("</nav>", 1)[0]
    labels = re.findall(r">([^<]+)</a>", nav)
    assert labels == ["Sidste 30 dage", "Denne måned", "Sidste måned", "I år", "Alt"]
    for href in re.findall(r'href="([^"]+)"', nav):
        assert client.get(href.replace("&amp;", "&"), headers=AUTH).status_code == 200


def test_one_line_opens_on_its_last_thirty_days_and_keeps_to_it_in_other_periods(staff_app: Flask) -> None:
    store = Statistics.of(staff_app).store
    now = clock_of(staff_app)()
    calls(store, 2, now - timedelta(days=10), timedelta(hours=1))
    calls(store, 1, now - timedelta(days=90), timedelta(0), line="knae")
    calls(store, 1, now - timedelta(days=5), timedelta(0), line="knae")
    client = staff_app.test_client()
    html = client.get("/staff/stats?line=knae", headers=AUTH).get_data(as_text=True)
    assert re.search(r'id="calls"><strong>1</strong>', html)
    nav = html[html.index('aria-label="Perioder"') :].split("</nav>", 1)[0]
    hrefs = [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', nav)]
    assert hrefs[-1] == "/staff/stats?period=alt&line=knae"
    everything = client.get(hrefs[-1], headers=AUTH).get_data(as_text=True)
    assert re.search(r'id="calls"><strong>2</strong>', everything)


@pytest.mark.slow
def test_calls_are_answered_under_a_second_while_eight_staff_pages_wait_and_load(tmp_path: Path) -> None:
    store = Store(Database(f"sqlite:///{tmp_path / 'stats.sqlite'}"))
    calls(store, 70_000, datetime.now(UTC) - timedelta(days=360), timedelta(days=359))
    store.dispose()
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_WORKERS": "3",
        "IVR_STAFF_USER": USER,
        "IVR_STAFF_PASSWORD": PASSWORD,
    }
    with live_line(tmp_path, env) as line:
        statuses: list[int] = []
        stop = threading.Event()

        def staff() -> None:
            while not stop.is_set():
                request = urllib.request.Request(line.base + "/staff/stats?period=alt", headers=AUTH)
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        statuses.append(answer.status)
                    # A person reads the page before asking for the next. Asking again at once, eight of
                    # them kept the gate's one slot (which is not first come, first served) from one of
                    # them for more than its 10 s wait now and then: a 503 that no staff room makes.
                    stop.wait(1.0)
                except urllib.error.HTTPError as error:
                    statuses.append(error.code)
                    stop.wait(0.2)

        pages = [threading.Thread(target=staff, daemon=True) for _ in range(8)]
        for page in pages:
            page.start()
        took = []
        try:
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                url = line.base + "/voice/key?menu=main&tries=0"
                form = {**CALL, "Digits": "2"}
                signature = RequestValidator(TOKEN).compute_signature(url, form)
                request = urllib.request.Request(
                    url, urlencode(form).encode(), {"X-Twilio-Signature": signature}
                )
                started = time.monotonic()
                with urllib.request.urlopen(request, timeout=15) as answer:
                    assert answer.status == 200
                took.append(time.monotonic() - started)
                time.sleep(0.2)
        finally:
            stop.set()
            for page in pages:
                page.join(timeout=40)
    assert 200 in statuses  # staff pages were answered, one at a time, the others waiting their turn
    assert 503 not in statuses
    assert max(took) < 1.0, f"slowest call step while staff pages loaded: {max(took):.2f} s"
