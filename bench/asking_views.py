"""Second opinions on a sentence before it is said: what keeping quiet where one disagrees would cost.

    python -m bench.asking_views

For every tuning question a line answers (as `bench.asking` does), asks six views that do not choose the
sentence whether they point elsewhere, and counts, for each agreement rule, the right answers it would lose
and the wrong ones it would save, for the tuning questions of the first five rounds and of the sixth apart
(the sixth round's rules were left out, so the code as landed was never tuned on them):

- matcher: the phrase matcher (`understanding`) chose another section;
- sections: BM25 of the question against each section's whole text ranks another section first (clearly:
  the answer's section scores under half of it);
- sentences: BM25 of the same terms without the rule of holding most of the question ranks first a sentence
  of another section;
- plain words: BM25 of the question's words alone (no synonyms, lay words or asides) puts none of the said
  sentences in its top two;
- whole words: BM25 of the question's words as said (not stemmed) against the sentences' does the same;
- letters: the cosine of letter 4-grams (no stemmer, no stop words) puts none of them in its top two.

A measurement only: issue 28's seventh round (h28g) landed none of these rules (docs/performance.md).
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s  # type: ignore[import-untyped]  # no stubs
import numpy as np

from bench.asking import NOTHING, QUESTIONS, Asker, Question, imported_line, judged, read_questions
from ivr.line.answers import K1, Answers, B
from ivr.line.answers_terms import STOP_WORDS
from ivr.line.content_loader import load_content
from ivr.line.words import words_of

# The tuning file's comment that starts the sixth round's questions.
SIXTH = "# Sixth round"
# The views that put none of the said sentences this high point elsewhere.
TOP = 2
GRAM = 4
# A section ranked first by more than twice the answer's points clearly elsewhere.
CLEARLY = 0.5


@dataclass(frozen=True)
class Opinions:
    """One answered question: its verdict, its part of the tuning file, and which views point elsewhere."""

    verdict: str
    sixth: bool
    elsewhere: frozenset[str]


def parts(path: Path) -> list[tuple[Question, bool]]:
    """The questions of a tuning file, each with whether it is of the sixth round."""
    sixth, found = False, []
    questions = iter(read_questions(path))
    for line in path.read_text(encoding="utf-8").splitlines():
        sixth = sixth or line.startswith(SIXTH)
        if line.strip() and not line.startswith("#"):
            found.append((next(questions), sixth))
    return found


def bm25(docs: Sequence[list[str]]) -> bm25s.BM25:
    """A BM25 index of these documents (an empty one keeps its place with a token no question has)."""
    index = bm25s.BM25(k1=K1, b=B)
    index.index([doc or ["\x00"] for doc in docs], show_progress=False)
    return index


def whole_words(text: str) -> list[str]:
    """A text's words as said, not stemmed, stop words dropped."""
    return list(dict.fromkeys(word for word in words_of(text) if word not in STOP_WORDS))


def grams(text: str) -> Counter[str]:
    """A text's letter 4-grams, each word padded with a space."""
    return Counter(
        f" {word} "[at : at + GRAM] for word in words_of(text) for at in range(max(1, len(word) + 3 - GRAM))
    )


class Views:
    """The views of one line that do not choose its sentences."""

    def __init__(self, answers: Answers) -> None:
        self.answers = answers
        sentences = answers.sentences
        self.keys = list(dict.fromkeys(sentence.section.key for sentence in sentences))
        own = [answers.terms(sentence.prompt.text, synonyms=False) for sentence in sentences]
        titles = {s.section.key: answers.terms(s.section.title, synonyms=False) for s in sentences}
        self.sections = bm25(
            [
                [term for s, doc in zip(sentences, own, strict=True) if s.section.key == key for term in doc]
                + titles[key]
                for key in self.keys
            ]
        )
        self.sentences = bm25(own)
        self.words = bm25([whole_words(sentence.prompt.text) for sentence in sentences])
        self.grams = [grams(s.prompt.text) for s in sentences]
        seen = Counter(gram for doc in self.grams for gram in doc)
        self.idf = {gram: math.log(1 + len(sentences) / n) for gram, n in seen.items()}

    def elsewhere(self, said: str, section: str, chosen: Sequence[int], matched: str | None) -> set[str]:
        """The views that point away from the answer's section or sentences."""
        found = set()
        if matched is not None and matched in self.keys and matched != section:
            found.add("matcher")
        query = self.answers.query(said)
        by_section = self.sections.get_scores(query) if query else np.zeros(len(self.keys))
        if self._first(by_section, self.keys) not in (None, section):
            found.add("sections")
            if by_section[self.keys.index(section)] < CLEARLY * max(by_section):
                found.add("sections, clearly")
        keys = [sentence.section.key for sentence in self.answers.sentences]
        if query and self._first(self.sentences.get_scores(query), keys) != section:
            found.add("sentences")
        plain = list(dict.fromkeys(self.answers.terms(said, synonyms=False)))
        if plain and not self._near(self.sentences.get_scores(plain), chosen):
            found.add("plain words")
        whole = whole_words(said)
        if whole and not self._near(self.words.get_scores(whole), chosen):
            found.add("whole words")
        if not self._near(np.array([self._cosine(grams(said), doc) for doc in self.grams]), chosen):
            found.add("letters")
        return found

    @staticmethod
    def _first(scores: np.ndarray, keys: Sequence[str]) -> str | None:
        """The key of the best score, if any is above 0."""
        best = int(np.argmax(scores))
        return keys[best] if scores[best] > 0 else None

    @staticmethod
    def _near(scores: np.ndarray, chosen: Sequence[int]) -> bool:
        """Tell whether one of the chosen sentences is in the TOP best by these scores."""
        return bool(set(np.argsort(-scores, kind="stable")[:TOP].tolist()) & set(chosen))

    def _cosine(self, one: Counter[str], other: Counter[str]) -> float:
        """The cosine of two texts' 4-grams, weighted by how rare they are in the line."""

        def vector(count: Counter[str]) -> dict[str, float]:
            return {g: (1 + math.log(n)) * self.idf.get(g, 0.0) for g, n in count.items()}

        a, b = vector(one), vector(other)
        norm = math.sqrt(sum(x * x for x in a.values()) * sum(x * x for x in b.values()))
        return sum(x * b.get(g, 0.0) for g, x in a.items()) / norm if norm else 0.0


def opinions(name: str, asker: Asker) -> list[Opinions]:
    """Each answered tuning question of a line with the views that point elsewhere."""
    views = Views(asker.answers)
    found = []
    for question, sixth in parts(QUESTIONS / f"{name}.tuning.txt"):
        understood = asker.understanding.understand(question.said, 0.9) if asker.understanding else NOTHING
        answer = asker.answer(question.said)
        if answer is None:
            continue
        chosen = [asker.answers.sentences.index(sentence) for sentence in answer.sentences]
        matched = understood.key if understood.outcome == "matched" else None
        elsewhere = views.elsewhere(question.said, answer.section.key, chosen, matched)
        found.append(Opinions(judged(answer, question), sixth, frozenset(elsewhere)))
    return found


RULES: dict[str, Callable[[frozenset[str]], bool]] = {
    "matcher": lambda views: "matcher" in views,
    "sections": lambda views: "sections" in views,
    "sections, clearly": lambda views: "sections, clearly" in views,
    "sentences": lambda views: "sentences" in views,
    "plain words": lambda views: "plain words" in views,
    "whole words": lambda views: "whole words" in views,
    "letters": lambda views: "letters" in views,
    "two views or more": lambda views: len(views - {"sections, clearly"}) >= 2,
    "three views or more": lambda views: len(views - {"sections, clearly"}) >= 3,
}


def main() -> None:
    """Print what each agreement rule would cost and save, per line and part of the tuning files."""
    with tempfile.TemporaryDirectory(prefix="ivr-opinions-") as name:
        lines = {"rodblokade": Asker(load_content()), "galdesten": Asker(imported_line(Path(name)))}
    found = {name: opinions(name, asker) for name, asker in lines.items()}
    print("right lost / wrong saved if the line kept quiet where the rule says; rounds 1-5 | sixth round")
    for line, answered in found.items():
        for sixth in (False, True):
            part = [o for o in answered if o.sixth == sixth]
            right = sum(o.verdict == "right" for o in part)
            wrong = sum(o.verdict == "wrong" for o in part)
            print(f"{line:<11} {'sixth' if sixth else '1-5':<6} said: {right} right, {wrong} wrong")
    for rule, keeps_quiet in RULES.items():
        cells = []
        for answered in found.values():
            for sixth in (False, True):
                quiet = [o for o in answered if o.sixth == sixth and keeps_quiet(o.elsewhere)]
                lost = sum(o.verdict == "right" for o in quiet)
                cells.append(f"{lost:>3} / {sum(o.verdict == 'wrong' for o in quiet)}")
        print(f"{rule:<20} " + " | ".join(cells))
    every = [o for answered in found.values() for o in answered]
    for verdict in ("right", "wrong"):
        counted = Counter(len(o.elsewhere - {"sections, clearly"}) for o in every if o.verdict == verdict)
        shares = ", ".join(f"{n}: {counted[n]}" for n in sorted(counted))
        print(f"views pointing elsewhere, {verdict} answers (both lines, all rounds): {shares}")


if __name__ == "__main__":
    main()
