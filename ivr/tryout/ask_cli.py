"""`ivr ask`: try a question on a line as a caller would ask it, and see the sentence the line answers with.

Staff (clinicians) type what a patient might say; the command prints the sentences chosen, their section,
what follows them and the best sentences' scores, or what the line does instead (an urgent word, a question
the leaflet does not answer, a choice, not understood). The words typed are printed back, never logged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ivr.cli_errors import Stop
from ivr.cli_options import CONTENT_OPTION, LINE_OPTION
from ivr.line.answering import answering
from ivr.line.answers import Answers
from ivr.line.answers_sentences import Answer
from ivr.line.content import Content
from ivr.line.understanding import Understanding
from ivr.line.understood import Understood
from ivr.line.words import words_of
from ivr.versions.cli import published_content

# Exit codes: a sentence answers (0), no sentence answers (1); bad input is 2 (`Stop`).
ANSWERED, NOT_ANSWERED = 0, 1
# How many of the best sentences are shown with their scores.
SHOWN = 3
# What the line does when no sentence answers, in staff's words.
INSTEAD = {
    "urgent": "et hasteord: linjen siger straks 1-1-2-sætningen og rådene efter indgrebet",
    "unanswered": "et spørgsmål, folderen ikke svarer på: linjen siger det og nævner sekretariatet",
    "ask": "linjen er ikke sikker og spørger tilbage: {question}",
    "matched": "linjen vælger {choice}",
    "nothing": "linjen forstod det ikke og siger menuen igen",
}


@click.command()
@click.argument("question", metavar="SPØRGSMÅL")
@CONTENT_OPTION
@LINE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Vis svaret og pointene som JSON.")
def ask(question: str, content_path: Path | None, line_id: str | None, as_json: bool) -> None:
    """Svar på SPØRGSMÅL, som linjen svarer en patient, der siger det; fejl, hvis ingen sætning svarer."""
    if not words_of(question):
        raise Stop('Skriv et spørgsmål med ord, f.eks. ivr ask "må jeg spise inden".')
    content = published_content(content_path, line_id)
    found = answer_to(content, question)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(_words(found)))
    raise SystemExit(ANSWERED if found["answered"] else NOT_ANSWERED)


def answer_to(content: Content, question: str) -> dict[str, Any]:
    """What the line does with a question, as plain data."""
    answers = Answers(content)
    understood = Understood("nothing", None, 0.0)
    if content.understands_speech:
        understood = Understanding(content.phrases(), lists=content.lists).understand(question, None)
    answer = answering(answers, question, understood)
    ranked = [
        {"section": s.sentence.section.key, "sentence": s.sentence.prompt.text, "score": round(s.score, 3)}
        for s in answers.ranked(question)[:SHOWN]
    ]
    found: dict[str, Any] = {"line": content.line.id, "question": question, "answered": answer is not None}
    if answer is not None:
        found |= _answered(answer)
    else:
        key = understood.key or ""
        section = content.section(key)
        choice = f"afsnit {key} ({section.title})" if section else f"tasten {key}"
        asked = content.choice_words().get(key, "")
        found["instead"] = INSTEAD[understood.outcome].format(choice=choice, question=asked)
    return found | {"best": ranked}


def _answered(answer: Answer) -> dict[str, Any]:
    return {
        "section": answer.section.key,
        "title": answer.section.title,
        "sentences": [sentence.prompt.text for sentence in answer.sentences],
        "offer": answer.offer.text,
        "words": answer.words,
        "score": round(answer.score, 3),
    }


def _words(found: dict[str, Any]) -> list[str]:
    """The answer as lines of Danish for staff."""
    if found["answered"]:
        lines = [f"Svar fra afsnit {found['section']} ({found['title']}), {found['words']} ord:"]
        lines += [f"  {sentence}" for sentence in found["sentences"]]
        lines.append(f"Derefter: {found['offer']} Så afsnittets menu.")
    else:
        lines = [f"Ingen sætning svarer sikkert på det: {found['instead']}."]
    lines.append(
        "Bedste sætninger (score, afsnit):" if found["best"] else "Ingen sætning har ord fra spørgsmålet."
    )
    lines += [f"  {best['score']:.2f}  {best['section']}: {best['sentence']}" for best in found["best"]]
    return lines
