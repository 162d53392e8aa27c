"""Eight staff open a year's statistics at once: do they all get it, and do calls still answer meanwhile?

    python -m bench.staffqueue [--calls-per-day 1000] [--days 365] [--rounds 3] [--postgres URL]

Fills a temporary database with a year of calls (bench.stats' `fill`, through the line's own writer), starts
a real `ivr serve` (its default workers and threads, the staff login set) and, `--rounds` times, lets eight
staff ask for `/staff/stats?period=alt` at the same moment while a signed call step is made every 0.1 s.
Prints, for IVR_STAFF_WAIT_SECONDS=0 (the old gate: refused at once) and the default (wait for a turn, 10 s),
each round's answers and slowest staff page, and the call steps' median and slowest answer. Targets (issue
29): with the default, all eight answered (200) within 15 s; every call step within 1 s.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.servers import ROOT, TOKEN, free_port
from bench.stats import IVR, fill, get, on_each_database, step, year_options
from ivr import migrations

STAFF = {"IVR_STAFF_USER": "personale", "IVR_STAFF_PASSWORD": "en-lang-hemmelighed"}
PAGE = "/staff/stats?period=alt"


def started(url: str, wait: int | None, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start `ivr serve` on the database; return it and its base URL once it answers."""
    port = free_port()
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_DATABASE_URL": url, "IVR_BIND": f"127.0.0.1:{port}", **STAFF}
    env |= {"PATH": "/usr/bin:/bin", "IVR_AUDIO_DIR": str(folder / "audio")}
    if wait is not None:
        env["IVR_STAFF_WAIT_SECONDS"] = str(wait)
    process = subprocess.Popen([str(IVR), "serve"], env=env, stderr=subprocess.DEVNULL, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            return process, base
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("ivr serve did not answer in 20 s")


def one_round(base: str) -> dict[str, Any]:
    """Eight staff pages at the same moment; call steps every 0.1 s until they are all answered."""
    together = threading.Barrier(8)
    pages: list[tuple[int, float]] = []

    def staff() -> None:
        together.wait()
        began = time.perf_counter()
        status = get(base + PAGE, timeout=60)
        pages.append((status, time.perf_counter() - began))

    loaders = [threading.Thread(target=staff) for _ in range(8)]
    for loader in loaders:
        loader.start()
    steps = []
    while any(loader.is_alive() for loader in loaders):
        steps.append(step(base))
        time.sleep(0.1)
    for loader in loaders:
        loader.join()
    answered = [seconds for status, seconds in pages if status == 200]
    return {
        "answered / busy": [len(answered), sum(status == 503 for status, _ in pages)],
        "slowest page s": round(max(answered), 2) if answered else None,
        "call steps": len(steps),
        "call step median s": round(statistics.median(steps), 3),
        "call step max s": round(max(steps), 3),
    }


def measured(url: str, wait: int | None, rounds: int, folder: Path) -> list[dict[str, Any]]:
    """`rounds` rounds through one `ivr serve` with IVR_STAFF_WAIT_SECONDS=`wait` (None: the default)."""
    process, base = started(url, wait, folder)
    try:
        get(base + PAGE)  # warm: a worker's first page
        results = []
        for _ in range(rounds):
            results.append(one_round(base))
            time.sleep(1)
        return results
    finally:
        process.terminate()
        process.wait(timeout=30)


def run(url: str, calls_per_day: int, days: int, rounds: int) -> dict[str, Any]:
    """Fill one database, then measure the old gate and the waiting one."""
    migrations.upgrade(url)
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    events = fill(url, calls_per_day, days, end)
    with tempfile.TemporaryDirectory(prefix="ivr-bench-staffqueue-") as folder:
        return {
            "events": events,
            "refused at once (IVR_STAFF_WAIT_SECONDS=0)": measured(url, 0, rounds, Path(folder)),
            "waiting for a turn (the default)": measured(url, None, rounds, Path(folder)),
        }


def main() -> None:
    parser = year_options(__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = on_each_database(
        args.postgres, lambda url: run(url, args.calls_per_day, args.days, args.rounds)
    )
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
