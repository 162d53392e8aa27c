"""What a caller hears when the words chose a section and a sentence of another section would answer them
(`answering.answering`): the chosen section unless the words are a question in form about something else."""

from __future__ import annotations

import pytest

from ivr.line.answering import answering
from ivr.line.answers import Answers
from ivr.line.answers_questions import asks_by_form, asks_leave
from ivr.line.content import Content
from ivr.line.understanding import Understanding
from ivr.line.understood import Understood
from tests.support import TwilioClient, spoken

# The shipped leaflet's sentence of section 2 (the procedure) on going home, word for word.
HOME = "Du kan tage hjem umiddelbart efter."


def said_to(twilio: TwilioClient, words: str) -> list[str]:
    """Every text said after `words` in the main menu, as Twilio posts a <Gather input="speech"> result."""
    root = twilio.twiml("/voice/key?menu=main&tries=0", {"SpeechResult": words, "Confidence": "0.9"})
    return spoken(root)


@pytest.mark.parametrize(
    ("words", "key"),
    [
        # A topic, not a question: the section it names (4, "Når du kommer hjem"), not section 2's sentence.
        ("når jeg kommer hjem", "4"),
        # A question about the chosen section's title ("Sådan foregår operationen"), not section 1's sentence
        # on a later operation.
        ("hvordan er operationen", "2"),
        # One of section 4's phrases said whole ("efter operationen"): its topic, not section 2's sentence.
        ("hvad sker der efter operationen", "4"),
    ],
)
def test_words_naming_a_section_s_own_topic_hear_that_section(
    twilio: TwilioClient, content: Content, words: str, key: str
) -> None:
    section = content.section(key)
    assert section is not None
    said = said_to(twilio, words)
    assert said[0] == section.prompt.text
    others = {s.prompt.text for s in Answers(content).sentences if s.section.key != key}
    assert not others & set(said)


@pytest.mark.parametrize("words", ["må jeg gå hjem bagefter", "kan jeg gå hjem bagefter"])
def test_asking_leave_still_hears_the_sentence_of_another_section(
    twilio: TwilioClient, content: Content, words: str
) -> None:
    # Section 4's title word ("hjem") chose it; a sentence of section 2 answers whether one may go home.
    assert Understanding(content.phrases(), lists=content.lists).understand(words, 0.9).key == "4"
    assert said_to(twilio, words)[0] == HOME


def test_a_phrase_said_whole_keeps_the_turn_in_its_section(content: Content) -> None:
    answers = Answers(content)
    words = "hvad sker der efter operationen"
    understood = Understanding(content.phrases(), lists=content.lists).understand(words, 0.9)
    assert understood == Understood("matched", "4", understood.score, whole=True)
    assert answering(answers, words, understood) is None
    # Matched by its words alone, the question is not section 4's own topic: the sentence is said.
    answer = answering(answers, words, Understood("matched", "4", 1.0))
    assert answer is not None
    assert answer.section.key == "2"


@pytest.mark.parametrize(
    ("words", "question"),
    [
        ("når jeg kommer hjem", False),
        ("det der med nerverne", False),
        ("hvordan er operationen", True),
        ("skal jeg faste", True),
        ("jeg vil gerne vide om jeg må spise", True),
    ],
)
def test_a_question_in_form_has_a_question_word_or_verb_first(words: str, question: bool) -> None:
    assert asks_by_form(words) is question


@pytest.mark.parametrize(
    ("words", "leave"),
    [
        ("må jeg gå hjem", True),
        ("kan jeg køre selv", True),
        ("jeg vil gerne vide om jeg må spise", True),
        ("skal jeg forberede mig", False),
        ("", False),
    ],
)
def test_asking_leave_begins_with_may_or_can(words: str, leave: bool) -> None:
    assert asks_leave(words) is leave
