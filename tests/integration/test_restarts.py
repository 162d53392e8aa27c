"""Restarts lose nothing: SIGHUP takes up the content on disk (a broken file keeps the running one), and a
rolling restart of two `ivr serve` behind the shipped nginx fails no call step."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ivr.line.content_loader import default_path
from tests.integration.test_nginx import SHIPPED, UNIT, needs_nginx, nginx, nginx_conf, site_for_test
from tests.support import (
    IVR,
    SECRETARIAT,
    TOKEN,
    LiveLine,
    clean_env,
    free_port,
    live_line,
    load_script,
    spoken,
    wait_until_up,
)

# Times what it does: `make test` runs it alone, after the rest.
pytestmark = pytest.mark.serial


def test_the_shipped_unit_reloads_with_sighup_and_nginx_retries_only_the_call_steps() -> None:
    unit = UNIT.read_text(encoding="utf-8")
    assert "\nExecReload=/bin/kill -HUP $MAINPID\n" in unit
    site = SHIPPED.read_text(encoding="utf-8")
    voice = site.split("location /voice {", 1)[1].split("}", 1)[0]
    assert "proxy_next_upstream error timeout non_idempotent;" in voice
    # Everywhere else a POST (a staff login, the preview) is never sent twice.
    assert site.count("non_idempotent") == 1


def welcome_heard(base: str) -> list[str]:
    """What a new call hears first, asked as Twilio asks."""
    load = load_script()
    status, body = load.HttpCaller(base, TOKEN).post("/voice", load.new_call(load.random.Random(1)))
    assert status == 200, body
    return spoken(ET.fromstring(body))


def hear_within(base: str, words: str, seconds: float = 20.0) -> None:
    """Wait until a new call hears `words` (new workers take over one by one)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(words in said for said in welcome_heard(base)):
            return
        time.sleep(0.2)
    raise AssertionError(f"no call heard {words!r} within {seconds} s")


@pytest.mark.slow
def test_sighup_takes_up_the_edited_content_and_keeps_it_when_the_edit_is_broken(tmp_path: Path) -> None:
    content = tmp_path / "content.toml"
    shipped = default_path().read_text(encoding="utf-8")
    content.write_text(shipped, encoding="utf-8")
    edited = shipped.replace('welcome = "Neurokirurgisk', 'welcome = "Goddag. Neurokirurgisk', 1)
    assert edited != shipped
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_WORKERS": "2", "IVR_CONTENT_FILE": str(content)}
    with live_line(tmp_path, env) as line:
        content.write_text(edited, encoding="utf-8")
        assert readyz(line.base)[0] == 503  # the file on disk is not what runs
        line.process.send_signal(signal.SIGHUP)
        hear_within(line.base, "Goddag. Neurokirurgisk")
        assert readyz(line.base) == (200, {"status": "ready", "problems": []})

        content.write_text("[prompts\nwelcome = ", encoding="utf-8")
        line.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while "the running content is kept" not in line.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "the running content is kept" in line.log.read_text()
        for _ in range(10):
            assert any("Goddag. Neurokirurgisk" in said for said in welcome_heard(line.base))
        assert line.process.poll() is None


def readyz(base: str) -> tuple[int, Any]:
    """GET /readyz: its status and its JSON."""
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class Node:
    """One `ivr serve` on a fixed port of its own, which the test stops and starts again as a deploy does."""

    def __init__(self, folder: Path, database: Path, name: str) -> None:
        self.folder = folder
        self.port = free_port()
        self.name = name
        self.env = clean_env(
            TWILIO_AUTH_TOKEN=TOKEN,
            IVR_WORKERS="2",
            IVR_TRUSTED_PROXIES="1",
            IVR_BIND=f"127.0.0.1:{self.port}",
            IVR_DATABASE_URL=f"sqlite:///{database}",
        )
        self.line: LiveLine | None = None
        self.starts = 0

    def start(self) -> None:
        """Start the node and wait until it is ready."""
        self.starts += 1
        log = self.folder / f"{self.name}-{self.starts}.log"
        with log.open("w") as stderr:
            process = subprocess.Popen([str(IVR), "serve"], env=self.env, stderr=stderr, text=True)
        self.line = LiveLine(f"http://127.0.0.1:{self.port}", self.port, process, log, self.folder)
        wait_until_up(self.line)
        deadline = time.monotonic() + 20
        while readyz(self.line.base)[0] != 200:
            assert time.monotonic() < deadline, f"{self.name} never became ready"
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the node as systemd does (SIGTERM: the workers finish their requests) and wait for it."""
        if self.line is not None and self.line.process.poll() is None:
            self.line.process.terminate()
            self.line.process.wait(timeout=40)


@contextmanager
def two_nodes(folder: Path) -> Iterator[tuple[Node, Node]]:
    """Two nodes on one database, as two machines would run; stopped after."""
    database = folder / "stats.sqlite"
    subprocess.run(
        [str(IVR), "db", "upgrade"],
        env=clean_env(IVR_DATABASE_URL=f"sqlite:///{database}"),
        capture_output=True,
        check=True,
    )
    nodes = (Node(folder, database, "a"), Node(folder, database, "b"))
    try:
        for node in nodes:
            node.start()
        yield nodes
    finally:
        for node in nodes:
            node.stop()


@needs_nginx
@pytest.mark.slow
def test_a_rolling_restart_of_two_nodes_behind_nginx_fails_no_call_step(tmp_path: Path) -> None:
    load = load_script()
    port = free_port()
    with two_nodes(tmp_path) as (one, other):
        access_log = tmp_path / "access.log"
        site = site_for_test(one.port, port, None, access_log)
        # The shipped upstream names one node; a second machine is one more `server` line in it.
        first = f"server 127.0.0.1:{one.port} max_fails=1 fail_timeout=2s;"
        site = site.replace(first, first + "\n" + first.replace(str(one.port), str(other.port)), 1)
        assert f"127.0.0.1:{other.port}" in site
        with nginx(nginx_conf(tmp_path, site), port):
            caller = load.HttpCaller(f"http://127.0.0.1:{port}", TOKEN)
            result: dict[str, Any] = {}
            # The calls go on until the restart is over and a little after, up to this long: a busy machine's
            # nodes take longer to start, and the test must not end its calls before the second restart.
            seconds = 90.0
            over = threading.Event()

            def ring() -> None:
                result["tally"], _ = load.run(caller.post, 6, seconds, SECRETARIAT, stop=over)

            ringing = threading.Thread(target=ring)
            started = time.monotonic()
            ringing.start()
            time.sleep(2)
            for node in (one, other):
                node.stop()
                node.start()
                # As docs/operations.md says: the next node only once this one is ready and nginx has
                # stopped leaving it out (fail_timeout).
                time.sleep(3)
            restarted = time.monotonic() - started
            # Calls after the second node is back, then the callers hang up.
            time.sleep(3)
            over.set()
            ringing.join()
    assert restarted < seconds, "the restart outlasted the calls: nothing was tested"
    # nginx logged every step by its path alone: never the query string with the call's state in it.
    logged = access_log.read_text(encoding="utf-8").splitlines()
    assert len(logged) >= 200
    assert any('"POST /voice/key"' in entry for entry in logged)
    assert not [entry for entry in logged if "?" in entry or "menu=" in entry]
    tally = result["tally"]
    assert tally.requests > 200
    assert dict(tally.errors) == {}, (
        f"{sum(tally.errors.values())} of {tally.requests} call steps failed: {dict(tally.errors)}"
    )
