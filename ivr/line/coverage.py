"""Does the line say the whole leaflet? The leaflet as running text, and the sentences no spoken text carries.

`ivr check` reads the leaflet a content file names and reports each sentence whose words the line never says.
"Says" allows what adapting a text for the ear changes: digits spoken as words ("2 grunde" -> "to grunde"),
list numbers spoken as "For det første", a word in brackets folded into the sentence, words joined by a hyphen
("knogle 'koøje'" -> "knogle-koøje"), a word in another inflection ("Effekt" -> "effekten"), and the common
abbreviations spelt out ("ca." -> "cirka").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from ivr.line.advice import holds_advice, is_contact_details

# Typographic characters a leaflet (often a PDF's text layer) holds, and what the text means by them.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u202f": " ", "\t": " ",
        "\u00ad": None, "\u200b": None, "\ufeff": None, "\r": "\n", "\f": "\n", "\v": "\n",
        "\u2022": "•", "\u25cf": "•", "\u25aa": "•", "\uf0b7": "•", "\u2023": "•", "\u2043": "•",
    }
)  # fmt: skip
_SPACES = re.compile(r" {2,}")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" +([,.;:!?)])")
_SPACE_AFTER_BRACKET = re.compile(r"\( +")
# Page numbers as a PDF's footer holds them: "3", "Side 3", "Side 3 af 4", "3/4", "- 3 -".
_PAGE_NUMBER = re.compile(r"^(?:side\s*)?-?\s*\d{1,3}\s*(?:(?:af|/)\s*\d{1,3})?\s*-?$", re.IGNORECASE)
LIST_MARKER = re.compile(r"^(?:\d{1,2}[.)]|[a-h]\)|[•*\-–·o▪])\s+")
_TERMINAL = ".!?:;,"
# A line ending in one of these words goes on on the next line; a hyphen before one of them is kept.
_CONJUNCTIONS = ("og", "eller", "samt")
_LABEL_MAX_WORDS = 8
_LABEL_MAX_CHARS = 60
_HEADING_MAX_WORDS = 12
# A line seen this often on its own is a running header or footer, not text.
_FURNITURE_REPEATS = 3

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(]?[A-ZÆØÅ])")
_ABBREVIATIONS = {
    "ca": "cirka", "kl": "klokken", "f.eks": "for eksempel", "bl.a": "blandt andet", "evt": "eventuelt",
    "dvs": "det vil sige", "pga": "på grund af", "mht": "med hensyn til", "inkl": "inklusive",
    "ml": "milliliter", "mg": "milligram", "tlf": "telefon", "nr": "nummer", "osv": "og så videre",
}  # fmt: skip
_ABBREVIATION = re.compile(
    r"(?<![\wæøå])(" + "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True)) + r")\.",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-zæøåéèüöä]+|\d+")
_NUMBER_WORDS = (
    "nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv",
    "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten", "tyve",
)  # fmt: skip
_DIGITS_OF = {word: str(number) for number, word in enumerate(_NUMBER_WORDS)} | {"et": "1", "én": "1"}
# A noun with or without its ending is the same word ("effekt", "effekten"); verb endings are not allowed
# for, so that "behandle" is not taken as said when only "behandles" is.
_ENDINGS = ("e", "en", "et", "n", "t", "ne", "ene", "er", "erne")
_STEM = 4
# Short words (at most this long) that may go missing when a sentence is adapted for the ear, one per eight.
_SHORT = 3
_SHORT_PER_MISSING = 8


def leaflet_text(raw: str) -> str:
    """The leaflet as running text: lines joined, hyphenation at line ends undone ("lokal-\\nbedøvelse"),
    curly quotes and odd spacing normalised.

    Each heading, label (a short line without a full stop, such as "Tag løst tøj på") and list item keeps a
    line of its own; the lines between them are joined. Page numbers and running headers are left out.
    """
    lines = clean_lines(raw)
    blocks: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not blocks or _starts_block(line, blocks[-1], following):
            blocks.append(line)
        else:
            blocks[-1] = _join(blocks[-1], line)
    return "\n".join(blocks)


def uncovered(leaflet: str, spoken: Sequence[str], skip: Sequence[str] = ()) -> list[str]:
    """The leaflet's sentences whose words the spoken texts do not carry, in leaflet order.

    `skip`: what is not read aloud (see `skipped`). `leaflet` may be the leaflet as read or as `leaflet_text`
    gives it: the result is the same.
    """
    vocabulary = _Vocabulary(spoken)
    return [
        sentence
        for line, skipped_by in _walk(leaflet, skip)
        if skipped_by is None
        for sentence in sentences(line)
        if not vocabulary.covers(sentence)
    ]


def skipped(leaflet: str, skip: Sequence[str]) -> list[tuple[str, str]]:
    """Each line `skip` leaves unspoken, with the entry that leaves it out.

    An entry is a heading (as written in the leaflet, matched case-insensitively) whose part, up to the next
    heading, is not read aloud (e.g. "KONTAKT OG MERE VIDEN"), or any other line of the leaflet, left out
    alone (a contact line under the title). Headings are upper-case lines, or, in a leaflet without any
    below its top (the lines `skip` names before the first line read aloud: the title block), labels.
    """
    return [(line, skipped_by) for line, skipped_by in _walk(leaflet, skip) if skipped_by is not None]


def _walk(leaflet: str, skip: Sequence[str]) -> Iterator[tuple[str, str | None]]:
    """The leaflet's lines, each with the `skip` entry that leaves it unspoken (None if it is read)."""
    entries = {" ".join(entry.translate(_TYPOGRAPHY).split()).casefold(): entry for entry in skip}
    lines = leaflet_text(leaflet).splitlines()
    top = next((index for index, line in enumerate(lines) if line.casefold() not in entries), len(lines))
    upper = any(is_heading(line) for line in lines[top:])
    part: str | None = None
    for line in lines:
        entry = entries.get(line.casefold())
        if is_heading(line) if upper else is_label(line):
            part = entry
        yield line, entry or part


def is_heading(line: str) -> bool:
    """Whether a line is an upper-case heading such as "SÅDAN FOREGÅR OPERATIONEN"."""
    letters = [char for char in line if char.isalpha()]
    return (
        len(letters) >= 3
        and all(char.isupper() for char in letters)
        and len(line.split()) <= _HEADING_MAX_WORDS
        and not LIST_MARKER.match(line)
    )


def is_label(line: str) -> bool:
    """Whether a line looks like a label: short, a capital first, no digits, no sentence punctuation."""
    return (
        bool(line[:1].isupper())
        and not any(char.isdigit() for char in line)
        and len(line) <= _LABEL_MAX_CHARS
        and len(line.split()) <= _LABEL_MAX_WORDS
        and not any(char in line for char in ".!?:;")
        and not LIST_MARKER.match(line)
    )


def sentences(text: str) -> list[str]:
    """The sentences of a line of running text, a list item's number or bullet left out."""
    text = LIST_MARKER.sub("", text.strip())
    pieces = _SENTENCE_END.split(text)
    merged: list[str] = []
    for piece in pieces:
        if merged and _ends_with_abbreviation(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return [piece.strip() for piece in merged if words(piece)]


def spell_out(text: str) -> str:
    """The text with its common abbreviations spelt out: "ca. 15" -> "cirka 15", "kl." -> "klokken"."""
    return _ABBREVIATION.sub(lambda match: _ABBREVIATIONS[match.group(1).lower()], text)


def words(text: str) -> list[str]:
    """The words of a text as the coverage check compares them: lower case, abbreviations spelt out,
    split on hyphens and quotes, letters longer than one character, and numbers."""
    text = spell_out(text).lower()
    return [word for word in _WORD.findall(text) if len(word) > 1 or word.isdigit()]


class _Vocabulary:
    """The words the line says, ready to tell quickly whether a sentence's words are among them."""

    def __init__(self, spoken: Iterable[str]) -> None:
        self.words = {word for text in spoken for word in words(text)}
        self.words |= {_DIGITS_OF[word] for word in self.words if word in _DIGITS_OF}
        self.words |= {_NUMBER_WORDS[int(word)] for word in self.words if word.isdigit() and int(word) < 21}
        self.stems = {stem for word in self.words if (stem := _stem(word))}

    def knows(self, word: str) -> bool:
        """Whether the line says this word, or the same noun with or without its ending."""
        stem = _stem(word)
        if word in self.words or word in self.stems:
            return True
        return stem is not None and (stem in self.words or stem in self.stems)

    def covers(self, sentence: str) -> bool:
        """Whether nearly all a sentence's words are said: every long word, and most short ones."""
        its_words = words(sentence)
        missing = [word for word in its_words if not self.knows(word)]
        if any(len(word) > _SHORT or word.isdigit() for word in missing):
            return False
        return len(missing) <= len(its_words) // _SHORT_PER_MISSING


def _stem(word: str) -> str | None:
    """The word without a noun's ending, when it has one and enough is left to be a word."""
    for ending in sorted(_ENDINGS, key=len, reverse=True):
        if word.endswith(ending) and len(word) - len(ending) >= _STEM:
            return word[: -len(ending)]
    return None


def clean_lines(raw: str) -> list[str]:
    """The leaflet's non-empty lines, typography and spacing normalised, page furniture left out."""
    lines = []
    for written in raw.translate(_TYPOGRAPHY).split("\n"):
        line = _SPACES.sub(" ", written).strip()
        line = _SPACE_AFTER_BRACKET.sub("(", _SPACE_BEFORE_PUNCTUATION.sub(r"\1", line))
        if line and not _PAGE_NUMBER.match(line):
            lines.append(line)
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    return [line for line in lines if counts[line] < _FURNITURE_REPEATS or not _is_furniture(line)]


def _is_furniture(line: str) -> bool:
    """Whether a line seen on many pages is a running header or footer: short, not a sentence."""
    return len(line) <= _LABEL_MAX_CHARS and line[-1] not in ".!?"


def _starts_block(line: str, previous: str, following: str) -> bool:
    """Whether a line starts a block of its own rather than continuing the one before it."""
    if is_heading(line) or is_heading(previous) or LIST_MARKER.match(line):
        return True
    if previous[-1:] in "-," or previous.rsplit(maxsplit=1)[-1].lower() in _CONJUNCTIONS:
        return False
    if is_label(previous) and previous[-1:] not in _TERMINAL and line[:1].isupper():
        return True
    if line[:1].isupper() and (_contact_line(line) or _contact_line(previous)):
        return (
            True  # "Tlf. 78 45 12 00", "Mandag - torsdag kl. 9-12": a line each, though without a full stop
        )
    after_sentence = previous[-1:] in ".!?:" or bool(LIST_MARKER.match(previous))
    wrapped = following[:1].islower() and not LIST_MARKER.match(following)
    return after_sentence and is_label(line) and not wrapped


def _contact_line(line: str) -> bool:
    """Whether a line is a phone number or opening hours, and nothing else."""
    return any(char.isdigit() for char in line) and is_contact_details(line) and not holds_advice(line)


def _join(block: str, line: str) -> str:
    """Join a line to the text before it, undoing a hyphenation at the line's end."""
    first = line.split(maxsplit=1)[0]
    if re.search(r"[a-zæøå]-$", block) and line[:1].islower() and first not in _CONJUNCTIONS:
        return block[:-1] + line
    return f"{block} {line}"


def _ends_with_abbreviation(text: str) -> bool:
    """Whether a piece of text ends in an abbreviation's full stop rather than a sentence's."""
    last = text.rsplit(" ", 1)[-1].rstrip(".").lower()
    return last in _ABBREVIATIONS
