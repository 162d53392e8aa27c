"""Prometheus metrics: calls, steps by route and their answer time, faults, the statistics queue, SMS and
callbacks (as the call events name them). Never a number, a CallSid or anything else that says who called.

Under `ivr serve` every worker counts in files of its own in one folder (prometheus_client's multiprocess
mode), and a scrape adds them up, so any worker answers for the whole node. /staff/metrics shows them behind
the staff login; IVR_METRICS_BIND serves them from gunicorn's master too, without a login.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import prometheus_client
from flask import Blueprint, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess, values

from ivr.component import Component
from ivr.line.events import CallEvent
from ivr.staff import staff_only
from ivr.stats.recorder import Recorder

bp = Blueprint("metrics", __name__, url_prefix="/staff")
FOLDER_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# A step takes about a millisecond; Twilio gives up at 15 s.
SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)
# The statistics writer's queue is read at most this often (a step costs microseconds; so should this).
SAMPLE_SECONDS = 1.0
WELCOME = "welcome"


class Metrics(Component):
    """The line's metrics, told of every call step by the webhook (it is the webhook's `meter`)."""

    extension = "ivr.metrics"
    blueprint = bp

    def __init__(self, recorder: Recorder | None = None) -> None:
        # A registry of this app's own: a test or the preview may build several apps in one process.
        self.registry = CollectorRegistry(auto_describe=True)
        self.recorder = recorder
        registry = self.registry
        self.calls = self._counter("ivr_calls", "Calls that reached the line.", "line")
        self.events = self._counter(
            "ivr_call_events",
            "Call steps by what happened (sms_sent, callback_requested, transfer_open, ...), by line.",
            "line",
            "event",
        )
        self.steps = self._counter(
            "ivr_steps", "Requests to the call routes, by route and HTTP status.", "route", "status"
        )
        self.faults = self._counter(
            "ivr_step_faults", "Call steps that failed and were answered with the apology.", "route"
        )
        self.seconds = Histogram(
            "ivr_step_seconds",
            "Time to answer a call step, by route.",
            ["route"],
            buckets=SECONDS_BUCKETS,
            registry=registry,
        )
        self.queued = Gauge(
            "ivr_statistics_events_queued",
            "Call events waiting for the statistics writers.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.dropped = self._counter("ivr_statistics_events_dropped", "Call events lost (queue full).")
        self.caps_reached = self._counter(
            "ivr_caps_reached",
            "Caps on SMS or callback requests filled (one per window, on the node that filled it), by cap.",
            "cap",
        )
        self.caps_refused = self._counter(
            "ivr_caps_refused", "SMS and callback requests refused because a cap was full, by cap.", "cap"
        )
        self._seen_dropped = 0
        self._next_sample = 0.0
        self._lock = threading.Lock()

    def _counter(self, name: str, documentation: str, *labels: str) -> Counter:
        """A counter in this app's registry, by the labels named."""
        return Counter(name, documentation, labels, registry=self.registry)

    def __call__(
        self, route: str, status: int, seconds: float, event: CallEvent | None, fault: str | None
    ) -> None:
        """Count one request to a call route (the webhook's meter); never raises into the call."""
        self.steps.labels(route, str(status)).inc()
        if status == 200:
            self.seconds.labels(route).observe(seconds)
        if fault is not None:
            self.faults.labels(route).inc()
        if event is not None:
            self.events.labels(event.line, event.event).inc()
            if event.event == WELCOME:
                self.calls.labels(event.line).inc()
        self._sample()

    def cap_reached(self, name: str) -> None:
        """Count a cap filled (a CapWatch: ivr/caps.py tells this)."""
        self.caps_reached.labels(name).inc()

    def cap_refused(self, name: str) -> None:
        """Count a unit a full cap refused."""
        self.caps_refused.labels(name).inc()

    def _sample(self) -> None:
        """Read this worker's statistics queue and its drops, at most once a second."""
        now = time.monotonic()
        if self.recorder is None or now < self._next_sample:
            return
        with self._lock:
            self._next_sample = now + SAMPLE_SECONDS
            self.queued.set(self.recorder.queued())
            dropped = self.recorder.dropped
            if dropped > self._seen_dropped:
                self.dropped.inc(dropped - self._seen_dropped)
            self._seen_dropped = dropped

    def exposition(self) -> bytes:
        """The metrics in Prometheus's text format: every worker's, where workers count in files."""
        return prometheus_client.generate_latest(collecting_registry() or self.registry)


def collecting_registry() -> CollectorRegistry | None:
    """A registry that adds up every worker's files, under `ivr serve`; None in a single process."""
    if not os.environ.get(FOLDER_VARIABLE):
        return None
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # (no hints)
    return registry


def use_folder(folder: Path | None = None) -> Path:
    """Make every worker count in files in `folder` (a new private one if None), emptied first; call it
    before any app is built: the metrics made after count in the folder's files."""
    if folder is None:
        shm = Path("/dev/shm")
        folder = Path(
            tempfile.mkdtemp(prefix="rodblokade-linjen-metrics-", dir=shm if shm.is_dir() else None)
        )
    folder.mkdir(parents=True, exist_ok=True)
    # A previous run's files would be added to this one's counts.
    for old in folder.glob("*.db"):
        old.unlink(missing_ok=True)
    os.environ[FOLDER_VARIABLE] = str(folder)
    # prometheus_client chooses where values live when it is imported (before `ivr serve` ran): choose again.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return folder


def stop_using_folder(folder: Path, *, remove: bool) -> None:
    """Count in this process's memory again (a command run in a test's process leaves nothing behind);
    remove the folder too when it was a private one."""
    if os.environ.get(FOLDER_VARIABLE) == str(folder) and remove:
        del os.environ[FOLDER_VARIABLE]
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    if remove:
        shutil.rmtree(folder, ignore_errors=True)


def worker_stopped(pid: int) -> None:
    """Forget a stopped worker's live gauges (its queue), so a scrape sums only the living ones."""
    if os.environ.get(FOLDER_VARIABLE):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def serve_separately(bind: str) -> None:
    """Serve /metrics without a login at `bind` (host:port) from this process, on a thread of its own."""
    host, _, port = bind.rpartition(":")
    registry = collecting_registry()
    if registry is None:
        raise RuntimeError("metrics can be served separately only under `ivr serve`")
    prometheus_client.start_http_server(int(port), addr=host.strip("[]"), registry=registry)


@bp.get("/metrics")
@staff_only
def metrics() -> Response:
    """Prometheus's scrape, behind the staff login (Prometheus's `basic_auth`)."""
    body = Metrics.current().exposition()
    return Response(body, 200, {"Cache-Control": "no-store"}, mimetype=prometheus_client.CONTENT_TYPE_LATEST)
