"""Upset members, complaints, thanks, requests for a person and other languages, by their words.

The intent classifier learns ``frustration`` and ``complain`` from examples;
this lexicon catches the clear cases it is unsure about ("Diese Online-Filiale
ist eine Katastrophe!"), so that an angry message gets an apology instead of a
"Meinten Sie ...?" list. A message with a concrete question the NLU is sure of
("ich warte seit Wochen auf den Brief!") keeps its answer.
"""

from __future__ import annotations

import re

_UPSET = re.compile(
    r"\b(katastroph\w*|mist|schrott\w*|scheiß\w*|scheiss\w*|sch\*+\w*|mies\w*|unfähig\w*|unfaehig\w*|frechheit|"
    r"unverschämt\w*|unverschaemt\w*|sauerei|zumutung|nervt|genervt|nervig|ärger\w*|aerger\w*|wütend|wuetend|"
    r"sauer|(?<!das )reicht (?:mir|es)\b(?!\s+(?:eigentlich|schon|v(?:ö|oe)llig|vollkommen|erstmal|auch))|lächerlich|laecherlich|armselig|peinlich|idiot\w*|müll|muell|versagt|"
    r"funktioniert (ja )?(gar )?nichts|nichts (klappt|geht|funktioniert)|zum kotzen|verarsch\w*|quatsch|kacke|"
    r"bedient|(?:alles|ist|is|so|der\s+reinste|totaler|kompletter)\s+(?:(?:doch|ja|nur|a|ein|der|alles)\s+)*schmarr\w*|wahnsinnig|verr(?:ü|ue)ckt|zum verzweifeln|verzweifel\w*|unm(?:ö|oe)glich|(?<!nicht so )(?<!halb so )(?<!nicht )schlimm|furchtbar|"
    # sarcasm and being lost: "na super. echt toll", "ich versteh nur Bahnhof", "ich blick da nicht mehr durch"
    r"na super\b(?!\W*(?:dank|thx))|echt toll|versteh\w* nur bahnhof|blick\w* (?:da |hier )?(?:gar |echt |einfach )?nicht (?:mehr )?durch|"
    r"schrecklich|(?:ä|ae)tzend|nerven\s+(?:am\s+ende|liegen\s+blank)|(?:geht|gehen)\s+mir\s+(?:\w+\s+)?auf\s+die\s+nerven|"
    # a bare sigh: "oh mann", "boah ey", "mann mann mann", "menno"
    r"^\W*(?:(?:oh|ach|boah?|mei|o)\s+)?(?:m(?:a|e)nn+(?:\s+m(?:a|e)nn+)*|menno|boah?\s+ey|oje|ohje|oh\s+je)\W*$|nervenaufreibend|na toll|danke f(?:ü|ue)r (?:nichts|nix)|hinten und vorne nicht|"
    r"(?:viel )?zu kompliziert|nicht zurecht|(?:ü|ue)berfordert|reicht es mir|h(?:ä|ae)tte man mir|"
    r"(?:ein|der reinste) witz|umst(?:ä|ae)ndlich|(?:echt|total|voll) kompliziert|(?:der )?letzte dreck|dreck|"
    r"(?:wollte|musste) (?:das|ich)? ?(?:nur |einfach )?(?:mal )?loswerden|musste (?:mal )?gesagt werden|"
    # disbelief: "Das kann doch nicht sein, ich bin seit 20 Jahren bei euch versichert!"
    r"kann doch nicht (?:wahr )?sein|darf doch nicht wahr sein|(?:seit|schon)\s+\d+\s+(?:jahren|johr\w*)\b[^.?!]*\bversichert|"
    # "typisch Krankenkasse", "euer System ist kaputt", "wofür seid ihr eigentlich da"
    r"typisch|(?:system|app|seite)\w*\s+(?:ist\s+|is\s+)?(?:doch\s+|total\s+|v(?:ö|oe)llig\s+)?kaputt|"
    r"wof(?:ü|ue)r\s+seid\s+ihr|schlechteste\w*|bl(?:ö|oe)d\w*(?!\s+frage)|ich\s+wechsel\w*\s+(?:bald|jetzt|sofort|die\s+(?:kranken)?kasse)|(?<!was )kannst\s+du\s+(?:(?:denn|eigentlich|auch)\s+)?(?:(?:ü|ue)berhaupt|irgendwas|auch\s+was))\b")
_COMPLAINT = re.compile(r"\b(beschwer\w*|reklamation|reklamier\w*)\b")


#: Key in the parse data (set by addons/faq_gate.py, read by action_frustration): an angry message holds a
#: question the selector is unsure of, so the apology comes with "Meinten Sie ...?".
UPSET_QUESTION = "upset_question"

#: Asking for a person ("will das mit nem Mitarbeiter klären", "gebt mir jemanden ans Telefon").
_PERSON = re.compile(
    r"\b(?:mit|an)\s+(?:einem|einer|einen|nem|ner|'nem|'ner)?\s*(?:echten?\s+|richtigen?\s+)?"
    r"(?:menschen?|menschn|mitarbeiter\w*|mitarbeita\w*|person|berater\w*|sachbearbeiter\w*|kolleg\w*)\b"
    r"|\bmit\s+am\s+(?:echtn?\s+|richtign?\s+)?(?:menschn?|mitarbeit\w*)\b"
    r"|\b(?:gibt\s+es|gibt's|habt\s+ihr|haben\s+sie|gebt\s+mir|geben\s+sie\s+mir|verbinde\w*|will|m(?:ö|oe)chte|"
    r"h(?:ä|ae)tte\s+gern|brauch\w*)\b[^.?!]*\b(?:jemand\w*|niemand\w*)\b[^.?!]*\b(?:telefon\w*|sprechen|reden|erkl(?:ä|ae)r\w*|"
    r"pers(?:ö|oe)nlich)"
    # "Holen Sie bitte einen Kollegen", "gibt's bei euch auch echte Leute?"
    r"|\bhol(?:en)?\s+(?:sie\s+)?(?:mir\s+)?(?:bitte\s+|mal\s+)*(?:einen?|jemand\w*)\b"
    r"|\b(?:echte|richtige)\s+(?:leute|menschen)\b"
    r"|\b(?:habt\s+ihr|haben\s+sie|gibt\s+es|gibt's)\s+(?:denn\s+|gar\s+|eigentlich\s+)?keine\s+(?:leute|menschen|mitarbeiter\w*)\b"
    r"|\bmit\s+jemand\w*\b[^.?!]*\btelefonier\w*|\b(?:will|m(?:ö|oe)chte|soll)\b[^.?!]*\bjemand\w*\b[^.?!]*\bk(?:ü|ue)mmer\w*|\bmensch\w*\b[^.?!]*\babhebt\b|\babhebt\b[^.?!]*\bmensch"
    r"|\bans\s+telefon\b|\b(?:mitarbeiter\w*|menschen?)\b[^.?!]*\b(?:sprechen|reden|kl(?:ä|ae)ren)\b"
    r"|\b(?:nen|einen|'nen)\s+(?:echten\s+|richtigen\s+)?(?:menschen|mitarbeiter|berater)\b"
    r"|\banrufen\b|\bruf\w*\s+(?:ich|man)\b[^.?!]*\ban\b"
    # "kann mir jemand am Telefon helfen?"
    r"|^(?![^.?!]*\bwann\b)[^.?!]*\bjemand\w*\b[^.?!]*\b(?:am|per|(?:ü|ue)bers)\s+telefon\b|\btelefonisch\s+(?:helfen|weiterhelfen)\b"
    r"|\bwie\s+erreiche?\s+(?:ich|man)\s+(?:euch|sie|jemand\w*|einen?\s+mitarbeiter\w*)\b"
    # "Ich wünsche, dass sich ein Mitarbeiter persönlich bei mir meldet."
    r"|\b(?:jemand\w*|mitarbeiter\w*|berater\w*|sachbearbeiter\w*)\b[^.?!]*\bbei\s+(?:mir|uns)\b[^.?!]*\bmeld\w*"
    r"|\b(?:soll|sollte|m(?:ö|oe)ge|bitte)\s+sich\b[^.?!]*\b(?:jemand\w*|mitarbeiter\w*)\b[^.?!]*\bmeld\w*"
    # "wen soll ich da kontaktieren?", "Bei wem soll ich mich da melden?"
    r"|\bwen\s+(?:soll|kann|muss)\s+ich\b[^.?!]*\bkontaktier\w*"
    r"|\bbei\s+wem\s+(?:soll|kann|muss)\s+ich\s+mich\b[^.?!]*\bmeld\w*"
    # "wie meld ich mich dann bei euch?" (not "... bei euch an": the registration)
    r"|\bwie\s+(?:meld|erreich)\w*\s+ich\s+(?:mich\s+)?(?:dann\s+|denn\s+)?bei\s+(?:euch|ihnen)\b(?![^.?!]*\ban\b)")
#: "Bin ich mit einem Menschen verbunden?" asks who answers (the bot says it is one), not for a person.
_WHO_AM_I_TALKING_TO = re.compile(r"\b(?:bin|spreche?|rede|chatte?|schreibe?)\s+ich\b|\bbist\s+du\b|\bist\s+(?:das|hier)\b"
                                  r"|\bis\s+(?:des|das|dat)\s+(?:a|e|ein|eine)\b"
                                  r"|\b(?:sind|seid)\s+(?:sie|ihr)\b(?:\s+\w+)?\s+(?:ein|eine|echt|wirklich|ne)\b")
#: Thanks, in German and the languages members write in.
_THANKS = re.compile(r"\b(?:danke\w*|dnake|danek|dnke|dake|danle|danjke|dankesch(?:ö|oe)n|dankschee|dankesch(?:ee|ea)|danksch(?:ö|oe)n|vielen dank|merci|thx|thanks?|thank you|te(?:ş|s)ekk(?:ü|u)r\w*|"
                     r"sa(?:ğ|g)ol\w*|grazie|gracias|vergelt'?s\s+gott|spasibo|spasiba|dzi(?:ę|e)kuj(?:ę|e)|shukran|obrigad[oa]|"
                     r"спасибо|شكرا)\b")
#: Taking note of an answer ("perfekt, dann mach ich das heute noch", "alles klar").
_NOTED = re.compile(r"^\W*(?:ok(?:ay|ey)?|kk?|top|cool|nice|jo|gut|na gut|schade|alles klar|perfekt|super|prima|top|passt|verstanden|"
                    r"gut zu wissen|klasse|toll|sch(?:ö|oe)n|aha|ah ok|achso|ach so|"
                    # "hat geklappt 👍", "jetzt geht's"
                    r"(?:hat\s+)?(?:alles\s+)?(?:geklappt|funktioniert)|klappt\s+jetzt|jetzt\s+(?:geht'?s|klappt'?s|klappt\s+es|geht\s+es))\b")
#: "ok, Video", "gut, per Brief": a choice of the registration's way, not an acknowledgement.
_WAY_CHOSEN = re.compile(r"^\W*(?:ok\w*|gut|na\s+gut|alles\s+klar|dann|also|ja)\W+(?:dann\s+)?(?:lieber\s+)?(?:per\s+|mit\s+|(?:ü|ue)ber\s+)?"
                         r"(?:dem\s+|der\s+)?(?:video\w*|brief|post|nect|selfie)\W*(?:bitte)?\W*$")
_ENDS_WITH_THANKS = re.compile(r"\b(?:danke\w*|vielen\s+dank|dankesch(?:ö|oe)n|thx|merci)\W*$")
_TASK_WORDS = re.compile(r"registrier|anmeld|schick|bestell|zur(?:ü|ue)cksetz|pr(?:ü|ue)f|\bwill\b|m(?:ö|oe)chte|brauche")
_ASKS = re.compile(r"\?|\b(?:wie|wo|was|wann|warum|wieso|welche\w*|wer|kann ich|muss ich|geht das|gibt es|"
                   # "ok. brauch ich die app ueberhaupt" asks on ("ok, brauch ich nicht" does not)
                   r"brauch\w*\s+(?:ich|man)\b(?!\s+(?:nicht|nich|nix|nichts|ned|net|kein\w*)\b)|soll ich|darf ich|muss man|kann man)\b")


#: A goodbye at the end of a message ("Guad, nacher wart i halt. Ade", "Also passt des. Adele!").
_GOODBYE_AT_END = re.compile(r"\b(?:tsch(?:ü|ue)s+|tschau|ciao|ade|adele|adieu|pfiat\s+(?:di|eich|ihna|gott)|servus|baba|"
                             r"auf\s+wieder(?:sehen|h(?:ö|oe)ren|schaun)|wiederschaun|bis\s+(?:dann|bald|sp(?:ä|ae)ter)|"
                             r"sch(?:ö|oe)nen\s+tag\s+noch|mach'?s\s+gut|bye)\W*$")


def says_goodbye(text: str) -> bool:
    """True for a message that ends with a goodbye and asks nothing."""
    folded = (text or "").casefold().strip()
    return bool(_GOODBYE_AT_END.search(folded)) and "?" not in folded


def is_upset(text: str) -> bool:
    """True for words of anger or frustration."""
    return bool(_UPSET.search((text or "").casefold()))


def is_complaint(text: str) -> bool:
    """True for a message that wants to complain."""
    return bool(_COMPLAINT.search((text or "").casefold()))


#: Wanting to phone: calling ("ich rufe lieber an", "frag ich telefonisch nach") or the hotline's number.
_PHONE = re.compile(
    r"\banrufen\b|\bruf\w*\s+(?:ich|man)\b[^.?!]*\ban\b|\bich\s+ruf\w*\b[^.?!]*\ban\b"
    # "Kann ich das nicht einfach am Telefon erledigen?"
    r"|\b(?:am|per|übers|uebers|ueber\s+das|über\s+das)\s+telefon\s+(?:erledig\w*|kl(?:ä|ae)r\w*|mach\w*|besprech\w*|regel\w*)"
    r"|\btelefonisch\s+(?:nach|erreich|meld|kl(?:ä|ae)r|beraten)|\bfrag\w*\b[^.?!]*\btelefonisch\b"
    r"|\b(?:hotline|service|servicetelefon|kundenservice)\s*-?\s*(?:nr|nummer|telefonnummer)\b|\bservicenummer\b"
    r"|\b(?:gib|gebt|geben\s+sie)\s+(?:mir|uns)\s+(?:doch\s+|einfach\s+|mal\s+|bitte\s+|endlich\s+)*"
    r"(?:die|eure|ihre|eine|ne|'ne)\s+(?:telefon)?(?:nummer|nr)\b"
    r"|\b(?:telefon)?(?:nummer|nr)\s+(?:ist|is|war)\s+das\b|\b(?:nummer|nr)\s+(?:vo|von|vun)\s+(?:da|der|eurer|ihrer)\s+hotline\b"
    r"|\b(?:welche|wie\s+(?:war|lautet|ist|is)\s+(?:die|eure|ihre|denn\s+die)"
    r"|gibt\w*\s+(?:es\s+)?(?:da\s+)?(?:(?:wenigstens|auch|denn|vielleicht)\s+)?(?:eine|ne|'ne))"
    r"\s+(?:telefon)?(?:nummer|nr)\b")
#: ... but a number of the member's own ("welche Nummer muss ich eingeben?") is no wish to phone.
_OWN_NUMBER = re.compile(r"\d|versicherten|karte|kunden(?:nummer|nr)|handy|mobil|\bmein\w*\b|eingeb|angeb|eintrag|"
                         r"registr|\bplz\b|postleitzahl|freigabe|\bpin\b|vorne|hinten|r(?:ü|ue)ckseite|vorderseite|mehrere|ziffer|"
                         r"\bsteht\b|\bstehen\b|qr|gemeint")
#: A question about the hotline's number has at most this many words.
PHONE_MAX_WORDS = 12


#: Not now, only looking ("nee, erstmal nicht, wollte mich nur informieren", "dann mach ich das lieber selbst").
_NOT_NOW = re.compile(r"\b(?:nur\s+(?:mal\s+)?(?:informier\w*|schauen|gucken|umschauen|umsehen)|erst\s*mal\s+nicht|"
                      r"vorerst\s+nicht|jetzt\s+(?:noch\s+)?nicht|heute\s+nicht|kein\s+bedarf|"
                      r"mach\w*\s+ich\s+(?:das\s+)?(?:dann\s+|lieber\s+|doch\s+)*(?:selbst|selber))\b")


def declines_for_now(text: str) -> bool:
    """True for a member who wants nothing done for now ("nee, erstmal nicht, wollte mich nur informieren")."""
    folded = (text or "").casefold()
    return bool(_NOT_NOW.search(folded)) and "?" not in folded


def wants_phone(text: str) -> bool:
    """True for a wish to phone the insurer ("Ich rufe lieber an.", "welche nummer war das nochmal?"): the
    hotline's number is the answer, not a hand-over in the chat."""
    folded = (text or "").casefold()
    return len(folded.split()) <= PHONE_MAX_WORDS and bool(_PHONE.search(folded)) \
        and not _OWN_NUMBER.search(folded) and not _WHO_AM_I_TALKING_TO.search(folded)


def wants_person(text: str) -> bool:
    """True for a message that asks for a person (colleague, phone call), not about one: a sentence that asks for one
    and does not ask who answers ("Bin ich hier bei einem Chatbot? Ich würd lieber mit nem Menschen reden")."""
    sentences = re.split(r"(?<=[.!?])\s+", (text or "").casefold().strip())
    return any(_PERSON.search(s) and not _WHO_AM_I_TALKING_TO.search(s) for s in sentences) or wants_phone(text)


#: Thanks despite everything ("na toll. trotzdem danke"): thanks, even in an angry message.
_THANKS_ANYWAY = re.compile(r"\b(?:trotzdem|dennoch|immerhin|wenigstens)\s+(?:vielen\s+)?dank\w*|\bdanke\s+(?:trotzdem|dennoch)\b")


def thanks_anyway(text: str) -> bool:
    """True for "trotzdem danke" without a question: the member is done, if not happy."""
    folded = (text or "").casefold()
    return bool(_THANKS_ANYWAY.search(folded)) and not _ASKS.search(folded) and len(folded.split()) <= 10


_THANKS_FOR_NOTHING = re.compile(r"f(?:ü|ue)r\s+(?:nix|nichts)")


#: A problem told after "ok" is no acknowledgement ("ok ich versuch deutsch. passwort vergessen").
_PROBLEM = re.compile(r"vergessen|verloren|verlegt|geht nicht|geht nich\b|nicht mehr|funktioniert nicht|klappt nicht|"
                      r"fehler|problem|abgelaufen|gesperrt|kaputt")


#: An acknowledgement and "und" goes on to something new ("ok und zahlt ihr ...?", "alles klar und wie lange ...").
_ACK_THEN_ASKS = re.compile(r"^\W*(?:ok\w*|gut|alles klar|super|prima|achso|ach so|aha)\W+und\s+\w+\s+\w+")


#: A message of nothing but approving emoji ("👍", "🙏🙂") is an acknowledgement.
_APPROVING_EMOJI = re.compile(r"^[\s.!]*(?:(?:\U0001F44D|\U0001F44C|\U0001F64F|\U0001F44F|\U0001F642|\U0001F60A|\u263A|"
                              r"\U0001F600|\U0001F603|\U0001F604|\U0001F601|\u2764|\u2705|\U0001F4AA|\U0001F91D)"
                              r"[\uFE0F\U0001F3FB-\U0001F3FF]*[\s.!]*)+$")


def is_thanks(text: str) -> bool:
    """True for thanks or a plain acknowledgement, short and without a question ("ok, danke trotzdem", "👍")."""
    folded = (text or "").casefold().strip()
    if _APPROVING_EMOJI.match(folded):
        return True
    words = folded.split()
    if not words or (len(words) > 10 and not (len(words) <= 16 and _ENDS_WITH_THANKS.search(folded))) \
            or _ASKS.search(folded):
        return False  # "ah ok, mit dem QR code von der seite, gefunden. danke" ends with thanks
    if _WAY_CHOSEN.match(folded):
        return False  # "ok, Video" at the registration's method question
    if _ACK_THEN_ASKS.match(folded) and not _THANKS.search(folded):
        return False  # "ok und zahlt ihr professionelle zahnreinigung" asks on
    short_thanks = len(words) <= 3 and bool(_THANKS.search(folded)) and not _THANKS_FOR_NOTHING.search(folded)
    if _TASK_WORDS.search(folded) or (is_upset(folded) and not short_thanks):
        # "ok, ich will mich registrieren" asks for a task; "super, danke für nix" is no thanks ("nervig. thx" is)
        return False
    return bool(_THANKS.search(folded)) or (len(words) <= 8 and bool(_NOTED.search(folded))
                                            and not _PROBLEM.search(folded))


#: Frequent words of the languages members write in other than German; a message is in another
#: language when it has at least two of them and none of the German ones.
_FOREIGN = {
    "en": {"the", "is", "are", "can", "could", "you", "your", "my", "me", "i", "i'm", "please", "help", "how",
           "what", "where", "when", "do", "does", "don't", "not", "speak", "english", "with", "for", "to", "it",
           "have", "need", "want", "hello", "hi", "thanks", "thank", "reset", "forgot", "of", "this", "that", "since",
           "why", "which", "still", "got", "get", "sorry", "wait", "never", "mind", "letter"},
    "tr": {"bir", "ve", "ne", "nasıl", "nasil", "için", "icin", "lütfen", "lutfen", "merhaba", "teşekkürler",
           "tesekkurler", "çok", "cok", "yardım", "yardim", "almanca", "türkçe", "turkce", "biliyor", "musunuz",
           "mısınız", "misiniz", "istiyorum", "şifre", "sifre", "bu", "da", "de", "mi", "mı", "ben", "benim"},
    "it": {"buongiorno", "ciao", "grazie", "quanto", "come", "dove", "perché", "sono", "per", "il", "la", "che",
           "di", "non", "parla", "italiano", "dura", "posso", "della", "l'identificazione", "è"},
    "fr": {"bonjour", "vous", "parlez", "français", "francais", "je", "est", "comment", "merci", "pour", "le",
           "les", "une", "suis", "mon", "ma", "pas", "s'il", "plaît", "plait", "oui"},
}
_GERMAN = {"ich", "sie", "der", "die", "das", "und", "ist", "nicht", "wie", "was", "kann", "bitte", "mein", "meine",
           "mit", "ein", "eine", "auf", "für", "fuer", "zu", "hab", "habe", "wo", "wann", "danke", "hallo", "geht",
           "brauche", "muss", "noch", "auch", "es", "mir", "mich", "den", "dem", "an", "in", "bei", "von", "ja",
           "nein", "gut", "sprechen", "deutsch", "sind", "kein", "keine", "wir", "ihr", "euch", "bis", "tschüss",
           "servus", "demnächst", "bald", "morgen", "tag", "du", "bist", "oder", "wer", "wos", "wia", "fürs", "des",
           "brauch", "mei", "ned", "net", "nix", "schon", "mal", "halt", "denn", "doch", "aber", "wenn", "dann",
           "gibt", "gibts", "sitzt", "hier", "jetzt"}


#: Words that alone mark another language: greetings and thanks of Polish, Russian, Arabic and Turkish members
#: writing in Latin letters ("dziekuje", "spasibo", "marhaba"), and a few unmistakable ones.
_FOREIGN_MARKERS = {"dziekuje", "dziękuję", "dzien", "dzień", "prosze", "proszę", "czesc", "cześć", "spasibo", "privet",
                    "zdravstvuyte", "pozhaluysta", "mozhno", "eshche", "pochemu", "marhaba", "shukran", "salam", "habibi",
                    "inshallah", "merhaba", "tesekkur", "teşekkür", "tamam", "evet", "hayir", "hayır", "gracias", "hola",
                    "obrigado", "dobry", "dobrý", "ladno", "nichego"}
#: Scripts other than Latin (Cyrillic, Greek, Arabic, Hebrew) and Turkish letters.
_OTHER_SCRIPT = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff]|[ğşıİ]")


#: Leaving, in English ("Actually never mind, I'll just do the video thing instead").
_LEAVING_IN_ENGLISH = re.compile(r"\b(?:never\s*mind|not now|forget it|cancel|no thanks|no thank you|stop it)\b")


def leaves_in_english(text: str) -> bool:
    """True for an English message that calls off what is going on."""
    return bool(_LEAVING_IN_ENGLISH.search((text or "").casefold()))


def other_language(text: str) -> bool:
    """True for a message written in English, Turkish, Italian, French, Polish, Russian or Arabic (not German
    with an English word)."""
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", (text or "").casefold())
    if not words or any(w in _GERMAN for w in words):
        return False
    if _OTHER_SCRIPT.search(text or "") or _FOREIGN_MARKERS.intersection(words):
        return True
    return any(len(vocabulary.intersection(words)) >= 2 for vocabulary in _FOREIGN.values())


_PRESENCE = re.compile(r"\b(?:(?:sind\s+sie|bist\s+du|seid\s+ihr)\s+(?:noch\s+)?(?:da|dran)|(?:ist|sind)\s+(?:da|hier)\s+(?:noch\s+)?(?:wer|jemand|einer)|h(?:ö|oe)rst\s+du\s+mich|"
                       r"antwortet?\s+(?:da\s+|hier\s+)?(?:wer|jemand|keiner|niemand))\b"
                       # "funktioniert der Chat überhaupt?", "geht der chat noch"
                       r"|\b(?:funktioniert|funzt|geht|l(?:ä|ae)uft)\s+(?:der|dieser|dein|euer)\s+chat\s+"
                       r"(?:(?:hier|denn|eigentlich|(?:ü|ue)berhaupt|noch)\s*)*[?!.]*\s*$")


#: "Und wann ist da jemand erreichbar?" asks when, not whether someone is there now.
_WHEN_REACHABLE = re.compile(r"\b(?:wann|ab wann|bis wann)\b|erreichbar")


def checks_presence(text: str) -> bool:
    """True for "hallo? sind Sie noch da?": the member checks that someone answers."""
    folded = (text or "").casefold()
    return len(folded.split()) <= 8 and bool(_PRESENCE.search(folded)) and not _WHEN_REACHABLE.search(folded)


def asks_who_answers_in_a_sentence(text: str, max_words: int) -> bool:
    """True for a message with a short sentence that asks who answers ("hab ne frage zu dem brief. bist du ein echter
    mensch?"); a long story that mentions a person on a video call does not."""
    return any(len(s.split()) <= max_words and asks_who_answers(s)
               for s in re.split(r"(?<=[.!?])\s+", (text or "").strip()))


#: "Ist das hier der Chat der BMW BKK?", "bin ich hier im Chat von euch?": which chat this is.
_THIS_CHAT = re.compile(r"\b(?:ist|is)\s+(?:das|des|dies)\s+(?:hier\s+)?(?:der|ein|euer|ihr)\s+(?:\w+\s+)?(?:chat|chatbot|assistent)\b"
                        r"|\bbin\s+ich\s+(?:hier\s+)?(?:im|beim)\s+(?:\w+\s+)?(?:chat|chatbot|assistent)\b")


def asks_who_answers(text: str) -> bool:
    """True for "schreibe ich hier mit einem Menschen?" or "ist das der Chat der BMW BKK?": who answers, not a
    request for a person."""
    folded = (text or "").casefold()
    if _THIS_CHAT.search(folded):
        return True
    return bool(_WHO_AM_I_TALKING_TO.search(folded)) and bool(re.search(r"mensch|mitarbeiter|person|bot|maschin|ki\b|programm\b|roboter", folded))


#: "Was kannst du eigentlich alles?", "Was kann ich hier bei euch machen?": what the assistant is for.
_CAPABILITIES = re.compile(
    r"\bwas\s+(?:kannst\s+du|k(?:ö|oe)nnen\s+sie|k(?:ö|oe)nnt\s+ihr|machst\s+du|tust\s+du|kann\s+ich\s+(?:hier|bei\s+(?:euch|ihnen|dir))"
    r"|k(?:ö|oe)nnte\s+ich\s+(?:hier|bei\s+(?:euch|ihnen|dir)))\b"
    r"|\b(?:wobei|womit|wie)\s+(?:kannst\s+du|k(?:ö|oe)nnen\s+sie|k(?:ö|oe)nnt\s+ihr)\s+(?:mir\s+|uns\s+)?(?:(?:denn|eigentlich|(?:ü|ue)berhaupt|so|alles)\s+)*helfen\b"
    r"|\bwof(?:ü|ue)r\s+(?:bist\s+du|sind\s+sie|seid\s+ihr)\s+(?:denn\s+|dann\s+|eigentlich\s+|(?:ü|ue)berhaupt\s+|hier\s+)*(?:da|gut|zust(?:ä|ae)ndig)\b"
    # "was kann ich dich denn überhaupt fragen?"
    r"|\bwas\s+(?:kann|darf)\s+ich\s+(?:dich|sie|euch)\s+(?:(?:denn|eigentlich|(?:ü|ue)berhaupt|alles|so|hier)\s+)*fragen\b"
    # "kannst du überhaupt was?", "können Sie eigentlich irgendwas?"
    r"|\b(?:kannst\s+du|k(?:ö|oe)nnen\s+sie|k(?:ö|oe)nnt\s+ihr)\s+(?:(?:denn|eigentlich|(?:ü|ue)berhaupt|auch)\s+)*"
    r"(?:was|etwas|irgendwas|irgendetwas|(?:ü|ue)berhaupt\s+was)\s*[?!.]*\s*$")
#: ... with nothing but these words around it (not "Was kannst du mir zu NECT sagen?").
_CAPABILITIES_FILLER = frozenset(
    "ok okay gut und also hallo hi hey servus moin na dann denn eigentlich überhaupt ueberhaupt alles alle so mir mich "
    "für fuer noch genau sonst tun machen helfen erledigen hier bei euch ihnen dir da mit bitte du sie ihr konkret "
    "allgemein jetzt schon gerade zurzeit zur zeit ganze sachen dinge ach achso aha".split())


def asks_capabilities(text: str) -> bool:
    """True for a member who asks what the assistant can do ("was kannst du eigentlich alles für mich machen?")."""
    for sentence in re.split(r"(?<=[.!?])\s+", (text or "").casefold().strip()):
        found = _CAPABILITIES.search(sentence)
        if found is None:
            continue
        rest = re.findall(r"[^\W\d_]+", sentence[:found.start()] + " " + sentence[found.end():])
        if all(word in _CAPABILITIES_FILLER for word in rest):
            return True
    return False
