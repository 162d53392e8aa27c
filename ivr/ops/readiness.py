"""Whether this node should get calls: the database answers in time, the content on disk is the content
running, and every prompt's built audio is there. /readyz (ivr/ops/health.py) reports it."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import text

from ivr.audio.library import Library
from ivr.component import Component
from ivr.db import Database
from ivr.line.content import Prompt
from ivr.line.lines import Lines
from ivr.ops.contentwatch import ContentWatch

# A load balancer asks every few seconds; a database slower than this is as good as none for a call.
DATABASE_SECONDS = 1.0
CHANGED = "the content on disk differs from the running content: reload (SIGHUP) or restart"


@dataclass
class _Question:
    """One `SELECT 1` in flight: which process asked, whether it is answered, and what went wrong."""

    pid: int = field(default_factory=os.getpid)
    answered: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class DatabaseProbe:
    """Asks the database `SELECT 1` on a thread of its own, waiting at most `seconds` for the answer.

    The wait is bounded here, whatever the driver's own time limits: a stalled server (a frozen PostgreSQL, a
    hung network) holds only the probe's thread, and while one question is still waiting no second is asked.
    The thread is a daemon, so a worker that stops never waits for a database that does not answer.
    """

    def __init__(self, database: Database, seconds: float = DATABASE_SECONDS) -> None:
        self.database = database
        self.seconds = seconds
        self._lock = threading.Lock()
        self._pending: _Question | None = None

    def problem(self) -> str | None:
        """Say why the database is not usable now, or None when it answered in time."""
        with self._lock:
            pending = self._pending
            # A question asked before a fork has no thread in this process: it is never answered here.
            if pending is not None and pending.pid == os.getpid() and not pending.answered.is_set():
                return f"the database has not answered for over {self.seconds:g} s"
            question = self._pending = _Question()
            threading.Thread(target=self._ask, args=(question,), name="ivr-readyz", daemon=True).start()
        if not question.answered.wait(self.seconds):
            return f"the database did not answer within {self.seconds:g} s"
        if question.error is not None:
            # The exception's type only: a driver's message may hold the URL's user or host.
            cause = getattr(question.error, "orig", None) or question.error
            return f"the database cannot be used ({type(cause).__name__})"
        return None

    def _ask(self, question: _Question) -> None:
        try:
            with self.database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            question.error = error
        finally:
            question.answered.set()


class Readiness(Component):
    """What /readyz checks, each part asked by the component that owns it."""

    extension = "ivr.readiness"

    def __init__(
        self, probe: DatabaseProbe, watch: ContentWatch, lines: Lines, libraries: Mapping[str, Library]
    ) -> None:
        self.probe = probe
        self.watch = watch
        self.lines = lines
        self.libraries = dict(libraries)

    def problems(self) -> list[str]:
        """Every reason this node should not get calls now; empty when it is ready."""
        problems = [] if (found := self.probe.problem()) is None else [found]
        content = self.watch.state()
        if not content.loadable:
            problems.append(f"the content on disk cannot be loaded: {content.problem}")
        elif content.changed:
            problems.append(CHANGED)
        self.lines.refresh()
        for line in self.lines:
            line_id = line.content.line.id
            # A newly published sentence is said with <Say> until its audio is built on this node (logged when
            # it went live): no reason to take every node out of the load balancer at once.
            published = self.lines.version(line_id) is not None
            prompts = line.content.audio_prompts()
            problems += audio_problems(line_id, self.libraries[line_id], prompts, stale=not published)
        return problems


def audio_problems(
    line_id: str, library: Library, prompts: Sequence[Prompt], *, stale: bool = True
) -> list[str]:
    """Say which of a line's prompts have no fresh built file, where its folder has a manifest at all.

    A folder with no manifest is a line that speaks every prompt with <Say> by design (nothing was built,
    as on a developer's machine); a manifest means audio was built, so any gap is a fault to fix. `stale`
    False leaves prompts without fresh audio out (only files gone from the disk are a fault then).
    """
    if not library.built:
        return []
    statuses = library.statuses(prompts)
    unfresh = sorted(key for key, status in statuses.items() if status != "fresh")
    problems = []
    if stale and unfresh:
        shown = ", ".join(unfresh[:5]) + (f" and {len(unfresh) - 5} more" if len(unfresh) > 5 else "")
        problems.append(f"line {line_id}: {len(unfresh)} prompt(s) without fresh audio: {shown}")
    missing = library.missing_files()
    if missing:
        problems.append(f"line {line_id}: {len(missing)} built file(s) gone from {library.folder}")
    return problems
