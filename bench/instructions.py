"""Instructions per request: the line's own request path against bare Flask's, counted rather than timed.

    python -m bench.instructions [--requests 1000] [--route NAME ...] [--without log|stats|signature]

Requests/s on a shared 2-core machine drift by ±15 % from run to run; a count of instructions comes out the
same, to within half a percent, whatever else the machine is doing. This counts, with valgrind's callgrind,
the instructions one process spends per webhook request inside the WSGI app: for the line, the fast lane,
signature check, step, log line and statistics event including its share of the writer thread's inserts; for
bare Flask, Flask answering one constant document. Both apps are set up as a gunicorn worker sets them up (the
same JSON log handler, the same post_worker_init hook) and called as gunicorn calls them, but without
gunicorn: the server's own work per request (accepting, parsing, sending, closing) is much the same for
both apps and larger than either app's, so bench.webhook's requests/s ratio is much closer to 1 than the
ratio here. What only the line makes gunicorn do (read the request body, send a longer answer, write the
log line to stderr) is not counted here.

Each count is the difference between two runs of the same route, --requests apart, so start-up cancels out.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from flask import Flask

from bench import apps
from bench.servers import CALL, ROOT, TOKEN, sign
from bench.webhook import ROUTES
from ivr.ops import gunicorn_conf
from ivr.stats.recorder import Recorder
from ivr.stats.web import Statistics
from ivr.webhook import requestlog
from ivr.webhook.endpoint import Webhook

WARM_UP = 100
# The writer is told to write every this many events, as a busy worker's writer would about every 0.2 s;
# under valgrind, time runs fifty times slower, so its own timer would make batches far smaller.
BATCH = 100
BASE = "http://127.0.0.1:8000"


def child(which: str, route: str, requests: int, without: str = "") -> None:
    """Build one app as a gunicorn worker would and answer warm-up plus `requests` requests of one route.

    `without` names one part of the line to leave out (log, stats, signature), to see what it costs.
    """
    os.environ["TWILIO_AUTH_TOKEN"] = TOKEN
    os.environ.pop("IVR_DEVELOPMENT", None)
    app = {"bare": apps.bare, "open": apps.line_open, "closed": apps.line_closed}[which]()
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115  # lives as long as the process
    handler.setFormatter(requestlog.JsonFormatter())
    logging.getLogger().handlers[:] = [handler]
    logging.getLogger().setLevel(logging.INFO)
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    # Bare Flask has neither part.
    line = isinstance(app, Flask) and Webhook.extension in app.extensions
    webhook = Webhook.of(app) if line else None
    recorder: Recorder | None = Statistics.of(app).recorder if line else None
    if without == "log":
        requestlog.log.setLevel(logging.WARNING)
    elif without == "stats" and webhook is not None and recorder is not None:
        webhook.observers.remove(recorder)
        recorder = None
    elif without == "signature" and webhook is not None:
        webhook.signatures.validator = None
    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=app))
    (path, form) = next((path, form) for name, _, path, form in ROUTES if name == route)
    signed = sign(BASE, path, {**CALL, **form})
    body = signed.body.encode()
    script, _, query = path.partition("?")
    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        statuses.append(status)
        return _discard

    for number in range(WARM_UP + requests):
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": script,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_TWILIO_SIGNATURE": signed.signature,
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        _consume(app(environ, start_response))
        if recorder is not None and number % BATCH == BATCH - 1:
            recorder.flush()
    if recorder is not None:
        recorder.close()
    if any(not status.startswith("200") for status in statuses):
        raise SystemExit(f"{which} {route}: answered {sorted(set(statuses))}")


def _discard(data: bytes) -> None:
    """The write callable WSGI hands an app; these apps return their bodies instead."""


def _consume(body: Iterable[bytes]) -> None:
    for _ in body:
        pass
    close = getattr(body, "close", None)
    if close is not None:
        close()


def count(which: str, route: str, requests: int, without: str) -> int:
    """Return the instructions of one child run, counted by callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            which,
            route,
            str(requests),
            without,
        ]
        # Each run gets a folder of its own for the statistics database, so runs do not share one.
        env = {**os.environ, "PYTHONPATH": str(ROOT), "IVR_DATABASE_URL": f"sqlite:///{folder}/stats.sqlite"}
        # A fixed string hash, so dictionaries are laid out alike in every run and the counts repeat exactly.
        env["PYTHONHASHSEED"] = "0"
        done = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True)
    match = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"{which} {route} failed:\n{done.stderr[-2000:]}")
    return int(match[1])


def per_request(which: str, route: str, requests: int, without: str = "") -> float:
    """Instructions per request: the difference of a run with `requests` more requests than another."""
    return (count(which, route, requests, without) - count(which, route, 0, without)) / requests


def main() -> None:
    """Count the line on every route and bare Flask on one (its work is the same for any path)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000, help="requests counted per route")
    parser.add_argument(
        "--without", choices=["log", "stats", "signature"], default="", help="leave one part out of the line"
    )
    parser.add_argument("--route", action="append", choices=[name for name, *_ in ROUTES], help="only these")
    parser.add_argument(
        "--child", nargs=4, metavar=("APP", "ROUTE", "REQUESTS", "WITHOUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        which, route, requests, without = args.child
        child(which, route, int(requests), without)
        return
    routes = [(which, name) for name, which, _, _ in ROUTES if not args.route or name in args.route]
    jobs = [("bare", "section", "")] + [(which, name, args.without) for which, name in routes]
    # valgrind runs a process on one core; two at a time use both.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda job: per_request(job[0], job[1], args.requests, job[2]), jobs))
    bare = results[0]
    without = f"; the line without its {args.without}" if args.without else ""
    print(f"\ninstructions per request inside the app ({args.requests} requests per route{without})")
    print(f"{'route':<16} {'line':>9} {'bare Flask':>11} {'line/bare':>10}")
    for (_, name, _), line in zip(jobs[1:], results[1:], strict=True):
        print(f"{name:<16} {line:>9,.0f} {bare:>11,.0f} {line / bare:>10.2f}")


if __name__ == "__main__":
    main()
