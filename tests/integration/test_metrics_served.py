"""Metrics under `ivr serve`: every worker counts in its own files and a scrape adds them up, on the staff
page and on IVR_METRICS_BIND alike."""

from __future__ import annotations

import base64
import random
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import TOKEN, free_port, live_line, load_script

USER, PASSWORD = "personale", "en-lang-hemmelighed"


def calls_counted(url: str, headers: dict[str, str] | None = None) -> float:
    """The ivr_calls_total a scrape of `url` shows."""
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as answer:
        text = answer.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "ivr_calls_total"
    )


@pytest.mark.slow
def test_every_workers_calls_are_counted_on_the_staff_page_and_the_metrics_bind(tmp_path: Path) -> None:
    load = load_script()
    port = free_port()
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"a previous run's counts")
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_WORKERS": "3",
        "IVR_METRICS_BIND": f"127.0.0.1:{port}",
        "IVR_STAFF_USER": USER,
        "IVR_STAFF_PASSWORD": PASSWORD,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    with live_line(tmp_path, env) as line:
        caller = load.HttpCaller(line.base, TOKEN)

        def ring(seed: int) -> int:
            status, _ = caller.post("/voice", load.new_call(random.Random(seed)))
            return int(status)

        with ThreadPoolExecutor(6) as pool:
            assert set(pool.map(ring, range(60))) == {200}
        login = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        assert calls_counted(line.base + "/staff/metrics", {"Authorization": f"Basic {login}"}) == 60
        assert calls_counted(f"http://127.0.0.1:{port}/metrics") == 60
        # Each process that counted has its own file: more than one worker answered, and both were added up.
        assert len(list(folder.glob("counter_*.db"))) >= 2
    # The operator's folder stays (a private one is removed); its files are emptied at the next start.
    assert folder.is_dir()
