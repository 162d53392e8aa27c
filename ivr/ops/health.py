"""The load balancer's view of the line: /livez (the process answers), /readyz (this node should get
calls) and /healthz (the detailed report)."""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue

from ivr.audio.web import AudioFiles
from ivr.ops.contentwatch import ContentWatch
from ivr.ops.readiness import Readiness
from ivr.stats.recorder import WriterError
from ivr.stats.web import Statistics
from ivr.webhook.endpoint import Webhook

bp = Blueprint("health", __name__)
# A probe's answer is about this moment: no cache may keep it.
NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/livez")
def livez() -> ResponseReturnValue:
    """Answer as long as the process does; nothing else is checked, so no restart is asked for in vain."""
    return Response("ok\n", 200, NO_STORE, mimetype="text/plain")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Answer 200 when this node should get calls, else 503 with every reason (the balancer takes it out)."""
    problems = Readiness.current().problems()
    report = {"status": "not ready" if problems else "ready", "problems": problems}
    if problems:
        return jsonify(report), 503, {**NO_STORE, "Retry-After": "5"}
    return jsonify(report), 200, NO_STORE


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Report the content, its prompts' audio and this worker's statistics; 503 if the content is broken."""
    content = ContentWatch.current().state()
    lines, libraries = Webhook.current().lines, AudioFiles.current().libraries
    # "changed": the files differ from what the running lines loaded, so a restart would pick them up.
    file = {
        "loaded": True,
        "loadable": content.loadable,
        "changed": content.changed,
        "problem": content.problem,
    }
    # How many prompts play built audio (fresh) and how many fall back to <Say> (stale, missing), as this
    # worker sees them now (it takes up a rebuilt audio folder within a second); files gone from the disk.
    lines.refresh()
    counts = dict.fromkeys(("fresh", "stale", "missing"), 0)
    missing: list[str] = []
    prompts = 0
    for line in lines:
        library = libraries[line.content.line.id]
        statuses = library.statuses(line.content.audio_prompts()).values()
        prompts += len(statuses)
        for each in statuses:
            counts[each] += 1
        missing += library.missing_files()
    audio: dict[str, Any] = {**counts, "files_missing": sorted(set(missing))}
    worker = _worker()
    status = "ok"
    if not content.loadable:
        status = "error"
    elif worker["statistics"]["dropped_15min"] or worker["statistics"]["kept"] or audio["files_missing"]:
        # Still 200: calls go on while statistics are lost or wait, so the load balancer keeps the node.
        status = "degraded"
    report = {
        "status": status,
        "lines": [line.content.line.id for line in lines],
        "prompts": prompts,
        "audio": audio,
        "content": file,
        "worker": worker,
    }
    return jsonify(report), 200 if content.loadable else 503


def _worker() -> dict[str, Any]:
    """Report the answering worker's statistics writer; each worker has its own, and this is one of them."""
    health = Statistics.current().recorder.health()
    statistics = {
        "dropped_15min": health.dropped_15min,
        "queued": health.queued,
        "kept": health.kept,
        "last_error": None if health.last_error is None else _error(health.last_error),
    }
    return {"pid": os.getpid(), "statistics": statistics}


def _error(error: WriterError) -> dict[str, str | None]:
    """Describe the writer's last failure: what it was doing, the exception's type and its cause's, when."""
    at = error.at.isoformat(timespec="seconds")
    return {"doing": error.doing, "type": error.type, "cause": error.cause, "at": at}
