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
    """Report that the content is loaded and how many prompts it has; 503 if the file cannot be loaded."""
    line = current_app.extensions["ivr.line"]
    content = current_app.extensions["ivr.content_watch"].state()
    # "changed": the file differs from what the running line loaded, so a restart would pick it up.
    file = {
        "loaded": True,
        "loadable": content.loadable,
        "changed": content.changed,
        "problem": content.problem,
    }
    status = "ok" if content.loadable else "error"
    return jsonify(status=status, prompts=len(line.content.all_prompts()), content=file), (
        200 if content.loadable else 503
    )
