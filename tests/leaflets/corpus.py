"""The importer's own corpus: Danish leaflets written for it, with what a careful reader finds in each.

`tuning/` is what the importer was tuned against; `heldout/` was never run while tuning, so the figures
bench/imports.py reports for it say how the importer does on leaflets nobody tuned against.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from tests.pdf import make_pdf

HERE = Path(__file__).resolve().parent
HALVES = ("tuning", "heldout")


@dataclass(frozen=True)
class Case:
    """A leaflet of the corpus, ready to import, and what the import should find in it."""

    path: Path
    name: str
    sections: tuple[str, ...]
    secretariat: str
    days: tuple[str, ...]
    hours: tuple[str, str]
    advice: tuple[str, ...]


def cases(half: str, folder: Path) -> list[Case]:
    """The half's leaflets written into `folder` (a ".lines" one as a two-page PDF), with their answers."""
    source = HERE / half
    expected = tomllib.loads((source / "expected.toml").read_text(encoding="utf-8"))
    found = []
    for entry in expected["leaflet"]:
        written = source / entry["file"]
        path = folder / written.name
        if written.suffix == ".lines":
            lines = [line for line in written.read_text(encoding="utf-8").splitlines() if line]
            middle = len(lines) // 2
            path = path.with_suffix(".pdf")
            path.write_bytes(make_pdf([lines[:middle], lines[middle:]]))
        else:
            path.write_bytes(written.read_bytes())
        found.append(
            Case(
                path,
                entry["name"],
                tuple(entry["sections"]),
                entry["secretariat"],
                tuple(entry["days"]),
                (entry["hours"][0], entry["hours"][1]),
                tuple(entry["advice"]),
            )
        )
    return found
