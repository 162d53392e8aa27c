"""What counting one call step in the Prometheus metrics costs, in one process and as under `ivr serve`.

    python -m bench.metrics [--steps 100000] [--repetitions 3]

Each run builds the line's `Metrics` and tells it of `--steps` call steps (a section chosen by key, as the
webhook does after each step); under `ivr serve` the values live in memory-mapped files (multiprocess mode).
Each mode runs in a process of its own, since the mode is chosen once per process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def one_run(mode: str, steps: int) -> float:
    """Count `steps` steps in this process; return microseconds per step."""
    from ivr.line.events import CallEvent  # noqa: PLC0415  (after the mode is chosen)
    from ivr.ops import metrics  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as folder:
        if mode == "multiprocess":
            metrics.use_folder(Path(folder))
        meter = metrics.Metrics(None)
        call = "0123456789abcdef"
        event = CallEvent(call, datetime.now(UTC), "voice.key", "section", "main", "3", "rodblokade")
        started = time.perf_counter()
        for _ in range(steps):
            meter("voice.key", 200, 0.0008, event, None)
        return (time.perf_counter() - started) / steps * 1e6


def main() -> None:
    """Run each mode `--repetitions` times in fresh processes; print the median cost per step."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--one", choices=["single", "multiprocess"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        print(one_run(options.one, options.steps))
        return
    for mode in ("single", "multiprocess"):
        command = [sys.executable, "-m", "bench.metrics", "--one", mode, "--steps", str(options.steps)]
        runs = [float(subprocess.check_output(command, text=True)) for _ in range(options.repetitions)]
        print(f"{mode:>13}: {statistics.median(runs):.1f} µs per step (median of {len(runs)})")


if __name__ == "__main__":
    main()
