"""The load balancer's view of the line."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Report that the content is loaded and how many prompts it has."""
    line = current_app.extensions["ivr.line"]
    return jsonify(status="ok", prompts=len(line.content.all_prompts()))
