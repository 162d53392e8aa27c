"""Webhook throughput: the line against a bare Flask app, same server configuration, same load.

    python -m bench.webhook [--seconds 5] [--repetitions 3] [--connections 16] [--lines 50]

Drives each route with wrk (or a Python load generator where wrk is missing), interleaving the line
and the bare app, and prints requests/s, p50 and p99 latency per route and the ratio to bare Flask.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.servers import CALL, ROOT, Server, SignedRequest, gunicorn, sign, write_lines

DEFAULT_CONFIG = ROOT / "ivr" / "ops" / "gunicorn_conf.py"
# name, app ("open" or "closed" line), path, extra form fields
ROUTES = [
    ("welcome", "open", "/voice", {}),
    ("main-menu key", "open", "/voice/key?menu=main&tries=0", {"Digits": "#"}),
    ("section", "open", "/voice/key?menu=main&tries=0", {"Digits": "3"}),
    ("transfer open", "open", "/voice/key?menu=main&tries=0", {"Digits": "0"}),
    ("transfer closed", "closed", "/voice/key?menu=main&tries=0", {"Digits": "0"}),
    ("invalid key", "open", "/voice/key?menu=2&tries=0", {"Digits": "9"}),
]


@dataclass
class Run:
    """One load run's numbers."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(server: Server, request: SignedRequest, seconds: float, connections: int) -> Run:
    """Drive one signed request with wrk and parse its summary."""
    script = (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(request.body)}\n"
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["X-Twilio-Signature"] = {json.dumps(request.signature)}\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", lua.name]
        out = subprocess.run(
            [*command, server.base + request.path], capture_output=True, text=True, check=True
        )
    return _parse_wrk(out.stdout)


def _parse_wrk(text: str) -> Run:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if match is None:
            raise ValueError(f"no {percent}% latency in wrk output:\n{text}")
        return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1])  # type: ignore[index]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = (int(non_2xx[1]) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return Run(rps, latency("50"), latency("99"), errors)


def python_load(server: Server, request: SignedRequest, seconds: float, connections: int) -> Run:
    """A plain load generator for machines without wrk: `connections` threads, one request at a time each."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": request.signature}

    def worker() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                req = urllib.request.Request(server.base + request.path, request.body.encode(), headers)
                with urllib.request.urlopen(req, timeout=10) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                latencies.append(time.perf_counter() - start)
                errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return Run(len(latencies) / seconds, cuts[49] * 1000, cuts[98] * 1000, errors)


def main() -> None:
    """Run the benchmark and print (and optionally save) the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="gunicorn config for both apps")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--lines", type=int, default=1, help="run the line with this many lines loaded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ivr-lines-") as folder:
        env: dict[str, str] = {}
        call = dict(CALL)
        if args.lines > 1:
            numbers = write_lines(Path(folder), args.lines)
            # Calls to a line in the middle of the folder, as Twilio sends them (To, and line= in the URLs).
            env["IVR_CONTENT_DIR"] = folder
            call["To"] = numbers[len(numbers) // 2]
        run_all(args, env, call)


def run_all(args: argparse.Namespace, env: dict[str, str], call: dict[str, str]) -> None:
    """Drive every route on the line and on the bare app, alternating, and report."""
    drive = wrk if shutil.which("wrk") else python_load
    print(f"load generator: {'wrk' if drive is wrk else 'python'}; config: {args.config}")

    results: dict[tuple[str, str], list[Run]] = {}
    with (
        gunicorn("bench.apps:bare()", args.config) as bare,
        gunicorn("bench.apps:line_open()", args.config, env_extra=env) as line_open,
        gunicorn("bench.apps:line_closed()", args.config, env_extra=env) as line_closed,
    ):
        lines = {"open": line_open, "closed": line_closed}
        for repetition in range(args.repetitions):
            for name, which, path, form in ROUTES:
                pair = [("line", lines[which]), ("bare", bare)]
                # Alternate who goes first, so drift on a noisy machine does not favour one side.
                for kind, server in pair if repetition % 2 == 0 else pair[::-1]:
                    request = sign(server.base, path, {**call, **form})
                    run = drive(server, request, args.seconds, args.connections)
                    results.setdefault((name, kind), []).append(run)
    report(results, args)


def report(results: dict[tuple[str, str], list[Run]], args: argparse.Namespace) -> None:
    """Print medians per route: the line's rps, p50, p99, errors, and the ratio to bare Flask."""
    rows = []
    header = (
        f"{'route':<16} {'line rps':>9} {'bare rps':>9} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'err':>4}"
    )
    runs = f"{args.seconds:g} s x {args.repetitions} repetitions"
    print(f"\n{args.connections} connections, {runs}, {args.lines} line(s)")
    print("medians; ratio: the median of each repetition's line/bare pair")
    print(header)
    for name, *_ in ROUTES:
        line, bare = results[(name, "line")], results[(name, "bare")]
        # A repetition's line and bare runs are neighbours in time: their ratio cancels the machine's drift.
        ratio = statistics.median(mine.rps / base.rps for mine, base in zip(line, bare, strict=True))
        row: dict[str, object] = {
            "route": name,
            "line_rps": statistics.median(r.rps for r in line),
            "bare_rps": statistics.median(r.rps for r in bare),
            "p50_ms": statistics.median(r.p50_ms for r in line),
            "p99_ms": statistics.median(r.p99_ms for r in line),
            "bare_p99_ms": statistics.median(r.p99_ms for r in bare),
            "errors": sum(r.errors for r in line),
            "runs": {"line": [asdict(r) for r in line], "bare": [asdict(r) for r in bare]},
        }
        row["ratio"] = ratio
        rows.append(row)
        print(
            f"{name:<16} {row['line_rps']:>9.0f} {row['bare_rps']:>9.0f} {row['ratio']:>6.2f} "
            f"{row['p50_ms']:>7.2f} {row['p99_ms']:>7.2f} {row['errors']:>4}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
