"""Checking a deployment of many lines: `ivr check` on a folder of 50, whole command and in-process.

    python -m bench.lines [--lines 50] [--repetitions 5]

Writes the lines (the shipped line under 50 ids, numbers and opening hours, each naming its leaflet, so the
check reads 50 leaflets too) into a temporary folder, then times `ivr check --content FOLDER` as staff run it
(a new Python process each time) and the loading and checking alone (`load_folder(..., leaflet=True)`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.servers import write_lines
from ivr.line.lines import load_folder

IVR = Path(sys.executable).parent / "ivr"


def main() -> None:
    """Time the check of a folder of lines and print the medians."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ivr-lines-") as name:
        folder = Path(name)
        write_lines(folder, args.lines)
        whole, inside = [], []
        for _ in range(args.repetitions):
            started = time.perf_counter()
            done = subprocess.run(
                [str(IVR), "check", "--content", str(folder)], check=False, capture_output=True, text=True
            )
            whole.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise SystemExit(done.stdout + done.stderr)
            started = time.perf_counter()
            contents = load_folder(folder, leaflet=True)
            inside.append(time.perf_counter() - started)
            assert len(contents) == args.lines
    print(f"{args.lines} lines, medians of {args.repetitions}:")
    print(
        f"  ivr check --content FOLDER (whole command): {statistics.median(whole):.2f} s (target: under 1 s)"
    )
    print(f"  loading and checking in-process:            {statistics.median(inside):.2f} s")


if __name__ == "__main__":
    main()
