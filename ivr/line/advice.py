"""What a leaflet passage holds: only contact details (which the line may leave unspoken, since it says the
secretariat's number and hours itself), or advice a caller needs (when to call, fever, bleeding, 112, 1813,
medicine, driving), which the line must always say.

`ivr import` keeps every passage that is more than contact details as a section; `ivr check` refuses a
skipped passage (`leaflet_skip`) that holds advice or a phone number other than the secretariat's.
"""

from __future__ import annotations

import re

from ivr.line import phonenumbers

# The emergency and out-of-hours numbers, as written and as said ("1-1-2").
_EMERGENCY = re.compile(r"(?<![\d,.-])(?:112|1813|1-1-2|1-8-1-3)(?![\d,-])")
# Words that mark advice wherever they stand: a symptom, a danger sign, medicine, driving, another doctor.
_ADVICE = re.compile(
    r"(?<![a-zæøå])(?:feber|blød\w*|smert\w*|ondt|hæv\w*|rød|varm|betændelse|infektion|"
    r"medicin(?:en|er|erne)?|piller|bil|køre|kør|alkohol|læge\w*|vagtlæge\w*|lægevagt\w*|skadestue\w*|akut\w*|straks|hurtigst|"
    r"vejret|åndenød|kvalme|opkast\w*|hvis|ved)(?![a-zæøå])",
    re.IGNORECASE,
)
# What contact details are made of, once numbers, times, addresses and web addresses are taken out.
_CONTACT_WORDS = frozenset(
    {
        "kontakt", "os", "tlf", "tel", "telefon", "telefonnummer", "nr", "nummer", "ring", "ringe", "på",
        "til", "fra", "kl", "klokken", "og", "eller", "samt", "hverdage", "hverdag", "mandag", "tirsdag",
        "onsdag", "torsdag", "fredag", "lørdag", "søndag", "man", "tirs", "tir", "ons", "tors", "tor", "fre",
        "lør", "søn", "åben", "åbent", "åbningstid", "åbningstider", "telefontid", "telefontider", "adresse",
        "indgang", "etage", "afsnit", "afdeling", "ambulatorium", "klinik", "klinikken", "sekretariat",
        "sekretariatet", "e-mail", "email", "mail", "www", "web", "hjemmeside", "læs", "mere", "se",
        "også",
    }
)  # fmt: skip
_DETAILS = re.compile(
    r"\S+@\S+|(?:https?://|www\.)\S+|\S+\.(?:dk|com|org|net|eu)(?:/\S*)?|\d+(?:[.:]\d+)?|[-–,.:;()/]"
)


def holds_advice(text: str) -> bool:
    """Whether a passage gives advice: an emergency number, a symptom, medicine, driving, "hvis ..."."""
    return bool(_EMERGENCY.search(text) or _ADVICE.search(text))


def is_contact_details(text: str) -> bool:
    """Whether a passage is only contact details: numbers, days and hours, an address, a web address, and
    names (a department, a street, a town: words with a capital first)."""
    rest = _DETAILS.sub(" ", phonenumbers.IN_TEXT.sub(" ", text))
    return all(word.lower() in _CONTACT_WORDS or word[:1].isupper() for word in rest.split())
