"""Every configuration setting, declared once: name, default, help, and how to read it."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Config

PREFIX = "IVR_"
TOKEN_VARIABLE = "TWILIO_AUTH_TOKEN"


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


def _phone(value: object) -> str | None:
    # Flask's loader JSON-decodes, so an unquoted 4597662400 arrives as an int: keep the digits.
    return None if value in (None, "") else str(value)


@dataclass(frozen=True)
class Setting:
    """One configuration variable: IVR_<name> in the environment, <name> in app.config."""

    name: str
    default: Any
    help: str
    parse: Callable[[object], Any]

    @property
    def variable(self) -> str:
        return PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting("CONTENT_FILE", None, "The content file (texts, menu, hours). Default: the packaged ivr/content.toml.", _path),
    Setting("SECRETARIAT_NUMBER", None, "Overrides the content file's secretariat number (E.164, quoted: '\"+4597662400\"').", _phone),
    Setting("VOICE", "Polly.Naja", "Twilio voice for <Say>, e.g. Polly.Naja, Polly.Mads, Google.da-DK-Wavenet-A.", _text),
    Setting("GATHER_TIMEOUT", 7, "Seconds to wait for a key after a prompt ends.", _whole(1, 60)),
    Setting("DIAL_TIMEOUT", 30, "Seconds the secretariat's phone rings before the caller is told it did not answer.", _whole(5, 120)),
    Setting("MAX_TRIES", 3, "Invalid or silent turns in a row before the line says goodbye.", _whole(1, 10)),
    Setting("PUBLIC_URL", None, "The base URL Twilio calls (https://...), used to check signatures behind a proxy.", _public_url),
    Setting("TRUSTED_PROXIES", 0, "How many reverse proxies' X-Forwarded-* headers to trust when IVR_PUBLIC_URL is unset.", _whole(0, 5)),
    Setting("AUDIO_DIR", None, "Folder of built audio prompts and their manifest (ivr build-audio). Default: the repository's audio/.", _path),
    Setting("BIND", "127.0.0.1:8000", "Where `ivr serve` listens: host:port or unix:/path (behind the TLS proxy).", _bind),
    Setting("WORKERS", 0, "Worker processes for `ivr serve`; 0 means two per CPU core plus one.", _whole(0, 64)),
    Setting("MAX_BODY_BYTES", 32768, "Largest request body accepted (Twilio sends about 2 KB); larger ones get 413.", _whole(1024, 1048576)),
    Setting("DEVELOPMENT", False, "Allows running without TWILIO_AUTH_TOKEN (signatures unchecked). Never in production.", _flag),
    Setting("DATABASE_URL", None, "Call statistics database (SQLAlchemy URL, e.g. postgresql+psycopg://...). Default: a SQLite file in the instance folder.", _text),
    Setting("STATS_RETENTION_DAYS", 365, "Days call events are kept; each worker deletes older ones once a day (0 keeps them all).", _whole(0, 3650)),
    Setting("STAFF_USER", None, "User name for the staff pages (HTTP Basic). Unset: the pages are off, except in development mode.", _text),
    Setting("STAFF_PASSWORD", None, "Password for the staff pages; set it in the environment only.", _text),
)  # fmt: skip


def defaults() -> dict[str, Any]:
    """Return every setting's default, keyed as in app.config."""
    return {setting.name: setting.default for setting in SETTINGS} | {TOKEN_VARIABLE: None}


def apply_environment(config: MutableMapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
    """Read the Twilio token; the IVR_ settings themselves come through Flask's prefixed loader."""
    environ = os.environ if environ is None else environ
    config[TOKEN_VARIABLE] = environ.get(TOKEN_VARIABLE) or None


def from_environment() -> Config:
    """Return the settings as the app reads them (defaults, then IVR_* variables), validated."""
    config = Config(Path.cwd())
    config.from_mapping(defaults())
    config.from_prefixed_env(PREFIX.rstrip("_"))
    apply_environment(config)
    validate(config, require_token=False)
    return config


def validate(config: MutableMapping[str, Any], require_token: bool = True) -> None:
    """Parse every setting in place, or raise ConfigError naming each bad variable."""
    problems = []
    for setting in SETTINGS:
        try:
            config[setting.name] = setting.parse(config.get(setting.name, setting.default))
        except ValueError as error:
            problems.append(f"{setting.variable}={config.get(setting.name)!r}: {error}")
    if require_token and not config.get(TOKEN_VARIABLE) and not config.get("DEVELOPMENT"):
        problems.append(
            f"{TOKEN_VARIABLE} is not set: the line cannot check that requests come from Twilio. "
            f"Set it to the account's auth token (or {PREFIX}DEVELOPMENT=true on a developer's machine)."
        )
    if problems:
        raise ConfigError("configuration problem:\n  " + "\n  ".join(problems))
