"""A held-out set for issue 26: utterances written fresh, as callers talk, and never tuned against.

Written once, before the matcher's new rules (urgent words, questions the leaflet does not answer, errands,
ordinals, articles) were measured on it; `bench/understanding.py` reports it beside the tuned sets in
`bench/phrasings.py`. Do not add phrases to the content file to make these pass: write new ones into
`bench/phrasings.py`'s DEVELOPMENT instead, and leave this file as it is. Utterances that turned out to be in
the tuned sets as well (the issue's own examples, a few common words) were taken out, so none is.

Each utterance is paired with what it means: a key, "urgent" (an urgent word: the 1-1-2 answer),
"unanswered" (a question the leaflet does not answer), or None (nothing the line can do).
"""

from __future__ import annotations

Expected = str | None

FRESH: list[tuple[str, Expected]] = [
    # 1: what a root block is
    ("hvad går det ud på det der med rodblokaden", "1"),
    ("jeg forstår ikke helt hvad en rod blokade er for noget", "1"),
    ("hvorfor har lægen sagt jeg skal have en blokade", "1"),
    ("er det noget med nerverne", "1"),
    ("jeg har ondt ned i benet fra ryggen er det derfor", "1"),
    ("den første", "1"),
    ("en", "1"),
    # 2: the procedure
    ("hvordan gør I det", "2"),
    ("gør det ondt når I stikker", "2"),
    ("hvor længe tager det hele", "2"),
    ("hvad er det for noget I sprøjter ind", "2"),
    ("kan jeg tage hjem bagefter samme dag", "2"),
    ("skal jeg sove under det", "2"),
    ("to tak", "2"),
    # 3: preparing
    ("må jeg få morgenmad den dag", "3"),
    ("hvad skal jeg have på når jeg kommer", "3"),
    ("er der noget jeg skal gøre inden", "3"),
    ("må jeg drikke kaffe inden", "3"),
    ("forberedelsen", "3"),
    ("den tredje", "3"),
    ("tryk tre", "3"),
    # 4: after coming home
    ("hvornår begynder det at virke", "4"),
    ("hvad hvis det ikke hjælper med det samme", "4"),
    ("hvem ringer til mig bagefter", "4"),
    ("hører jeg fra lægen igen", "4"),
    ("mit ben er lidt svagt er det normalt", "4"),
    ("hvad sker der efter jeg er kommet hjem", "4"),
    ("den fjerde", "4"),
    # 5: complications
    ("kan der ske noget", "5"),
    ("hvad er risikoen ved det", "5"),
    ("er der bivirkninger ved blokaden", "5"),
    ("kan jeg få betændelse", "5"),
    ("er det farligt at få sådan en", "5"),
    ("nummer fem", "5"),
    # 0: the secretariat, and errands only it can do
    ("må jeg snakke med en sekretær", "0"),
    ("jeg vil gerne have fat i en person", "0"),
    ("jeg skal have flyttet min tid", "0"),
    ("jeg kan ikke komme på torsdag", "0"),
    ("jeg vil gerne melde afbud", "0"),
    ("jeg skal aflyse min tid til blokaden", "0"),
    ("kan jeg få en anden tid", "0"),
    ("jeg har et spørgsmål til lægen", "0"),
    ("jeg vil gerne tale med min læge", "0"),
    ("omstil mig venligst", "0"),
    # *: say it again
    ("hvad siger du", "*"),
    ("kan du sige det en gang til", "*"),
    ("det fik jeg ikke med", "*"),
    ("gentag venligst", "*"),
    # #: the menu
    ("tilbage til start", "#"),
    ("jeg vil gerne høre menuen", "#"),
    ("hvad kan jeg vælge imellem", "#"),
    ("forfra tak", "#"),
    # 7: slower
    ("du snakker for stærkt", "7"),
    ("langsomt tak", "7"),
    # 6: the secretariat's number
    ("hvad er jeres telefonnummer", "6"),
    ("jeg vil gerne have nummeret til sekretariatet", "6"),
    ("hvilket nummer kan jeg ringe på", "6"),
    # urgent
    ("jeg tror jeg skal have en ambulance", "urgent"),
    ("ring 112", "urgent"),
    ("jeg har feber og har det skidt", "urgent"),
    ("min mand er besvimet", "urgent"),
    ("jeg kan ikke mærke mit ben", "urgent"),
    ("jeg kan ikke gå ordentligt efter blokaden", "urgent"),
    ("det bløder fra stikstedet", "urgent"),
    ("jeg har svært ved at få vejret", "urgent"),
    ("jeg har ondt i brystet", "urgent"),
    ("benet er helt lammet", "urgent"),
    ("jeg kan ikke tisse siden i går", "urgent"),
    ("det haster", "urgent"),
    ("jeg har høj feber", "urgent"),
    # questions the leaflet does not answer
    ("må jeg køre bil hjem selv", "unanswered"),
    ("hvornår kan jeg begynde at arbejde igen", "unanswered"),
    ("skal jeg stoppe med min blodfortyndende medicin", "unanswered"),
    ("må jeg tage mine smertestillende", "unanswered"),
    ("hvor kan jeg parkere", "unanswered"),
    ("må jeg tage et bad bagefter", "unanswered"),
    ("må jeg drikke alkohol efter", "unanswered"),
    ("kan jeg få den hvis jeg er gravid", "unanswered"),
    ("må jeg have en ledsager med", "unanswered"),
    ("hvad er adressen", "unanswered"),
    ("må jeg træne dagen efter", "unanswered"),
    ("skal jeg have en taxa hjem", "unanswered"),
    # nothing the line can do
    ("nej", None),
    ("øhm øh", None),
    ("det ved jeg ikke", None),
    ("jeg ringer for min mor", None),
    ("vejret er godt i dag", None),
    ("jeg har fået et brev", None),
    ("okay", None),
]
