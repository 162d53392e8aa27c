"""The one parser of Twilio's url-encoded webhook forms and query strings."""

from __future__ import annotations

from urllib.parse import unquote_plus

# Twilio sends a few dozen fields; far more is not Twilio.
MAX_FIELDS = 200


class Fields(dict[str, str]):
    """A parsed form with one value per name; twilio's validator asks forms for `getall`."""

    def getall(self, name: str) -> list[str]:
        return [self[name]]


class RepeatedFields(Fields):
    """A form in which some name came more than once: reads give the first value, signatures see all."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        self.every: dict[str, list[str]] = {}
        for name, value in pairs:
            self.every.setdefault(name, []).append(value)
            self.setdefault(name, value)

    def getall(self, name: str) -> list[str]:
        return list(self.every[name])


class FormError(ValueError):
    """The text is not a form Twilio would send."""


def parse_form(text: str) -> Fields:
    """Parse url-encoded fields as parse_qsl(keep_blank_values=True) does; FormError past MAX_FIELDS.

    Most of Twilio's values need no decoding, so each is decoded only when it holds "%" or "+".
    """
    parts = [part for part in text.split("&") if part]
    if len(parts) > MAX_FIELDS:
        raise FormError(f"more than {MAX_FIELDS} fields")
    fields = Fields()
    for part in parts:
        name, value = _pair(part)
        if name in fields:
            # Rare (Twilio never repeats a name): keep every value for the signature.
            return RepeatedFields([_pair(part) for part in parts])
        fields[name] = value
    return fields


def _pair(part: str) -> tuple[str, str]:
    """Split and decode one name=value part."""
    name, _, value = part.partition("=")
    name = _decoded(name) if "%" in name or "+" in name else name
    return name, (_decoded(value) if "%" in value or "+" in value else value)


def _decoded(text: str) -> str:
    """Decode one url-encoded name or value as unquote_plus does."""
    # The common escapes ("%2B" in phone numbers, "%23" and "%2A" for keys) by replace, which is cheaper;
    # when no "%" is left, each one began such an escape, which unquote_plus decodes alike.
    if "+" not in text:
        plain = text.replace("%2B", "+").replace("%23", "#").replace("%2A", "*")
        if "%" not in plain:
            return plain
    return unquote_plus(text)
