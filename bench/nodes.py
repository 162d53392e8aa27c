"""Several nodes on one PostgreSQL: is every call counted when calls come at full speed?

    python -m bench.nodes --postgres URL [--nodes 2] [--workers 3] [--callers 8] [--seconds 10] [--ivr PATH]

Starts `--nodes` real `ivr serve` processes (`--workers` gunicorn workers each) on one PostgreSQL database
(emptied first, then `ivr db upgrade`), as a hospital's IT runs them behind a load balancer. `--callers`
processes then make signed calls at full speed for `--seconds`: each call a welcome and three keys, its steps
alternating between the nodes. The nodes are stopped as a deploy stops them (SIGTERM), and the database is
asked what it counted. Prints calls and steps made against calls and events counted (in the events and the
roll-ups), and how often a node's writer met a deadlock and tried again. `--ivr` runs another installation's
`ivr` (an older version, to compare).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from bench.servers import CALL, TOKEN, free_port, sign
from ivr.db import create_engine, drop_all

IVR = Path(sys.executable).parent / "ivr"
# Each call: the welcome, a section, the main menu again, another section.
KEYS = ("1", "#", "3")


def node(
    ivr: Path, url: str, workers: int, folder: Path, settings: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int, Path]:
    """Start one `ivr serve` on a free port, with `settings` on top; return it, its port and its log."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith(("IVR_", "TWILIO_"))}
    env |= {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_DATABASE_URL": url,
        "IVR_BIND": f"127.0.0.1:{port}",
        "IVR_WORKERS": str(workers),
        "IVR_AUDIO_DIR": str(folder / "audio"),
        **(settings or {}),
    }
    log = folder / f"node-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(ivr), "serve"], env=env, cwd=folder, stdout=output, stderr=output)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ivr serve stopped: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return process, port, log
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("ivr serve did not answer in 60 s")


def caller(ports: list[int], seconds: float, number: int, results: Any) -> None:
    """Make calls until the time is up; put (calls begun, steps by status) on `results`."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=20) for port in ports]
    statuses: Counter[str] = Counter()
    calls = 0
    turn = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sid = f"CA{number:04x}{calls:028x}"
        steps: list[tuple[str, dict[str, str]]] = [("/voice", {})]
        steps += [("/voice/key?menu=main&tries=0", {"Digits": key}) for key in KEYS]
        calls += 1
        for path, extra in steps:
            index = turn % len(ports)
            turn += 1
            form = {**CALL, "CallSid": sid, **extra}
            request = sign(f"http://127.0.0.1:{ports[index]}", path, form)
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": request.signature,
            }
            try:
                connections[index].request("POST", path, request.body, headers)
                answer = connections[index].getresponse()
                answer.read()
                statuses[str(answer.status)] += 1
            except (OSError, http.client.HTTPException) as error:
                statuses[type(error).__name__] += 1
                connections[index].close()
    results.put((calls, dict(statuses)))


def counted(url: str) -> dict[str, int]:
    """What the database holds: welcome events (calls), all events, and the roll-ups' sums."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            one = connection.exec_driver_sql

            def number(sql: str) -> int:
                return int(one(sql).scalar() or 0)

            return {
                "calls counted (events)": number("SELECT count(*) FROM call_events WHERE event = 'welcome'"),
                "calls counted (roll-ups)": number("SELECT sum(n) FROM call_hours WHERE event = 'welcome'"),
                "events stored": number("SELECT count(*) FROM call_events"),
                "events in roll-ups": number("SELECT sum(n) FROM call_hours"),
            }
    finally:
        engine.dispose()


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Empty the database, start the nodes, call, stop them, count."""
    engine = create_engine(args.postgres)
    drop_all(engine)
    engine.dispose()
    env = {**os.environ, "IVR_DATABASE_URL": args.postgres}
    subprocess.run([str(args.ivr), "db", "upgrade"], env=env, check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="ivr-bench-nodes-") as name:
        folder = Path(name)
        nodes = [node(args.ivr, args.postgres, args.workers, folder) for _ in range(args.nodes)]
        try:
            context = multiprocessing.get_context("fork")
            results: Any = context.Queue()
            ports = [port for _, port, _ in nodes]
            # Each caller starts on another node, so both take every kind of step.
            rotated = [ports[n % len(ports) :] + ports[: n % len(ports)] for n in range(args.callers)]
            callers = [
                context.Process(target=caller, args=(rotated[n], args.seconds, n, results))
                for n in range(args.callers)
            ]
            started = time.monotonic()
            for each in callers:
                each.start()
            outcomes = [results.get(timeout=args.seconds + 120) for _ in callers]
            took = time.monotonic() - started
            for each in callers:
                each.join(30)
        finally:
            for process, _, _ in nodes:
                process.send_signal(signal.SIGTERM)
            for process, _, _ in nodes:
                process.wait(timeout=60)
        logs = "".join(log.read_text(errors="replace") for _, _, log in nodes)
    statuses: Counter[str] = Counter()
    for _, each in outcomes:
        statuses.update(each)
    made = {
        "calls made": sum(calls for calls, _ in outcomes),
        "steps answered 200": statuses.pop("200", 0),
        "steps failed": dict(statuses),
        "steps/s": round(sum(o[1].get("200", 0) for o in outcomes) / took),
    }
    return (
        made
        | counted(args.postgres)
        | {
            "writer retries after a deadlock": logs.count("deadlock, trying again"),
            "statistics writer warnings and errors": sum(
                '"logger":"ivr.stats.recorder"' in line and '"level":"INFO"' not in line
                for line in logs.splitlines()
            ),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", required=True, help="a database to empty and use")
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--ivr", type=Path, default=IVR, help="the `ivr` to run (default: this one)")
    args = parser.parse_args()
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
