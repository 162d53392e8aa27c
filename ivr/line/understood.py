"""What an utterance was taken to mean: the one value the understanding of speech gives and the flow, the
answers and the try-out tools read.

Apart from the understanding because its parts (the word lists, the matcher) all give it, and its readers need
nothing of how it was reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# "urgent": an urgent word was heard ("feber", "kan ikke gå"), whatever else was said; "unanswered": a
# question the leaflet does not answer ("kan jeg køre bil bagefter"). Both come from the content's word lists.
Outcome = Literal["matched", "ask", "nothing", "urgent", "unanswered"]


@dataclass(frozen=True)
class Understood:
    """What an utterance was taken to mean."""

    outcome: Outcome
    key: str | None
    score: float
    # Matched with one of the key's phrases of several words said word for word ("hvad sker der efter
    # operationen"): the caller named that choice's own topic, so a sentence of another section is not said.
    whole: bool = False
