"""A fourth batch of phrasings as callers talk, for issue 26's understanding (the round on the decision
policy, h26f), written in one go before any change to the understanding and without reading any fresh or
held-out set.

Relatives calling for someone, older and anxious callers, dialect as a recogniser writes it ("ka æ", "ska"),
long rambling sentences and single words, errands, urgent situations, questions the leaflet does not answer,
keys said as numbers and places, and utterances that mean nothing the line offers. 250 were written; the 62
word for word in `bench/phrasings.py`'s tuned sets were taken out. Of the 188 left, a random fifth (seeded
shuffle) was set apart before any tuning as `CALLERS_3_ASIDE`: never tuned against, reported once at the end
as "callers aside 3" by `bench/understanding.py`. `CALLERS_3` is tuned on (it joins the development set).
Then 31 more (28 of `CALLERS_3`, 3 set apart; mostly short) were taken out, before any tuning, by a script
that showed only counts, as word for word in a held-out, fresh or set-apart list; 157 remain.
"""

from __future__ import annotations

from bench.caller_phrasings import Utterance

CALLERS_3: list[Utterance] = [
    # 1: what a root block is, and why
    ("ja goddag jeg ringer fordi min mor har fået et brev om en rodblokade og hun ved ikke hvad det er", "1"),
    ("øhm ja det der med blokaden hvad er det for noget", "1"),
    ("hvorfor skal min mand have den der blokade", "1"),
    ("lægen sagde noget om nerverødderne kan du forklare det", "1"),
    ("hva æ det for en blokad", "1"),
    ("jeg forstår ikke helt hvad formålet er med det", "1"),
    ("skal blokaden vise om jeg skal opereres", "1"),
    ("ja hej jeg er lidt forvirret over hvad det er for en blokade lægen har henvist mig til", "1"),
    ("jamen hvad er det de gør med nerverne", "1"),
    ("er det den der prøve for at se om jeg skal opereres i ryggen", "1"),
    ("hvad ska den blokade gøre godt for", "1"),
    ("jeg har de der udstrålende smerter ned i benet hjælper blokaden på det", "1"),
    # 2: the procedure
    ("hvordan foregår det når jeg kommer derind", "2"),
    ("skal jeg sove under det eller er jeg vågen", "2"),
    ("hvor lang tid tager det hele", "2"),
    ("skal jeg ligge på maven", "2"),
    ("hvad er det for noget stof i sprøjter ind", "2"),
    ("bruger i røntgen til det", "2"),
    ("ska æ være indlagt", "2"),
    ("hvordan bliver det gjort helt præcist", "2"),
    ("skal jeg overnatte på hospitalet", "2"),
    ("ja hej det er om selve indgrebet hvordan det foregår", "2"),
    ("øhh hvordan er det nu det foregår når man får stukket", "2"),
    ("hvor lang tid skal jeg regne med at være derinde", "2"),
    ("skal jeg bedøves helt eller bare lokalt", "2"),
    ("hvad er det der bliver sprøjtet ind i ryggen", "2"),
    ("er det en læge der laver det", "2"),
    ("bliver jeg liggende natten over", "2"),
    ("ka æ få noget beroligende", "2"),
    ("jeg er så bange for at blive stukket i ryggen hvordan gør de", "2"),
    # 3: preparing
    ("må jeg spise morgenmad den dag", "3"),
    ("hvordan skal jeg forberede mig til blokaden", "3"),
    ("skal jeg møde op med tom mave", "3"),
    ("min kone spørger om hun må spise inden", "3"),
    ("er der noget jeg skal gøre klar", "3"),
    ("hvilket tøj er bedst at tage på", "3"),
    ("jeg er diabetiker må jeg godt spise før indgrebet", "3"),
    ("hvad skal jeg gøre dagen før", "3"),
    ("er det rigtigt at jeg skal være fastende", "3"),
    ("må jeg få lidt at spise om morgenen inden jeg kommer ind", "3"),
    ("hvad skal jeg huske inden jeg kommer", "3"),
    ("min mor er lidt sløv skal hun gøre noget særligt for at forberede sig", "3"),
    ("ska man spis før man kommer", "3"),
    ("er det okay at drikke vand før blokaden", "3"),
    # 4: after coming home
    ("mit ben er helt svagt efter blokaden er det normalt", "4"),
    ("hvornår hører jeg fra lægen igen", "4"),
    ("det har ikke hjulpet endnu hvornår skal det virke", "4"),
    ("min mor fik blokaden i går og hendes ben er lidt tungt", "4"),
    ("hvordan er det efterfølgende", "4"),
    ("hvem ringer til mig efter behandlingen", "4"),
    ("jeg har fået blokaden og smerterne er ikke væk", "4"),
    ("hvor længe går der før jeg hører noget", "4"),
    ("ka æ mærk effekten med det samme", "4"),
    ("mit ben er ligesom slapt efter i gav mig blokaden", "4"),
    ("hvornår ringer kontaktlægen til mig", "4"),
    ("hvordan går det så bagefter når man er hjemme", "4"),
    ("skal jeg have en kontrol bagefter", "4"),
    ("benet føles tungt og kraftesløst efter blokaden går det over", "4"),
    # 5: complications
    ("kan der ske noget galt", "5"),
    ("kan man få infektion af det", "5"),
    ("jeg er bange for at tage skade af det", "5"),
    ("min datter vil vide om der er nogen risici", "5"),
    ("hvad kan der gå galt ved sådan en", "5"),
    ("kan det være farligt for nerverne", "5"),
    ("hvad hvis det begynder at bløde", "5"),
    ("jeg har hørt man kan få betændelse af det", "5"),
    ("er der noget der kan gå galt med blokaden", "5"),
    ("ka der ske noget ved det", "5"),
    ("fem tak", "5"),
    # 0: the secretariat and errands
    ("jeg vil gerne aflyse min aftale", "0"),
    ("må jeg tale med et menneske tak", "0"),
    ("jeg vil have en rigtig person", "0"),
    ("ja jeg vil gerne have byttet min tid til en anden dag", "0"),
    ("jeg skulle have været der i dag men jeg er syg kan jeg få en anden tid", "0"),
    ("jeg vil gerne tale med en af jer der arbejder der", "0"),
    ("tiden passer mig ikke så godt", "0"),
    ("jeg vil gerne rykke min tid en uge", "0"),
    ("kan jeg komme til at snakke med lægen selv", "0"),
    ("min mor skal aflyse sin tid hun er indlagt", "0"),
    # 6: the secretariat's number
    ("jeg skal lige have nummeret så jeg kan skrive det ned", "6"),
    ("kan jeg ringe direkte til jer", "6"),
    ("jeg vil gerne skrive jeres telefonnummer ned", "6"),
    ("kan du sige telefonnummeret langsomt", "6"),
    # *: say it again
    ("jeg hørte det ikke sig det igen", "*"),
    ("jeg nåede ikke at høre det hele", "*"),
    ("kan du gentage hvad du lige sagde", "*"),
    # #: the main menu
    ("kan jeg høre mulighederne igen", "#"),
    # 7: slower
    ("kan du tale lidt langsommere jeg er gammel", "7"),
    ("tal lige lidt mere roligt", "7"),
    # urgent, said as it happens
    ("min mand kan ikke mærke sine ben efter blokaden", "urgent"),
    ("skal jeg ringe efter en ambulance", "urgent"),
    ("han kan ikke gå og han har mega ondt", "urgent"),
    ("jeg har fået kulderystelser", "urgent"),
    ("han er faldet om og svarer ikke", "urgent"),
    ("jeg bløder meget fra ryggen", "urgent"),
    ("jeg har fået feber og det er rødt hvor de stak", "urgent"),
    ("jeg kan ikke komme op af sengen", "urgent"),
    # questions the leaflet does not answer
    ("må jeg køre bil hjem bagefter", "unanswered"),
    ("må jeg tage nogen med ind", "unanswered"),
    ("må jeg tage mine smertestillende piller", "unanswered"),
    ("hvor ligger afdelingen", "unanswered"),
    ("må jeg gå i bad samme dag", "unanswered"),
    ("kan jeg få en blokade mere hvis det virker", "unanswered"),
    ("hvor længe holder virkningen", "unanswered"),
    ("jeg tager marevan er det et problem", "unanswered"),
    ("hvornår må jeg svømme igen", "unanswered"),
    ("skal jeg holde pause med min insulin", "unanswered"),
    ("hvor er indgangen", "unanswered"),
    ("kan jeg blive sygemeldt efter det", "unanswered"),
    ("må jeg have min søn med ind", "unanswered"),
    # meaning nothing the line offers
    ("jeg ved ikke rigtig", None),
    ("min hund gør", None),
    ("hvad er vejret i morgen", None),
    ("det er om min tandlæge", None),
    ("jeg har fået en ny hofte", None),
    ("jeg venter på en operation i knæet", None),
    ("ja ja ja", None),
    ("hvornår har apoteket åbent", None),
    ("øjeblik jeg skal lige finde mine briller", None),
    ("hej", None),
    ("kan i sende mig et brev", None),
    ("min kat er syg", None),
]

# Set apart before any tuning; never tuned against.
CALLERS_3_ASIDE: list[Utterance] = [
    # 1: what a root block is, and why
    ("er det fordi jeg har iskias", "1"),
    ("om rodblokaden tak", "1"),
    ("jeg har en klemt nerve i ryggen er det derfor jeg skal have det", "1"),
    ("det første om hvad det er", "1"),
    ("forklar mig lige hvad en nerveblokade er", "1"),
    ("min svigermor skal have en rodblokade i næste uge og vi vil gerne vide hvad det går ud på", "1"),
    ("hvorfor har de valgt den her blokade til mig og ikke en operation", "1"),
    # 2: the procedure
    ("min far er meget nervøs for nålen hvordan gør i det", "2"),
    ("min datter skal køre mig og vil vide hvor længe det varer", "2"),
    # 3: preparing
    ("må jeg drikke en kop kaffe før", "3"),
    ("ska man ha løst tøj på", "3"),
    ("må jeg have bukser på", "3"),
    ("skal jeg have noget bestemt tøj på den dag", "3"),
    # 4: after coming home
    ("hvornår kan jeg mærke en bedring", "4"),
    ("jeg fik den i mandags og har stadig ondt virker den ikke", "4"),
    ("hvor mange uger går der før lægen ringer", "4"),
    # 5: complications
    ("er det farligt at få sådan en blokade", "5"),
    ("stedet hvor de stak er blevet lidt rødt", "5"),
    ("hvor stor er risikoen for infektion", "5"),
    # 0: the secretariat and errands
    ("stil mig videre til sekretariatet", "0"),
    ("hvornår er det jeg skal møde", "0"),
    # 6: the secretariat's number
    ("sekretariatets telefonnummer tak", "6"),
    # *: say it again
    ("hva for noget", "*"),
    # #: the main menu
    ("hvad var valgmulighederne igen", "#"),
    # 7: slower
    ("det går alt for stærkt for mig", "7"),
    ("du må godt tale langsommere", "7"),
    # urgent, said as it happens
    ("jeg har fået høj feber", "urgent"),
    ("det bløder fra stikket og det vil ikke stoppe", "urgent"),
    ("min mor kaster op og har det skidt", "urgent"),
    ("jeg kan slet ikke mærke mit ben", "urgent"),
    # questions the leaflet does not answer
    ("må jeg drikke et glas vin om aftenen", "unanswered"),
    # meaning nothing the line offers
    ("er det her hudklinikken", None),
    ("jeg ringer angående min regning", None),
    ("øh ja altså jeg ved ikke helt hvad jeg skal sige", None),
    ("jeg har en tid hos fysioterapeuten", None),
]
