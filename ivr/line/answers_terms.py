"""The words of the asking (`answers.py`): how a question or a sentence becomes the terms it is ranked by.

Danish stop words dropped, before and after each said one way ("inden" is "før") and kept apart from a clause
they join, past forms read as their verb, compounds as their parts, the words for the procedure itself and for
the time before or after, and the words patients use for a leaflet's (`lay_words.toml`) beside the clinic's
`[synonyms]`. Apart from `answers.py` because these are word lists and word rules, which a maintainer tunes on
their own, while the index there only ranks and judges what they give it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from ivr.line.answers_questions import QUESTION_VERBS
from ivr.line.words import stem, words_of

# Danish words that carry no question's topic: pronouns, auxiliaries, prepositions, conjunctions and question
# words (snowballstemmer has no stop words; this short list is ours, from the common Danish lists).
_STOP = """
    jeg du han hun den det vi i de man mig dig ham hende os dem sig min mit mine din dit dine sin sit sine
    vores jeres deres hans hendes dens dets
    er var være været bliver blive blev bli har havde have haft kan kunne skal skulle vil ville må måtte
    får få fik gør gøre gjorde
    og eller men så som at om til fra på i af med for ved under over hos ind ud op ned
    en et den det de der her hvor hvad hvem hvilken hvilket hvilke hvordan hvornår hvorfor hvis når
    ikke også bare lige nu da jo vel nok mon noget nogen nogle meget mere lidt helt sådan egentlig
    ja nej øh altså hej tak undskyld gerne godt
    tage tager tag komme kommer går gå bruge bruger bruges finde finder samme mange sker ske
    hurtigt hurtig varer vare høre hører giver give sat sætte lagt lægge igen længe lang tid
    selve selv ting møde mærke mærker begynde begynder starte starter føle føles sidde sidder ramme rammer
    passe sørge
    omkring cirka ca mens imens hedder plejer behøver lade derinde jer normalt normal hele tiden gang
    uden brugt taget gjort fået kommet gået sket givet blevet fordi lægger lægges se ser undlade undlader
    hen henne
"""
# Words for before and after are kept, since they tell questions apart ("må jeg spise inden" is answered,
# "må jeg spise bagefter" is not), each said one way.
SAME_AS = {
    "inden": "før",
    "forud": "før",
    "bagefter": "efter",
    "igen": "efter",
    "sidst": "før",
    "sidste": "før",
}
# Stopping something asks when to stop before the procedure ("hvornår skal jeg holde op med at spise"):
# said as before.
STOPPING = (("holde", "op", "med"), ("holder", "op", "med"), ("stoppe", "med"), ("stopper", "med"))
STOP_WORDS = frozenset(_STOP.split())
# Past forms of the verbs leaflets on procedures use, which the stemmer leaves apart from the verb ("har du
# spist" is "spise"); the words of questions and sentences alike are read as the verb.
_PAST = {
    "spise": "spiste spist",
    "drikke": "drak drukket",
    "sove": "sov sovet",
    "bære": "bar båret",
    "løfte": "løftede løftet",
    "vaske": "vaskede vasket",
    "bade": "badede badet",
    "bløde": "blødte blødt",
    "faste": "fastede fastet",
}
PAST_FORMS = {form: verb for verb, forms in _PAST.items() for form in forms.split()}
# Before and after followed by one of these join a clause ("før det virker") rather than name a moment.
_SUBJECTS = "jeg du han hun den det vi i de man der"
SUBJECTS = frozenset(_SUBJECTS.split())
# ... and followed by one of these, name a time of day.
TIME_OF_DAY = frozenset(["midnat", "klokken", "kl", "middag"])
# A time of day asked without before or after is the time before the procedure, the night or the morning
# before it ("må jeg spise om morgenen", "må jeg drikke efter midnat"): said as before, not as its word.
_DAY_TIMES = "morgen morgenen morges formiddag formiddagen aften aftenen nat natten midnat"
DAY_TIMES = frozenset(stem(word) for word in _DAY_TIMES.split())
# A compound counts as its known part too ("lokalbedøvelse" is about "bedøvelse"), a part this long ...
COMPOUND_PART = 4
# ... or, at its end, a shorter one after a head at least COMPOUND_PART long ("kontaktlæge" is about "læge",
# whose stem is "læg"): Danish compounds end with the word they are.
COMPOUND_TAIL = 3
# A compound noun the line lacks is a kind of its last word when both parts are this long ("morgenkaffe").
KIND_PART = 5
# A question's word the line lacks is a form of a line's word it begins ("bløder": "blødning"), or a compound
# of one this long it begins with ("operationsbordet": "operation"); a shorter head says too little.
FORM_HEAD = 6
TIMING = frozenset(stem(word) for word in SAME_AS.values())
# A section titled for the time before or after the procedure ("Forberedelse", "Når du kommer hjem") says
# when its sentences hold: "skal jeg i bad inden" is answered by "Tag et bad om morgenen" under
# "Forberedelse", and not by a sentence under "Efter operationen".
_BEFORE_TITLES = "forberedelse forbereder forberedelsen forberede"
_AFTER_TITLES = "hjem hjemme hjemkomst"
TITLE_TIMING = {
    **{stem(word): stem("før") for word in _BEFORE_TITLES.split()},
    **{stem(word): stem("efter") for word in _AFTER_TITLES.split()},
}
# Words for the procedure itself ("hvor længe tager indgrebet" asks what "hvor længe tager det" does): they
# rank, but a sentence need not hold them to answer.
_PROCEDURE = (
    "indgreb indgrebet operation operationen procedure proceduren behandling behandlingen blokade blokaden"
)
PROCEDURE = frozenset(stem(word) for word in _PROCEDURE.split())
# Words patients use for what leaflets write (lay_words.toml): a line uses each for the words of it that its
# own sentences have, unless the clinic's [synonyms] say otherwise or the line uses the word itself.
LAY_WORDS = Path(__file__).with_name("lay_words.toml")


def of_procedure(unit: tuple[str, ...]) -> bool:
    """Tell whether a question's word names the procedure itself ("indgrebet", "kikkertoperationen")."""
    return all(any(term == word or term.endswith(word) for word in PROCEDURE) for term in unit)


@cache
def _lay_table() -> dict[str, Any]:
    """lay_words.toml, read once."""
    return tomllib.loads(LAY_WORDS.read_text(encoding="utf-8"))


@cache
def lay_words() -> dict[str, tuple[str, ...]]:
    """Patients' words and the leaflet words each may stand for, from lay_words.toml."""
    return {word: tuple(meant) for word, meant in _lay_table()["words"].items()}


@cache
def before_words() -> dict[str, tuple[str, ...]]:
    """The stems of patients' words and the leaflet words each stands for when asked of the time before the
    procedure, from lay_words.toml's [before]."""
    return {stem(word): tuple(meant) for word, meant in _lay_table().get("before", {}).items()}


@cache
def asides() -> frozenset[str]:
    """The words a caller adds that name no topic (who it is for, how sure, how much), from lay_words.toml's
    [asides]: dropped from a question, so they do not count as words the line lacks."""
    return frozenset(word for words in _lay_table().get("asides", {}).values() for word in words)


def lay_stems(
    docs: Sequence[Sequence[str]],
) -> tuple[dict[str, tuple[str, ...]], dict[tuple[str, ...], tuple[str, ...]]]:
    """The lay words a line's sentences can use, by stem (and phrases word for word), each with the stems of
    its leaflet words the sentences have; a word the sentences use themselves is kept as it is."""
    have = {term for doc in docs for term in doc}
    words: dict[str, tuple[str, ...]] = {}
    phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
    for said, meant in lay_words().items():
        stems = tuple(dict.fromkeys(stem(w) for w in meant if stem(w) in have))
        if not stems:
            continue
        if " " in said:
            phrases[tuple(words_of(said))] = stems
        elif stem(said) not in have:
            words[stem(said)] = stems
    return words, phrases


def without_day_times(units: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """A question's units with a time of day (DAY_TIMES) as when it asks of: the time before, unless it says
    before or after itself."""
    if not any(set(unit) <= DAY_TIMES for unit in units):
        return units
    before = [] if any(set(unit) <= TIMING for unit in units) else [(stem("før"),)]
    return [unit for unit in units if not set(unit) <= DAY_TIMES] + before


def is_aside(word: str) -> bool:
    """Tell whether a question's word names no topic (lay_words.toml's [asides]), as itself or in the
    genitive ("min mands ben")."""
    return word in asides() or (word.endswith("s") and word[:-1] in asides())


@cache
def aside_phrases() -> tuple[tuple[str, ...], ...]:
    """A caller's words around the question that name no topic ("jeg ringer", "i morgen"), word for word."""
    return tuple(tuple(aside.split()) for aside in asides() if " " in aside)


def compound_parts(
    word: str, unit_of: Callable[[str], tuple[str, ...]], knows: Callable[[tuple[str, ...]], bool]
) -> list[tuple[str, ...]] | None:
    """A compound a line lacks as two words it has (`unit_of` a part, which the line `knows`), the longest
    head first, with or without a joining s or e: "skuldersmerterne" is "skulder" and "smerterne"."""
    for at in range(len(word) - COMPOUND_TAIL, COMPOUND_PART - 1, -1):
        tail = word[at:]
        if tail in STOP_WORDS:
            continue
        for head in dict.fromkeys((word[:at], word[: at - 1] if word[at - 1] in "se" else word[:at])):
            units = [unit_of(part) for part in (head, tail)]
            if len(head) >= COMPOUND_PART and all(knows(unit) for unit in units):
                return units
    # Else a kind of the word it ends with, the longest the line has ("morgenkaffe" is coffee,
    # "cowboybukser" trousers): a Danish compound noun is its last word. Both parts a word's length; a
    # participle ("smertestillende", "liggende") is no compound noun.
    if word.endswith("ende"):
        return None
    for at in range(KIND_PART, len(word) - KIND_PART + 1):
        tail = word[at:]
        unit = unit_of(tail)
        if tail not in STOP_WORDS and knows(unit):
            return [unit]
    return None


def with_timing(title: list[str]) -> list[str]:
    """A title's terms, with before or after when it names the time before or after (TITLE_TIMING)."""
    timing = [TITLE_TIMING[term] for term in title if term in TITLE_TIMING]
    return list(dict.fromkeys(title + timing))


def joins_clause(word: str, rest: Sequence[str]) -> bool:
    """Tell whether before or after joins a clause that says something ("før det virker") or names a time
    of day ("efter midnat"), rather than the time before or after the procedure; "før jeg får en tid" says
    nothing else, so "før" stays the question's word."""
    if word not in SAME_AS.values() or not rest:
        return False
    if rest[0] in TIME_OF_DAY:
        # "efter midnat", "før klokken otte" name a time of day, not before or after the procedure.
        return True
    if rest[0] in SUBJECTS:
        return any(w not in STOP_WORDS for w in rest[1:])
    # A thing and its verb ("før effekten kommer", "før lægen ringer"); not the procedure, which a fronted
    # "før operationen må jeg drikke" names as the moment.
    return (
        len(rest) > 1
        and rest[0] not in STOP_WORDS
        and not of_procedure((stem(rest[0]),))
        and rest[1] in QUESTION_VERBS
    )


def with_compound_parts(docs: list[list[str]]) -> list[list[str]]:
    """Each sentence's stems, with the known stems its compounds begin or end with."""
    known = sorted({term for doc in docs for term in doc if len(term) >= COMPOUND_TAIL})
    return [
        doc
        + [part for term in doc for part in known if part != term and part not in doc and part_of(part, term)]
        for doc in docs
    ]


def part_of(part: str, term: str) -> bool:
    """Tell whether a known stem is a part of a compound: its head or its tail (COMPOUND_PART,
    COMPOUND_TAIL), with a word's worth left beside it ("omkring" is no compound of "ring")."""
    rest = len(term) - len(part)
    if (
        len(part) >= COMPOUND_PART
        and rest >= COMPOUND_TAIL
        and (term.startswith(part) or term.endswith(part))
    ):
        return True
    return term.endswith(part) and rest >= COMPOUND_PART


# Danish plurals that change the vowel ("rod", "rødder"; "hånd", "hænder"; "fod", "fødder").
_SHIFTED = str.maketrans({"ø": "o", "æ": "a", "å": "a"})


def vowel_shifted(one: str, other: str) -> bool:
    """Tell whether two stems are one word in the singular and a plural that changes its vowel
    ("nerverod", "nerverød")."""
    return one != other and len(one) >= COMPOUND_PART and one.translate(_SHIFTED) == other.translate(_SHIFTED)


def synonym_stems(synonyms: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Each synonym's stem, with the stems of the leaflet's words it stands for."""
    return {
        stem(word): tuple(stem(w) for w in words_of(meant) if w not in STOP_WORDS)
        for word, meant in synonyms.items()
    }
