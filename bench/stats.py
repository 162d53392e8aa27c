"""Statistics at the size of a busy line's year: how long reports take, and whether calls wait meanwhile.

    python -m bench.stats [--calls-per-day 1000] [--days 365] [--postgres URL]

Fills a temporary database with a year of calls of one line through the line's own writer (`Store.add`,
which keeps the roll-ups as the running line does), then times `ivr stats --json` over everything and over
one month, of all lines and of that one line (wall time and peak memory of the command), the staff page
`/staff/stats` through a real `ivr serve` (everything and one month), and the answer time of signed call
steps while eight staff pages load at once.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.servers import CALL, ROOT, TOKEN, free_port
from ivr import migrations
from ivr.db import Database, create_engine, drop_all
from ivr.stats.store import EventRow, Store

IVR = Path(sys.executable).parent / "ivr"
AUTH = {"Authorization": "Basic cGVyc29uYWxlOmVuLWxhbmctaGVtbWVsaWdoZWQ="}  # personale:en-lang-hemmelighed
KEYS = "123450#*9"
# The line the calls reach, as the webhook names it in each event.
LINE = "rodblokade"
EVENTS = {"0": "transfer_closed", "#": "main_menu", "*": "repeat", "9": "invalid"}


def fill(url: str, calls_per_day: int, days: int, end: datetime) -> int:
    """Store `days` of calls ending at `end`, a few steps each, in the writer's batches; return the events."""
    store = Store(Database(url))
    rng = random.Random(7)
    start = end - timedelta(days=days)
    batch: list[EventRow] = []
    stored = 0
    for day in range(days):
        for _ in range(calls_per_day):
            at = (start + timedelta(days=day, seconds=rng.randrange(6 * 3600, 20 * 3600))).replace(
                tzinfo=None
            )
            call = f"{rng.getrandbits(64):016x}"
            batch.append(EventRow(call, at, "voice.welcome", "welcome", "main", None, LINE))
            for step in range(1, rng.randrange(2, 9)):
                key = rng.choice(KEYS)
                event = EVENTS.get(key, "section")
                menu = key if event == "section" else "main"
                later = at + timedelta(seconds=20 * step)
                batch.append(EventRow(call, later, "voice.key", event, menu, key, LINE))
            if len(batch) >= 500:  # the writer's BATCH_SIZE
                store.add(batch)
                stored += len(batch)
                batch = []
    store.add(batch)
    store.dispose()
    return stored + len(batch)


def command(url: str, *args: str) -> tuple[float, float]:
    """Run `ivr stats --json ARGS`; return its wall time (s) and the peak memory of the command (MB)."""
    # A child of its own reports the command's peak alone (RUSAGE_CHILDREN keeps the largest of all children).
    script = (
        "import resource, subprocess, sys, time; t = time.perf_counter();"
        "subprocess.run(sys.argv[1:], check=True, capture_output=True);"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    ivr = [str(IVR), "stats", "--json", "--database", url, *args]
    out = subprocess.run([sys.executable, "-c", script, *ivr], check=True, capture_output=True, text=True)
    took, peak_kb = out.stdout.split()
    return float(took), int(peak_kb) / 1024


def get(url: str, timeout: float = 60) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=AUTH), timeout=timeout) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def step(base: str) -> float:
    """One signed call step; return how long its answer took."""
    url = base + "/voice/key?menu=main&tries=0"
    form = {**CALL, "Digits": "2"}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    request = urllib.request.Request(url, urlencode(form).encode(), {"X-Twilio-Signature": signature})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=20) as answer:
        answer.read()
    return time.perf_counter() - started


def served(url: str, month: tuple[str, str]) -> dict[str, Any]:
    """Time the staff page and calls under eight loading staff pages, through a real `ivr serve`."""
    port = free_port()
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_DATABASE_URL": url, "IVR_BIND": f"127.0.0.1:{port}"}
    env |= {
        "IVR_STAFF_USER": "personale",
        "IVR_STAFF_PASSWORD": "en-lang-hemmelighed",
        "PATH": "/usr/bin:/bin",
    }
    process = subprocess.Popen([str(IVR), "serve"], env=env, stderr=subprocess.DEVNULL, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        pages = {}
        for name, query in [
            ("everything", "?period=alt"),
            ("one month", f"?since={month[0]}&until={month[1]}"),
        ]:
            get(base + "/staff/stats" + query)  # warm: the worker's first page
            started = time.perf_counter()
            assert get(base + "/staff/stats" + query) == 200
            pages[name] = round(time.perf_counter() - started, 3)
        stop = threading.Event()
        statuses: list[int] = []

        def load() -> None:
            while not stop.is_set():
                statuses.append(get(base + "/staff/stats?period=alt"))
                if statuses[-1] == 503:
                    stop.wait(0.2)  # told the pages are busy: a person presses reload again

        loaders = [threading.Thread(target=load) for _ in range(8)]
        for loader in loaders:
            loader.start()
        steps = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            steps.append(step(base))
            time.sleep(0.1)
        stop.set()
        for loader in loaders:
            loader.join(timeout=60)
        under_load = {"max s": round(max(steps), 3), "median s": round(sorted(steps)[len(steps) // 2], 3)}
        return {
            "staff page s": pages,
            "call step under 8 staff pages": under_load | {"steps": len(steps)},
            "staff pages answered / busy": [statuses.count(200), statuses.count(503)],
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def run(url: str, calls_per_day: int, days: int) -> dict[str, Any]:
    """Fill, then measure, one database."""
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    migrations.upgrade(url)  # as a deploy does before it starts the line
    started = time.perf_counter()
    events = fill(url, calls_per_day, days, end)
    filled = time.perf_counter() - started
    month_end = (end - timedelta(days=1)).date()
    month = ((month_end - timedelta(days=29)).isoformat(), month_end.isoformat())
    whole_s, whole_mb = command(url)
    month_s, month_mb = command(url, "--since", month[0], "--until", month[1])
    line_s, line_mb = command(url, "--since", month[0], "--until", month[1], "--line", LINE)
    return {
        "events": events,
        "fill s": round(filled, 1),
        "ivr stats --json, everything": {"s": round(whole_s, 2), "peak MB": round(whole_mb)},
        "ivr stats --json, one month": {"s": round(month_s, 2), "peak MB": round(month_mb)},
        "ivr stats --json --line, one month": {"s": round(line_s, 2), "peak MB": round(line_mb)},
        **served(url, month),
    }


def emptied(url: str) -> None:
    """Drop every table of the line's from the database."""
    engine = create_engine(url)
    drop_all(engine)
    engine.dispose()


def year_options(description: str) -> argparse.ArgumentParser:
    """The options of a benchmark on a year of calls: how many, and a PostgreSQL database to measure too."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--calls-per-day", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--postgres", metavar="URL", help="also measure this PostgreSQL database (emptied first)"
    )
    return parser


def on_each_database(postgres: str | None, measure: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """Measure a temporary SQLite file, then the PostgreSQL database when given (emptied before and after)."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="ivr-bench-stats-") as folder:
        results["sqlite"] = measure(f"sqlite:///{folder}/stats.sqlite")
    if postgres:
        emptied(postgres)
        results["postgresql"] = measure(postgres)
        emptied(postgres)
    return results


def main() -> None:
    args = year_options(__doc__.splitlines()[0]).parse_args()
    results = on_each_database(args.postgres, lambda url: run(url, args.calls_per_day, args.days))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
