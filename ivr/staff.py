"""The staff login shared by the staff pages: HTTP Basic with credentials from configuration."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from functools import wraps
from typing import TypeVar

from flask import Response, abort, current_app, request

View = TypeVar("View", bound=Callable[..., object])
REALM = 'Basic realm="Rodblokade-linjen, personale", charset="UTF-8"'


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def login_required(headers: Mapping[str, str] | None = None) -> Response | None:
    """Answer 404 when staff pages are off, 401 without the right login, None when allowed.

    Without configured credentials the pages do not exist, except in development mode, which shows them on
    the developer's own machine without a login.
    """
    user, password = current_app.config["STAFF_USER"], current_app.config["STAFF_PASSWORD"]
    if not (user and password):
        if not current_app.config["DEVELOPMENT"]:
            abort(404)
        return None
    auth = request.authorization
    basic = auth is not None and auth.type == "basic"
    given_user = (auth.username or "") if auth and basic else ""
    given_password = (auth.password or "") if auth and basic else ""
    # Compare both, always, so the time taken tells nothing about which one was wrong.
    if _same(given_user, str(user)) & _same(given_password, str(password)):
        return None
    challenge = {"WWW-Authenticate": REALM, **(headers or {})}
    return Response("Log ind med personalets brugernavn og adgangskode.\n", 401, challenge)


def staff_only(view: View) -> View:
    """Wrap a view in the staff login."""

    @wraps(view)
    def checked(*args: object, **kwargs: object) -> object:
        refused = login_required()
        return refused if refused is not None else view(*args, **kwargs)

    return checked  # type: ignore[return-value]
