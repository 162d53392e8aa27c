"""Rodblokade-linjen: a Danish telephone information line for patients before a nerve root block."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr import calllog, events, fastlane, health, preview, safety, settings, stats, voice
from ivr.audio import web as audio_web
from ivr.line import Line
from ivr.security import Validator
from ivr.webhook_request import WebhookRequest

__all__ = ["create_app"]
log = logging.getLogger("ivr")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the line's Flask app: defaults, then IVR_* environment, then test overrides."""
    app = Flask(__name__)
    app.request_class = WebhookRequest
    app.config.from_mapping(settings.defaults())
    app.config.from_prefixed_env(settings.PREFIX.rstrip("_"))
    settings.apply_environment(app.config)
    if test_config is not None:
        app.config.from_mapping(test_config)
    settings.validate(app.config)

    token = app.config[settings.TOKEN_VARIABLE]
    if token is None:
        log.warning(
            "!!! DEVELOPMENT MODE: %s is not set, so requests are NOT checked to come from Twilio. "
            "Never run a public line like this. !!!",
            settings.TOKEN_VARIABLE,
        )
    app.extensions["ivr.validator"] = Validator(token) if token else None
    app.extensions["ivr.hash_key"] = events.hash_key(token)
    # Listeners for call events (statistics, for one); each is called after every step of a call.
    app.extensions["ivr.observers"] = []
    # Only the methods Twilio and the load balancer use: no automatic OPTIONS answers.
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    speaker = audio_web.init_app(app)
    app.register_blueprint(voice.bp)
    app.extensions["ivr.line"] = Line.from_config(app.config, voice.ActionUrls.for_app(app), speaker)
    speaker.library.log_status(app.extensions["ivr.line"].content.all_prompts())
    app.register_blueprint(health.bp)
    preview.init_app(app)
    stats.init_app(app)
    safety.init_app(app)
    calllog.init_app(app)
    fastlane.install(app)
    if app.config["TRUSTED_PROXIES"] and not app.config["PUBLIC_URL"]:
        # Outermost, so that everything inside (the fast lane too) sees the URL Twilio called.
        hops = app.config["TRUSTED_PROXIES"]
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]
    return app
