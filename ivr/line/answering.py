"""A turn's answer: what a caller's words get when the line has the leaflet's sentences (issue 28), in the
order a frightened caller needs, and when a sentence is said instead of the choice the words made (issue 26).

`answers.py` holds the index and the rules that make a sentence sure; this module decides, for one turn,
whether the sentence is said at all: never instead of an urgent word or a question the content lists as
unanswered, not instead of a named action unless it is a question a sentence surely answers, and of another
section than the one the words chose only to a question in form that is not about the chosen section's own
topic. What was said is never logged, stored or cached here.
"""

from __future__ import annotations

from ivr.line.answers import Answers
from ivr.line.answers_cues import cues_asked
from ivr.line.answers_questions import ASKING, asks_by_form, asks_leave, the_question
from ivr.line.answers_sentences import Answer
from ivr.line.understood import Understood
from ivr.line.words import words_of


def answering(answers: Answers | None, said: str, understood: Understood) -> Answer | None:
    """The answer a turn gets, in the order a frightened caller needs: an urgent word and a question the
    content lists as unanswered come first (never a sentence instead), and a named action ("gentag",
    "langsommere") is done rather than answered, a transfer too unless it is a question a sentence surely
    answers; else the sentence, when one answers the question surely (of another section than the one the
    words chose only where `_elsewhere` allows)."""
    if answers is None or not said or understood.outcome in ("urgent", "unanswered"):
        return None
    if understood.outcome == "matched" and understood.key not in answers.section_keys:
        # A transfer phrase inside a question for a time or a reason that a sentence surely answers
        # ("hvornår ringer lægen" holds a word for the doctor) gets the sentence; an errand ("jeg vil tale
        # med lægen", "hvornår kan jeg tale med lægen": no sentence answers it) is still put through.
        # Another action's word in a question ("hvor hurtigt virker det" holds the word for faster speech)
        # is a word of the question: a sentence that surely answers it is said.
        question = the_question(said)
        if understood.key == answers.transfer_key and not cues_asked(question):
            return None
        if understood.key != answers.transfer_key and not set(words_of(question)[:1]) & ASKING:
            return None
        return answers.answer(said)
    if understood.outcome != "matched":
        return answers.answer(said)
    return _for_section(answers, said, understood)


def _for_section(answers: Answers, said: str, understood: Understood) -> Answer | None:
    """The answer to words that chose a section: a sentence of it, or of another where `_elsewhere` allows."""
    answer = answers.answer(said, understood.key)
    chosen = answer is None or answer.section.key == understood.key
    return answer if chosen or _elsewhere(answers, said, understood) else None


def _elsewhere(answers: Answers, said: str, understood: Understood) -> bool:
    """Tell whether a sentence of another section than the one the caller's words chose may be said instead
    of that section: only to a question in form, not a topic ("når jeg kommer hjem"), and not to one about
    the chosen section's own topic (its title's words, or one of its phrases said whole: "hvad sker der
    efter operationen"), unless it asks leave or whether something can be done ("må jeg gå hjem bagefter")."""
    if not asks_by_form(said):
        return False
    own = understood.whole or answers.of_its_topic(said, str(understood.key))
    return asks_leave(said) or not own
