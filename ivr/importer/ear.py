"""A leaflet's text made fit for the ear: what reads well on paper, said as a caller should hear it."""

from __future__ import annotations

import re

from ivr.line.coverage import LIST_MARKER, spell_out

ORDINALS = (
    "første",
    "andet",
    "tredje",
    "fjerde",
    "femte",
    "sjette",
    "syvende",
    "ottende",
    "niende",
    "tiende",
)
_SMALL_NUMBERS = ("", "", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv")
_NUMBERED = re.compile(r"^(?:(\d{1,2})[.)]|([a-h])\))\s+")
_RANGE = re.compile(r"(?<![\d-])(\d{1,4})\s?-\s?(\d{1,4})(?![\d-])")
# "af 2 grunde": a small count before a word is said as a word; "kl. 9", "15 minutter", "1-1-2" are left.
_COUNT = re.compile(r"(?<![\d.,:/-])(?<!klokken )\b([2-9]|1[0-2])\b(?![\d.,:/-])(?= [a-zæøå])")
_BRACKETS = re.compile(r"\s*\(([^()]{1,80})\)")
_QUOTED_WORD = re.compile(r"(?<=[\wæøå]) ['\"]([\wæøå-]+)['\"]")
_QUOTES = re.compile(r"['\"](?![\wæøå]'?s\b)")
_SHORT_ASIDE = 3


def spoken_block(block: str, items_before: int = 0) -> str:
    """One heading-free block of the leaflet as the line should say it.

    A numbered item becomes "For det første: ..." (`items_before` counts the items above it in its list, for
    lists numbered with letters); a bullet loses its bullet; a label gets its full stop.
    """
    text = block.strip()
    numbered = _NUMBERED.match(text)
    if numbered:
        place = int(numbered.group(1)) if numbered.group(1) else items_before + 1
        text = f"{_ordinal(place)}: {_capital(text[numbered.end() :])}"
    else:
        text = _capital(LIST_MARKER.sub("", text))
    text = for_the_ear(text).rstrip(",; ")
    if text.endswith(":"):
        text = text[:-1] + "."
    elif text[-1:] not in ".!?":
        text += "."
    return text


def for_the_ear(text: str) -> str:
    """Spell out abbreviations, say ranges and small counts in words, fold in brackets and quotes."""
    text = spell_out(text)
    text = _COUNT.sub(lambda match: _SMALL_NUMBERS[int(match.group(1))], text)
    text = _RANGE.sub(r"\1 til \2", text)
    text = _BRACKETS.sub(_aside, text)
    text = _QUOTED_WORD.sub(r"-\1", text)
    text = _QUOTES.sub("", text)
    text = re.sub(r",\s*([.,;:!?])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def sentence_case(heading: str) -> str:
    """A heading as a title: "SÅDAN FOREGÅR OPERATIONEN" -> "Sådan foregår operationen"."""
    heading = " ".join(heading.split()).rstrip(":")
    if heading.upper() == heading:
        heading = heading.lower()
    return _capital(heading)


def lower_first(title: str) -> str:
    """A title as part of a sentence: "Sådan foregår operationen" -> "sådan foregår operationen"."""
    first = title.split(maxsplit=1)[0] if title.split() else ""
    if len(first) > 1 and first.upper() == first:
        return title  # an abbreviation such as "MR-scanning" keeps its capitals
    return title[:1].lower() + title[1:]


def _ordinal(place: int) -> str:
    """ "For det første", "For det andet", ... for the items of a list."""
    return f"For det {ORDINALS[place - 1]}" if 0 < place <= len(ORDINALS) else f"Punkt {place}"


def _aside(match: re.Match[str]) -> str:
    """Words in brackets, said as part of the sentence: "(behandlende)" -> ", det vil sige behandlende"."""
    inner = match.group(1).strip()
    if len(inner.split()) <= _SHORT_ASIDE and not any(char.isdigit() for char in inner):
        return f", det vil sige {inner},"
    return f", {inner},"


def _capital(text: str) -> str:
    """The text with a capital first letter."""
    return text[:1].upper() + text[1:]
