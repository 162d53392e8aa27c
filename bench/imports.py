"""How well `ivr import` reads leaflets: the corpus in tests/leaflets, the tuning half and the held-out half.

    python -m bench.imports [--half tuning|heldout] [--verbose]

For each leaflet: the sections found against those a careful reader finds (and any extra), the leaflet's
words the draft says (the rest is the contact details, said by the line as {phone} and {hours}), the words
neither said nor left out as contact details ("lost", which `ivr check` would name), the advice sentences
said, the skipped lines holding advice (must be 0), the secretariat's number and hours read, the line's name,
and whether `ivr check` accepts the draft as written.
The held-out half was never run while the importer was tuned: its figures are the honest ones.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from ivr.importer.draft import Draft, build_draft
from ivr.importer.writing import render
from ivr.line.advice import holds_advice
from ivr.line.content_loader import ContentError, load_content
from ivr.line.coverage import leaflet_text, sentences, skipped, uncovered, words
from ivr.line.leaflet import read_leaflet
from tests.leaflets.corpus import HALVES, Case, cases


def measure(case: Case) -> dict[str, float]:
    """Import one leaflet and score the draft against what the corpus says it holds."""
    started = time.perf_counter()
    leaflet = read_leaflet(case.path)
    draft = build_draft(leaflet, line_id=case.path.stem, name=None, numbers=(), leaflet_ref=case.path.name)
    seconds = time.perf_counter() - started
    spoken = [text for section in draft.sections for text in (section.title, section.text)]
    titles = {section.title.casefold() for section in draft.sections}
    found = sum(title.casefold() in titles for title in case.sections)
    return {
        "sections_expected": len(case.sections),
        "sections_found": found,
        "sections_extra": len(draft.sections) - found,
        "words": _words(leaflet.text),
        "words_kept": _words(leaflet.text) - _words("\n".join(uncovered(leaflet.text, spoken))),
        "words_lost": _words("\n".join(draft.uncovered)),
        "advice_skipped": sum(holds_advice(line) for line, _ in skipped(leaflet.text, draft.leaflet_skip)),
        "advice": len(case.advice),
        "advice_said": sum(not uncovered(advice, spoken) for advice in case.advice),
        "contact": int(_contact(draft, case)),
        "name": int(draft.name == case.name),
        "check": int(_checks(draft, case)),
        "seconds": seconds,
    }


def _checks(draft: Draft, case: Case) -> bool:
    """Whether `ivr check` accepts the draft as written, leaflet coverage and skipped advice included."""
    out = case.path.with_suffix(".toml")
    out.write_text(render(draft, case.path.name, date(2026, 1, 1)), encoding="utf-8")
    try:
        load_content(out, leaflet=True)
    except ContentError as error:
        print(f"  {case.path.name}: {error}")
        return False
    return True


def _words(text: str) -> int:
    """How many words a text has, as the coverage check counts them."""
    return sum(
        len(words(sentence)) for line in leaflet_text(text).splitlines() for sentence in sentences(line)
    )


def _contact(draft: Draft, case: Case) -> bool:
    """Whether the draft read the secretariat's number and its days and hours right."""
    hours = (draft.hours.opens, draft.hours.closes)
    return draft.secretariat == case.secretariat and draft.hours.days == case.days and hours == case.hours


_HEADING = "sections  extra  words said  lost  advice said  skipped  contact  name  check  seconds"


def _row(row: dict[str, float]) -> str:
    """One leaflet's figures, under the table's heading."""
    contact, name, checked = ("ok" if row[key] else "WRONG" for key in ("contact", "name", "check"))
    return (
        f"{row['sections_found']:>3.0f}/{row['sections_expected']:<3.0f}  {row['sections_extra']:>5.0f}"
        f"  {row['words_kept']:>4.0f}/{row['words']:<4.0f}  {row['words_lost']:>5.0f}"
        f"  {row['advice_said']:>5.0f}/{row['advice']:<5.0f}  {row['advice_skipped']:>7.0f}  {contact:>7}"
        f"  {name:>4}  {checked:>5}  {row['seconds']:7.2f}"
    )


def main() -> None:
    """Import every leaflet of the chosen halves and print a line per leaflet and the totals."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--half", choices=HALVES, action="append", help="default: both")
    args = parser.parse_args()
    for half in args.half or HALVES:
        with tempfile.TemporaryDirectory() as folder:
            rows = [(case, measure(case)) for case in cases(half, Path(folder))]
        print(f"{half}: {len(rows)} leaflets")
        print(f"  {'leaflet':<16} {_HEADING}")
        for case, row in rows:
            print(f"  {case.path.name:<16} {_row(row)}")
        total = {key: sum(row[key] for _, row in rows) for key in rows[0][1]}
        print(
            f"  total: sections {total['sections_found']:.0f}/{total['sections_expected']:.0f} "
            f"({total['sections_extra']:.0f} extra), words said {total['words_kept'] / total['words']:.1%}, "
            f"lost {total['words_lost']:.0f}, advice said {total['advice_said']:.0f}/{total['advice']:.0f}, "
            f"skipped lines with advice {total['advice_skipped']:.0f}, "
            f"contact read {total['contact']:.0f}/{len(rows)}, name {total['name']:.0f}/{len(rows)}, "
            f"ivr check ok {total['check']:.0f}/{len(rows)}"
        )


if __name__ == "__main__":
    main()
