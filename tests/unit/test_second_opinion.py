"""The second opinion's bench (`bench/second_opinion.py`): its indexes rank the choices a question names, and
each policy changes the matcher's outcome only where its opinions say so."""

from __future__ import annotations

import pytest

from bench.phrasings import RODBLOKADE_PHRASES
from bench.second_opinion import (
    Opinion,
    PhraseIndex,
    as_heard,
    both_disagree,
    both_point,
    disagrees,
    unchanged,
)
from ivr.line.answers import Answers
from ivr.line.content_loader import load_content
from ivr.line.understood import Understood

ANSWERS = Answers(load_content())
SECTIONS = frozenset(ANSWERS.section_keys)
MATCHED_4 = Understood("matched", "4", 1.0)
NOTHING = Understood("nothing", None, 0.0)


def says(scores: dict[str, float]) -> Opinion:
    """An opinion that gives these scores whatever is said."""
    return lambda _: dict(scores)


@pytest.mark.parametrize("per_phrase", [False, True], ids=["per choice", "per phrase"])
@pytest.mark.parametrize(
    ("said", "key"),
    [("komplikationer", "5"), ("skal jeg faste", "3"), ("jeg vil tale med sekretariatet", "0")],
)
def test_the_phrase_index_ranks_the_choice_whose_phrase_is_said(
    per_phrase: bool, said: str, key: str
) -> None:
    scores = PhraseIndex(ANSWERS, RODBLOKADE_PHRASES, per_phrase=per_phrase).scores(said)
    assert max(scores, key=lambda choice: scores[choice]) == key


def test_the_phrase_index_gives_nothing_for_words_no_phrase_has() -> None:
    assert PhraseIndex(ANSWERS, RODBLOKADE_PHRASES, per_phrase=False).scores("vejret er dejligt") == {}


@pytest.mark.parametrize(
    ("scores", "outcome", "expected"),
    [
        ({"2": 2.0, "4": 1.0}, "ask", Understood("ask", "4", 1.0)),
        ({"2": 2.0, "4": 1.0}, "nothing", Understood("nothing", None, 1.0)),
        ({"4": 2.0, "2": 1.0}, "ask", MATCHED_4),
        ({}, "ask", MATCHED_4),
    ],
)
def test_an_opinion_that_disagrees_turns_acting_into_a_question_or_nothing(
    scores: dict[str, float], outcome: str, expected: Understood
) -> None:
    assert disagrees(says(scores), outcome)("bagefter", MATCHED_4) == expected


def test_an_opinion_without_evidence_for_the_choice_asks_back() -> None:
    assert disagrees(says({}), "ask", no_evidence=True)("bagefter", MATCHED_4) == Understood("ask", "4", 1.0)
    assert disagrees(says({"4": 0.1}), "ask", no_evidence=True)("bagefter", MATCHED_4) == MATCHED_4


@pytest.mark.parametrize(
    ("first", "second", "changed"),
    [
        ({"2": 2.0}, {"2": 1.0}, True),
        ({"2": 2.0}, {"5": 1.0}, False),
        ({"2": 2.0}, {}, False),
        ({"4": 1}, {"4": 1}, False),
    ],
)
def test_two_opinions_must_agree_on_another_section(
    first: dict[str, float], second: dict[str, float], changed: bool
) -> None:
    decided = both_disagree((says(first), says(second)), SECTIONS, "ask")("bagefter", MATCHED_4)
    assert decided == (Understood("ask", "4", 1.0) if changed else MATCHED_4)


def test_a_disagreement_about_an_action_is_not_a_sections_opinion() -> None:
    transfer = Understood("matched", "0", 1.0)
    assert both_disagree((says({"2": 1.0}), says({"2": 1.0})), SECTIONS, "ask")("tid", transfer) == transfer


@pytest.mark.parametrize(
    ("first", "second", "asked"),
    [
        ({"3": 3.0}, {"3": 1.0, "1": 0.2}, "3"),
        ({"3": 3.0, "1": 2.5}, {"3": 1.0}, None),
        ({"3": 3.0}, {"2": 1.0}, None),
        ({"3": 3.0}, {}, None),
    ],
)
def test_a_miss_is_asked_back_only_where_both_opinions_clearly_point_at_one_choice(
    first: dict[str, float], second: dict[str, float], asked: str | None
) -> None:
    decided = both_point((says(first), says(second)), 1.5)("fastende", NOTHING)
    assert decided == (Understood("ask", asked, 0.5) if asked else NOTHING)


def test_as_heard_a_sentence_said_acts_on_its_section() -> None:
    heard = as_heard(ANSWERS, unchanged)("hvor lang tid tager anlæggelsen", NOTHING)
    assert heard == Understood("matched", "2", 1.0)
    assert as_heard(ANSWERS, unchanged)("vejret er dejligt", NOTHING) == NOTHING
