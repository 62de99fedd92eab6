"""The FAQ topic catalogue and the rule that decides how sure an answer is.

A wrong answer is worse than "I am not sure": :func:`is_confident` only lets an FAQ
answer through when the response selector's own ranking is clear;
:func:`clarify` picks the best topics to offer when it is not, or none
(then the hotline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

CATALOG_PATH = Path(__file__).with_name("faq_topics.yml")

#: The retrieval intent that holds all FAQ topics (``faq/<topic>``).
RETRIEVAL_INTENT = "faq"

# The thresholds below were set on tests/nlu_holdout.yml (see README, "Accuracy").
#: An answer needs at least this selector confidence for its topic ...
ANSWER_MIN_CONFIDENCE = 0.3
#: ... and at least this lead over the second-best topic.
ANSWER_MIN_MARGIN = 0.25
#: ... and a single word this lead.
ONE_WORD_MIN_MARGIN = 0.5
#: Topics below this selector confidence are not offered as a clarification.
CLARIFY_MIN_CONFIDENCE = 0.08
#: A clarification needs the intent classifier to rate ``faq`` at least this high.
CLARIFY_MIN_FAQ_INTENT = 0.2
#: The selector's estimate that a message asks something the FAQ does not answer (addons/faq_selector.py) ...
OUTSIDE_KEY = "outside_faq"
#: ... from this value on, no FAQ answer and no list of topics: "Dazu habe ich leider keine Informationen".
OUTSIDE_MIN = 0.5
#: At most this many topics are offered in a clarification.
CLARIFY_MAX_TOPICS = 3


@dataclass(frozen=True)
class Topic:
    """One FAQ topic: its id (``faq/<id>``), button title and NLU theme."""

    id: str
    title: str
    theme: str
    #: The guided task (its intent) that a request about this topic starts, if any.
    task: str | None = None
    #: Words one of which a message must hold to be answered with this topic straight away (bot/faq_topics.yml):
    #: "wie lange braucht die Post?" is no question about the video identification, however sure the selector.
    needs: tuple[str, ...] = ()

    def named_in(self, text: str) -> bool:
        """True when ``text`` holds one of the words this topic needs (or it needs none)."""
        folded = text.casefold()
        return not self.needs or any(word in folded for word in self.needs)

    @property
    def intent(self) -> str:
        return f"{RETRIEVAL_INTENT}/{self.id}"

    @property
    def response(self) -> str:
        return f"utter_{RETRIEVAL_INTENT}/{self.id}"


@dataclass(frozen=True)
class Catalog:
    """All FAQ topics."""

    topics: tuple[Topic, ...]
    #: The last button of "Meinten Sie ...?"; its text must be a ``deny`` example.
    none_of_these: str
    #: Button text -> intent, for buttons that start a guided task.
    task_buttons: tuple[tuple[str, str], ...] = ()

    def task_for(self, text: str) -> str | None:
        """The intent of a clicked task button, if ``text`` is one."""
        wanted = normalize_title(text)
        return next((intent for label, intent in self.task_buttons if normalize_title(label) == wanted), None)

    def get(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def by_response(self, response: str) -> Topic | None:
        """The topic whose answer ``response`` is (``utter_faq/<id>``)."""
        return next((t for t in self.topics if t.response == response), None)

    def by_title(self, text: str) -> Topic | None:
        """The topic whose button title ``text`` is (a clicked "Meinten Sie ...?" button)."""
        wanted = normalize_title(text)
        return next((t for t in self.topics if normalize_title(t.title) == wanted), None)


def normalize_title(text: str) -> str:
    """Case- and whitespace-insensitive form of a button title."""
    return " ".join(text.casefold().split())


@lru_cache(maxsize=None)
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Read the topic catalogue (``bot/faq_topics.yml``)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    topics = tuple(Topic(id=t["id"], title=t["title"], theme=t["theme"], task=t.get("task"),
                         needs=tuple(str(w).casefold() for w in t.get("needs") or ())) for t in raw["topics"])
    buttons = tuple((b["text"], b["intent"]) for b in raw.get("task_buttons") or ())
    return Catalog(topics=topics, none_of_these=raw["none_of_these"], task_buttons=buttons)


@dataclass(frozen=True)
class Candidate:
    """A topic and the response selector's confidence for it."""

    topic: str
    confidence: float


@dataclass(frozen=True)
class Clarification:
    """What to do with an unclear question: offer ``topics``, or (none) the hotline."""

    topics: tuple[str, ...] = ()

    @property
    def give_up(self) -> bool:
        return not self.topics


def candidates_from_parse(parse_data: Mapping[str, Any]) -> list[Candidate]:
    """The FAQ topics ranked by the response selector, best first.

    ``parse_data`` is a Rasa parse result (``tracker.latest_message``); a
    message that the selector did not rank yields an empty list.
    """
    selector = (parse_data.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    ranking = selector.get("ranking") or []
    found = []
    for entry in ranking:
        key = str(entry.get("intent_response_key") or "")
        prefix = f"{RETRIEVAL_INTENT}/"
        if key.startswith(prefix):
            found.append(Candidate(key[len(prefix):], float(entry.get("confidence") or 0.0)))
    return sorted(found, key=lambda c: c.confidence, reverse=True)


#: An FAQ answer offers the selector's next topics as buttons from this probability on, at most ``RELATED_MAX``.
#: Chosen on development scripts 46-53 (1,903 messages, live): dead ends 77 (0.2, one button), 76 (0.15, one),
#: 73 (0.1, one), 70 (0.1, two); offline, about one FAQ answer in four carries such a button at 0.1.
RELATED_MIN_CONFIDENCE = 0.1
#: At most this many such buttons under one answer.
RELATED_MAX = 2


def related_topics(parse_data: Mapping[str, Any], answered: str, catalog: "Catalog",
                   exclude: Sequence[str] = ()) -> list[Topic]:
    """The topics to offer under the answer on ``answered``: the selector's best other topics, if likely enough
    (at most ``RELATED_MAX``).

    Nothing for a message that is a topic's own title (a click on a button); never a topic in ``exclude``
    (answered or offered already).
    """
    if catalog.by_title(str(parse_data.get("text") or "")) is not None:
        return []
    found: list[Topic] = []
    for candidate in candidates_from_parse(parse_data):
        if candidate.confidence < RELATED_MIN_CONFIDENCE or len(found) >= RELATED_MAX:
            break
        topic = catalog.get(candidate.topic)
        if topic is not None and topic.id != answered and topic.id not in exclude:
            found.append(topic)
    return found


def faq_intent_confidence(parse_data: Mapping[str, Any]) -> float:
    """The intent classifier's confidence that the message is an FAQ question."""
    for entry in parse_data.get("intent_ranking") or []:
        if entry.get("name") == RETRIEVAL_INTENT:
            return float(entry.get("confidence") or 0.0)
    return 0.0


def outside_faq(parse_data: Mapping[str, Any]) -> float:
    """How likely the message asks something the FAQ does not answer (0 when the selector did not say)."""
    selector = (parse_data.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    return float(selector.get(OUTSIDE_KEY) or 0.0)


#: An unsure intent classification is still answered when the selector is this sure of one topic ...
CERTAIN_MIN_CONFIDENCE = 0.9
#: ... and the coverage model puts the message inside the FAQ at least this clearly.
CERTAIN_MAX_OUTSIDE = 0.1


#: Questions the FAQ does not answer whatever topic their other words suggest: costs, passing data on, when the
#: hotline can be reached ("Gebt ihr meine Daten an Dritte weiter?" is no question about SSL), how long and where
#: data is stored, several 2FA devices, a longer approval time window.
_NOT_COVERED_CUES = re.compile(
    r"\b(?:kostet|kost|kostenlos|kostenpflichtig|geb(?:ü|ue)hr\w*|(?:etwas|was|wos|extra)\s+(?:be)?zahlen|bezahl\w*|gratis|umsonst)\b"
    r"|\ban\s+dritte\b|\bweiter\s?(?:ge)?geben\b|\bweitergegeben\b|\bverkauf\w*\b[^.?!]*\bdaten\b"
    r"|\bimmer\s+besetzt\b|\bwann\b[^.?!]*\berreich\w*\b[^.?!]*\b(?:jemand\w*|euch|ihnen|hotline|support|wen)\b"
    r"|\b(?:hotline|support)\b[^.?!]*\b(?:erreichbar|besetzt|(?:ö|oe)ffnungszeit\w*|wochenende|samstag|sonntag)\b"
    # when someone can be reached ("Und wann ist da jemand erreichbar?"), not the video ident's hours
    r"|^(?![^.?!]*\b(?:nect|video\w*|ident\w*)\b)[^.?!]*\b(?:wann|(?:zu\s+)?welche[nr]?\s+(?:zeit|uhrzeit)\w*)\b[^.?!]*"
    r"\berreichbar\b"
    # how long data, videos or the PIN are kept, and where (the FAQ only covers the transfer)
    r"|\b(?:wie\s+lange|wo|dauerhaft|f(?:ü|ue)r\s+immer)\b[^.?!]*\b(?:gespeichert|aufbewahrt|abgelegt)\b|\bverschl(?:ü|ue)sselt\s+(?:gespeichert|abgelegt)"
    r"|\bwie\s+lange\s+(?:speicher|bewahr|beh(?:ä|ae)lt)\w*\b"
    r"|\b(?:server|lokal)\b[^.?!]*\bgespeichert\b|\bgespeichert\b[^.?!]*\b(?:server|lokal)\b|\bat\s+rest\b"
    r"|\b(?:handy|smartphone|telefon|tablet|ger(?:ä|ae)t)\w*\b[^.?!]*\bgleichzeitig\b|\bgleichzeitig\b[^.?!]*\b(?:handy|smartphone|tablet|ger(?:ä|ae)t)\w*\b"
    # a stolen phone, an app store without Google (Huawei), a locked account, TLS versions: the FAQ says nothing
    r"|\b(?:handy|smartphone|telefon|ger(?:ä|ae)t|tablet|iphone)\w*\b[^.?!]*\b(?:geklaut|gestohlen|entwendet|klaut)\b"
    r"|\b(?:geklaut|gestohlen|entwendet|klaut)\b[^.?!]*\b(?:handy|smartphone|telefon|ger(?:ä|ae)t|tablet|iphone)\w*"
    r"|\bhuawei\b|\bohne\s+(?:den\s+)?google\b|\bharmony\s*os\b"
    r"|\b(?:zugang|konto|account)\b[^.?!]*\b(?:gesperrt|sperr\w*)\b|\b(?:gesperrt|sperr\w*)\b[^.?!]*\b(?:zugang|konto|account)\b"
    # (a PIN entered wrongly too often is reset as the FAQ says)
    r"|^(?![^.?!]*\bpin\b)[^.?!]*\b(?:drei|3|mehrmals|zu\s+oft)\s*(?:mal\s+)?falsch\b|\btls\s*v?\d"
    # until when someone answers the phone; the app's system requirements; one e-mail address for two members
    r"|\bbis\s+wann\b[^.?!]*\b(?:telefon\w*|jemand|erreichbar|hotline|anrufen)\b"
    r"|\b(?:android|ios)[\s-]*(?:version\w*|\d)|\bversion\w*\b[^.?!]*\b(?:android|ios|iphone)\b|\biphone\s*\d"
    r"|\bmindest\w*\s*(?:version|anforderung|voraussetzung)\w*[^.?!]*\b(?:handy|smartphone|app|android|ios|iphone)\b"
    r"|\b(?:gleiche\w*|dieselbe\w*|selbe\w*|gemeinsame\w*)\s+(?:e-?mail|mail)\w*"
    # what NECT keeps of one's face or ID; how long the approval window is (the FAQ names no length)
    r"|\bspeicher\w*\b[^.?!]*\b(?:gesicht\w*|foto\w*|bilder?|video\w*|aufnahme\w*|ausweis\w*)\b"
    r"|\b(?:gesicht\w*|foto\w*|bilder?|aufnahme\w*)\b[^.?!]*\b(?:gespeichert|speicher\w*)\b"
    r"|\bwie\s*lang\w*\b[^.?!]*\bzeitfenster\w*\b|\bzeitfenster\w*\b[^.?!]*\bwie\s*lang\w*\b"
    # whether the app's data are lost on a reset; a confirmation mail; switching 2FA off (the FAQ says nothing)
    r"|\b(?:sind|ist|gehen|geht|werden|wird|bleib\w*)\b[^.?!]*\b(?:daten|sachen|dokumente|unterlagen|inhalte|nachrichten|postfach)\b"
    r"[^.?!]*\b(?:(?<!dem )weg|verloren|gel(?:ö|oe)scht|erhalten)\b|\bverlier\w*\s+ich\b[^.?!]*\b(?:daten|sachen|dokumente|unterlagen|inhalte)\b"
    r"|\bohne\s+dass\b[^.?!]*\b(?:gel(?:ö|oe)scht|l(?:ö|oe)sch\w*)\b"
    r"|\b(?:bekomm|krieg|erhalt|erh(?:ä|ae)lt)\w*\s+(?:ich|man)\s+(?:\w+\s+)?(?:eine|ne|'ne)\s+(?:e-?mail|mail|best(?:ä|ae)tigung\w*)\b"
    r"|\b(?:ausschalt\w*|abschalt\w*|deaktivier\w*|ausstell\w*)\b"
    # a longer time window for an approval (the FAQ names none)
    r"|\bzeitfenster\w*\b[^.?!]*\b(?:verl(?:ä|ae)nger\w*|l(?:ä|ae)nger)\b|\b(?:verl(?:ä|ae)nger\w*|l(?:ä|ae)nger)\b[^.?!]*\bzeitfenster\w*\b")


#: Several devices at once for 2FA ("Kann ich ein zweites Handy registrieren?"; the FAQ says nothing) ...
_SEVERAL_DEVICES = re.compile(
    r"\b(?:mehrere|zwei|2|beide\w*|weitere\w*|zweite\w*|zus(?:ä|ae)tzliche\w*)\s+(?:handys?|ger(?:ä|ae)te?n?|smartphones?|"
    r"telefone?|tablets?|endger(?:ä|ae)te?n?)\b")
#: ... unless the question asks what the second device is for ("Wozu soll dieses zusätzliche Gerät gut sein?": the
#: second factor, which the FAQ explains).
_WHAT_FOR = re.compile(r"\b(?:wozu|wof(?:ü|ue)r|warum|wieso|weshalb|was\s+soll|was\s+hat\s+es|was\s+bringt|gut\s+sein|"
                       r"reicht\s+(?:ein|das|mein)\w*\s+passwort)\b")


def not_covered_cue(text: str) -> bool:
    """True for a question the FAQ does not answer by its words alone (costs, data passed on, hotline hours)."""
    folded = (text or "").casefold()
    return bool(_NOT_COVERED_CUES.search(folded)) or bool(_SEVERAL_DEVICES.search(folded) and not _WHAT_FOR.search(folded))


#: Wordings that decide the topic whatever the selector's ranking: (topic, words, more words, unless).
#: "Ich hab grad keinen Ausweis da, geht das auch anders?" asks for the letter, not which documents NECT takes;
#: "Ich hab ein neues Handy. Wie bekomme ich die 2FA da drauf?" is the activation, not the app download.
_TOPIC_CUES = (
    ("letter_alternative",
     re.compile(r"\b(?:ohne|kein\w*)\s+(?:g(?:ü|ue)ltig\w*\s+)?(?:ausweis\w*|perso\w*|personalausweis\w*|reisepass)\b"),
     re.compile(r"\b(?:ander\w*\s+(?:m(?:ö|oe)glichkeit|weg)|alternative\w*|anders|sonst\s+wie)\b"), None),
    # "muss ich die nect app extra runterladen?": the NECT app, not the app the online branch needs
    ("nect_what", re.compile(r"\bnect\b[^.?!]*\b(?:muss|soll|brauch\w*|must|need)\b|\b(?:muss|soll|brauch\w*|must|need)\b[^.?!]*\bnect\b"),
     re.compile(r"\b(?:runterlad\w*|herunterlad\w*|download\w*|installier\w*|extra\s+laden|laden)\b"),
     re.compile(r"\bwo\b|\bwoher\b|store|\bfind\w*|installiert|heruntergeladen|runtergeladen|\bgeladen\b|schritt")),
    # "auf der Webseite unter Registrierung ist ein QR-Code, wofür ist der?": it installs the app (app_download);
    # "Im Brief ist ein QR-Code. Ist der zum App runterladen?": the letter's code registers the device (qr_code)
    ("app_download",
     re.compile(r"\bqr|\b(?:viereckig|schwarz-?wei(?:ß|ss))\w*\s+(?:\w+\s+)?(?:muster|k(?:ä|ae)stchen|bild|code)"),
     re.compile(r"\b(?:webseite|internetseite|homepage|website|registrierungsseite|internet|bildschirm|monitor)\b"),
     re.compile(r"\bbrief\w*|\bpost\b|abgelaufen|g(?:ü|ue)ltig|nicht\s+mehr|ungültig|ungueltig")),
    ("qr_code",
     re.compile(r"\bqr[- ]?code\w*\b[^?]*\b(?:brief|post)\b|\b(?:brief|post)\b[^?]*\bqr[- ]?code"),
     re.compile(r"\b(?:wof(?:ü|ue)r|wozu|was\s+(?:mach|soll|tu)\w*|was\s+bringt|zum\s+(?:app\s+)?(?:runter|herunter)lad\w*|"
                r"zum\s+(?:install|download)\w*|f(?:ü|ue)r\s+die\s+app\b)"),
     re.compile(r"abgelaufen|nicht\s+mehr|(?:ä|ae)lter|ungültig|ungueltig|verfallen|\b60\b|wie\s+lange|verloren|weg\b")),
    ("twofa_activation",
     re.compile(r"\bneue[sn]?\s+(?:handy|smartphone|ger(?:ä|ae)t|telefon|iphone|tablet)\b"),
     re.compile(r"\b(?:2fa|zwei[- ]?faktor\w*|2[- ]faktor\w*|freigabe\w*|(?:ü|ue)bertrag\w*|umzieh\w*|mitnehm\w*|"
                r"einricht\w*|aktivier\w*|drauf|r(?:ü|ue)ber)\b"),
     re.compile(r"passwort|kennwort|\bpin\b|vergess|verloren|geklaut|gestohlen|kaputt|herunterlad|runterlad|download|"
                r"installier|\bwo\s+(?:bekomm|krieg|find)")),
)


def topic_cue(text: str) -> str | None:
    """The topic a message's wording decides, if any (``_TOPIC_CUES``)."""
    folded = (text or "").casefold()
    for topic, words, more, unless in _TOPIC_CUES:
        if words.search(folded) and more.search(folded) and not (unless and unless.search(folded)):
            return topic
    return None


def is_certain(parse_data: Mapping[str, Any]) -> bool:
    """The selector is certain of one topic and the message is clearly inside the FAQ."""
    candidates = candidates_from_parse(parse_data)
    return bool(candidates) and candidates[0].confidence >= CERTAIN_MIN_CONFIDENCE \
        and _named(candidates[0].topic, str(parse_data.get("text") or "")) \
        and (parse_data.get("response_selector") or {}).get(RETRIEVAL_INTENT, {}).get(OUTSIDE_KEY) is not None \
        and outside_faq(parse_data) <= CERTAIN_MAX_OUTSIDE


def is_confident(candidates: Sequence[Candidate], text: str = "") -> bool:
    """True when the best topic is clearly ahead: safe to answer it.

    A single word ("Code") says little: it is answered only when its topic is far ahead.
    """
    if not candidates:
        return False
    best = candidates[0].confidence
    second = candidates[1].confidence if len(candidates) > 1 else 0.0
    margin = ONE_WORD_MIN_MARGIN if len(text.split()) == 1 else ANSWER_MIN_MARGIN
    if text and not _named(candidates[0].topic, text):
        return False
    return best >= ANSWER_MIN_CONFIDENCE and best - second >= margin


def _named(topic_id: str, text: str) -> bool:
    topic = load_catalog().get(topic_id)
    return topic is None or topic.named_in(text)


#: A clarification of a follow-up offers one topic of the last answer's context (bot/followups.py) on top of
#: the selector's best: "und dann?" after the PIN answer offers that answer again.
CONTEXT_TOPICS = 1


#: In a clarification, a topic whose words the question lacks counts this much of its confidence.
UNNAMED_WEIGHT = 0.1


def named(candidates: Sequence[Candidate], text: str) -> list[Candidate]:
    """``candidates`` with the topics whose words ``text`` lacks (``Topic.needs``) weighed down by
    ``UNNAMED_WEIGHT``, renormalised to the same total: "Total nervig, wie lange dauert das denn noch mit
    dem Brief?" is offered the letter too, not only the video ident's duration; "wie viel Zeit soll ich
    einplanen?" still gets the duration. Unchanged without a text."""
    if not text or all(_named(c.topic, text) for c in candidates):
        return list(candidates)
    weighed = [Candidate(c.topic, c.confidence * (1.0 if _named(c.topic, text) else UNNAMED_WEIGHT)) for c in candidates]
    scale = (sum(c.confidence for c in candidates) / sum(c.confidence for c in weighed)) if any(c.confidence for c in weighed) else 1.0
    return [Candidate(c.topic, c.confidence * scale) for c in weighed]


def clarify(
    candidates: Sequence[Candidate], faq_confidence: float, after_clarification: bool = False,
    context: Sequence[str] = (), offered_before: Sequence[str] = (), text: str = "",
) -> Clarification:
    """For a question that was not answered: which topics to offer, if any.

    ``faq_confidence`` is the intent classifier's confidence for ``faq``: a
    message that is hardly an FAQ question gets no topics offered, and neither
    does a second unclear message right after "Meinten Sie ...?"
    (``after_clarification``) that would be offered only the topics offered
    then (``offered_before``): then the hotline, not the same list again. A
    new question after it ("pin?" after "2fa?") gets its own topics.
    ``context``: the topics a follow-up may point back to (the last answer
    and what usually follows it). ``text``: the message; a topic that needs
    words it lacks counts less (:func:`named`), so the topics it names get room.
    """
    if faq_confidence < CLARIFY_MIN_FAQ_INTENT:
        return Clarification()
    ranked = sorted(named(candidates, text), key=lambda c: c.confidence, reverse=True)
    offered = [c.topic for c in ranked[:CLARIFY_MAX_TOPICS] if c.confidence >= CLARIFY_MIN_CONFIDENCE]
    confidence = {c.topic: c.confidence for c in candidates}
    # the last answer's own topic first (it comes first in ``context``), then the likeliest of the others
    extra = [t for t in context if t not in offered]
    extra = sorted(extra, key=lambda t: (t != context[0], -confidence.get(t, 0.0)))
    topics = tuple(offered + extra[:CONTEXT_TOPICS])
    if after_clarification and not set(offered) - set(offered_before):
        return Clarification()  # nothing new to offer: the hotline
    return Clarification(topics)
