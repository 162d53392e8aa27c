"""The Danish words understanding treats as more than words: fillers that carry no choice, intensifiers and
pronouns the word lists skip, context words, noise, keys said by name or place, yes and no.

They are Danish, not the clinic's: the content's phrases and word lists name the choices; these say how any
caller's Danish is read around them.
"""

from __future__ import annotations

from collections.abc import Mapping

# Words that carry no choice: hesitations, politeness, pronouns, auxiliaries and question words that every
# topic shares ("hvordan" starts questions about the procedure and the preparation alike).
_FILLERS = """
    øh øhm øhh æh æhm ehm hm hmm mhm mm mmm altså nå nåh jamen ja jo nej tak mange hej hallo halløj goddag
    davs undskyld okay ok please
    jeg du man vi i mig dig os min mit mine din dit dine han hun den det der de dem
    vil ville gerne godt kan kunne skal skulle må måtte have har havde er var være været bliver blive blev
    får få fik gør gøre gjorde kommer komme kom
    hvad hva hvordan hvilken hvilket hvilke hvem hvor hvis når hvornår
    fortælle fortæl høre hør vide ved sige sig spørge spørgsmål angående vedrørende omkring
    med om til for på af fra ud op ind at og eller men så som da nu her lige bare lidt mere også ikke
    en et noget nogen nogle andre anden andet selve egentlig sådan ligesom vel nok mon meget helt
    sagde siger sagt kommet betyder forklar forklare ske sker skete gå går gik gået
    ring ringe ringer ringet ringede
    igen
    lave laver lavet lavede
    """
# Intensifiers: they change no topic and may stand inside a listed phrase ("kan slet ikke gå").
_INTENSIFIERS = """
    virkelig rigtig rigtigt slet overhovedet simpelthen næsten temmelig ret hel helt meget alt så
    """
INTENSIFIERS = frozenset(_INTENSIFIERS.split())
# Words that say when, or where in the body, and so stand in questions about every topic ("må jeg ryge
# inden", "jeg har smerter der stråler ned i benet"): like a word several choices share, they are the
# question's context, and beside a word the line does not know nothing is guessed from them; nor are they
# themselves a word the line does not know ("hvad er en blokade i lænden"). Pain ("ondt") is a question's
# subject, not its context.
_CONTEXT = """
    før inden efter bagefter efterfølgende dagen samme morgen morgenen aften aftenen nat natten uger
    ben benet benene ryg ryggen lænd lænden
    gang gange
    """
CONTEXT_WORDS = frozenset(_CONTEXT.split())
# When a question is set: before the procedure or after it. A choice whose phrases name one side only ("før
# indgrebet", "inden" for preparing) does not answer a question set on the other ("må jeg spise når jeg er
# kommet hjem"), whatever its topic word.
BEFORE_WORDS = frozenset({"før", "inden", "forinden", "forud"})
AFTER_WORDS = frozenset({"efter", "bagefter", "efterfølgende", "hjem", "hjemme", "derefter"})
# Asking leave ("må jeg ...") for something the line does not know: the leaflet gives its few permissions
# (to eat, to drink, to go home) in the phrases, so anything else is a question it does not answer.
PERMISSION = "må"
ASKERS = frozenset({"jeg", "man", "vi", "han", "hun", "min", "mit"})
# An urgent word in a supposition is a question about risk, not an emergency now: "hvis" ("hvad sker der
# hvis det bløder"), or "kan jeg blive"/"kan man få" before it ("kan jeg blive lam af det"). "Jeg kan ikke
# gå" tells, and stays urgent.
SUPPOSING = frozenset({"risiko", "risikoen"})
# The word that names the choice about risk in a line's phrases: a supposed urgent word asks back that choice.
RISK = "risiko"
MAY = frozenset({"kan", "kunne", "ka", "risikerer"})
BECOMING = frozenset({"blive", "få"})
# Two topics joined by these are both asked for ("komplikationer og bedøvelse"), not one inside a question
# about the other ("kan jeg mærke når de stikker").
JOINING = frozenset({"og", "eller", "samt"})
# The particles of Danish particle verbs ("lægge om", "få fat i", "følge op"): the verb alone means another
# thing.
PARTICLES = frozenset({"om", "i", "op", "ud", "ind", "med", "af", "på", "over", "ned"})
# Pronouns move in a Danish question ("finder jeg vej", "kan han ikke gå"): the word lists skip them.
_PRONOUNS = "jeg du man vi han hun de den det der"
LIST_SKIPPED = frozenset(_PRONOUNS.split())
# How callers say fillers aloud and recognisers write them ("ka jeg", "sku jeg ha", "ik").
_SPOKEN_FILLERS = "ka ku sku ska ha ik ikk æ å te mæ hva nåe sgu"
FILLER_WORDS = frozenset(_FILLERS.split()) | INTENSIFIERS | frozenset(_SPOKEN_FILLERS.split())
# Said around anything without changing it: a one-word phrase made of filler words ("hvad", "hallo") is heard
# only when nothing but these surround it ("undskyld hvad", not "hvad kan jeg høre om").
_NOISE = "øh øhm øhh æh æhm ehm hm hmm mhm mm mmm altså nå nåh jamen ja jo nej tak hej hallo halløj undskyld"
NOISE_WORDS = frozenset(_NOISE.split())

# Keys said by name: "tryk to", "nummer fem", "stjerne" (the last two are in the phrases as well).
_NUMBERS = "nul en et én ét to tre fire fem seks syv otte ni"
NUMBER_WORDS: Mapping[str, str] = {
    **dict(zip(_NUMBERS.split(), "0111123456789", strict=True)),
    **{digit: digit for digit in "0123456789"},
}
PRESSING = frozenset({"tryk", "trykke", "tast", "taste"})
KEY_NAMING_WORDS = PRESSING | frozenset({"nummer", "punkt", "menupunkt", "valg"})
# A number is a key only said last (alone, "ja tak en") or right after a word that names a key ("tryk en",
# "nummer et"): "en" and "et" are articles far more often ("jeg har et spørgsmål"), "to" a count ("to uger").
# "Den anden", "den femte": a menu's choice by its place.
_ORDINALS = "første anden andet tredje fjerde femte sjette syvende ottende niende"
ORDINALS: Mapping[str, str] = dict(zip(_ORDINALS.split(), "1223456789", strict=True))
# The words before a place that make it a choice's: "den anden", "det første", "nummer fem".
ORDINAL_NAMING = frozenset({"den", "det", "de"}) | KEY_NAMING_WORDS

# What callers say for yes when the line asks back ("Mente du komplikationer? Tryk 1 for ja"); "ja" is a
# filler word to the matcher, so yes is heard here, on its own.
YES_WORDS = frozenset({"ja", "jo", "jep", "jeps", "korrekt", "rigtigt", "præcis", "netop", "yes"})
NO_WORDS = frozenset({"nej", "ikke", "nope", "forkert", "nix", "næ"})
