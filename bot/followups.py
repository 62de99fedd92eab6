"""Short follow-up questions, read in the context of the last answer.

"und geht das auch per Post?" right after the answer on a forgotten password
means the new password by letter, not the registration by letter; "wie lange
dauert das?" right after a letter was ordered means the post, not the video
identification. The NLU sees one message at a time, so ``addons.faq_gate``
marks anaphoric short messages as ``follow_up``; ``action_follow_up`` then
asks :func:`resolve` with the bot's last response (bot/followups.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

import yaml

from bot import faq

FOLLOW_UPS_PATH = Path(__file__).with_name("followups.yml")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
#: At most this many words: a longer message stands on its own.
MAX_WORDS = 14
_ANAPHORA = re.compile(
    r"^(und|aber|also|ok und|okay und|und wenn|auch|ohne|nur)\b"
    r"|\b(danach|dafuer|damit|dazu|davon|dann)\b"
    r"|\b(geht|klappt|dauert|kostet) (das|es)\b|\bdas auch\b|\b(das|es)\W*$"
    r"|^(geht|gehts|klappt|funktioniert)\s+(auch|das|es|dann)\b"
    r"|^(muss|kann|darf|soll|duerfen|koennen|muessen)\s+((ich|man)\s+)?((die|den|das|es|sie|ihn)\s+(ueberhaupt|wirklich|"
    r"auch|denn|eigentlich|dann)|da|dort)\b"
    r"|^(hab|habe|bin)\b.*\baber\b|\bda\s+(noch|dann|auch)\b|\b(das|es) (dauert|geht|kostet|klappt)\b"
    r"|\b(auch|au)\W*$|\ballerdings\b|\boder\W*$"
    r"|\bgenau\b|^(ich|wir) (hab|habe|bin)\b.*\baber\b|\b(wird|wuerde|ist|war) (das|es|er)\b|\bbis (es|er)\b")


@dataclass(frozen=True)
class FollowUp:
    after: frozenset[str]
    words: tuple[str, ...]
    answer: str  # a response, or SAME: the context's own answer again ("und was soll ich jetzt machen?")
    unless: tuple[str, ...] = ()  # words that turn the question around ("ohne auf die Post zu warten")
    also: tuple[str, ...] = ()  # if given, the follow-up must contain one of these too ("wie lange" + "Post")
    first: bool = False  # the context decides even over a clear FAQ topic (``context_first``)
    #: intents besides the questions' for which a ``first`` rule decides ("ach nee, doch lieber per Brief" read as
    #: leaving, right after the video ident's next steps)
    intents: tuple[str, ...] = ()


#: ``answer: same`` in bot/followups.yml: the answer that set the context, once more.
SAME = "same"


def fold(text: str) -> str:
    return (text or "").casefold().translate(_UMLAUTS)


@lru_cache(maxsize=1)
def rules(path: Path = FOLLOW_UPS_PATH) -> tuple[FollowUp, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["follow_ups"]
    for rule in raw:  # an empty word (YAML reads a bare null or no as something else) would match everything
        if not all(isinstance(w, str) and w.strip() for key in ("words", "unless", "also") for w in rule.get(key) or ()):
            raise ValueError(f"{path}: every word must be a non-empty string: {rule}")
    return tuple(FollowUp(frozenset(r["after"]), tuple(fold(w) for w in r["words"]), r["answer"],
                          tuple(fold(w) for w in r.get("unless") or ()), tuple(fold(w) for w in r.get("also") or ()),
                          bool(r.get("first", False)), tuple(r.get("intents") or ()))
                 for r in raw)


def is_short(text: str) -> bool:
    """Short enough to lean on the last answer ("handy hab ich aber inzwischen gewechselt")."""
    return 0 < len(fold(text).split()) <= MAX_WORDS


def is_follow_up(text: str) -> bool:
    """A short message that points back ("und geht das auch ...?", "wie lange dauert das?")."""
    folded = fold(text).strip()
    return 0 < len(folded.split()) <= MAX_WORDS and bool(_ANAPHORA.search(folded))


_QUESTION = re.compile(r"\?|^(und )?(wie|was|wo|wann|warum|wieso|weshalb|wozu|wofuer|welche\w*|wer|muss|kann|geht|gibt|"
                       r"ist|sind|brauch\w*)\b")


def asks(text: str) -> bool:
    """True for a question ("und was muss ich dann machen"), not a plain "ja" or "nein"."""
    return bool(_QUESTION.search(fold(text).strip()))


#: One step of the bot's recent replies: a response, or the answers a "Meinten Sie ...?" offered.
Context = Union[str, Tuple[str, ...]]


def resolve(text: str, last_response: Optional[Context] | Sequence[Context]) -> Optional[str]:
    """The response that answers the follow-up ``text`` after ``last_response``, or ``None``.

    ``last_response`` may be the bot's recent responses, latest first: the first that a rule
    knows sets the context. A group (the topics "Meinten Sie ...?" offered) is tried as a whole;
    when no rule knows any of them, the reply before it sets the context.
    """
    recent = [last_response] if isinstance(last_response, (str, tuple)) else list(last_response or ())
    folded = fold(text)
    for step in recent:
        if isinstance(step, tuple):
            found = next((a for a in map(lambda r: _rule_answer(folded, r), step) if a is not None), None)
            if found is not None:
                return found
            continue
        if step in NO_CONTEXT:
            continue
        found = _rule_answer(folded, step)
        if found is not None:
            return found
        if not step.startswith(TASK_QUESTION):
            return None
        # a task's question shares the context of what was said just before it ("Mit diesen Angaben kann
        # ich Sie nicht identifizieren." + "Ihre Versichertennummer?": "ich wohne aber jetzt in Landshut")
    return None


def _rule_answer(folded: str, response: str) -> Optional[str]:
    """The answer of the first rule for ``response`` whose words the (folded) follow-up holds."""
    for rule in rules():
        if response in rule.after and _matches(rule, folded):
            return response if rule.answer == SAME else rule.answer
    return None


#: The responses by which a task asks for something.
TASK_QUESTION = "utter_ask_"


#: Replies that set no context of their own: the one before them does.
NO_CONTEXT = frozenset({"utter_clarify", "utter_not_sure", "utter_task_unclear", "utter_task_resume",
                        "utter_you_are_welcome", "utter_anything_else", "utter_frustration", "utter_frustration_brief",
                        "utter_not_covered", "utter_out_of_scope", "utter_data_without_task",
                        "utter_data_without_task_offered", "utter_still_there", "utter_iamabot", "utter_capabilities", "utter_greet"})


#: Key in the parse data: what a short message gets when no context rule fits (``not_covered``, ...).
OTHERWISE = "follow_up_otherwise"
#: The reply of each such intent.
OTHERWISE_RESPONSES = {"not_covered": "utter_not_covered", "out_of_scope": "utter_out_of_scope",
                       "letter_time": "utter_followup_letter_time", "four_digits": "utter_followup_four_digits",
                       "activation_ways": "utter_followup_activation_ways",
                       "other_id_document": "utter_followup_other_id_document"}
LETTER_TIME = "letter_time"
FOUR_DIGITS = "four_digits"
ACTIVATION_WAYS = "activation_ways"
OTHER_ID_DOCUMENT = "other_id_document"
#: Replies given whatever came before: they carry every fact the question can mean.
STANDING = frozenset({LETTER_TIME, FOUR_DIGITS, ACTIVATION_WAYS, OTHER_ID_DOCUMENT})

#: "wie lange braucht die Post so ungefähr?", "brief registrierung wie lang bis der da is": how long a letter
#: takes. The FAQ only says "Postzustellzeiten"; utter_followup_letter_time says that, without a context too.
_LETTER_TIME = re.compile(r"\bwie\s*lang\w*\b[^.?!]*\b(?:brief|post|zustellung)\b|\b(?:brief|post)\b[^.?!]*\bwie\s*lang\w*\b"
                          # "Ich hab mich per Brief registriert. Wann kommt der denn?", "wann kimmt denn da Briaf?"
                          r"|\b(?:brief|briaf|post)\b.*\bwann\s+(?:kommt|kimmt|kumt)\b|\bwann\s+(?:kommt|kimmt|kumt)\b[^.?!]*\b(?:brief|briaf)\b")
#: ... not how long something can be used ("wie lange kann ich den benutzen, der Brief liegt schon in der Schublade?")
_NOT_LETTER_TIME = re.compile(r"video|nect|selfie|ident|qr|code|g(?:ü|ue)ltig|passwort|pin\b|freigabe|warte\w*\s+(?:ich\s+)?schon|seit\b|"
                              r"\bbenutz\w*|\bverwend\w*|\bliegt\s+(?:schon|noch|seit)")


def asks_letter_time(text: str) -> bool:
    """True for a question how long the letter or the post takes (not how long a code stays valid, nor a
    letter that is already late: "ich warte schon seit zwei Wochen")."""
    folded = (text or "").casefold()
    return bool(_LETTER_TIME.search(folded)) and not _NOT_LETTER_TIME.search(folded)


#: "welche vier Ziffern will die App?": the QR-code way asks for the Versichertennummer's last four digits, the card
#: way for the eGK card number's; utter_followup_four_digits says both (FAQ).
_FOUR_DIGITS = re.compile(r"\b(?:4|vier)\s+(?:letzten\s+)?(?:ziffern|zahlen|stellen)\b|\bletzten\s+(?:4|vier)\b")
_WHICH = re.compile(r"\bwelche\w*\b|\bwo\b|\bwoher\b|\bvorne\b|\bhinten\b|\bmeinen\s+sie\b|\bwas\s+(?:f(?:ü|ue)r|sind|genau)\b|"
                    r"\bvon\s+(?:der|welche\w*)\b")


def asks_four_digits(text: str) -> bool:
    """True for a question which four digits the 2FA activation wants."""
    folded = (text or "").casefold()
    return bool(_FOUR_DIGITS.search(folded)) and bool(_WHICH.search(folded))


#: "QR-Code oder Gesundheitskarte, was ist besser?": which way to register the device for 2FA.
_QR = re.compile(r"\bqr\b|\bqr-?code\b|\bcode\b")
_CARD = re.compile(r"\b(?:gesundheits)?karte\b|\begk\b|\bkrankenkassenkarte\b|\bversichertenkarte\b")
_CHOOSE_WAY = re.compile(r"\bbesser\b|\blieber\b|\bempfehl\w*|\bwelche\w*\b|\bwas\s+(?:soll|nehm|nimm)\w*|\bunterschied\w*|"
                         r"\bwomit\b|\bwie\s+entscheid\w*|\bnehmen\b")


#: "Geht das auch mit dem Reisepass?", "Führerschein?": a document the FAQ does not name for the video
#: identification (it names the Personalausweis). utter_followup_other_id_document says that, the hotline for
#: anything else, and the letter without a Personalausweis.
_OTHER_DOCUMENT = re.compile(r"\b(?:reisepass\w*|pass|f(?:ü|ue)hrerschein\w*|aufenthalts\w*|id[- ]?karte|"
                             r"ausl(?:ä|ae)ndisch\w*\s+(?:ausweis\w*|pass|papiere?n?|dokument\w*))\b")
_NOT_OTHER_DOCUMENT = re.compile(r"\b(?:ohne|kein\w*)\s+(?:\w+\s+)?(?:reise)?pass|verloren|abgelaufen|passwort|\bpasst\b")


def asks_other_id_document(text: str) -> bool:
    """True for a question whether another identity document than the Personalausweis will do."""
    folded = (text or "").casefold()
    return bool(_OTHER_DOCUMENT.search(folded)) and not _NOT_OTHER_DOCUMENT.search(folded) \
        and (asks(text) or len(folded.split()) <= 4)


def asks_activation_way(text: str) -> bool:
    """True for a question which way to register the device for 2FA: QR code or health card."""
    folded = (text or "").casefold().replace("-", " ")
    return bool(_QR.search(folded)) and bool(_CARD.search(folded)) and bool(re.search(r"\boder\b", folded)) \
        and bool(_CHOOSE_WAY.search(folded))


def standing_answer(parse_data: Mapping[str, Any]) -> Optional[str]:
    """The reply the NLU fixed for a question whatever came before (``STANDING``), if any."""
    otherwise = parse_data.get(OTHERWISE)
    return OTHERWISE_RESPONSES[otherwise] if otherwise in STANDING else None


#: After an answer, a follow-up no rule knows gets the topic of its own words only when the selector is
#: this sure: it points back to something, so a guess from its words alone is often another subject.
AFTER_ANSWER_MIN_CONFIDENCE = 0.9


def without_context(parse_data: Mapping[str, Any], after_answer: bool = False) -> Optional[str]:
    """The response for a follow-up no context rule fits: its own reply, or the confident topic; ``None``
    means "Meinten Sie ...?" (or the hotline), as for any unclear question. ``after_answer``: the bot
    has just answered something, so the topic must be very sure (``AFTER_ANSWER_MIN_CONFIDENCE``)."""
    otherwise = parse_data.get(OTHERWISE)
    if otherwise in OTHERWISE_RESPONSES:
        return OTHERWISE_RESPONSES[otherwise]
    candidates = faq.candidates_from_parse(parse_data)
    if after_answer and (not candidates or candidates[0].confidence < AFTER_ANSWER_MIN_CONFIDENCE):
        return None
    if faq.is_confident(candidates, str(parse_data.get("text") or "")):
        topic = faq.load_catalog().get(candidates[0].topic)
        return topic.response if topic is not None else None
    return None


def same_topic(parse_data: Mapping[str, Any], recent: Sequence[Context]) -> Optional[str]:
    """The answer again for a short unclear message whose topic the selector is confident of and which was
    just answered ("auch sonntags?" after the video-ident hours): it points back to that answer."""
    candidates = faq.candidates_from_parse(parse_data)
    if not faq.is_confident(candidates, str(parse_data.get("text") or "")):
        return None
    topic = faq.load_catalog().get(candidates[0].topic)
    said = {r for step in recent for r in (step if isinstance(step, tuple) else (step,))}
    return topic.response if topic is not None and topic.response in said else None


#: Follow-up replies that carry part of a topic's answer (domain.yml), as that topic.
_REPLY_TOPICS = {"utter_followup_password_by_post": "password_forgotten", "utter_followup_letter_time": "letter_alternative",
                 "utter_followup_four_digits": "health_card_digits", "utter_followup_reset_data": "pin_reset",
                 "utter_followup_other_id_document": "nect_id_document"}


def _topic_of(response: str) -> Optional[str]:
    prefix = f"utter_{faq.RETRIEVAL_INTENT}/"
    if response.startswith(prefix):
        return response[len(prefix):]
    return _REPLY_TOPICS.get(response)


def context_topics(recent: Sequence[str]) -> tuple[str, ...]:
    """The FAQ topics a follow-up after ``recent`` (the bot's responses, latest first) may point back to: the
    last answer's own topic and the answers its context rules give (bot/followups.yml)."""
    step = next((r for r in recent if isinstance(r, tuple) or r not in NO_CONTEXT), None)
    if step is None:
        return ()
    found: list[Optional[str]] = []
    for context in (step if isinstance(step, tuple) else (step,)):
        found.append(_topic_of(context))
        found += [_topic_of(context if rule.answer == SAME else rule.answer) for rule in rules()
                  if context in rule.after]
    return tuple(dict.fromkeys(t for t in found if t))


#: A message read against the last answer first has at most this many words ...
CONTEXT_FIRST_MAX_WORDS = MAX_WORDS
#: ... and asks no open question of its own ("wie lange dauert die Post?" is read as usual).
_OPEN_QUESTION = re.compile(r"^\W*(?:und\s+)?(?:wie|wann|was|warum|wieso|weshalb|wo|wer|welche\w*)\b")
#: ... but "wo mach ich das?" points back to what the last answer explained.
_WHERE_IS_THAT = re.compile(r"^\W*(?:und\s+)?wo\s+(?:genau\s+)?(?:mach|mache|tipp|tippe|trag|trage|geb|gebe|find|finde|stell|stelle)"
                            r"\s+ich\s+(?:das|des|dies)\b")


def context_of(recent: Sequence[Context]) -> Optional[str]:
    """The response that sets the context among the bot's recent responses (latest first): the first that is no task
    question and no reply without a context of its own."""
    return next((step for step in recent if isinstance(step, str) and not step.startswith(TASK_QUESTION)
                 and step not in NO_CONTEXT), None)


def first_answer(text: str, recent: Sequence[Context], intent: Optional[str]) -> Optional[str]:
    """The answer of a ``first`` rule for the context among ``recent`` (through a task's questions), or ``None``:
    "telefonnummer?" inside a task right after a failed identification is the hotline."""
    return resolve(text, recent) if context_first(context_of(recent), intent, text) else None


def context_first(previous_response: Optional[str], intent: Optional[str], text: str) -> bool:
    """True when a rule marked ``first`` knows ``text`` right after ``previous_response``: its answer wins over
    the topic the NLU is sure of ("Selfie ist schwer für mich. Kann per Post?" after the forgotten password is
    the new password by letter, not the registration by letter). ``addons.context_policy`` then runs
    ``action_follow_up``, which gives the rule's answer."""
    if not previous_response:
        return False
    questions = intent in ("faq", "faq_upset", "follow_up", "nlu_fallback", "not_covered", "out_of_scope")
    folded = fold(text)
    if len(folded.split()) > CONTEXT_FIRST_MAX_WORDS or (_OPEN_QUESTION.search(folded) and not _WHERE_IS_THAT.search(folded)):
        return False
    return any(rule.first and (questions or intent in rule.intents) and previous_response in rule.after
               and _matches(rule, folded) for rule in rules())


def _matches(rule: FollowUp, folded: str) -> bool:
    return any(word in folded for word in rule.words) and not any(word in folded for word in rule.unless) \
        and (not rule.also or any(word in folded for word in rule.also))
