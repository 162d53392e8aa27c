"""The parts of the content file for what callers say beyond a choice: urgent words, questions the leaflet
does not answer, how the line asks back about each choice, and the prompts those need. Read here rather than
in `content_loader`, which reads everything else."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ivr.line.content import (
    CALLBACK_NOW_PROMPTS,
    LISTS,
    NUMBER_PROMPTS,
    QUESTIONS,
    UNANSWERED_PROMPTS,
    URGENT_PROMPTS,
    Keys,
)

# Every prompt of this part, for the file's schema.
PROMPTS = URGENT_PROMPTS + UNANSWERED_PROMPTS + NUMBER_PROMPTS + CALLBACK_NOW_PROMPTS
QUESTION_NAMES = tuple(QUESTIONS)
__all__ = ["LISTS", "PROMPTS", "QUESTION_NAMES", "prompts_needed", "read"]

Fail = Callable[[str, str], None]
PhraseList = Callable[[str, object], tuple[str, ...]]


def prompts_needed(data: Mapping[str, Any], speech: bool) -> tuple[str, ...]:
    """The prompts of this part the file must have: urgent words are answered wherever the line listens."""
    phrases, keys, prompts = (_table(data, name) for name in ("phrases", "keys", "prompts"))
    needed: tuple[str, ...] = URGENT_PROMPTS if speech else ()
    needed += UNANSWERED_PROMPTS if speech and "unanswered" in phrases else ()
    needed += NUMBER_PROMPTS if "number" in keys else ()
    # The offer after a busy secretariat is the clinic's choice: checked when written, else not made.
    return needed + tuple(name for name in CALLBACK_NOW_PROMPTS if name in prompts)


def read(
    data: Mapping[str, Any], speech: bool, keys: Keys | None, phrase_list: PhraseList, fail: Fail
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """The word lists (`[phrases] urgent`, `unanswered`) and the questions back by key."""
    phrases = _table(data, "phrases")
    lists = {name: phrase_list(f"phrases.{name}", phrases[name]) for name in LISTS if name in phrases}
    if keys is not None and keys.number is None and "number" in phrases:
        fail("phrases.number", "høres aldrig: keys.number er ikke sat")
    if speech and not lists.get("urgent"):
        fail("phrases.urgent", 'skal nævne de akutte ord, fx ["akut", "ambulance", "feber"]')
    questions: dict[str, str] = {}
    for index, section in enumerate(data.get("sections") or ()):
        if isinstance(section, dict) and "question" in section:
            asked = _question(f"sections[{index}].question", section["question"], fail)
            if asked is not None and isinstance(section.get("key"), str):
                questions[section["key"]] = asked
    for action, value in _table(data, "questions").items():
        key = getattr(keys, action, None) if action in QUESTIONS else None
        if key is None:
            fail(f"questions.{action}", "stilles aldrig: linjen har ingen sådan handling")
            continue
        asked = _question(f"questions.{action}", value, fail)
        if asked is not None:
            questions[key] = asked
    return lists, questions


def _question(where: str, value: object, fail: Fail) -> str | None:
    """A question back as written: one short question a caller answers with yes or no."""
    if not isinstance(value, str) or not value.strip().endswith("?") or len(value.split()) > 10:
        fail(where, 'skal være ét kort spørgsmål på højst 10 ord, fx "Vil du høre om komplikationer?"')
        return None
    return " ".join(value.split())


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}
