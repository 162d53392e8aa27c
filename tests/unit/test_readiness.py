"""GET /livez and /readyz: the process answers; the node is ready only when the database answers within a
second, the content on disk is the running content, and every prompt's built file is there."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import make_url

from ivr.audio import manifest
from ivr.db import Database
from ivr.line.content_loader import default_path
from ivr.ops.readiness import DatabaseProbe, _Question
from ivr.stats.web import Statistics
from ivr.webhook.endpoint import Webhook
from tests.support import fake_built_audio, free_port, postgres_url

# Times what it does: `make test` runs it alone, after the rest.
pytestmark = pytest.mark.serial


def readyz(app: Flask) -> tuple[int, dict[str, Any]]:
    response = app.test_client().get("/readyz")
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


def test_livez_answers_while_the_process_does(make_app: Callable[..., Flask]) -> None:
    url = f"postgresql+psycopg://ivr:wrong@127.0.0.1:{free_port()}/nothing"
    response = make_app({"DATABASE_URL": url}).test_client().get("/livez")
    # Even with no database at all: a restart would not bring it back, so liveness never asks.
    assert (response.status_code, response.data) == (200, b"ok\n")


def test_a_fresh_line_is_ready(app: Flask) -> None:
    assert readyz(app) == (200, {"status": "ready", "problems": []})


def test_a_line_with_every_prompt_built_is_ready(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    fake_built_audio(tmp_path / "audio", Webhook.of(make_app()).lines.first.content)
    assert readyz(make_app()) == (200, {"status": "ready", "problems": []})


def test_a_database_that_refuses_makes_the_node_not_ready(make_app: Callable[..., Flask]) -> None:
    url = f"postgresql+psycopg://ivr:secret-password@127.0.0.1:{free_port()}/nothing"
    response = make_app({"DATABASE_URL": url}).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == {
        "status": "not ready",
        "problems": ["the database cannot be used (OperationalError)"],
    }
    assert b"secret-password" not in response.data


class StalledDatabase(Database):
    """A database whose every connection waits until the test lets it go, as a frozen server does."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.release = threading.Event()
        self.asked = 0

    @property
    def engine(self) -> Any:
        self.asked += 1
        self.release.wait(10)
        return super().engine


def test_a_stalled_database_is_reported_within_the_limit_and_asked_once(tmp_path: Path) -> None:
    database = StalledDatabase(f"sqlite:///{tmp_path / 'stats.sqlite'}")
    probe = DatabaseProbe(database, seconds=0.2)
    started = time.monotonic()
    assert probe.problem() == "the database did not answer within 0.2 s"
    assert time.monotonic() - started < 1.0
    # The first question still hangs: a second is not piled on top of it.
    assert probe.problem() == "the database has not answered for over 0.2 s"
    assert database.asked == 1
    database.release.set()
    deadline = time.monotonic() + 5
    while (problem := probe.problem()) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert problem is None
    assert database.asked == 2


def test_content_changed_on_disk_makes_the_node_not_ready(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    path = tmp_path / "content.toml"
    path.write_text(default_path().read_text(encoding="utf-8"), encoding="utf-8")
    app = make_app({"CONTENT_FILE": path})
    assert readyz(app)[0] == 200
    path.write_text(path.read_text(encoding="utf-8") + "\n# en note\n", encoding="utf-8")
    status, report = readyz(app)
    assert status == 503
    assert report["problems"] == [
        "the content on disk differs from the running content: reload (SIGHUP) or restart"
    ]
    path.write_text("[prompts\n", encoding="utf-8")
    status, report = readyz(app)
    assert status == 503
    assert report["problems"][0].startswith("the content on disk cannot be loaded: 1 problem(s)")


def test_a_prompt_left_unbuilt_makes_the_node_not_ready(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    entries = fake_built_audio(tmp_path / "audio", Webhook.of(make_app()).lines.first.content)
    del entries["welcome"]
    manifest.save(tmp_path / "audio", entries)
    status, report = readyz(make_app())
    assert status == 503
    assert report["problems"] == ["line rodblokade: 1 prompt(s) without fresh audio: welcome"]


def test_a_built_file_gone_from_disk_makes_the_node_not_ready(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    entries = fake_built_audio(tmp_path / "audio", Webhook.of(make_app()).lines.first.content)
    app = make_app()
    assert readyz(app)[0] == 200
    (tmp_path / "audio" / entries["goodbye"].file).unlink()
    status, report = readyz(app)
    assert status == 503
    # Whether this worker has looked at the disk since (once a second) or not, the file is reported gone.
    assert f"line rodblokade: 1 built file(s) gone from {tmp_path / 'audio'}" in report["problems"]


@pytest.mark.parametrize("path", ["/livez", "/readyz"])
def test_probes_answer_only_get_and_head(app: Flask, path: str) -> None:
    client = app.test_client()
    assert client.head(path).status_code in {200, 503}
    assert client.post(path).status_code == 405


def test_a_wrong_postgresql_password_makes_the_node_not_ready(make_app: Callable[..., Flask]) -> None:
    url = make_url(postgres_url()).set(password="not-the-password")
    app = make_app({"DATABASE_URL": url.render_as_string(hide_password=False)})
    status, report = readyz(app)
    assert status == 503
    assert report["problems"] == ["the database cannot be used (OperationalError)"]


def test_postgresql_that_answers_makes_the_node_ready(make_app: Callable[..., Flask]) -> None:
    app = make_app({"DATABASE_URL": postgres_url()})
    try:
        assert readyz(app) == (200, {"status": "ready", "problems": []})
    finally:
        Statistics.of(app).store.database.dispose()


def test_a_question_left_waiting_by_the_parent_does_not_block_a_forked_worker(tmp_path: Path) -> None:
    probe = DatabaseProbe(Database(f"sqlite:///{tmp_path / 'stats.sqlite'}"))
    # As a worker inherits it: asked by the server before the fork, its thread left behind there.
    probe._pending = _Question(pid=-1)
    assert probe.problem() is None
