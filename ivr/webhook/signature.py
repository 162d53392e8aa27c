"""Proof that a webhook request comes from Twilio: the X-Twilio-Signature check, failing closed."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from twilio.request_validator import HMAC_SHA1, RequestValidator

from ivr.webhook.form import Fields


class Validator(RequestValidator):  # type: ignore[misc]  # twilio has no type hints
    """twilio's RequestValidator, with the classic HMAC-SHA1 keyed once instead of on every request.

    For a form with one value per name (a plain dict, or Fields) the text signed is the same as twilio's,
    built in one join; anything else (repeated names, another algorithm) is left to twilio's own code.
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


class Signatures:
    """Decides whether a request is Twilio's. Any doubt, and any exception while deciding, is a refusal."""

    def __init__(self, validator: Validator | None, public_url: str | None) -> None:
        # None only in development mode, which create_app has already warned about loudly.
        self.validator = validator
        self.public_url = public_url

    def refusal(self, environ: Mapping[str, Any], form: Fields) -> str | None:
        """Return None when the request is signed for its URL and form, else why it is refused."""
        if self.validator is None:
            return None
        try:
            return self._refusal(self.validator, environ, form)
        except Exception as error:  # fail closed: a request that breaks the check is not Twilio's
            return f"signature check failed ({type(error).__name__})"

    def _refusal(self, validator: Validator, environ: Mapping[str, Any], form: Fields) -> str | None:
        signature = environ.get("HTTP_X_TWILIO_SIGNATURE", "")
        if not signature:
            return "no signature"
        if not signature.isascii():
            return "signature not ASCII"
        url = signed_url(environ, self.public_url)
        # One HMAC for the usual case; twilio's full check also tries the URL with and without the port,
        # which Twilio signs inconsistently.
        if hmac.compare_digest(validator.compute_signature(url, form), signature):
            return None
        if validator.validate(url, form, signature) is True:
            return None
        return "wrong signature"
