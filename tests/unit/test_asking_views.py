"""The second opinions of `bench/asking_views.py` (issue 28, h28g): which views point away from a
sentence, on a short leaflet of our own."""

from __future__ import annotations

from pathlib import Path

from bench.asking_views import Views, parts
from ivr.line.answers import Answers
from ivr.line.content import Content
from tests.unit.test_answers import FOURTH_LEAFLET, answers_for

LIFT = "Du må ikke løfte mere end fem kilo i to uger."
BATH = "Tag et bad om morgenen."


def at(answers: Answers, text: str) -> list[int]:
    """The place of a sentence among the line's."""
    return [next(place for place, s in enumerate(answers.sentences) if s.prompt.text == text)]


def test_the_sixth_round_s_questions_are_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "line.tuning.txt"
    path.write_text("# First\nhvad er det | -\n\n# Sixth round\nmå jeg løfte | løfte\n", encoding="utf-8")
    assert [(question.said, sixth) for question, sixth in parts(path)] == [
        ("hvad er det", False),
        ("må jeg løfte", True),
    ]


def test_views_agree_with_a_sentence_every_view_finds(content: Content) -> None:
    answers = answers_for(content, FOURTH_LEAFLET)
    views = Views(answers)
    assert views.elsewhere("må jeg løfte fem kilo", "3", at(answers, LIFT), "3") == set()
    # The matcher choosing another section is a view pointing elsewhere.
    assert views.elsewhere("må jeg løfte fem kilo", "3", at(answers, LIFT), "2") == {"matcher"}


def test_views_point_away_from_a_sentence_of_other_words(content: Content) -> None:
    answers = answers_for(content, FOURTH_LEAFLET)
    views = Views(answers)
    # The bath said for a question on lifting: every view but the matcher's (it chose none) disagrees.
    assert views.elsewhere("må jeg løfte fem kilo", "2", at(answers, BATH), None) == {
        "sections",
        "sections, clearly",
        "sentences",
        "plain words",
        "whole words",
        "letters",
    }
