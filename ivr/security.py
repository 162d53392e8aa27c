"""Proof that a webhook request comes from Twilio: the X-Twilio-Signature check."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Request, abort, current_app, request
from twilio.request_validator import RequestValidator

View = TypeVar("View", bound=Callable[..., object])


def signed_url(req: Request, public_url: str | None) -> str:
    """Return the URL Twilio called, as it signed it: public base (if set), path and raw query."""
    base = public_url if public_url is not None else req.host_url.rstrip("/") + req.script_root
    query = req.query_string.decode("latin-1")
    return base + req.path + ("?" + query if query else "")


def is_signed(req: Request, validator: RequestValidator, public_url: str | None) -> bool:
    """Tell whether the request carries a valid signature for its URL and form body."""
    signature = req.headers.get("X-Twilio-Signature", "")
    return bool(signature) and validator.validate(signed_url(req, public_url), req.form, signature)


def twilio_signed(view: View) -> View:
    """Answer 403 unless the request is signed with the account's auth token."""

    @wraps(view)
    def checked(*args: object, **kwargs: object) -> object:
        validator: RequestValidator | None = current_app.extensions["ivr.validator"]
        # None only in development mode, which create_app has already warned about.
        if validator is not None and not is_signed(request, validator, current_app.config["PUBLIC_URL"]):
            abort(403)
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]
