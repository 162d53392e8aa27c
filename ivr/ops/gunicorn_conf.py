"""Gunicorn settings for the line, applied by `ivr serve` and by `gunicorn -c python:ivr.ops.gunicorn_conf`.

Twilio waits 15 s for an answer, so no request may take longer; every call's answer is CPU-bound and fast.
Workers are processes (two per core plus one), each with a few threads: a staff page waiting its turn at the
staff gate (ivr/stats/gate.py) holds a thread, never a worker, and each worker takes a connection only when it
has a thread free for it, so a call is answered by a worker that can answer it now. Put a TLS-terminating,
buffering reverse proxy (nginx, a cloud load balancer) in front: it shields the workers from slow clients.
"""

import gc
import multiprocessing
import os

# Underscored: every other public name in this file is a gunicorn setting (ivr/ops/server.py reads them so).
from ivr.ops import metrics as _metrics
from ivr.sms.service import LeafletSms as _LeafletSms
from ivr.stats.web import Statistics as _Statistics

# Where to listen: `ivr serve` sets this from IVR_BIND or --bind; loopback unless told otherwise.
bind = ["127.0.0.1:8000"]
workers = multiprocessing.cpu_count() * 2 + 1
worker_class = "gthread"
# A worker's threads: one always kept for calls (the staff gate lets threads - 1 staff pages in at once).
threads = 8
# A connection only when a thread is free for it: else it waits in the listen queue for another worker,
# rather than behind staff pages in this one. So no idle connection is kept open (keepalive 0, as sync had).
worker_connections = threads
# Restart a worker whose main loop stops for longer than Twilio would wait (15 s). A request's own thread is
# not watched this way: each request is kept short by its own limits (the database's, ivr/db_limits.py).
timeout = 20
# On SIGTERM (a deploy), workers finish the requests in hand for up to this long before exiting.
graceful_timeout = 20
keepalive = 0
# Requests are a few kilobytes; refuse oversized request lines and headers before the app sees them.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# The line logs one JSON line per request itself (ivr.webhook.requestlog), so gunicorn's access log is off. If
# it is turned on (--access-logfile), the format logs the path only: no query string, no body, no headers.
accesslog = None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
logger_class = "ivr.ops.server.JsonLogger"
loglevel = "info"
proc_name = "rodblokade-linjen"
# No runtime control socket: nothing to manage at run time that a restart does not do more simply.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Ready a new worker for its first call: settle its memory, start its statistics writer."""
    # Everything built so far (modules, the app, its caches) lives as long as the worker: frozen, the
    # garbage collector stops walking it again and again as requests come and go.
    gc.freeze()
    extensions = getattr(getattr(worker, "wsgi", None), "extensions", {})
    statistics = extensions.get(_Statistics.extension)
    if statistics is not None:
        statistics.recorder.start()


def worker_exit(server: object, worker: object) -> None:
    """Let a stopping worker finish the SMS it promised callers (seconds at most: a try and a retry)."""
    extensions = getattr(getattr(worker, "wsgi", None), "extensions", {})
    sms = extensions.get(_LeafletSms.extension)
    if sms is not None:
        sms.close()


def when_ready(server: object) -> None:
    """Serve /metrics without a login where IVR_METRICS_BIND says, from the master (once, not per reload)."""
    app = getattr(getattr(server, "app", None), "application", None)
    bind = getattr(app, "config", {}).get("METRICS_BIND")
    if bind:
        _metrics.serve_separately(bind)


def child_exit(server: object, worker: object) -> None:
    """Forget a stopped worker's live gauges in the metrics (its statistics queue)."""
    pid = getattr(worker, "pid", None)
    if pid is not None:
        _metrics.worker_stopped(pid)
