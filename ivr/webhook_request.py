"""The request class for Twilio's webhooks: a lean parser for their small url-encoded bodies."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest

# Twilio sends a few dozen fields; far more is not Twilio.
MAX_FIELDS = 200


class WebhookRequest(Request):
    """Parses url-encoded forms with the standard library, skipping werkzeug's streaming parser.

    Twilio's bodies are a few hundred bytes; the general parser costs more per request than the whole
    signature check. Other content types go through werkzeug as usual.
    """

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        if self.mimetype != "application/x-www-form-urlencoded":
            super()._load_form_data()
            return
        # get_data() honours MAX_CONTENT_LENGTH, answering 413 for an oversized body.
        body = self.get_data(cache=True).decode("utf-8", "replace")
        try:
            pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError:
            raise BadRequest("too many form fields") from None
        self.__dict__["form"] = ImmutableMultiDict(pairs)
        self.__dict__["files"] = ImmutableMultiDict()
