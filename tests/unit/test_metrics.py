"""Prometheus metrics behind the staff login: calls, steps by route and status, answer times, faults, call
events (SMS, callbacks, transfers), the statistics queue; never a number or a CallSid."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from prometheus_client import values
from prometheus_client.parser import text_string_to_metric_families

from ivr.callbacks.desk import new_key
from ivr.callbacks.web import CallbackPages
from ivr.cli import main
from ivr.line.flow import Asked
from ivr.ops.metrics import FOLDER_VARIABLE, Metrics
from ivr.stats.web import Statistics
from ivr.tryout.trial import Trial
from ivr.webhook.endpoint import Webhook
from tests.support import CALL, FixedClock, TwilioClient, assert_worked

USER, PASSWORD = "personale", "en-lang-hemmelighed"


@pytest.fixture
def staff_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})


def scrape(app: Flask) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Fetch /staff/metrics with the staff login; every sample by name and labels."""
    response = app.test_client().get("/staff/metrics", auth=(USER, PASSWORD))
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    for secret in (CALL["From"], CALL["CallSid"], CALL["To"]):
        assert secret not in text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_need_the_staff_login(staff_app: Flask) -> None:
    client = staff_app.test_client()
    assert client.get("/staff/metrics").status_code == 401
    assert client.get("/staff/metrics", auth=(USER, "forkert-adgangskode")).status_code == 401


def test_metrics_are_off_where_there_are_no_staff_pages(app: Flask) -> None:
    assert app.test_client().get("/staff/metrics").status_code == 404


def test_a_call_is_counted_by_step_route_status_and_event(staff_app: Flask) -> None:
    twilio = TwilioClient(staff_app.test_client())
    assert_worked(twilio.post("/voice"))
    assert_worked(twilio.post("/voice/key?menu=main&tries=0", {"Digits": "0"}))
    assert twilio.client.post("/voice", data=CALL).status_code == 403  # unsigned
    samples = scrape(staff_app)
    assert samples[("ivr_calls_total", (("line", "rodblokade"),))] == 1
    assert samples[("ivr_steps_total", (("route", "voice.welcome"), ("status", "200")))] == 1
    assert samples[("ivr_steps_total", (("route", "voice.key"), ("status", "200")))] == 1
    assert samples[("ivr_steps_total", (("route", "voice.welcome"), ("status", "403")))] == 1
    events = {labels: value for (name, labels), value in samples.items() if name == "ivr_call_events_total"}
    assert events == {
        (("event", "welcome"), ("line", "rodblokade")): 1,
        (("event", "transfer_open"), ("line", "rodblokade")): 1,
    }
    # Refused requests are not answer times: only the two steps are in the histogram.
    assert samples[("ivr_step_seconds_count", (("route", "voice.welcome"),))] == 1
    assert samples[("ivr_step_seconds_bucket", (("le", "15.0"), ("route", "voice.key")))] == 1
    assert ("ivr_step_faults_total", (("route", "voice.welcome"),)) not in samples


def test_a_failed_step_is_counted_as_a_fault(staff_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    flow = Webhook.of(staff_app).lines.first.flow

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a fault in the flow")

    monkeypatch.setattr(flow, "welcome", broken)
    assert TwilioClient(staff_app.test_client()).post("/voice").status_code == 200
    samples = scrape(staff_app)
    assert samples[("ivr_step_faults_total", (("route", "voice.welcome"),))] == 1
    assert samples[("ivr_call_events_total", (("event", "error"), ("line", "rodblokade")))] == 1


def test_lost_statistics_are_counted(staff_app: Flask) -> None:
    recorder = Statistics.of(staff_app).recorder
    recorder.queue_size = 0  # every event finds the queue full
    twilio = TwilioClient(staff_app.test_client())
    for _ in range(3):
        twilio.post("/voice")
    samples = scrape(staff_app)
    # The queue is read at most once a second: the first step's loss at least is counted.
    assert 1 <= samples[("ivr_statistics_events_dropped_total", ())] <= 3
    assert samples[("ivr_statistics_events_queued", ())] == 0


def test_a_full_cap_is_counted_by_its_name(make_app: Callable[..., Flask], clock: FixedClock) -> None:
    app = make_app(
        {"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD, "CALLBACK_KEY": new_key(), "CALLBACKS_PER_HOUR": 2}
    )
    desk = CallbackPages.of(app).desk
    assert desk is not None
    asked = [desk.ask("rodblokade", f"+452030405{n}", clock()) for n in range(4)]
    assert asked == [Asked.NEW, Asked.NEW, Asked.FULL, Asked.FULL]
    samples = scrape(app)
    # Filled once (by the second request), then each request past it refused; no number in any label.
    assert samples[("ivr_caps_reached_total", (("cap", "callbacks_per_hour"),))] == 1
    assert samples[("ivr_caps_refused_total", (("cap", "callbacks_per_hour"),))] == 2


def test_trial_calls_are_not_counted(make_app: Callable[..., Flask]) -> None:
    trial = make_app(trial=Trial())
    assert Metrics.extension not in trial.extensions
    assert Webhook.of(trial).meter is None
    assert_worked(TwilioClient(trial.test_client()).post("/voice"))


def test_a_serve_that_cannot_start_leaves_no_metrics_folder_behind() -> None:
    before = set(Path(tempfile.gettempdir()).glob("rodblokade-linjen-metrics-*"))
    before |= set(Path("/dev/shm").glob("rodblokade-linjen-metrics-*"))
    result = CliRunner().invoke(main, ["serve"], env={"TWILIO_AUTH_TOKEN": "x" * 32, "IVR_BIND": "8000"})
    assert result.exit_code == 2
    assert "IVR_BIND=8000" in result.output
    assert FOLDER_VARIABLE not in os.environ
    assert values.ValueClass is values.MutexValue
    after = set(Path(tempfile.gettempdir()).glob("rodblokade-linjen-metrics-*"))
    after |= set(Path("/dev/shm").glob("rodblokade-linjen-metrics-*"))
    assert after <= before
