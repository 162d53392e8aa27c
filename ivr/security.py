"""Proof that a webhook request comes from Twilio: the X-Twilio-Signature check."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import quote

from flask import Request, abort, current_app, request
from twilio.request_validator import HMAC_SHA1, RequestValidator

View = TypeVar("View", bound=Callable[..., object])


class Fields(dict[str, str]):
    """A parsed form with one value per name, as the fast lane makes it; twilio asks forms for `getall`."""

    def getall(self, name: str) -> list[str]:
        return [self[name]]


class Validator(RequestValidator):  # type: ignore[misc]  # twilio has no type hints
    """twilio's RequestValidator, with the classic HMAC-SHA1 keyed once instead of on every request.

    Keying an HMAC and twilio's loop over the form's names and values cost more than the HMAC itself. For a
    form with one value per name (a plain dict, or the fast lane's Fields) the text signed is the same, built
    in one join; anything else (Flask's multi-valued forms, another algorithm) is left to twilio's own code.
    """

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self._sha1 = hmac.new(self.token, digestmod=hashlib.sha1)

    def compute_signature(self, uri: str, params: Any, algorithm: str | None = None) -> str:
        """Return the signature Twilio sends for this URL and form, as twilio computes it."""
        if (algorithm or HMAC_SHA1).upper() != HMAC_SHA1 or type(params) not in (dict, Fields):
            return str(super().compute_signature(uri, params, algorithm))
        mac = self._sha1.copy()
        # twilio signs the URL followed by each name and its value, in the order of the names.
        mac.update((uri + "".join([name + params[name] for name in sorted(params)])).encode("utf-8"))
        return base64.b64encode(mac.digest()).decode("ascii")


def signed_url(environ: Mapping[str, Any], public_url: str | None) -> str:
    """Return the URL Twilio called, as it signed it: public base (if set), path and raw query."""
    # Straight from the WSGI environ (after ProxyFix, when trusted): the raw, still-encoded parts.
    if public_url is None:
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        public_url = f"{environ['wsgi.url_scheme']}://{host}{environ.get('SCRIPT_NAME', '')}"
    query = environ.get("QUERY_STRING", "")
    path = quote(environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~%")
    return public_url + path + ("?" + query if query else "")


def signature_matches(validator: RequestValidator, url: str, form: Mapping[str, Any], signature: str) -> bool:
    """Tell whether `signature` is the one Twilio makes for exactly this URL and form (one HMAC)."""
    return hmac.compare_digest(validator.compute_signature(url, form), signature)


def is_signed(req: Request, validator: RequestValidator, public_url: str | None) -> bool:
    """Tell whether the request carries a valid signature for its URL and form body."""
    signature = req.headers.get("X-Twilio-Signature")
    if not signature:
        return False
    url, form = signed_url(req.environ, public_url), req.form
    # One HMAC for the usual case; the validator's full check also tries the URL with and without
    # the port, which Twilio signs inconsistently.
    return signature_matches(validator, url, form, signature) or bool(
        validator.validate(url, form, signature)
    )


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
