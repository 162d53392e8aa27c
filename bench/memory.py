"""Memory: resident size (and PSS) of one gunicorn worker after 1,000 and after 10,000 webhook requests.

    python -m bench.memory [--requests 10000]

Walks the menus with signed requests (every key at every menu, silences, transfers, dial outcomes), so every
cache on the request path fills as in real use.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.servers import CALL, Server, gunicorn, sign, write_lines
from bench.webhook import DEFAULT_CONFIG

MENUS = ["main", "1", "2", "3", "4", "5"]
KEYS = [*"0123456789*#", "", "##", "🙂"]


def requests(numbers: list[str] | None = None) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield an endless, varied mix of webhook requests, to every line's number in turn when given."""
    steps: list[tuple[str, dict[str, str]]] = [("/voice", {}), ("/voice/fallback", {})]
    for menu, key, tries in itertools.product(MENUS, KEYS, range(3)):
        steps.append((f"/voice/key?menu={menu}&tries={tries}", {"Digits": key} if key else {}))
    steps += [("/voice/dial", {"DialCallStatus": s}) for s in ("completed", "busy", "no-answer", "failed")]
    called = itertools.cycle(numbers or [CALL["To"]])
    for number, (path, form) in enumerate(itertools.cycle(steps)):
        yield path, {**form, "CallSid": f"CA{number:032x}", "To": next(called)}


def worker_rss_kib(master: int) -> int:
    """Return the resident size of the master's only worker, from /proc."""
    return _worker_kib(master, "status", "VmRSS:")


def worker_pss_kib(master: int) -> int:
    """Return the proportional set size of the master's only worker: each page shared with the master (or
    another process) counted in part, as RSS does not."""
    return _worker_kib(master, "smaps_rollup", "Pss:")


def _worker_kib(master: int, file: str, field: str) -> int:
    """Read one KiB figure of the master's only worker from its /proc file."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise RuntimeError(f"expected one worker, found {len(children)}")
    for line in Path(f"/proc/{children[0]}/{file}").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in {file}")


def drive(server: Server, count: int, source: Iterator[tuple[str, dict[str, str]]]) -> None:
    """Send `count` signed requests, one at a time, failing on any non-200."""
    for _ in range(count):
        path, form = next(source)
        request = sign(server.base, path, {**CALL, **form})
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": request.signature,
        }
        connection.request("POST", path, body=request.body, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")


def main() -> None:
    """Measure and print the worker's RSS after 1,000 requests and at later checkpoints."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000, help="the last checkpoint (at least 1,000)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--lines", type=int, default=1, help="run the line with this many lines loaded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ivr-lines-") as folder:
        env, numbers = {}, None
        if args.lines > 1:
            numbers = write_lines(Path(folder), args.lines)
            env["IVR_CONTENT_DIR"] = folder
        measure(args, env, numbers)


def measure(args: argparse.Namespace, env: dict[str, str], numbers: list[str] | None) -> None:
    """Drive one worker through the checkpoints and print its resident size at each."""
    source = requests(numbers)
    last = max(args.requests, 1_000)
    checkpoints = sorted(n for n in {1_000, 5_000, last} if n <= last)
    with gunicorn("bench.apps:line_open()", args.config, ("--workers", "1"), env) as server:
        print(
            f"{args.lines} line(s); worker RSS at start: {worker_rss_kib(server.process.pid) / 1024:.1f} MiB"
        )
        done, first = 0, 0
        for checkpoint in checkpoints:
            drive(server, checkpoint - done, source)
            done, rss = checkpoint, worker_rss_kib(server.process.pid)
            first = first or rss
            growth = (rss - first) / 1024
            pss = worker_pss_kib(server.process.pid) / 1024
            print(
                f"after {done:>6,} requests: {rss / 1024:.1f} MiB (since 1,000: {growth:+.1f} MiB);"
                f" PSS {pss:.1f} MiB"
            )


if __name__ == "__main__":
    main()
