"""Build every prompt's audio file: incremental, parallel, retried, and never leaving a broken file."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from ivr.audio import manifest
from ivr.audio.engines import Sound, SynthesisError, TransientError, TtsEngine, UnreachableError
from ivr.audio.manifest import Entry
from ivr.audio.processing import Output, decode_file, process
from ivr.line.content import SLOW, Prompt
from ivr.line.speech import SLOW_RATE

log = logging.getLogger(__name__)
# Raise when processing changes in a way the settings do not show, so every prompt is rebuilt once.
PIPELINE_VERSION = 1
RECORDED = "recorded"
# How long a built file stays after a build stops naming it: far longer than any call that heard of it.
RETIRED_DAYS = 2
# A temporary file older than this is an interrupted build's, removed by the next build.
TEMPORARY_SECONDS = 600
# Sounds a build keeps for texts said again (a prompt's slow variant comes right after it): a few, not all.
SOUNDS_KEPT = 16
_BUILT_FILE = re.compile(rf"^[A-Za-z0-9_]+-[0-9a-f]{{12}}\.({'|'.join(manifest.EXTENSIONS)})$")
Outcome = Literal["built", "unchanged", "failed"]
# Requests in a row that got no answer at all from the engine's server, after which a build stops: the network
# is down or blocked, and every other prompt would fail the same way, only slowly.
UNREACHABLE_IN_A_ROW = 4


class BuildStoppedError(Exception):
    """The build stopped because the engine cannot be reached; what was built before is kept."""

    def __init__(self, reason: str, report: BuildReport) -> None:
        super().__init__(reason)
        self.reason = reason
        self.report = report


@dataclass(frozen=True)
class Done:
    """One prompt finished, as the progress display shows it."""

    prompt_id: str
    outcome: Outcome
    # The voice that made it (an engine's name, or "recorded" for a staff recording); None when it failed.
    engine: str | None = None
    seconds: float = 0.0
    reason: str = ""


Progress = Callable[[Done], None]


@dataclass(frozen=True)
class Job:
    """One prompt to (re)build, from the engine or from a staff recording."""

    prompt: Prompt
    settings: Mapping[str, Any]
    hash: str
    file: str
    recording: Path | None
    output: Output


@dataclass
class BuildReport:
    """What a build did, for the summary table and the exit code."""

    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def build(
    prompts: Sequence[Prompt],
    folder: Path,
    engine: TtsEngine,
    output: Output | None = None,
    *,
    only: Collection[str] | None = None,
    force: bool = False,
    retries: int = 3,
    backoff: float = 1.0,
    progress: Progress | None = None,
    reuse: Mapping[str, Path] | None = None,
) -> BuildReport:
    """Build the prompts (or `only` those ids) into `folder`, updating its manifest after each one.

    `reuse`: files built elsewhere (another line's folder), by the hash of their text and build settings; a
    prompt with the same hash gets a copy of that file instead of a synthesis.
    """
    started = time.perf_counter()
    _check_ids(prompts, only)
    folder.mkdir(parents=True, exist_ok=True)
    before = _previous_entries(folder)
    builder = _Builder(folder, engine, output or Output(), retries, backoff, progress, dict(reuse or {}))
    builder.entries = _known_entries(folder, prompts, keep_others=only is not None)
    selected = [prompt for prompt in prompts if only is None or prompt.id in only]
    builder.run(builder.plan(selected, force))
    _prune(folder, builder.entries, before)
    builder.report.seconds = time.perf_counter() - started
    return builder.report


def _check_ids(prompts: Sequence[Prompt], only: Collection[str] | None) -> None:
    unknown = sorted(set(only or ()) - {prompt.id for prompt in prompts})
    if unknown:
        raise ValueError(f"ukendt tekst-id {', '.join(unknown)}; `ivr prompts` viser dem, der findes")


def _known_entries(folder: Path, prompts: Sequence[Prompt], keep_others: bool) -> dict[str, Entry]:
    """Load the manifest; drop prompts the content no longer has, unless only some are being built."""
    try:
        entries = manifest.load(folder)
    except manifest.ManifestError as error:
        log.warning("%s; rebuilding every prompt", error)
        return {}
    ids = {prompt.id for prompt in prompts}
    return {key: entry for key, entry in entries.items() if keep_others or key in ids}


@dataclass
class _Builder:
    """One build's collaborators and its running state: the manifest's entries and the report."""

    folder: Path
    engine: TtsEngine
    output: Output
    retries: int
    backoff: float
    progress: Progress | None
    reuse: dict[str, Path] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    report: BuildReport = field(default_factory=BuildReport)
    # Each text's sound, synthesized once per build whatever the number of prompts (and paces) saying it.
    _sounds: OrderedDict[str, Future[Sound]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Requests in a row without an answer from the engine's server; set `_stop` at UNREACHABLE_IN_A_ROW.
    _unreachable: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _why: str = ""

    def plan(self, prompts: Sequence[Prompt], force: bool) -> list[Job]:
        """Return the prompts that need building; count the unchanged ones."""
        jobs = []
        for prompt in prompts:
            try:
                job = self.job(prompt)
            except SynthesisError as error:
                self.done(Done(prompt.id, "failed", reason=str(error)))
                continue
            previous = self.entries.get(prompt.id)
            if (
                not force
                and previous is not None
                and previous.hash == job.hash
                and (manifest.status(previous, prompt.text, self.folder) == "fresh")
            ):
                self.done(Done(prompt.id, "unchanged", previous.engine))
            else:
                jobs.append(job)
        manifest.save(self.folder, self.entries)
        return jobs

    def job(self, prompt: Prompt) -> Job:
        """Work out the settings, hash and file name a prompt would be built with now."""
        # A slow variant is the same sound slowed down: of the same recording, when staff recorded the prompt.
        recording = _recording(self.folder, prompt.id.removesuffix(SLOW) if prompt.slow else prompt.id)
        output = replace(self.output, tempo=SLOW_RATE) if prompt.slow else self.output
        source: Mapping[str, Any] = self.engine.settings()
        if recording is not None:
            digest = hashlib.sha256(recording.read_bytes()).hexdigest()
            source = {"engine": RECORDED, "recording": recording.name, "sha256": digest}
            previous = self.entries.get(prompt.id)
            if previous and previous.settings.get("source") == source and previous.text != prompt.text:
                raise SynthesisError(
                    f"the recording {recording} was made for the earlier text; record it again or remove it"
                )
        settings = {"pipeline": PIPELINE_VERSION, "source": source, "output": output.settings()}
        digest = manifest.prompt_hash(prompt.text, settings)
        name = manifest.file_name(prompt.id, digest, output.format)
        return Job(prompt, settings, digest, name, recording, output)

    def run(self, jobs: list[Job]) -> None:
        """Build the jobs in parallel; record each success in the manifest as soon as its file is on disk."""
        if not jobs:
            return
        with ThreadPoolExecutor(max_workers=max(1, self.engine.workers)) as pool:
            futures = {pool.submit(self.build_one, job): job for job in jobs}
            for future in as_completed(futures):
                self.finished(futures[future].prompt.id, future)
                if self._stop.is_set():
                    # The prompts not begun are left as they were; those under way stop at their next try.
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise BuildStoppedError(self._why, self.report)

    def finished(self, prompt_id: str, future: Future[tuple[Entry, float]]) -> None:
        """Record a prompt's file in the manifest as soon as it is on disk, or its failure."""
        try:
            entry, seconds = future.result()
        except Exception as error:  # one prompt's fault must not stop the others
            self.done(Done(prompt_id, "failed", reason=f"{type(error).__name__}: {error}"))
            return
        self.entries[prompt_id] = entry
        manifest.save(self.folder, self.entries)
        self.done(Done(prompt_id, "built", entry.engine, seconds))

    def done(self, done: Done) -> None:
        """Count one prompt's outcome and tell the progress display."""
        if done.outcome == "failed":
            log.warning("prompt %s failed: %s", done.prompt_id, done.reason)
            self.report.failed[done.prompt_id] = done.reason
        else:
            (self.report.built if done.outcome == "built" else self.report.unchanged).append(done.prompt_id)
        if self.progress:
            self.progress(done)

    def build_one(self, job: Job) -> tuple[Entry, float]:
        """Synthesize (or read the recording), process, write the file atomically; time the whole."""
        started = time.perf_counter()
        copied = self._copy(job)
        if copied is not None:
            return copied, time.perf_counter() - started
        sound = decode_file(job.recording) if job.recording else self.synthesize(job.prompt.text)
        processed = process(sound, job.output)
        manifest.write_atomically(self.folder / job.file, processed.data)
        entry = Entry(
            id=job.prompt.id,
            hash=job.hash,
            engine=str(job.settings["source"]["engine"]),
            file=job.file,
            duration=processed.duration,
            size=len(processed.data),
            sha256=hashlib.sha256(processed.data).hexdigest(),
            text=job.prompt.text,
            settings=job.settings,
        )
        return entry, time.perf_counter() - started

    def _copy(self, job: Job) -> Entry | None:
        """Copy the file another line built from the same text and settings; None when there is none."""
        source = self.reuse.get(job.hash) if job.recording is None else None
        if source is None:
            return None
        try:
            data = source.read_bytes()
            previous = manifest.load(source.parent)
        except (OSError, manifest.ManifestError):
            return None
        entry = next((entry for entry in previous.values() if entry.file == source.name), None)
        if entry is None or hashlib.sha256(data).hexdigest() != entry.sha256:
            return None
        manifest.write_atomically(self.folder / job.file, data)
        return replace(entry, id=job.prompt.id, file=job.file)

    def synthesize(self, text: str) -> Sound:
        """Call the engine once per text (a prompt and its slow variant share the sound), retrying passing
        failures with exponential backoff."""
        with self._lock:
            pending = self._sounds.get(text)
            mine = pending is None
            if pending is None:
                pending = self._sounds[text] = Future()
                # Only the last few: a prompt's slow variant is planned right after it.
                while len(self._sounds) > SOUNDS_KEPT:
                    self._sounds.popitem(last=False)
        if not mine:
            return pending.result()
        try:
            sound = self._synthesize(text)
        except BaseException as error:
            pending.set_exception(error)
            raise
        pending.set_result(sound)
        return sound

    def _synthesize(self, text: str) -> Sound:
        for attempt in range(self.retries + 1):
            if self._stop.is_set():
                raise UnreachableError(self._why)
            try:
                sound = self.engine.synthesize(text)
            except UnreachableError as error:
                self._no_answer(error)
                if attempt == self.retries:
                    raise
            except TransientError as error:
                self._answered()  # busy, but there: the network works
                if attempt == self.retries:
                    raise
                log.info("retrying after %s (attempt %d of %d)", error, attempt + 1, self.retries)
            else:
                self._answered()
                return sound
            # Cut short when the build stops meanwhile.
            self._stop.wait(self.backoff * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _answered(self) -> None:
        with self._lock:
            self._unreachable = 0

    def _no_answer(self, error: UnreachableError) -> None:
        """Count a request without an answer; stop the build at UNREACHABLE_IN_A_ROW in a row."""
        with self._lock:
            self._unreachable += 1
            if self._unreachable >= UNREACHABLE_IN_A_ROW and not self._stop.is_set():
                self._why = str(error)
                self._stop.set()


def _recording(folder: Path, prompt_id: str) -> Path | None:
    """Return a staff recording for the prompt, audio/recorded/<id>.<ext>, if there is one."""
    matches = sorted((folder / RECORDED).glob(f"{prompt_id}.*"))
    return next((path for path in matches if not path.name.startswith(".")), None)


def _previous_entries(folder: Path) -> Mapping[str, Entry]:
    """The manifest as it was before this build: a running line may be playing its files."""
    try:
        return manifest.load(folder)
    except manifest.ManifestError:
        return {}


def _prune(folder: Path, entries: Mapping[str, Entry], before: Mapping[str, Entry]) -> None:
    """Delete built files no manifest names any more, once no running line can still point at them.

    A running line notices a new manifest within a second and switches to it, but a call may have been told
    to play an old file a moment earlier: files the previous manifest named are kept (listed as retired)
    for RETIRED_DAYS, then deleted by a later build. Temporary files of an interrupted build go once
    they are TEMPORARY_SECONDS old (another node may be writing into a shared folder).
    """
    keep = {entry.file for entry in entries.values()}
    now = datetime.now(UTC)
    retired = {name: at for name, at in manifest.load_retired(folder).items() if name not in keep}
    for entry in before.values():
        if entry.file not in keep:
            retired.setdefault(entry.file, now)
    expired = {name for name, at in retired.items() if now - at > timedelta(days=RETIRED_DAYS)}
    for path in folder.iterdir():
        leftover = path.name.startswith(".") and path.name.endswith(".tmp") and _abandoned(path)
        unused = _BUILT_FILE.match(path.name) and path.name not in keep
        if leftover or (unused and (path.name not in retired or path.name in expired)):
            path.unlink(missing_ok=True)
    manifest.save_retired(folder, {name: at for name, at in retired.items() if name not in expired})


def _abandoned(path: Path) -> bool:
    """Tell whether a temporary file is an interrupted build's, not one another node is writing right now
    into a shared folder (a file takes milliseconds to write; one untouched for minutes is left over)."""
    try:
        return time.time() - path.stat().st_mtime > TEMPORARY_SECONDS
    except OSError:
        return False
