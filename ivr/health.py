"""The load balancer's view of the line."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue

from ivr.contentwatch import ContentWatch

bp = Blueprint("health", __name__)


@bp.record_once
def _watch_content(state: BlueprintSetupState) -> None:
    """Start watching the content file the line loaded, so /healthz notices when it breaks."""
    line = state.app.extensions["ivr.line"]
    number = state.app.config["SECRETARIAT_NUMBER"]
    state.app.extensions["ivr.content_watch"] = ContentWatch(line.content.source, number)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Report the content and its prompts' audio status; 503 if the content file cannot be loaded."""
    line = current_app.extensions["ivr.line"]
    content = current_app.extensions["ivr.content_watch"].state()
    # "changed": the file differs from what the running line loaded, so a restart would pick it up.
    file = {
        "loaded": True,
        "loadable": content.loadable,
        "changed": content.changed,
        "problem": content.problem,
    }
    # How many prompts play built audio (fresh) and how many fall back to <Say> (stale, missing).
    counts = current_app.extensions["ivr.audio"].counts
    audio = {status: counts[status] for status in ("fresh", "stale", "missing")}
    status = "ok" if content.loadable else "error"
    report = {"status": status, "prompts": len(line.content.all_prompts()), "audio": audio, "content": file}
    return jsonify(report), 200 if content.loadable else 503
