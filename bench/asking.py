"""Asking the leaflet: the shares of questions answered by the right sentence, and the time it adds.

    python -m bench.asking [--rounds 20] [--lines 50] [--tuning-only [--misses]] [--sets aside5]

For the shipped line and for a line imported from `tests/leaflets/tuning/galdesten.txt` (`ivr import`, as a
clinic would), reads the labelled questions of `bench/questions/` and answers each as a call's turn does
(`answering.answering`: urgent words and the listed unanswered questions first, a named action done, else the
sentence): "right" when the sentences said include one the label names and, with the offer of the
section, are at most 45 words; "wrong" when a sentence is said that the label does not name (or the leaflet
does not answer it); "none" when no sentence is said (the section, a question back or "det står der ikke
noget om"). Right is a share of the questions the leaflet answers; wrong of all. The issue's targets, on
the held-out questions: right at least 70 %, wrong at most 1 %.

Then, on a deployment of `--lines` lines (the shipped line under as many ids, each with its own index),
times the answer of every question on a line picked in turn, `--rounds` times: the time a turn with speech
spends choosing the sentence, over the mean and the 99th percentile.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.servers import write_lines
from ivr.importer.cli import import_leaflet
from ivr.line.answering import answering
from ivr.line.answers import MOST_WORDS, Answers
from ivr.line.answers_sentences import Answer
from ivr.line.content import Content
from ivr.line.content_loader import load_content
from ivr.line.lines import load_folder
from ivr.line.understanding import Understanding
from ivr.line.understood import Understood

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions"
IMPORTED = HERE.parent / "tests" / "leaflets" / "tuning" / "galdesten.txt"
NOTHING = Understood("nothing", None, 0.0)
# The sets of questions: tuned on; held out by the first round; held out by the second (h28b).
HALVES = (
    "tuning",
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
)


@dataclass(frozen=True)
class Question:
    """A question as a patient asks it, and pieces of the sentences that answer it (none: not answered)."""

    said: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Tally:
    """How one set of questions was answered."""

    count: int
    answerable: int
    right: int
    wrong: int
    kept_quiet: int  # questions the leaflet does not answer that got no sentence


def read_questions(path: Path) -> list[Question]:
    """The questions of one file (see bench/questions/README.md)."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        said, _, labels = line.partition("|")
        answers = tuple(a.strip().lower() for a in labels.split(";") if a.strip() not in ("", "-"))
        found.append(Question(said.strip(), answers))
    return found


class Asker:
    """One line as a call's turn asks it: its understanding (where it listens), then its sentences."""

    def __init__(self, content: Content) -> None:
        self.answers = Answers(content)
        listens = content.understands_speech
        self.understanding = Understanding(content.phrases(), lists=content.lists) if listens else None

    def answer(self, said: str) -> Answer | None:
        """The sentences a turn with these words says, if any."""
        understood = self.understanding.understand(said, 0.9) if self.understanding else NOTHING
        return answering(self.answers, said, understood)


def judged(answer: Answer | None, question: Question) -> str:
    """Right, wrong or none for one question."""
    if answer is None:
        return "none"
    texts = [sentence.prompt.text.lower() for sentence in answer.sentences]
    hit = any(label in text for label in question.answers for text in texts)
    brief = answer.words <= MOST_WORDS
    return "right" if hit and brief else "wrong"


def tally(asker: Asker, questions: list[Question]) -> Tally:
    """Answer every question and count."""
    verdicts = [(question, judged(asker.answer(question.said), question)) for question in questions]
    return Tally(
        count=len(questions),
        answerable=sum(1 for q in questions if q.answers),
        right=sum(1 for q, v in verdicts if v == "right" and q.answers),
        wrong=sum(1 for _, v in verdicts if v == "wrong"),
        kept_quiet=sum(1 for q, v in verdicts if v == "none" and not q.answers),
    )


def imported_line(folder: Path) -> Content:
    """The galdesten leaflet through `ivr import`, as a clinic's draft."""
    out = folder / "galdesten.toml"
    import_leaflet(IMPORTED, out, line_id="galdesten", name=None, numbers=("+4548293099",), title=None)
    return load_content(out)


def print_shares(lines: dict[str, Asker], halves: tuple[str, ...]) -> None:
    """The shares for every line and half."""
    print(
        f"{'line':<11} {'half':<9} {'count':>5} {'answerable':>10} {'right':>7} {'wrong':>6} {'quiet ok':>9}"
    )
    for name, asker in lines.items():
        for half in halves:
            done = tally(asker, read_questions(QUESTIONS / f"{name}.{half}.txt"))
            unanswerable = done.count - done.answerable
            print(
                f"{name:<11} {half:<9} {done.count:>5} {done.answerable:>10}"
                f" {done.right / done.answerable:>7.1%} {done.wrong / done.count:>6.1%}"
                f" {done.kept_quiet}/{unanswerable:>2}"
            )


def print_misses(lines: dict[str, Asker]) -> None:
    """Each tuning question not answered right, and what it got (never the held-out ones)."""
    for name, asker in lines.items():
        for question in read_questions(QUESTIONS / f"{name}.tuning.txt"):
            answer = asker.answer(question.said)
            verdict = judged(answer, question)
            if verdict == "right" or (verdict == "none" and not question.answers):
                continue
            said = " / ".join(s.prompt.text for s in answer.sentences) if answer else ""
            print(f"{name:<11} {verdict:<5} {question.said} -> {said}")


def time_deployment(count: int, rounds: int) -> None:
    """The time choosing the sentence adds to a turn, on a deployment of `count` lines."""
    with tempfile.TemporaryDirectory(prefix="ivr-asking-") as name:
        write_lines(Path(name), count)
        contents = load_folder(Path(name))
    started = time.perf_counter()
    askers = [Asker(content) for content in contents]
    built = time.perf_counter() - started
    said = [q.said for path in sorted(QUESTIONS.glob("rodblokade.*.txt")) for q in read_questions(path)]
    times = []
    for turn in range(rounds * len(said)):
        asker = askers[turn % len(askers)]
        started = time.perf_counter()
        asker.answer(said[turn % len(said)])
        times.append(time.perf_counter() - started)
    times.sort()
    p99 = times[int(len(times) * 0.99)]
    print(
        f"{len(askers)} lines: indexes built in {built * 1000:.0f} ms ({built / len(askers) * 1000:.1f} ms a"
        f" line); a turn's understanding and answer: mean {statistics.mean(times) * 1000:.2f} ms,"
        f" p99 {p99 * 1000:.2f} ms over {len(times)} turns"
    )


def main() -> None:
    """Print the shares and the time per turn."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument(
        "--tuning-only", action="store_true", help="only the tuning questions, as while tuning"
    )
    parser.add_argument("--misses", action="store_true", help="with --tuning-only: each tuning miss")
    parser.add_argument("--sets", nargs="+", metavar="HALF", help="only these sets (e.g. aside5: kept aside)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ivr-asking-") as name:
        lines = {"rodblokade": Asker(load_content()), "galdesten": Asker(imported_line(Path(name)))}
    if args.sets:
        print_shares(lines, tuple(args.sets))
        return
    print_shares(lines, ("tuning",) if args.tuning_only else HALVES)
    if args.tuning_only:
        if args.misses:
            print_misses(lines)
        return
    time_deployment(args.lines, args.rounds)


if __name__ == "__main__":
    main()
