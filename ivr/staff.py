"""The staff login of the staff pages: HTTP Basic, the configured login or a named account (a password hash
each), a throttle all workers share."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, wraps
from typing import Any, ClassVar, TypeVar

import click
from flask import Blueprint, Response, abort, g, request
from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import check_password_hash, generate_password_hash

from ivr.cli_errors import Stop
from ivr.component import Component
from ivr.line.clock import Clock
from ivr.line.lines import Lines
from ivr.login_failures import LoginFailures
from ivr.settings import MIN_PASSWORD_LENGTH, MIN_PASSWORD_SCORE, password_strength
from ivr.staff_accounts import StaffAccounts, account_name

View = TypeVar("View", bound=Callable[..., object])
log = logging.getLogger(__name__)
REALM = 'Basic realm="Rodblokade-linjen, personale", charset="UTF-8"'
# Failed logins one client address may make in the window before it must wait; every worker counts them
# in the same table (ivr/login_failures.py), so a guesser gets no more tries from more workers.
MAX_FAILURES = 10
WINDOW = timedelta(minutes=10)


class Login:
    """Checks a staff member's user name and password: the configured single login (IVR_STAFF_USER), else the
    named accounts (`ivr staff add`); counts failed tries."""

    def __init__(
        self,
        user: str | None,
        password_hash: str | None,
        failures: LoginFailures,
        accounts: StaffAccounts | None = None,
    ) -> None:
        self.user = user
        self.password_hash = password_hash
        self.failures = failures
        self.accounts = accounts

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], failures: LoginFailures, accounts: StaffAccounts | None = None
    ) -> Login | None:
        """The configured login and the named accounts, or None when staff pages have neither (off, or open
        in development mode)."""
        user, password, hashed = config["STAFF_USER"], config["STAFF_PASSWORD"], config["STAFF_PASSWORD_HASH"]
        if not (user and (password or hashed)):
            return None if accounts is None else cls(None, None, failures, accounts)
        # A plain password is hashed once here, so both ways are checked alike, in constant time.
        return cls(
            str(user), str(hashed) if hashed else generate_password_hash(str(password)), failures, accounts
        )

    def possible(self) -> bool:
        """Tell whether anyone can log in: a configured login, or at least one named account."""
        return self.user is not None or (self.accounts is not None and self.accounts.exist())

    def accepts(self, user: str, password: str) -> str | None:
        """The name of the staff member whose user name and password these are, else None; a password is
        always checked, against a decoy hash when the name is nobody's."""
        single = self.user is not None and self.password_hash is not None
        if single and hmac.compare_digest(user.encode("utf-8"), str(self.user).encode("utf-8")):
            return self.user if check_password_hash(str(self.password_hash), password) else None
        hashed = self.accounts.password_hash(user) if self.accounts is not None and user else None
        right = check_password_hash(hashed or _decoy(), password)
        return account_name(user) if right and hashed is not None else None


@cache
def _decoy() -> str:
    """A hash no password matches, checked for a name that is nobody's, so a wrong name takes as long."""
    return generate_password_hash(secrets.token_hex(16))


def client_address(peer: str | None, forwarded: str | None, hops: int) -> str | None:
    """The client's address behind `hops` trusted proxies: the hops-th from the right of X-Forwarded-For
    (each proxy appends, or like the shipped nginx sets, the address it saw), else the peer's own.

    A header with fewer addresses than proxies was not made by them: the peer's own address counts then,
    shared by everyone behind it (more throttling, never less).
    """
    if hops <= 0 or not forwarded:
        return peer
    seen = [part.strip() for part in forwarded.split(",")]
    return seen[-hops] if len(seen) >= hops and seen[-hops] else peer


def client_hash(address: str | None, key: bytes) -> str:
    """A keyed hash of the client's address: enough to count its failures, never the address itself."""
    return hmac.new(key, b"staff-login:" + (address or "?").encode("utf-8"), hashlib.sha256).hexdigest()[:32]


@dataclass(eq=False)
class StaffLogin(Component):
    """The staff pages' door: the login (None when there is none; it counts the failed tries), the key that
    hashes a client's address, and the clock that dates a failure."""

    extension = "ivr.staff_login"

    login: Login | None
    hash_key: bytes
    clock: Clock
    # Without a login the pages exist only in development mode, on the developer's own machine.
    development: bool = field(kw_only=True)
    # The proxies in front whose X-Forwarded-For names the client the throttle counts (0: the peer is).
    # `implied`: one proxy assumed from IVR_PUBLIC_URL alone, trusted only when it talks from this host.
    hops: int = field(default=0, kw_only=True)
    implied: bool = field(default=False, kw_only=True)

    def required(self, headers: Mapping[str, str] | None = None) -> Response | None:
        """Answer 404 when staff pages are off, 401 or 429 without the right login, None when allowed."""
        try:
            if self.login is None or not self.login.possible():
                if not self.development:
                    abort(404)
                return None
            client = client_hash(self._address(), self.hash_key)
            return self._check(self.login, client, headers or {})
        except (SQLAlchemyError, OSError):
            # The throttle cannot be read (the database is down, its folder cannot be made): fail closed, a
            # login must never bypass it.
            log.exception("staff login: the failed-login table cannot be used; logins refused")
            return Response("Login er ikke muligt lige nu. Prøv igen om lidt.\n", 503, {"Retry-After": "60"})

    def _address(self) -> str | None:
        """The address of the client whose failed logins are counted: the real one behind the proxy."""
        peer = request.remote_addr
        if self.implied and not _loopback(peer):
            return peer
        return client_address(peer, request.headers.get("X-Forwarded-For"), self.hops)

    def _check(self, login: Login, client: str, headers: Mapping[str, str]) -> Response | None:
        """Refuse a throttled client before looking at its password; count a wrong one."""
        now = self.clock()
        failures = login.failures.since(client, now - WINDOW)
        if len(failures) >= MAX_FAILURES:
            wait = max(1, math.ceil((failures[-MAX_FAILURES] + WINDOW - now).total_seconds()))
            log.warning(
                "staff login: client %s throttled for %d s after %d failures", client, wait, len(failures)
            )
            minutes = math.ceil(wait / 60)
            unit = "minut" if minutes == 1 else "minutter"
            text = f"For mange forkerte forsøg. Prøv igen om {minutes} {unit}.\n"
            return Response(text, 429, {"Retry-After": str(wait)})
        auth = request.authorization
        basic = auth is not None and auth.type == "basic"
        user = (auth.username or "") if auth and basic else ""
        password = (auth.password or "") if auth and basic else ""
        if (name := login.accepts(user, password)) is not None:
            # Who did what on the pages: the access logs name this staff member (user()).
            g.ivr_staff_user = name
            if failures:
                # Forgotten, so a staff member's own typos never add up to a lock-out later; a guesser gains
                # nothing, as only the right password clears them (a write only after failures, never per
                # page).
                login.failures.clear(client)
            return None
        if auth is not None:
            # A browser's first request carries no login: only a login actually tried counts as a failure.
            login.failures.add(client, now, forget_before=now - WINDOW)
            log.warning(
                "staff login: wrong user name or password from client %s (%d in 10 min)",
                client,
                len(failures) + 1,
            )
        challenge = {"WWW-Authenticate": REALM, **headers}
        return Response("Log ind med personalets brugernavn og adgangskode.\n", 401, challenge)


def _loopback(address: str | None) -> bool:
    """Tell whether a peer talks from this host (a proxy beside the line, as deploy/ has it)."""
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def login_required(headers: Mapping[str, str] | None = None) -> Response | None:
    """The staff login of the app answering this request (StaffLogin.required)."""
    return StaffLogin.current().required(headers)


def user() -> str:
    """The staff user of this request, as logs name them (the development machine's has none)."""
    if (name := g.get("ivr_staff_user")) is not None:
        return str(name)[:64]
    auth = request.authorization
    return (auth.username or "?")[:64] if auth is not None and auth.username else "udvikling"


# How long a staff page's form token is good for: a page left open through a working day, not for ever.
FORM_TOKEN_SECONDS = 12 * 3600


class ClockSigner(TimestampSigner):
    """itsdangerous' timestamped signer on the app's clock, so a form's token ages with the app's time.

    A staff page's POST forms carry the user's name signed with it, so another site cannot make a logged-in
    browser press the page's buttons; each page signs with its own `salt`.
    """

    def __init__(self, key: bytes, clock: Clock, salt: str) -> None:
        super().__init__(key, salt=salt)
        self.clock = clock

    def get_timestamp(self) -> int:
        return int(self.clock().timestamp())

    def token(self) -> str:
        """The form token of this request's staff user, signed now."""
        return self.sign(user()).decode("ascii")

    def posted(self) -> bool:
        """Whether the form carries this user's token, signed at most FORM_TOKEN_SECONDS ago."""
        return self.valid(request.form.get("token", ""))

    def valid(self, token: str, max_age: int = FORM_TOKEN_SECONDS) -> bool:
        """Tell whether a posted token is this user's, signed at most `max_age` seconds ago (never ahead)."""
        try:
            signed = self.unsign(token, max_age=max_age)
        except BadSignature:  # forged, altered, expired (SignatureExpired) or dated ahead of the clock
            return False
        return hmac.compare_digest(signed, user().encode("utf-8"))


# Said on a staff page whose form token is stale or missing (the page was open too long, or another site
# posted it).
STALE_FORM = "Siden er for gammel: hent den igen, og prøv så igen."


@dataclass(eq=False, kw_only=True)
class StaffPages(Component):
    """A staff page with forms: the lines it names, the app's clock, and the key its forms' tokens are
    signed with (under the page's own `salt`).

    A page declares its `blueprint`; the blueprint's name, which Flask keeps unique in an app, names the part
    (`extension`) and its salt, so no page's tokens are good on another's forms.
    """

    blueprint: ClassVar[Blueprint]
    salt: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.extension = f"ivr.{cls.blueprint.name}"
        # "ivr.staff-closed" for the blueprint staff_closed: the salts as they were before they were derived,
        # so the forms open when a new version starts still post.
        cls.salt = f"ivr.{cls.blueprint.name.replace('_', '-')}"

    lines: Lines
    clock: Clock
    key: bytes

    @classmethod
    def signer(cls) -> ClockSigner:
        """The form signer of this kind of page in the app answering the current request."""
        pages = cls.current()
        return ClockSigner(pages.key, pages.clock, salt=cls.salt)


def staff_only(view: View) -> View:
    """Wrap a view in the staff login."""

    @wraps(view)
    def checked(*args: object, **kwargs: object) -> object:
        refused = login_required()
        return refused if refused is not None else view(*args, **kwargs)

    return checked  # type: ignore[return-value]


@click.command("staff-password", context_settings={"help_option_names": ["-h", "--help"]})
def staff_password() -> None:
    """Spørg to gange efter en adgangskode til personalet, og vis dens hash til IVR_STAFF_PASSWORD_HASH."""
    click.echo(new_password_hash())
    click.echo(
        "Sæt den som IVR_STAFF_PASSWORD_HASH i linjens miljø (i stedet for IVR_STAFF_PASSWORD), "
        "og genstart linjen.",
        err=True,
    )


def new_password_hash(user: str | None = None) -> str:
    """Ask for a new staff password twice (on stderr) and return its hash; Stop when weak or not given."""
    try:
        # The prompts on stderr, so that stdout holds the hash alone (`ivr staff-password > hash.txt`).
        password: str = click.prompt(
            "Ny adgangskode", hide_input=True, confirmation_prompt="Gentag adgangskoden", err=True
        )
    except click.Abort:
        raise Stop("der blev ikke skrevet nogen adgangskode") from None
    # Said in Danish: staff type this (`ivr staff add`), as IT does (`ivr staff-password`).
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Stop(f"adgangskoden skal have mindst {MIN_PASSWORD_LENGTH} tegn, ikke {len(password)}")
    strength = password_strength(password, user)
    if strength < MIN_PASSWORD_SCORE:
        raise Stop(
            f"adgangskoden er for let at gætte (styrke {strength} af 4, mindst {MIN_PASSWORD_SCORE}); "
            "brug fire eller fem ord, der ikke hænger sammen"
        )
    return generate_password_hash(password)
