"""Prompt build: a full offline build of the catalogue, then a rebuild with nothing changed.

    python -m bench.prompts [--repetitions 3]

Times the build itself (in-process, counting syntheses) and the whole `ivr build-audio` command, each into a
fresh temporary folder, with the offline engine (Google's TTS is not reachable from every machine).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ivr.audio.build import build
from ivr.audio.engines import Engine, TtsEngine, make_engine
from ivr.line.content_loader import load_content


class CountingEngine:
    """Wraps an engine and counts its syntheses."""

    def __init__(self, inner: TtsEngine) -> None:
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def synthesize(self, text: str) -> object:
        self.calls += 1
        return self.inner.synthesize(text)


def in_process(folder: Path) -> tuple[float, int, float, int]:
    """Return (seconds, syntheses) of a full build and then of a no-change rebuild."""
    prompts = load_content().audio_prompts()
    runs: list[tuple[float, int]] = []
    for _ in range(2):
        engine = CountingEngine(make_engine(Engine.ESPEAK))
        start = time.perf_counter()
        report = build(prompts, folder, engine)  # type: ignore[arg-type]
        runs.append((time.perf_counter() - start, engine.calls))
        if report.failed:
            raise RuntimeError(f"build failed: {report.failed}")
    return (*runs[0], *runs[1])


def command(folder: Path) -> float:
    """Return the wall time of one whole `ivr build-audio --engine espeak` command."""
    start = time.perf_counter()
    argv = [
        str(Path(sys.executable).with_name("ivr")),
        "build-audio",
        "--engine",
        "espeak",
        "--out",
        str(folder),
    ]
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    """Print the medians over several repetitions, and the size of the built folder."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    full, rebuild, full_cmd, rebuild_cmd, syntheses, size = [], [], [], [], [], 0
    for _ in range(args.repetitions):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, count, again, again_count = in_process(Path(tmp))
            full.append(seconds)
            rebuild.append(again)
            syntheses.append((count, again_count))
            size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
        with tempfile.TemporaryDirectory() as tmp:
            full_cmd.append(command(Path(tmp)))
            rebuild_cmd.append(command(Path(tmp)))
    prompts = len(load_content().audio_prompts())
    print(f"{prompts} prompts, offline engine, medians of {args.repetitions}")
    median = statistics.median
    print(f"full build:      {median(full):.2f} s in-process, {median(full_cmd):.2f} s whole command")
    print(f"no-change build: {median(rebuild):.3f} s in-process, {median(rebuild_cmd):.2f} s whole command")
    print(f"syntheses (full, no-change): {sorted(set(syntheses))}")
    print(f"audio folder size: {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
