"""A second opinion before acting (issue 26, branch h26g): the line's choices ranked independently of the
matcher, and what acting at once only where both agree does to the tuned sets.

    python -m bench.second_opinion [--rounds 5]

The matcher (`ivr/line/understanding.py`) decides from its own points, near misses and rules. The opinions
here rank the same line's choices another way, with `bm25s` and the asking's own words (`Answers.terms`:
Danish stop words dropped, stems, compounds, lay words and the clinic's synonyms; no tokeniser of its own):
"phrases" is one BM25 document per choice (its phrases' terms together), "phrase" one document per phrase (a
choice scores its best phrase), "sentences" the asking's index of the content's sentences (`Answers.ranked`,
a section scores its best sentence; sections only). The policies, each a change of the matcher's outcome:

- "disagrees": the matcher acts at once on a section or action X, an opinion's best choice is another one,
  scoring at least X's: asked back about X instead, or nothing;
- "no evidence": the opinion gives X nothing at all: asked back about X;
- "both disagree": the phrases and the sentences agree on one best section other than the section X the
  matcher acts on: asked back about X, or nothing;
- "both point": the matcher understands nothing and the phrases and the sentences agree on one best section,
  each at least 1.5 (or 3) times its runner-up: asked back about it.

Printed, for the tuned sets (all tuned; those before this round; the fifth callers' batch, measured untuned
before it joined them): right / asked / missed / wrong / nothing understood as nothing / acted wrong, as
`bench.understanding` counts them. Then "as heard": the matcher and then the call's turn (`answering`: a
sentence that surely answers the question is said instead), each sentence counted as acting on its section:
what a caller hears, with and without the "both disagree" policies. Last, the time each opinion adds per
utterance and the memory its index adds per line.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence

import bm25s  # type: ignore[import-untyped]  # no stubs
import numpy as np

from bench import phrasings
from bench.caller_phrasings_4 import CALLERS_4
from bench.phrasings import ALL, RODBLOKADE_LISTS, RODBLOKADE_PHRASES, Policy, Utterance, verdict
from ivr.line.answers import Answers
from ivr.line.content_loader import load_content
from ivr.line.understanding import Understanding
from ivr.line.understood import Understood

Opinion = Callable[[str], dict[str, float]]
# BM25's usual parameters: the phrases are short and of like length.
K1, B = 1.2, 0.75
# "both point": each opinion's best at least this many times its runner-up (the margins tried).
POINT_MARGINS = (1.5, 3.0)


class PhraseIndex:
    """A BM25 index over a line's phrases: one document per choice, or one per phrase (a choice's best)."""

    def __init__(self, answers: Answers, phrases: Mapping[str, Sequence[str]], *, per_phrase: bool) -> None:
        self._answers = answers
        # A choice's document keeps a term once per phrase that has it: how many of its phrases say a word
        # is what BM25 counts in it.
        terms = {key: [answers.terms(text) for text in texts] for key, texts in phrases.items()}
        docs = [
            (key, doc)
            for key, per_text in terms.items()
            for doc in (per_text if per_phrase else [[term for one in per_text for term in one]])
        ]
        self._keys = [key for key, _ in docs]
        self._vocabulary = frozenset(term for _, terms in docs for term in terms)
        self._index = bm25s.BM25(k1=K1, b=B)
        # An empty document (a phrase of stop words only, "hvad er det") keeps its place with a token no
        # query has.
        self._index.index([terms or ["\x00"] for _, terms in docs], show_progress=False)

    def scores(self, said: str) -> dict[str, float]:
        """Each choice's score for the words said, those above 0."""
        query = [term for term in self._answers.terms(said) if term in self._vocabulary]
        if not query:
            return {}
        best: dict[str, float] = {}
        for key, score in zip(
            self._keys, np.asarray(self._index.get_scores(query), dtype=float), strict=True
        ):
            if score > 0:
                best[key] = max(best.get(key, 0.0), float(score))
        return best


def sentence_scores(answers: Answers) -> Opinion:
    """The asking's index as an opinion: each section's best sentence's score."""

    def scores(said: str) -> dict[str, float]:
        best: dict[str, float] = {}
        for scored in answers.ranked(said):
            key = scored.sentence.section.key
            best[key] = max(best.get(key, 0.0), scored.score)
        return best

    return scores


def ranked(scores: Mapping[str, float]) -> list[tuple[str, float]]:
    """The choices best first."""
    return sorted(scores.items(), key=lambda item: -item[1])


def disagrees(opinion: Opinion, outcome: str, *, no_evidence: bool = False) -> Policy:
    """The matcher acts on X, the opinion's best is another choice scoring at least X's (or, `no_evidence`,
    the opinion gives X nothing): `outcome` ("ask" about X, or "nothing") instead."""

    def policy(said: str, understood: Understood) -> Understood:
        if understood.outcome != "matched" or understood.key is None:
            return understood
        scores = opinion(said)
        best = ranked(scores)[:1]
        own = scores.get(understood.key, 0.0)
        doubted = own == 0.0 if no_evidence else bool(best) and best[0][0] != understood.key
        return _instead(understood, outcome) if doubted else understood

    return policy


def both_disagree(opinions: Sequence[Opinion], sections: frozenset[str], outcome: str) -> Policy:
    """The matcher acts on section X and every opinion's best is one other section: `outcome` instead."""

    def policy(said: str, understood: Understood) -> Understood:
        if understood.outcome != "matched" or understood.key not in sections:
            return understood
        best = {top[0][0] if (top := ranked(opinion(said))) else None for opinion in opinions}
        agreed = best.pop() if len(best) == 1 else None
        return _instead(understood, outcome) if agreed not in (None, understood.key) else understood

    return policy


def both_point(opinions: Sequence[Opinion], margin: float) -> Policy:
    """The matcher understands nothing and every opinion's best, `margin` times its runner-up or alone, is
    one choice: asked back about it."""

    def policy(said: str, understood: Understood) -> Understood:
        if understood.outcome != "nothing":
            return understood
        best = set()
        for opinion in opinions:
            top = ranked(opinion(said))
            if not top or (len(top) > 1 and top[0][1] < margin * top[1][1]):
                return understood
            best.add(top[0][0])
        return Understood("ask", best.pop(), 0.5) if len(best) == 1 else understood

    return policy


def as_heard(answers: Answers, policy: Policy) -> Policy:
    """The policy, then the call's turn: a sentence said counts as acting on its section."""
    heard = phrasings.as_heard(answers)
    return lambda said, understood: heard(said, policy(said, understood))


def unchanged(said: str, understood: Understood) -> Understood:
    """The matcher's outcome as it is."""
    return understood


def _instead(understood: Understood, outcome: str) -> Understood:
    """A question back about the matcher's choice, or nothing."""
    if outcome == "ask":
        return Understood("ask", understood.key, understood.score)
    return Understood("nothing", None, understood.score)


def row(line: Understanding, utterances: Sequence[Utterance], policy: Policy) -> str:
    """The shares of a set under a policy, as `bench.understanding` prints them."""
    decided = [policy(said, line.understand(said, 0.9)) for said, _ in utterances]
    verdicts = [verdict(heard, key) for heard, (_, key) in zip(decided, utterances, strict=True)]
    meant_nothing = [
        h.outcome == "nothing" for h, (_, key) in zip(decided, utterances, strict=True) if not key
    ]
    acted = sum(v == "wrong" and h.outcome != "ask" for v, h in zip(verdicts, decided, strict=True))
    count = len(utterances)
    shares = [verdicts.count(name) / count for name in ("right", "asked", "missed", "wrong")]
    nothing_ok = sum(meant_nothing) / max(len(meant_nothing), 1)
    return " ".join(f"{share:>7.1%}" for share in (*shares, nothing_ok, acted / count))


def per_utterance(opinion: Opinion, said: Sequence[str], rounds: int) -> float:
    """The best of `rounds` mean times of an opinion over the utterances, in µs."""
    means = []
    for _ in range(rounds):
        started = time.perf_counter()
        for text in said:
            opinion(text)
        means.append((time.perf_counter() - started) / len(said))
    return min(means) * 1e6


def index_bytes(build: Callable[[], object]) -> int:
    """The memory an index holds once built (tracemalloc, Python and numpy allocations)."""
    tracemalloc.start()
    built = build()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del built
    return held


def main() -> None:
    """Print each policy's shares, the times and the memory."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    content = load_content()
    line = Understanding(RODBLOKADE_PHRASES, lists=RODBLOKADE_LISTS)
    answers = Answers(content)
    phrases = PhraseIndex(answers, RODBLOKADE_PHRASES, per_phrase=False).scores
    phrase = PhraseIndex(answers, RODBLOKADE_PHRASES, per_phrase=True).scores
    sentences = sentence_scores(answers)
    sections = frozenset(section.key for section in content.sections)
    policies: dict[str, Policy] = {
        "matcher alone": unchanged,
        "phrases disagree: ask": disagrees(phrases, "ask"),
        "phrases disagree: nothing": disagrees(phrases, "nothing"),
        "phrases: no evidence: ask": disagrees(phrases, "ask", no_evidence=True),
        "phrase disagrees: ask": disagrees(phrase, "ask"),
        "phrase disagrees: nothing": disagrees(phrase, "nothing"),
        "sentences disagree: ask": disagrees(sentences, "ask"),
        "both disagree: ask": both_disagree((phrases, sentences), sections, "ask"),
        "both disagree: nothing": both_disagree((phrases, sentences), sections, "nothing"),
        **{
            f"both point, {margin}: ask": both_point((phrases, sentences), margin) for margin in POINT_MARGINS
        },
        "as heard": as_heard(answers, unchanged),
        "as heard, both disagree: ask": as_heard(
            answers, both_disagree((phrases, sentences), sections, "ask")
        ),
        "as heard, both disagree: nothing": as_heard(
            answers, both_disagree((phrases, sentences), sections, "nothing")
        ),
    }
    batch = set(CALLERS_4)
    sets = {
        "all tuned": ALL,
        "before this round": [pair for pair in ALL if pair not in batch],
        "callers 4": CALLERS_4,
    }
    columns = " ".join(f"{name:>7}" for name in ("right", "asked", "missed", "wrong", "ok", "acted"))
    print(f"{'set':<18} {'policy':<34} {columns}")
    for name, utterances in sets.items():
        for label, policy in policies.items():
            print(f"{name:<18} {label:<34} {row(line, utterances, policy)}")
    said = [text for text, _ in ALL]
    opinions: dict[str, Opinion] = {
        "matcher": lambda text: {"": line.understand(text, 0.9).score},
        "phrases": phrases,
        "phrase": phrase,
        "sentences": sentences,
    }
    for label, opinion in opinions.items():
        print(f"time {label}: {per_utterance(opinion, said, args.rounds):.1f} µs per utterance")
    per_choice = index_bytes(lambda: PhraseIndex(answers, RODBLOKADE_PHRASES, per_phrase=False))
    per_phrase = index_bytes(lambda: PhraseIndex(answers, RODBLOKADE_PHRASES, per_phrase=True))
    matcher = index_bytes(lambda: Understanding(RODBLOKADE_PHRASES, lists=RODBLOKADE_LISTS))
    for label, held in (("phrases", per_choice), ("phrase", per_phrase), ("matcher", matcher)):
        print(f"memory {label}: {held / 1024:.0f} KiB per line, {50 * held / 2**20:.1f} MiB for 50 lines")


if __name__ == "__main__":
    main()
