"""Every configuration setting, declared once: name, default, help, and how to read it."""

from __future__ import annotations

import base64
import os
import re
import string
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

PREFIX = "IVR_"
TOKEN_VARIABLE = "TWILIO_AUTH_TOKEN"
# The account that sends the leaflet by SMS (with the auth token), read from the environment as the token is.
ACCOUNT_VARIABLE = "TWILIO_ACCOUNT_SID"
# The shortest staff password the line starts with (the staff pages are on the internet).
MIN_PASSWORD_LENGTH = 12
# zxcvbn's score a staff password needs, of 0-4: 3 is "safely unguessable" (about 10^8 guesses and more).
MIN_PASSWORD_SCORE = 3
# Words a guesser tries first against this line's staff pages.
PASSWORD_WORDS = ("rodblokade", "linjen", "personale", "sekretariat", "hospital", "staff", "ivr")


class ConfigError(Exception):
    """A setting has a value the line cannot run with."""


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str) and str(value).strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, int | str) and str(value).strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("must be true or false")


def _whole(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, bool) or not str(value).strip().isdigit():
            raise ValueError(f"must be a whole number from {low} to {high}")
        number = int(str(value))
        if not low <= number <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return number

    return parse


def _path(value: object) -> Path | None:
    return None if value in (None, "") else Path(str(value))


def _fernet_key(value: object) -> str | None:
    """A Fernet key: 32 bytes in url-safe base64 (44 characters), as `ivr callback-key` prints it."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("must be a key made by `ivr callback-key` (44 characters of url-safe base64)")
    return text


def _unquoted(value: object) -> object:
    """A value in JSON's double quotes, as these settings were once written ('"+4597662400"'), without them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _sms_from(value: object) -> str | None:
    """Where the SMS comes from: a number in E.164 or a messaging service's sid."""
    value = _unquoted(value)
    if value in (None, ""):
        return None
    text = str(value)
    if re.fullmatch(r"\+[1-9][0-9]{6,14}", text) or re.fullmatch(r"MG[0-9a-f]{32}", text):
        return text
    raise ValueError("must be a number like +4578787878 or a messaging service sid MG...")


def _public_url(value: object) -> str | None:
    if value in (None, ""):
        return None
    parts = urlsplit(str(value))
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("must be the public base URL, like https://ivr.example.dk")
    return str(value).rstrip("/")


def _bind(value: object) -> str:
    text = str(value).strip()
    host, _, port = text.rpartition(":")
    if text.startswith("unix:") and len(text) > 5:
        return text
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("must be host:port (e.g. 127.0.0.1:8000) or unix:/path/to.sock")
    return text


def _metrics_bind(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if text.startswith("unix:"):
        raise ValueError("must be host:port (e.g. 127.0.0.1:9101); Prometheus scrapes over TCP")
    return _bind(text)


def _database_url(value: object) -> str | None:
    """A SQLAlchemy URL whose database kind and driver are installed; checked at start, not at the first call."""
    text = _text(value)
    if text is None:
        return None
    try:
        make_url(text).get_dialect()
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError):
        raise ValueError(
            "must be a database URL the line can use, like sqlite:////var/lib/rodblokade-linjen/ivr-stats.sqlite "
            "or postgresql+psycopg://user:password@host/database"
        ) from None
    return text


def _phone(value: object) -> str | None:
    return _text(_unquoted(value))


def _staff_password(value: object) -> str | None:
    text = _text(value)
    if text is not None and len(text) < MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"must be at least {MIN_PASSWORD_LENGTH} characters, not {len(text)} "
            f"(or set {PREFIX}STAFF_PASSWORD_HASH from `ivr staff-password` instead)"
        )
    return text


def password_strength(password: str, user: str | None = None) -> int:
    """How hard a password is to guess, 0-4, by zxcvbn's estimate (a maintained library that knows common
    passwords, keyboard walks, repeats and dates; here Danish words too)."""
    from zxcvbn import zxcvbn  # noqa: PLC0415  (only where a password is set)

    _know_danish_words()
    score: int = zxcvbn(password, user_inputs=[*PASSWORD_WORDS, *([user] if user else [])])["score"]
    return score


def guessable(password: str, user: str | None = None) -> str | None:
    """Why a password is too easy to guess (for the IVR_STAFF_PASSWORD setting's error), else None."""
    score = password_strength(password, user)
    if score >= MIN_PASSWORD_SCORE:
        return None
    return (
        f"is too easy to guess (strength {score} of 4, at least {MIN_PASSWORD_SCORE} needed); "
        "use four or five unrelated words"
    )


@lru_cache(maxsize=1)
def _know_danish_words() -> None:
    """Teach zxcvbn the Danish words passwords are made of (ivr/passwords/danish.txt; its own lists are English).
    Added to zxcvbn's dictionaries once per process, as its `add_frequency_lists` is meant to be used."""
    from zxcvbn import matching  # noqa: PLC0415

    text = resources.files("ivr.passwords").joinpath("danish.txt").read_text(encoding="utf-8")
    words = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    matching.add_frequency_lists({"danish": words})


def _password_hash(value: object) -> str | None:
    text = _text(value)
    if text is not None and not _werkzeug_reads(text):
        raise ValueError("must be a hash as `ivr staff-password` prints it, like scrypt:32768:8:1$salt$hex")
    return text


@lru_cache(maxsize=8)  # the preview's twin validates the same hash again; checking it costs a hashing
def _werkzeug_reads(text: str) -> bool:
    """Tell whether werkzeug can check passwords against `text` (method$salt$hex, a method it knows)."""
    method, _, rest = text.partition("$")
    salt, _, digest = rest.partition("$")
    if not (method and salt and digest) or not set(digest) <= set(string.hexdigits):
        # werkzeug would quietly refuse every password against such a hash.
        return False
    from werkzeug.security import check_password_hash  # noqa: PLC0415  (only when a hash is set)

    try:
        check_password_hash(text, "")
    except ValueError:  # an unknown method, or parameters werkzeug cannot read
        return False
    return True


@dataclass(frozen=True)
class Setting:
    """One configuration variable: IVR_<name> in the environment, <name> in app.config."""

    name: str
    default: Any
    help: str
    parse: Callable[[object], Any]
    # A secret's value never appears in an error message.
    secret: bool = False

    @property
    def variable(self) -> str:
        return PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting("CONTENT_FILE", None, "The content file of a single line (texts, menu, hours). Default: the packaged ivr/leaflets/rodblokade.toml.", _path),
    Setting("CONTENT_DIR", None, "A folder of content files, one line each (*.toml), routed by the number called; instead of IVR_CONTENT_FILE.", _path),
    Setting("SECRETARIAT_NUMBER", None, "Overrides the content file's secretariat number (E.164, like +4597662400).", _phone),
    Setting("VOICE", "Polly.Naja", "Twilio voice for <Say>, e.g. Polly.Naja, Polly.Mads, Google.da-DK-Wavenet-A.", _text),
    Setting("GATHER_TIMEOUT", 7, "Seconds to wait for a key after a prompt ends.", _whole(1, 60)),
    Setting("DIAL_TIMEOUT", 30, "Seconds the secretariat's phone rings before the caller is told it did not answer.", _whole(5, 120)),
    Setting("MAX_TRIES", 3, "Invalid or silent turns in a row before the line says goodbye.", _whole(1, 10)),
    Setting("PUBLIC_URL", None, "The base URL Twilio calls (https://...), used to check signatures behind a proxy.", _public_url),
    Setting("TRUSTED_PROXIES", 0, "How many reverse proxies' X-Forwarded-* headers to trust when IVR_PUBLIC_URL is unset.", _whole(0, 5)),
    Setting("AUDIO_DIR", None, "Folder of built audio prompts and their manifest (ivr build-audio). Default: audio/ in the working directory.", _path),
    Setting("DRAFT_DIR", None, "Folder of the drafts staff try before publishing (ivr draft, ivr publish), a content file per line and their audio. Default: drafts/ in the working directory.", _path),
    Setting("CALLBACK_KEY", None, "The key callback numbers are encrypted with (from `ivr callback-key`); set, callers can ask the secretariat to ring them back. Only from the environment.", _fernet_key, secret=True),
    Setting("CALLBACK_DAYS", 7, "Days a callback request is kept at most, done or not; then it is deleted.", _whole(1, 90)),
    Setting("CALLBACKS_PER_HOUR", 30, "New callback requests a line takes at most in an hour, across every worker and host; callers past it hear that the list is full and when to call.", _whole(1, 100000)),
    Setting("SMS_FROM", None, "The number (E.164, like +4578787878) or messaging service (MG...) the leaflet's SMS comes from; with TWILIO_ACCOUNT_SID, callers can press 8 for the leaflet by SMS.", _sms_from),
    Setting("SMS_PER_HOUR", 30, "SMS a line sends at most in an hour, across every worker and host; callers past it hear that no SMS can be sent.", _whole(1, 100000)),
    Setting("SMS_PER_DAY", 200, "SMS a line sends at most in a day (UTC), across every worker and host.", _whole(1, 1000000)),
    Setting("TWILIO_API_URL", None, "For tests only: the base URL of a stand-in for Twilio's REST API (default https://api.twilio.com).", _public_url),
    Setting("BIND", "127.0.0.1:8000", "Where `ivr serve` listens: host:port or unix:/path (behind the TLS proxy).", _bind),
    Setting("METRICS_BIND", None, "Where `ivr serve` also serves /metrics for Prometheus, without a login: host:port only the monitoring can reach. Unset: only /staff/metrics, behind the staff login.", _metrics_bind),
    Setting("WORKERS", 0, "Worker processes for `ivr serve`; 0 means two per CPU core plus one.", _whole(0, 64)),
    Setting("MAX_BODY_BYTES", 32768, "Largest request body accepted (Twilio sends about 2 KB); larger ones get 413.", _whole(1024, 1048576)),
    Setting("DEVELOPMENT", False, "Allows running without TWILIO_AUTH_TOKEN (signatures unchecked). Never in production.", _flag),
    Setting("DATABASE_URL", None, "Call statistics database (SQLAlchemy URL, e.g. postgresql+psycopg://...). Default: instance/ivr-stats.sqlite in the working directory.", _database_url),
    Setting("STATS_RETENTION_DAYS", 365, "Days call events are kept; each worker deletes older ones once a day (0 keeps them all).", _whole(0, 3650)),
    Setting("STAFF_PAGES_AT_ONCE", 1, "Staff pages (/staff/, /preview/) answered at once across all workers; more wait for their turn (IVR_STAFF_WAIT_SECONDS), so calls keep the CPU.", _whole(1, 16)),
    Setting("STAFF_WAIT_SECONDS", 10, "Seconds a staff page waits for its turn when others are being answered, before 503 with Retry-After (at most 10: the shipped nginx waits 12 s for an answer).", _whole(0, 10)),
    Setting("STAFF_USER", None, "User name for the staff pages (HTTP Basic). Unset: the pages are off, except in development mode.", _text),
    Setting("STAFF_PASSWORD", None, f"Password for the staff pages, at least {MIN_PASSWORD_LENGTH} characters and hard to guess (zxcvbn); set it in the environment only.", _staff_password, secret=True),
    Setting("STAFF_PASSWORD_HASH", None, "The staff password as a hash from `ivr staff-password`, instead of IVR_STAFF_PASSWORD.", _password_hash, secret=True),
)  # fmt: skip


def defaults() -> dict[str, Any]:
    """Return every setting's default, keyed as in app.config."""
    return {setting.name: setting.default for setting in SETTINGS} | {
        TOKEN_VARIABLE: None,
        ACCOUNT_VARIABLE: None,
    }


def apply_environment(config: MutableMapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
    """Read the Twilio account and token, which have no IVR_ prefix."""
    environ = os.environ if environ is None else environ
    config[TOKEN_VARIABLE] = environ.get(TOKEN_VARIABLE) or None
    config[ACCOUNT_VARIABLE] = environ.get(ACCOUNT_VARIABLE) or None


def read_environment(config: MutableMapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
    """Take every IVR_* variable into `config` (without the prefix) as the text it is: each setting's own parser
    reads it (`validate`), so a password like 1.000000000000 or a number like 4597662400 stays what was typed."""
    environ = os.environ if environ is None else environ
    for variable in sorted(environ):
        if variable.startswith(PREFIX):
            config[variable.removeprefix(PREFIX)] = environ[variable]


def instance_folder() -> Path:
    """The line's own folder for what it writes (the default statistics file): instance/ in the working directory."""
    return Path.cwd() / "instance"


def from_environment() -> dict[str, Any]:
    """Return the settings as the app reads them (defaults, then IVR_* variables), validated."""
    config = defaults()
    read_environment(config)
    apply_environment(config)
    validate(config, require_token=False)
    return config


def _shown(value: object) -> str:
    """A value in an error line: as typed when it is plain text, else quoted with escapes (spaces, control
    characters and the empty text made visible)."""
    if isinstance(value, str) and value and value.isprintable() and value.strip() == value:
        return value
    return repr(value)


def validate(config: MutableMapping[str, Any], require_token: bool = True) -> None:
    """Parse every setting in place, or raise ConfigError naming each bad variable."""
    problems = []
    for setting in SETTINGS:
        try:
            config[setting.name] = setting.parse(config.get(setting.name, setting.default))
        except ValueError as error:
            shown = "(hidden)" if setting.secret else _shown(config.get(setting.name))
            problems.append(f"{setting.variable}={shown}: {error}")
    if config.get("CONTENT_FILE") and config.get("CONTENT_DIR"):
        problems.append(f"{PREFIX}CONTENT_FILE and {PREFIX}CONTENT_DIR are both set: set only one of them")
    if config.get("CONTENT_DIR") and config.get("SECRETARIAT_NUMBER"):
        problems.append(
            f"{PREFIX}SECRETARIAT_NUMBER overrides a single line's number; with {PREFIX}CONTENT_DIR each file "
            "names its own"
        )
    password = config.get("STAFF_PASSWORD")
    parsed = not any(problem.startswith(f"{PREFIX}STAFF_PASSWORD=") for problem in problems)
    if password and parsed and (weak := guessable(password, config.get("STAFF_USER"))):
        problems.append(f"{PREFIX}STAFF_PASSWORD=(hidden): {weak}")
    if config.get("STAFF_PASSWORD") and config.get("STAFF_PASSWORD_HASH"):
        problems.append(
            f"{PREFIX}STAFF_PASSWORD and {PREFIX}STAFF_PASSWORD_HASH are both set: set only one of them"
        )
    if require_token and not config.get(TOKEN_VARIABLE) and not config.get("DEVELOPMENT"):
        problems.append(
            f"{TOKEN_VARIABLE} is not set: the line cannot check that requests come from Twilio. "
            f"Set it to the account's auth token (or {PREFIX}DEVELOPMENT=true on a developer's machine)."
        )
    if problems:
        raise ConfigError("configuration problem:\n  " + "\n  ".join(problems))
