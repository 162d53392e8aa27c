"""`ivr serve`: the line under gunicorn, configured by ivr/gunicorn_conf.py and the IVR_* settings."""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable, Mapping
from inspect import ismodule
from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from sqlalchemy.engine import make_url

from ivr import settings
from ivr.app import create_app
from ivr.cli_errors import describe, one_line
from ivr.db import create_engine
from ivr.line.content_loader import ContentError
from ivr.ops import gunicorn_conf, metrics
from ivr.ops.schema_check import refusal, refused, schema_problem
from ivr.settings import ConfigError
from ivr.stats.web import Statistics
from ivr.webhook import requestlog
from ivr.webhook.endpoint import Webhook

log = logging.getLogger(__name__)


class LineServer(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    """Gunicorn running one already-built app; workers fork from it, so start-up errors surface once.

    On SIGHUP gunicorn starts new workers and lets the old ones finish their requests; `rebuild` makes the
    app the new ones run, from the content files and audio manifest on disk now (the IVR_* settings stay
    those the process started with). Content that cannot be loaded keeps the running app.
    """

    def __init__(
        self, app: Flask, options: Mapping[str, Any], rebuild: Callable[[], Flask] | None = None
    ) -> None:
        self.application = app
        self.options = options
        self.rebuild = rebuild
        super().__init__(prog="ivr serve")

    def reload(self) -> None:
        """Read gunicorn's settings again and build the app the next workers run (SIGHUP)."""
        super().reload()
        if self.rebuild is None:
            return
        try:
            app = self.rebuild()
        except (ConfigError, ContentError) as error:
            log.error("reload: the running content is kept, the files cannot be loaded: %s", one_line(error))
            return
        self.application = app
        lines = Webhook.of(app).lines
        log.info("reload: the new workers run %s", ", ".join(line.content.line.id for line in lines))

    def load_config(self) -> None:
        """Apply the settings gunicorn knows, skipping any an older gunicorn lacks."""
        for name, value in self.options.items():
            if name in self.cfg.settings:
                self.cfg.set(name, value)

    def load(self) -> Flask:
        """Return the app built before the workers fork."""
        return self.application


class JsonLogger(Logger):  # type: ignore[misc]  # gunicorn has no type hints
    """One JSON log stream: gunicorn's own lines and the line's records both go to gunicorn's error log."""

    def setup(self, cfg: Any) -> None:
        """Set gunicorn's handlers up as usual, make them write JSON, and send the app's records there."""
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                handler.setFormatter(requestlog.JsonFormatter())
        # gunicorn.error does not propagate, so sharing its handlers with the root never doubles a line.
        root = logging.getLogger()
        root.handlers[:] = list(self.error_log.handlers)
        root.setLevel(logging.INFO)
        # The JSON lines never show thread or process names, so records need not look them up.
        logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


def server_options(config: Mapping[str, Any], bind: str | None = None) -> dict[str, Any]:
    """Merge the config file's settings with IVR_BIND / --bind and IVR_WORKERS."""
    settings = vars(gunicorn_conf).items()
    options = {name: value for name, value in settings if not name.startswith("_") and not ismodule(value)}
    options["bind"] = [bind or config["BIND"]]
    if config["WORKERS"]:
        options["workers"] = config["WORKERS"]
    return options


def bind_problem(bind: str) -> str | None:
    """Say why `ivr serve` cannot listen at `bind` (a port in use, say), or None when it can."""
    if bind.startswith("unix:"):
        return None
    host, _, port = bind.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As gunicorn binds: an address another server still listens on is refused, a closing one is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, int(port)))
    except OSError as error:
        return f"cannot listen on {bind}: {error.strerror or error}"
    return None


def connection_problem(url: str) -> str | None:
    """Say why the line cannot connect to a database server at all: its driver is not installed, or the
    server refuses the line (a wrong password, say); None when it connects, or may once the server is up."""
    if make_url(url).get_backend_name() == "sqlite":
        return None
    try:
        engine = create_engine(url)
    except ImportError as error:
        return describe(error)
    try:
        with engine.connect():
            return None
    except Exception as error:
        return None if refusal(error) is None else refused(error)
    finally:
        engine.dispose()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--bind", metavar="VÆRT:PORT", help="Hvor der lyttes (standard: IVR_BIND, ellers 127.0.0.1:8000)."
)
def serve(bind: str | None) -> None:
    """Kør linjen under gunicorn, serveren til drift."""
    requestlog.configure()
    # Before any app is built: every worker's metrics count in files in this folder (ivr/ops/metrics.py),
    # the operator's PROMETHEUS_MULTIPROC_DIR or a private one, removed when the server stops.
    given = os.environ.get(metrics.FOLDER_VARIABLE)
    folder = metrics.use_folder(Path(given) if given else None)
    owner = os.getpid()
    try:
        _serve(bind)
    finally:
        # Only the server itself: a worker it forked leaves through here too when it stops.
        if os.getpid() == owner:
            metrics.stop_using_folder(folder, remove=not given)


def _serve(bind: str | None) -> None:
    """Check the addresses, build the app and the schema, then run gunicorn; exit 2 with one line if not."""
    overrides = {} if bind is None else {"BIND": bind}
    try:
        # The addresses first: a port in use is told before the app is built and logs anything.
        configured = settings.from_environment()
        problem = bind_problem(bind or configured["BIND"])
        if problem is None and configured["METRICS_BIND"]:
            problem = bind_problem(configured["METRICS_BIND"])
        if problem is None and configured["DATABASE_URL"]:
            problem = connection_problem(str(configured["DATABASE_URL"]))
        if problem is None:
            app = create_app(overrides)
    except (ConfigError, ContentError) as error:
        problem = one_line(error)
    if problem is not None:
        click.echo(f"ivr serve: cannot start: {problem}", err=True)
        sys.exit(2)
    problem = schema_problem(Statistics.of(app).store.url)
    if problem is not None:
        click.echo(f"ivr serve: cannot start: {problem}", err=True)
        sys.exit(2)
    LineServer(app, server_options(app.config), rebuild=lambda: create_app(overrides)).run()
