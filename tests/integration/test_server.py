"""`ivr serve`: gunicorn with the repo's config, clear start-up errors, and a live run under load."""

from __future__ import annotations

import gc
import json
import re
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr.cli import main
from ivr.ops import gunicorn_conf
from ivr.ops.server import LineServer, server_options
from ivr.stats.web import Statistics
from tests.support import CALL, TOKEN, TwilioClient, clean_env, live_line, load_script

# What gunicorn's access log may show: address, time, method, path without query, status, size, duration.
SAFE_ATOMS = {"h", "t", "m", "U", "s", "B", "M", "D", "L", "T"}


def test_server_options_take_the_config_file_then_the_settings(make_app: Callable[..., Flask]) -> None:
    app = make_app({"BIND": "127.0.0.1:9999", "WORKERS": 3})
    options = server_options(app.config)
    assert options["bind"] == ["127.0.0.1:9999"]
    assert options["workers"] == 3
    assert options["timeout"] == gunicorn_conf.timeout
    assert server_options(app.config, "unix:/tmp/ivr.sock")["bind"] == ["unix:/tmp/ivr.sock"]


def test_gunicorn_accepts_every_setting_of_the_config_file(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    options = server_options(app.config)
    server = LineServer(app, options)
    assert set(options) <= set(server.cfg.settings)
    assert server.cfg.bind == ["127.0.0.1:8000"]
    assert server.cfg.workers == gunicorn_conf.workers
    assert server.cfg.timeout < 30
    assert server.cfg.graceful_timeout > 0
    assert server.load() is app


def test_the_access_log_format_never_shows_a_query_string_or_headers() -> None:
    atoms = set(re.findall(r"%\((\w+)\)s", gunicorn_conf.access_log_format))
    assert atoms
    assert atoms <= SAFE_ATOMS
    assert "%({" not in gunicorn_conf.access_log_format


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "TWILIO_AUTH_TOKEN is not set"),
        ({"TWILIO_AUTH_TOKEN": TOKEN, "IVR_BIND": "8000"}, "IVR_BIND=8000"),
        ({"TWILIO_AUTH_TOKEN": TOKEN, "IVR_CONTENT_FILE": "/nonexistent.toml"}, "findes ikke"),
    ],
)
def test_serve_reports_a_bad_configuration_in_one_line(env: dict[str, str], expected: str) -> None:
    result = CliRunner().invoke(main, ["serve"], env=clean_env(**env))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ivr serve: cannot start: ")
    assert expected in lines[0]
    assert "Traceback" not in result.output


def test_load_script_refuses_targets_off_this_machine() -> None:
    load = load_script()
    for url in ["http://10.0.0.1:8000", "http://192.0.2.7", "https://127.0.0.1:8000"]:
        with pytest.raises(SystemExit):
            load.loopback_target(url)
    assert load.loopback_target("http://127.0.0.1:8123") == ("127.0.0.1", 8123)
    assert load.loopback_target("http://[::1]:8123") == ("::1", 8123)


def test_load_script_walks_whole_calls_without_errors(app: Any) -> None:
    load = load_script()
    twilio = TwilioClient(app.test_client())

    def post(path: str, form: dict[str, str]) -> tuple[int, bytes]:
        response = twilio.post(path, form)
        return response.status_code, response.data

    tally, _ = load.run(post, callers=2, seconds=0.5, number="+4597662400")
    assert tally.errors == {}
    assert tally.calls > 0
    assert tally.requests > tally.calls


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, subprocess.Popen[str], Path]]:
    """Start `ivr serve` on a free loopback port, and stop it with SIGTERM as a deploy would."""
    with live_line(
        tmp_path_factory.mktemp("serve"), {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_WORKERS": "2"}
    ) as line:
        yield line.base, line.process, line.log


@pytest.mark.slow
def test_serve_answers_health_and_signed_calls(live_server: tuple[str, subprocess.Popen[str], Path]) -> None:
    base, _, _ = live_server
    with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
        assert json.load(response)["status"] == "ok"
    load = load_script()
    caller = load.HttpCaller(base, TOKEN)
    status, body = caller.post("/voice", CALL)
    assert status == 200
    assert body.startswith(b"<?xml")
    tally, _ = load.run(caller.post, callers=4, seconds=1.0, number="+4597662400")
    assert tally.errors == {}
    assert tally.calls > 0


@pytest.mark.slow
def test_serve_logs_only_json_lines_without_numbers_and_stops_gracefully(
    live_server: tuple[str, subprocess.Popen[str], Path],
) -> None:
    base, server, log = live_server
    load = load_script()
    load.HttpCaller(base, TOKEN).post("/voice/key?menu=main&tries=0", {**CALL, "Digits": "1"})
    server.terminate()
    assert server.wait(timeout=30) == 0
    output = log.read_text()
    # Every line, the server's own included, is one JSON object.
    lines = [json.loads(line) for line in output.splitlines()]
    assert any(line.get("event") == "section" for line in lines if line["logger"] == "ivr.requests")
    assert CALL["From"] not in output
    assert CALL["CallSid"] not in output
    assert any("Shutting down" in line["msg"] for line in lines if line["logger"] == "gunicorn.error")


def test_a_new_worker_starts_its_statistics_writer_before_its_first_call(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    recorder = Statistics.of(app).recorder
    worker = SimpleNamespace(wsgi=app)
    gunicorn_conf.post_worker_init(worker)
    try:
        assert recorder._thread is not None
        assert recorder._thread.is_alive()
        assert recorder.flush()
        assert Statistics.of(app).store.count() == 0
    finally:
        recorder.close()
        gc.unfreeze()


def test_the_worker_hook_freezes_what_the_worker_has_built_for_any_app() -> None:
    # Another app (here: a bare WSGI callable) has no statistics writer to start; the hook still settles it.
    gc.unfreeze()
    try:
        gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=lambda environ, start_response: []))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
