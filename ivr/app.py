"""The application factory: the settings, then the line's parts, each a component registered on the app
with `init_app` (ivr/component.py), then the web app around them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr import pages, settings, staff, startpage
from ivr.audio import web as audio_web
from ivr.audio.library import Library
from ivr.audio.web import AudioFiles, AudioSpeaker
from ivr.callbacks.web import CallbackPages
from ivr.caps import CapWatch
from ivr.closures.book import ClosureBook
from ivr.closures.live import LiveClosures, Reader
from ivr.closures.web import ClosurePages
from ivr.component import Component
from ivr.db import Database, default_url, sqlite_file
from ivr.line import events
from ivr.line.clock import Clock, system_clock
from ivr.line.content import Content
from ivr.line.events import Observer
from ivr.line.lines import Lines, configured_contents
from ivr.line.running import DOCUMENTS, Line
from ivr.login_failures import LoginFailures
from ivr.ops import gunicorn_conf, health
from ivr.ops.contentwatch import ContentWatch
from ivr.ops.metrics import Metrics
from ivr.ops.readiness import DatabaseProbe, Readiness
from ivr.staff_accounts import StaffAccounts
from ivr.stats.gate import StaffGate
from ivr.stats.recorder import Recorder
from ivr.stats.store import Store
from ivr.stats.web import Statistics
from ivr.tryout import preview
from ivr.tryout.trial import Trial
from ivr.versions.drafts import number_override
from ivr.versions.live import Builder, LiveContent
from ivr.versions.live import Reader as VersionsReader
from ivr.versions.store import ContentVersions, Version
from ivr.versions.web import ContentPages
from ivr.webhook import requestlog
from ivr.webhook.endpoint import Webhook
from ivr.webhook.signature import Signatures, Validator
from ivr.webhook.steps import ActionUrls

if TYPE_CHECKING:
    from ivr.callbacks.desk import CallbackDesk, TrialDesk
    from ivr.sms.service import LeafletSms, TrialSms

__all__ = ["create_app"]
log = logging.getLogger("ivr")


CLOCK = "ivr.clock"


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    clock: Clock | None = None,
    contents: Sequence[Content] | None = None,
    trial: Trial | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Flask:
    """Create the line's Flask app: defaults, then IVR_* environment, then test overrides.

    `clock` is the one time every part reads (a test's or the preview's; else the system's), `contents` the
    lines to run instead of the configured files (the preview runs what the line loaded), and `trial` makes
    the app one for trial calls: counted nowhere, its callbacks and SMS never real. `monotonic` is the
    seconds in which published content is read again (a test's, to step past the time to live).
    """
    # The instance folder (the default statistics file) is the working directory's, as the audio folder is,
    # never a place Flask infers from where the package is installed.
    app = Flask(__name__, instance_path=str(settings.instance_folder()))
    app.config.from_mapping(settings.defaults())
    settings.read_environment(app.config)
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
    # Staff pages and the preview take small bodies too; the call routes check their own.
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    # Only the methods Twilio and the load balancer use: no automatic OPTIONS answers.
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    preview.check_settings(app.config)

    # The parts, each built once from the settings, in an order where each finds what it needs.
    # One clock for every part: the calls, the statistics' retention and the staff pages read the same time.
    clock = clock or system_clock
    app.extensions[CLOCK] = clock
    hash_key = events.hash_key(token)
    database = Database(app.config["DATABASE_URL"] or default_url(app.instance_path))
    # Who is told when a cap on SMS or callbacks fills or refuses: the metrics, added once they are built.
    cap_watches: list[CapWatch] = []
    # The callback list, where the deployment has a key to encrypt its numbers with.
    desk, staff_list = _desk(app.config, database, hash_key, trial, cap_watches)
    sms = _sms(app.config, database, hash_key, trial, cap_watches)
    if contents is None:
        contents = configured_contents(app.config)
    # Staff's closures, read by every line from memory and again every few seconds (ivr/closures/live.py).
    closures = ClosureBook(database)
    live = LiveClosures(_closure_reader(closures, trial))
    lines, libraries, build = _lines(app.config, contents, clock, desk, sms, closures=live)
    published = _follow_published(app.config, lines, build, database, trial, monotonic)
    store = Store(database)
    recorder = Recorder(store, retention_days=app.config["STATS_RETENTION_DAYS"], clock=clock)
    # A trial call (staff trying the line) never counts in the statistics, nor writes request log lines.
    observers: list[Observer] = [] if trial else [recorder]
    validator = Validator(token) if token else None
    watched = app.config["CONTENT_DIR"] or lines.first.content.source
    watch = ContentWatch(watched, app.config["SECRETARIAT_NUMBER"], folder=bool(app.config["CONTENT_DIR"]))
    components: list[Component] = [
        AudioFiles(libraries, refresh=lines.refresh),
        watch,
        Statistics(store, recorder, lines, clock),
        # Staff pages take a slot first, so they can never hold the workers the calls need.
        StaffGate.for_line(
            database.url,
            app.config["STAFF_PAGES_AT_ONCE"],
            wait=app.config["STAFF_WAIT_SECONDS"],
            # Every thread but one per worker: some worker always has a thread for a call.
            seats=(app.config["WORKERS"] or gunicorn_conf.workers) * (gunicorn_conf.threads - 1),
        ),
        staff.StaffLogin(
            staff.Login.from_config(app.config, LoginFailures(database), StaffAccounts(database)),
            hash_key,
            clock,
            # Once a token is set the line is a real one: development mode opens no staff page without login.
            development=app.config["DEVELOPMENT"] and token is None,
            **_login_proxies(app.config),
        ),
        CallbackPages(staff_list, lines=lines, clock=clock, key=hash_key),
        ClosurePages(closures, live, lines=lines, clock=clock, key=hash_key),
        ContentPages(
            ContentVersions(database), published, app.config, lines=lines, clock=clock, key=hash_key
        ),
        preview.Preview(app.config, lines, watch, clock, factory=create_app),
        Readiness(DatabaseProbe(database), watch, lines, libraries),
    ]
    # Trial calls (the preview) are counted nowhere, the metrics neither.
    metrics = None if trial else Metrics(recorder)
    if metrics is not None:
        components.append(metrics)
        cap_watches.append(metrics)
    if isinstance(sms, Component):
        # A real sender: its worker finishes the SMS promised to callers before it stops (gunicorn_conf).
        components.append(sms)
    for component in components:
        component.init_app(app)

    # The rest of the web app: the health check, Danish error pages, one log line per request.
    app.register_blueprint(health.bp)
    # Behind the staff login (a named account may be added at any time): where staff pages cannot be seen at
    # all, the login answers 404.
    app.register_blueprint(startpage.bp)
    pages.init_app(app)
    requestlog.init_app(app)
    # The call routes are answered by the webhook, in front of Flask.
    Webhook(
        lines=lines,
        signatures=Signatures(validator, app.config["PUBLIC_URL"]),
        observers=observers,
        hash_key=hash_key,
        max_body=app.config["MAX_BODY_BYTES"],
        log_requests=trial is None,
        meter=metrics,
    ).init_app(app)
    if app.config["TRUSTED_PROXIES"] and not app.config["PUBLIC_URL"]:
        # Outermost, so that everything inside (the webhook too) sees the URL Twilio called.
        hops = app.config["TRUSTED_PROXIES"]
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]
    return app


def clock_of(app: Flask) -> Clock:
    """The one clock every part of `app` reads."""
    clock: Clock = app.extensions[CLOCK]
    return clock


def _login_proxies(config: Mapping[str, Any]) -> dict[str, Any]:
    """Which proxies the staff login's throttle looks behind for the client's own address: none where
    ProxyFix has put it in REMOTE_ADDR already, else IVR_TRUSTED_PROXIES, else with IVR_PUBLIC_URL one proxy
    on this host (the shipped nginx)."""
    hops, public = config["TRUSTED_PROXIES"], config["PUBLIC_URL"]
    if not public:
        return {"hops": 0}
    return {"hops": hops} if hops else {"hops": 1, "implied": True}


def _closure_reader(closures: ClosureBook, trial: Trial | None) -> Reader:
    """How the lines read staff's closures: from the database, but a trial call never makes its file."""
    path = sqlite_file(closures.database.url)
    if trial is not None and path is not None and not path.exists():
        return lambda _now: {}
    return closures.periods


def _follow_published(  # noqa: PLR0917 (what the factory hands on)
    config: Mapping[str, Any],
    lines: Lines,
    build: Builder,
    database: Database,
    trial: Trial | None,
    monotonic: Callable[[], float],
) -> LiveContent | None:
    """Run each line's newest published version (`ivr publish`) instead of its file, now and as published;
    a trial of staff's drafts runs the drafts only."""
    if trial is not None and trial.draft:
        return None
    reader = _versions_reader(database)
    published = LiveContent(lines, reader, build, number=number_override(config), monotonic=monotonic)
    lines.follow = published.follow
    published.follow()
    return published


def _versions_reader(database: Database) -> VersionsReader:
    """How the lines read the published versions: from the database, where it is there (a SQLite file not
    made yet holds none, and a read never makes it: only `ivr db upgrade` does)."""
    path = sqlite_file(database.url)
    versions = ContentVersions(database)

    def newest() -> Mapping[str, Version]:
        return {} if path is not None and not path.exists() else versions.newest()

    return newest


def _desk(
    config: Mapping[str, Any],
    database: Database,
    hash_key: bytes,
    trial: Trial | None,
    watches: Sequence[CapWatch],
) -> tuple[CallbackDesk | TrialDesk | None, CallbackDesk | None]:
    """The callback list the calls use and the one staff see, where the deployment has a key for it
    (imported only then: `cryptography` weighs about 8 MiB)."""
    key = config["CALLBACK_KEY"]
    if not key:
        return None, None
    from ivr.callbacks.desk import CallbackDesk, TrialDesk  # noqa: PLC0415

    # A trial call (the preview, an in-process `ivr call`) never reaches the secretariat's real list.
    if trial is not None:
        return TrialDesk(), None
    desk = CallbackDesk(
        database, key, hash_key, config["CALLBACK_DAYS"], config["CALLBACKS_PER_HOUR"], watches=watches
    )
    return desk, desk


def _sms(
    config: Mapping[str, Any],
    database: Database,
    hash_key: bytes,
    trial: Trial | None,
    watches: Sequence[CapWatch],
) -> LeafletSms | TrialSms | None:
    """The leaflet by SMS, where the deployment can send (the account, its token and a sender number)."""
    from ivr.sms.service import LeafletSms, TrialSms  # noqa: PLC0415  (only where SMS may be sent)

    account, token, sender = (
        config[settings.ACCOUNT_VARIABLE],
        config[settings.TOKEN_VARIABLE],
        config["SMS_FROM"],
    )
    if trial is not None:
        # A trial call never sends one, configured or not; `ivr call --sms` chooses what the line is told.
        return TrialSms(trial.sms_sent)
    if not (account and token and sender):
        return None
    from ivr.caps import DAY, HOUR, Cap  # noqa: PLC0415
    from ivr.sms.ledger import SmsLedger  # noqa: PLC0415
    from ivr.sms.sender import SmsSender  # noqa: PLC0415

    caps = (Cap("sms_per_hour", config["SMS_PER_HOUR"], HOUR), Cap("sms_per_day", config["SMS_PER_DAY"], DAY))
    return LeafletSms(
        SmsLedger(database, hash_key, caps=caps, watches=watches),
        SmsSender(account, token, sender, api_url=config["TWILIO_API_URL"]),
        hash_key,
    )


def _lines(
    config: Mapping[str, Any],
    contents: Sequence[Content],
    clock: Clock,
    desk: CallbackDesk | TrialDesk | None,
    sms: LeafletSms | TrialSms | None,
    *,
    closures: LiveClosures,
) -> tuple[Lines, dict[str, Library], Builder]:
    """Build every configured line with its audio: the running lines, each one's library by line id, and how
    to build a line again for new content (a published version)."""
    # A folder of lines keeps each line's audio in its own sub-folder and names the line in its action URLs.
    per_line = bool(config["CONTENT_DIR"])
    libraries: dict[str, Library] = {}
    speakers: dict[str, AudioSpeaker] = {}
    for content in contents:
        line_id = content.line.id
        libraries[line_id], speakers[line_id] = audio_web.load(config, line_id if per_line else None)
    share = max(16, DOCUMENTS // len(contents))

    def build(content: Content, never: frozenset[str]) -> Line:
        line_id = content.line.id
        urls = ActionUrls(config["PUBLIC_URL"], line_id if per_line else None, desk.seal if desk else None)
        line = Line.from_config(
            config,
            urls,
            speakers[line_id],
            content,
            cache_size=share,
            callbacks=desk,
            sms=sms,
            clock=clock,
            never=never,
            closures=closures,
        )
        libraries[line_id].log_status(content.audio_prompts())
        return line

    # No line ever rings back or texts a number any line answers or puts callers through to.
    never = frozenset(number for content in contents for number in (content.number, *content.line.numbers))
    return Lines(build(content, never) for content in contents), libraries, build
