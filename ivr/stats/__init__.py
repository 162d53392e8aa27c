"""Call statistics: record what happens in calls (never who called), report it, show it to staff."""

from __future__ import annotations

from flask import Flask

from ivr.stats import web
from ivr.stats.recorder import Recorder
from ivr.stats.store import Store, default_url

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Record the app's call events in its database and add the staff statistics page."""
    store = Store(app.config["DATABASE_URL"] or default_url(app.instance_path))
    recorder = Recorder(store, retention_days=app.config["STATS_RETENTION_DAYS"])
    app.extensions["ivr.stats.store"] = store
    app.extensions["ivr.stats.recorder"] = recorder
    app.extensions["ivr.observers"].append(recorder)
    app.register_blueprint(web.bp)
