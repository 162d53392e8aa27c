"""A leaflet turned into a draft content file: sections from its headings, menus, the number and the hours."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ivr.importer import contact
from ivr.importer.ear import lower_first, sentence_case, spoken_block
from ivr.line.advice import holds_advice, is_contact_details
from ivr.line.coverage import is_heading, is_label, leaflet_text, sentences, uncovered
from ivr.line.leaflet import Leaflet, LeafletError

MAX_SECTIONS = 9  # keys 1-9
_WRAP = 100
_SMALL_CONTACT_PART = 30  # words: a part this short that gives a phone number is the contact block
_MAX_TOP = 8  # blocks: a title block is never longer (a title, a department, an address, a number, hours)
_DEPARTMENT = re.compile(
    r"klinik|afdeling|ambulatori|afsnit|hospital|sygehus|center|centret|sekretariat|patientinformation",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DraftSection:
    """One menu key's part of the leaflet, its text one sentence a line."""

    key: str
    title: str
    text: str


@dataclass(frozen=True)
class Draft:
    """Everything a draft content file holds, and what the clinician reading it should know."""

    line_id: str
    name: str
    numbers: tuple[str, ...]
    leaflet: str
    leaflet_skip: tuple[str, ...]
    secretariat: str
    hours: contact.Hours
    prompts: dict[str, str]
    sections: tuple[DraftSection, ...]
    notes: tuple[str, ...] = ()
    uncovered: tuple[str, ...] = ()

    @property
    def todos(self) -> list[str]:
        """The values the draft could not fill in, each beginning with "TODO"."""
        values = [self.secretariat, *self.hours.days, self.hours.opens, self.hours.closes]
        return list(dict.fromkeys(value for value in values if value.startswith("TODO")))


@dataclass
class _Part:
    """The leaflet from one heading to the next: the heading as written and the blocks under it."""

    heading: str | None
    blocks: list[str] = field(default_factory=list)
    contact: bool = False

    def words(self) -> int:
        """How long the part is, in words."""
        return sum(len(block.split()) for block in self.blocks)


def build_draft(
    leaflet: Leaflet,
    *,
    line_id: str,
    name: str | None,
    numbers: tuple[str, ...],
    leaflet_ref: str,
    title: str | None = None,
) -> Draft:
    """Turn a leaflet's text into a draft: sections, menus, the secretariat's number and its hours.

    `name`: the line's name, else the leaflet's title; `title`: the first section's, when the leaflet starts
    without a heading.
    """
    text = leaflet_text(leaflet.text)
    top, body = masthead(text.splitlines())
    parts = _parts(body)
    if not parts and not top:
        raise LeafletError(f"Folderen {leaflet.path} indeholder ingen tekst, kun sidetal.")
    _mark_contact(parts)
    contact_blocks = [
        *top,
        *(block for part in parts if part.contact or _named_contact(part) for block in part.blocks),
    ]
    skip = (*top, *(part.heading for part in parts if part.contact and part.heading))
    parts = _fold_empty([part for part in parts if not part.contact])
    if not parts:
        raise LeafletError(f"Folderen {leaflet.path} har ingen tekst at læse op, kun kontaktoplysninger.")
    name = name or _title(top) or leaflet.title or line_id.replace("-", " ").capitalize()
    first_title = title or f"Om {lower_first(name)}"
    titled = [(sentence_case(part.heading) if part.heading else first_title, part.blocks) for part in parts]
    titled, notes = _at_most_nine(titled)
    sections = tuple(_section(str(key), heading, blocks) for key, (heading, blocks) in enumerate(titled, 1))
    secretariat, hours = _contact(" ".join(contact_blocks), text)
    spoken = [part for section in sections for part in (section.title, section.text)]
    return Draft(
        line_id=line_id,
        name=name,
        numbers=numbers,
        leaflet=leaflet_ref,
        leaflet_skip=skip,
        secretariat=secretariat,
        hours=hours,
        prompts=_prompts(name, sections, contact_blocks),
        sections=sections,
        notes=tuple(notes),
        uncovered=tuple(uncovered(leaflet.text, spoken, skip)),  # as `ivr check` will
    )


def masthead(blocks: list[str]) -> tuple[list[str], list[str]]:
    """The leaflet's top (its title, department and contact lines) and the rest, which starts at the first
    real heading: a heading or label with running text under it (or at the first running text)."""
    top = 0
    while top < min(len(blocks), _MAX_TOP) and _top_line(blocks[top], "".join(blocks[top + 1 : top + 2])):
        top += 1
    return blocks[:top], blocks[top:]


def _top_line(block: str, following: str) -> bool:
    """Whether a block at the top belongs to the title block rather than to the leaflet's text."""
    if holds_advice(block):
        return False  # "Ved feber": never left unspoken with the title
    if is_contact_details(block) and not holds_advice(block) and not is_label(block):
        return True  # a phone number, the hours, an address
    return (is_heading(block) or is_label(block)) and _heading_like(following)


def _heading_like(block: str) -> bool:
    """Whether a block is a heading, a label or a contact line: not running text."""
    if not block:
        return False  # the leaflet's end: a heading there is the text's, not the title block's
    return is_heading(block) or is_label(block) or (is_contact_details(block) and not holds_advice(block))


def _title(top: list[str]) -> str | None:
    """The leaflet's title: the first heading or label at the top that does not name a department."""
    return next(
        (sentence_case(block) for block in top if (is_heading(block) or is_label(block))
         and not _DEPARTMENT.search(block) and "kontakt" not in block.casefold()),
        None,
    )  # fmt: skip


def _contact(contact_text: str, text: str) -> tuple[str, contact.Hours]:
    """The secretariat's number and hours, from the contact block if it gives them, else the whole leaflet."""
    hours = contact.opening_hours(contact_text)
    if not hours.found:
        hours = contact.opening_hours(text)
    number = contact.phone_number(contact_text) or contact.phone_number(text) or contact.NUMBER_TODO
    return number, hours


def _parts(blocks: list[str]) -> list[_Part]:
    """The blocks grouped under their headings: upper-case lines, or, in a leaflet without any, labels."""
    upper = any(is_heading(block) for block in blocks)
    parts = [_Part(None)]
    for block in blocks:
        # A department's name ("Ortopædkirurgisk Afsnit") under "Kontakt" is part of it, not a heading.
        if is_heading(block) if upper else is_label(block) and not _DEPARTMENT.search(block):
            parts.append(_Part(block))
        else:
            parts[-1].blocks.append(block)
    return [part for part in parts if part.heading or part.blocks]


def _mark_contact(parts: list[_Part]) -> None:
    """Mark the contact block, left unspoken: a part headed "Kontakt ...", or a short one giving a phone
    number, and the empty headings just above it; never a part that gives advice (fever, 1813, ...)."""
    for part in parts:
        number = contact.phone_number(" ".join(part.blocks))
        short_with_number = part.words() <= _SMALL_CONTACT_PART and number is not None
        advice = any(holds_advice(block) for block in [part.heading or "", *part.blocks])
        part.contact = part.heading is not None and (_named_contact(part) or short_with_number) and not advice
    for index in range(len(parts) - 2, -1, -1):
        if not parts[index].blocks and parts[index + 1].contact:
            parts[index].contact = True


def _named_contact(part: _Part) -> bool:
    """Whether a part's heading says it is the contact block."""
    return part.heading is not None and "kontakt" in part.heading.casefold()


def _fold_empty(parts: list[_Part]) -> list[_Part]:
    """A heading with no text under it is said at the start of the next part (or the end of the last)."""
    folded: list[_Part] = []
    pending: list[str] = []
    for part in parts:
        if part.blocks:
            folded.append(_Part(part.heading, [*pending, *part.blocks]))
            pending = []
        elif part.heading:
            pending.append(sentence_case(part.heading))
    if pending and folded:
        folded[-1].blocks.extend(pending)
    elif pending:
        folded.append(_Part(None, pending))
    return folded


def _at_most_nine(titled: list[tuple[str, list[str]]]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Merge the smallest neighbouring parts until there are at most nine, one per key; say which."""
    notes = []
    while len(titled) > MAX_SECTIONS:
        sizes = [sum(len(block) for block in blocks) for _, blocks in titled]
        index = min(range(len(titled) - 1), key=lambda i: sizes[i] + sizes[i + 1])
        (first, first_blocks), (second, second_blocks) = titled[index], titled[index + 1]
        merged = f"{first} og {lower_first(second)}"
        titled[index : index + 2] = [(merged, [*first_blocks, second, *second_blocks])]
        notes.append(f'"{second}" er lagt sammen med "{first}": en menu har højst {MAX_SECTIONS} taster.')
    return titled, notes


def _section(key: str, title: str, blocks: list[str]) -> DraftSection:
    """A section: its title said first, then its blocks as the line should say them."""
    said = [f"{title}."]
    items = 0
    for block in blocks:
        said.append(spoken_block(block, items_before=items))
        items = items + 1 if re.match(r"^(?:\d{1,2}[.)]|[a-h]\))\s", block) else 0
    lines = [line for block in said for sentence in sentences(block) for line in _wrap(sentence)]
    return DraftSection(key, title, "\n".join(lines))


def _wrap(sentence: str) -> list[str]:
    """A long sentence over several lines, so the file reads well."""
    lines = [""]
    for word in sentence.split():
        if lines[-1] and len(lines[-1]) + 1 + len(word) > _WRAP:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return lines


def _prompts(name: str, sections: tuple[DraftSection, ...], contact_blocks: list[str]) -> dict[str, str]:
    """Every prompt the line needs, the menus drafted from the section titles."""
    last = sections[-1].key
    choose = f"eller {last} for emnet" if last == "1" else f"eller 1 til {last} for et andet emne"
    questions = next((s for b in contact_blocks for s in sentences(b) if "spørgsmål" in s.lower()), "")
    department = next((b for b in contact_blocks if is_label(b) and _DEPARTMENT.search(b)), None)
    return {
        "welcome": (
            f"Velkommen{f' til {department}' if department else ''}. "
            f"Her kan du høre om {lower_first(name)}.\n"
            "Hvis det haster, så læg på og ring 1-1-2."
        ),
        "main_menu": "\n".join(
            [
                *(f"Tryk {s.key} for {_topic(s.title)}." for s in sections),
                "Tryk stjerne for at høre menuen igen.",
            ]
        ),
        "transfer_offer": "Tryk 0 for at tale med sekretariatet.",
        "section_menu": f"Tryk stjerne for at høre det igen, firkant for menuen, {choose}.",
        "invalid": "Den tast kender jeg ikke.",
        "silence": "Jeg hørte ikke noget tastetryk.",
        "goodbye": " ".join(filter(None, ["Tak fordi du ringede.", questions, "Farvel."])),
        "goodbye_failed": "Har du spørgsmål, kan du ringe til sekretariatet på {phone}, {hours}. Farvel.",
        "transfer": "Et øjeblik. Jeg stiller dig om til sekretariatet.",
        "transfer_failed": (
            "Sekretariatet kunne desværre ikke tage telefonen. Prøv igen senere, eller ring på {phone}.\n"
            "Sekretariatet har åbent {hours}."
        ),
        "transfer_loop": (
            "Du har ringet fra sekretariatets eget nummer, så jeg kan ikke stille dig videre.\n"
            "Sekretariatet har åbent {hours}."
        ),
        "error": "Undskyld, der skete en fejl hos os. Vi prøver igen.",
    }


def _topic(title: str) -> str:
    """A section's title as the main menu says it: "at høre om rodblokade", "komplikationer"."""
    if title.lower().startswith("om "):
        return f"at høre om {title[3:]}"
    return lower_first(title)
