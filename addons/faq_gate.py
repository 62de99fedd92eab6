"""NLU component: an FAQ answer only passes when the response selector is sure.

Rasa's FallbackClassifier only sees the confidence of the top-level intent
``faq``; a message can be clearly "an FAQ question" while the selector cannot
tell two topics apart. This component, placed after the ResponseSelector,
turns such a message into ``nlu_fallback`` so that no sub-answer is guessed;
``action_route_question`` then asks "Meinten Sie ...?".

A clicked task button ("Jetzt registrieren", bot/faq_topics.yml) likewise
gets its intent, and a message that is only personal data (a Versichertennummer,
PLZ, e-mail or phone number) gets ``inform_data``. A message that is exactly a topic's button title (a clicked "Meinten Sie
...?" button, whose payload is the title) is answered with that topic,
whatever the models say: the member chose it.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import faq, followups, member_kinds, requests, tone, validation

INFORM_DATA = "inform_data"
FOLLOW_UP = "follow_up"
#: The FAQ topic on how to type the Versichertennummer (without the digit after the hyphen).
NUMBER_FORMAT_TOPIC = "insurance_number_format"
FRUSTRATION = "frustration"
NOT_COVERED = "not_covered"
COMPLAIN = "complain"
OTHER_LANGUAGE = "other_language"
REQUEST_HUMAN = "request_human"
THANK = "thank"
STILL_THERE = "still_there"
LETTER_RESEND = "request_letter_resend"
#: An FAQ question in an angry message: an apology, then the answer (data/rules.yml).
FAQ_UPSET = "faq_upset"
#: An angry message without a question gets its topic's answer only when the selector is this sure of it.
UPSET_ANSWER_MIN_CONFIDENCE = 0.85
#: Intents a thanks or an acknowledgement is sometimes taken for.
QUESTION_INTENTS = ("faq", DEFAULT_NLU_FALLBACK_INTENT_NAME, NOT_COVERED, "out_of_scope", FRUSTRATION)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqConfidenceGate(GraphComponent):
    """Replaces an unsure ``faq`` prediction by ``nlu_fallback``."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqConfidenceGate":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        catalog = faq.load_catalog()
        catalog_tasks = {intent for _, intent in catalog.task_buttons}
        for message in messages:
            text = message.get(TEXT) or ""
            chosen = catalog.by_title(text)
            if chosen is not None:
                _choose_topic(message, chosen)
                continue
            task = catalog.task_for(text)
            if task is not None:
                _choose_intent(message, task)
                continue
            if requests.reports_number_with_suffix(text) and catalog.get(NUMBER_FORMAT_TOPIC) is not None:
                # "bei der Registrierung heißt es ungültig, ich hab A123456780-1 eingegeben": the number's format
                _choose_topic(message, catalog.get(NUMBER_FORMAT_TOPIC))
                continue
            task = requests.task_with_number(text)
            if task is not None:
                # "Registrierung A123456780": the task, which takes the number from this message
                _choose_intent(message, task)
                continue
            if validation.is_bare_data(text) or validation.is_bare_number_attempt(text) or (
                    "?" not in text and requests.has_valid_insurance_number(text)
                    and len(text.split()) <= DATA_MAX_WORDS):
                # Only a number or address, no question: inside a task the form reads it whatever the
                # intent; outside one the member is asked what they want to do.
                _choose_intent(message, INFORM_DATA)
                continue
            intent = message.get("intent") or {}
            if tone.other_language(text) and tone.leaves_in_english(text):
                # "never mind, I'll do the video thing": leaving (a task ends; outside one: anything else?)
                _choose_intent(message, "cancel", intent.get("confidence", 0.0))
                continue
            if tone.other_language(text) and not tone.is_thanks(text):
                # also when the classifier said so: "I want to register please" is no request in German words
                if intent.get("name") != OTHER_LANGUAGE:
                    _choose_intent(message, OTHER_LANGUAGE, intent.get("confidence", 0.0))
                continue
            if tone.asks_capabilities(text):
                # "was kannst du eigentlich alles?": what the assistant answers and does, not a guessed topic
                # (action_about_me, and inside a task bot/repair.py, tell it from "Bist du ein Bot?" by the words)
                _choose_intent(message, "bot_challenge", 1.0)
                continue
            if intent.get("name") != COMPLAIN and tone.is_complaint(text):
                # "Ich möchte mich über die Registrierung beschweren": the complaint, not the task it names
                _choose_intent(message, COMPLAIN, intent.get("confidence", 0.0))
                continue
            if intent.get("name") in (*QUESTION_INTENTS, "affirm", "deny") and tone.says_goodbye(text) \
                    and not tone.is_thanks(text) and not requests.is_action_request(text):
                # "Guad, nacher wart i halt. Ade": the member is leaving
                _choose_intent(message, "goodbye", intent.get("confidence", 0.0))
                continue
            if intent.get("name") not in (THANK, "goodbye") and tone.thanks_anyway(text):
                # "na toll. trotzdem danke": the member is done; thanks, not an apology
                _choose_intent(message, THANK, intent.get("confidence", 0.0))
                continue
            if (intent.get("name") == REQUEST_HUMAN or (
                    intent.get("name") in (DEFAULT_NLU_FALLBACK_INTENT_NAME, faq.RETRIEVAL_INTENT, FOLLOW_UP, "greet")
                    and tone.asks_who_answers_in_a_sentence(text, WHO_ANSWERS_MAX_WORDS))) \
                    and tone.asks_who_answers(text) and followups.asks(text) and not tone.wants_person(text):
                # "schreib ich hier mit einem richtigen Mitarbeiter?": the assistant says what it is
                _choose_intent(message, "bot_challenge", intent.get("confidence", 0.0))
                continue
            if intent.get("name") in ("affirm", "deny", THANK, "goodbye") and tone.is_upset(text) \
                    and not followups.asks(text) and not (intent.get("name") == THANK and tone.is_thanks(text)):
                # "Na toll. Das hätte man mir auch sagen können!" is no yes or no
                _choose_intent(message, FRUSTRATION, intent.get("confidence", 0.0))
                continue
            if intent.get("name") not in (REQUEST_HUMAN, "bot_challenge") and tone.wants_person(text):
                _choose_intent(message, REQUEST_HUMAN, intent.get("confidence", 0.0))
                continue
            if intent.get("name") in QUESTION_INTENTS and tone.checks_presence(text) or re.fullmatch(r"\s*\?+\s*", text):
                _choose_intent(message, STILL_THERE, intent.get("confidence", 0.0))
                continue
            if intent.get("name") in QUESTION_INTENTS and tone.is_thanks(text) and not requests.is_action_request(text):
                # "na gut, trotzdem danke" is no question about 2FA
                _choose_intent(message, THANK, intent.get("confidence", 0.0))
                continue
            if intent.get("name") not in catalog_tasks and requests.is_letter_status_question(text):
                _choose_intent(message, LETTER_RESEND, intent.get("confidence", 0.0))
                continue
            requested = requests.task_of_request_sentence(text)
            if requested is not None and requested != intent.get("name") and (
                    intent.get("name") in catalog_tasks or requests.own_state_task(text) is not None):
                # "ich brauche ein neues Passwort. 2FA habe ich schon eingerichtet.": the sentence that asks decides
                _choose_intent(message, requested, intent.get("confidence", 0.0))
                continue
            named = requests.task_named_against(intent["name"], text) if intent.get("name") in catalog_tasks else None
            if named is not None:
                # "dann registrier mich per brief" read as a new password: the task the words name
                _choose_intent(message, named, intent.get("confidence", 0.0))
                continue
            own_state = requests.own_state_task(text)
            if own_state is not None and intent.get("name") not in catalog_tasks:
                # "hab ich die 2FA eigentlich schon aktiviert?": the check looks it up
                _choose_intent(message, own_state, intent.get("confidence", 0.0))
                continue
            if intent.get("name") == THANK and text.rstrip().endswith("?") and followups.asks(text) \
                    and not tone.is_thanks(text):
                # "Ok, danke. Ich habe ein neues Handy gekauft, muss ich alles neu machen?": the question
                intent = _next_intent(message, THANK, {"goodbye", "affirm", "deny", "greet"})
            if intent.get("name") == "greet" and followups.asks(text) and len(text.split()) >= 5:
                # "Hallo, welche Öffnungszeiten hat ...?": the question, not the greeting
                intent = _next_intent(message, "greet", catalog_tasks if requests.asks_how(text) else set())
            if intent.get("name") in catalog_tasks:
                _note_answer_first(message, text, catalog, intent["name"])
            if intent.get("name") in (*QUESTION_INTENTS, FOLLOW_UP) and tone.declines_for_now(text) \
                    and not requests.is_action_request(text):
                # "nee, erstmal nicht, wollte mich nur informieren": nothing to do now, no FAQ answer
                _choose_intent(message, "deny", intent.get("confidence", 0.0))
                continue
            if intent.get("name") in catalog_tasks and requests.asks_how(text) and not requests.is_action_request(text):
                # "sorry. pin zurücksetzen wie?" asks how it works: the FAQ answer (it offers the task)
                topic = _confident_topic(message, text, catalog)
                if topic is not None and topic.task == intent.get("name"):
                    _choose_intent(message, faq.RETRIEVAL_INTENT, intent.get("confidence", 0.0))
                    continue
            if intent.get("name") not in catalog_tasks and intent.get("name") != "deny" \
                    and requests.is_action_request(text):
                # "Kannst du mir den Brief nochmal schicken?": the task, not the FAQ text about it
                task = requests.requested_task(message.data, catalog)
                if task is not None:
                    _note_answer_first(message, text, catalog, task)
                    _choose_intent(message, task, intent.get("confidence", 0.0))
                    continue
                if followups.is_short(text) and intent.get("name") != "affirm":
                    # "schick ihn halt nochmal": the task the last answer offered (action_follow_up); a yes that names
                    # no task ("gut, dann ja, bestellen") stays a yes (at a letter's last question, it orders it)
                    _choose_intent(message, FOLLOW_UP, intent.get("confidence", 0.0))
                    continue
            if intent.get("name") in KIND_INTENTS and _choose_by_kind(message, text, catalog, intent):
                # "setzen sie meine app pin zurück", "dann einfach die telefonnummer bitte", "bin ich hier mit nem
                # echten menschen": what members' own words of that kind asked for (bot/member_kinds.py)
                continue
            standing = followups.LETTER_TIME if followups.asks_letter_time(text) \
                else followups.FOUR_DIGITS if followups.asks_four_digits(text) \
                else followups.ACTIVATION_WAYS if followups.asks_activation_way(text) \
                else followups.OTHER_ID_DOCUMENT if followups.asks_other_id_document(text) else None
            if intent.get("name") in (faq.RETRIEVAL_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME, NOT_COVERED, FOLLOW_UP) \
                    and standing is not None and not tone.is_upset(text):
                # "wie lange braucht die Post so ungefähr?": the delivery times; "welche vier Ziffern?": both ways'
                # digits; whatever answer or task came before (action_follow_up)
                message.set(followups.OTHERWISE, standing, add_to_output=True)
                _choose_intent(message, FOLLOW_UP, intent.get("confidence", 0.0))
                continue
            if intent.get("name") in (faq.RETRIEVAL_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME, FOLLOW_UP, FRUSTRATION) \
                    and faq.not_covered_cue(text) and tone.is_upset(text) and "?" in text:
                # "Mist. Kann man das Zeitfenster nicht länger machen?": sorry, then that the FAQ does not say
                # (action_frustration), not a topic the other words suggest
                message.set(tone.UPSET_QUESTION, True, add_to_output=True)
                _choose_intent(message, FRUSTRATION, intent.get("confidence", 0.0))
                continue
            if intent.get("name") in (faq.RETRIEVAL_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME, FOLLOW_UP) \
                    and faq.not_covered_cue(text) and not tone.is_upset(text):
                # costs, data passed on, the hotline's hours: the FAQ says nothing, whatever topic the words suggest
                _choose_follow_up_or(message, NOT_COVERED, text, intent)
                continue
            cued = catalog.get(faq.topic_cue(text) or "")
            if intent.get("name") in (faq.RETRIEVAL_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME, NOT_COVERED) \
                    and cued is not None and not tone.is_upset(text):
                # "Ich hab grad keinen Ausweis da, geht das auch anders?": the wording decides the topic
                _choose_topic(message, cued)
                continue
            if intent.get("name") in (DEFAULT_NLU_FALLBACK_INTENT_NAME, NOT_COVERED) and faq.is_certain(message.data) \
                    and not validation.looks_like_data(text) and not tone.is_upset(text):
                # the intent classifier hesitates, the topic selector is certain and the coverage model
                # sees it inside the FAQ ("Wie viele Stellen hat die PIN für die Freigabe?"); one that points
                # back ("wie viel Zeit hab ich dafür?") is read in the context of the last answer first; an angry
                # one ("Mist. Also alles nochmal ausfüllen?") gets its apology below
                _choose_intent(message, FOLLOW_UP if followups.is_follow_up(text) else faq.RETRIEVAL_INTENT,
                               intent.get("confidence", 0.0))
                continue
            unsure = intent.get("name") == DEFAULT_NLU_FALLBACK_INTENT_NAME or (
                intent.get("name") == faq.RETRIEVAL_INTENT
                and not faq.is_confident(faq.candidates_from_parse(message.data), text))
            if intent.get("name") in (faq.RETRIEVAL_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME) \
                    and faq.outside_faq(message.data) >= faq.OUTSIDE_MIN and not tone.is_upset(text):
                # the FAQ does not answer it: say so, instead of a guess or a list of unrelated topics;
                # a short one may still lean on the last answer ("wo genau in der App?")
                _choose_follow_up_or(message, NOT_COVERED, text, intent)
                continue
            if intent.get("name") in (NOT_COVERED, "out_of_scope") and followups.is_short(text) \
                    and (followups.is_follow_up(text) or followups.asks(text)):
                _choose_follow_up_or(message, intent["name"], text, intent)
                continue
            if (unsure or intent.get("name") in ("out_of_scope", FRUSTRATION)) and tone.is_complaint(text):
                _choose_intent(message, COMPLAIN, intent.get("confidence", 0.0))
                continue
            if (unsure or intent.get("name") == "out_of_scope") and tone.is_upset(text):
                # an angry message the NLU cannot place gets an apology, not a list of topics; with a question
                # ("Mist. Also alles nochmal ausfüllen?") the apology comes with the question read in context
                if "?" in text and followups.asks(text):
                    message.set(tone.UPSET_QUESTION, True, add_to_output=True)
                _choose_intent(message, FRUSTRATION, intent.get("confidence", 0.0))
                continue
            if intent.get("name") in (faq.RETRIEVAL_INTENT, FRUSTRATION) and tone.is_upset(text):
                candidates = faq.candidates_from_parse(message.data)
                if faq.is_confident(candidates, text) and (
                        followups.asks(text) or candidates[0].confidence >= UPSET_ANSWER_MIN_CONFIDENCE):
                    # a question (or a clear cue: "zehn Tage und nix im Briefkasten!") in an angry message:
                    # sorry, then the answer
                    _choose_intent(message, FAQ_UPSET, intent.get("confidence", 0.0))
                    continue
                if "?" in text and followups.asks(text) and candidates \
                        and candidates[0].confidence >= faq.CLARIFY_MIN_CONFIDENCE:
                    # an unclear question in an angry message: sorry, then "Meinten Sie ...?" (not only sorry)
                    message.set(tone.UPSET_QUESTION, True, add_to_output=True)
                if intent.get("name") == faq.RETRIEVAL_INTENT:
                    # anger without a clear question ("viel zu kompliziert!"): an apology, not a guessed topic
                    _choose_intent(message, FRUSTRATION, intent.get("confidence", 0.0))
                    continue
            if (followups.is_follow_up(text) and (
                    intent.get("name") in (faq.RETRIEVAL_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME)
                    or (intent.get("name") in FOLLOW_UP_MISREADS and followups.asks(text)))):
                # Read in the context of the last answer by action_follow_up, which also has the ranking.
                _choose_intent(message, FOLLOW_UP, intent.get("confidence", 0.0))
                continue
            if intent.get("name") != faq.RETRIEVAL_INTENT:
                continue
            if faq.is_confident(faq.candidates_from_parse(message.data), text):
                continue
            fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": intent.get("confidence", 0.0)}
            message.set("intent", fallback, add_to_output=True)
            message.data.setdefault("intent_ranking", []).insert(0, dict(fallback))
        return messages


#: A message with a valid Versichertennummer, no question and at most this many words is data ("Passt, dann machen
#: wir das mit Brief. Versichertennummer A123456780, PLZ 84130").
DATA_MAX_WORDS = 14


#: "schreib ich hier mit einem richtigen Mitarbeiter?" is short; a long story that mentions a person on a
#: video call is an FAQ question about the video ident.
WHO_ANSWERS_MAX_WORDS = 12


#: Intents a short question that points back is sometimes taken for ("und wenn ich ein neues Handy kaufe?"
#: reads like a goodbye to the classifier): a question is a follow-up all the same.
FOLLOW_UP_MISREADS = ("affirm", "deny", "goodbye", "thank")


#: The intents under which the kind classifier is heard: an FAQ answer, or no answer at all.
KIND_INTENTS = (faq.RETRIEVAL_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME, NOT_COVERED)


def _choose_by_kind(message: Message, text: str, catalog: faq.Catalog, intent: Dict[Text, Any]) -> bool:
    """Choose the intent for the kind of reply the kind classifier is sure the message wants: a task that the
    message's words or topic name (not one only the conversation tells), a person, who answers, an apology for
    anger without a question. Returns whether it chose one."""
    confidence = intent.get("confidence", 0.0)
    if member_kinds.wants(message.data, member_kinds.TASK):
        if followups.is_follow_up(text) or requests.names_only_a_way(text):
            # "ok dann per brief. geht das hier direkt?": which task depends on the last answer (action_follow_up)
            return False
        if intent.get("name") == NOT_COVERED or faq.outside_faq(message.data) >= faq.OUTSIDE_MIN \
                or requests.reports_failure(text):
            # "Auslandskrankenschein online anfordern" asks for something no task does; "registrierung sagt plz
            # falsch" reports a failure and wants the answer why
            return False
        task = requests.requested_task(message.data, catalog)
        if task is None:
            return False
        _note_answer_first(message, text, catalog, task)
        _choose_intent(message, task, confidence)
    elif member_kinds.wants(message.data, member_kinds.HUMAN) and not tone.asks_who_answers(text):
        _choose_intent(message, REQUEST_HUMAN, confidence)
    elif member_kinds.wants(message.data, member_kinds.BOT):
        _choose_intent(message, "bot_challenge", confidence)
    elif member_kinds.wants(message.data, member_kinds.UPSET) and "?" not in text:
        _choose_intent(message, FRUSTRATION, confidence)
    else:
        return False
    return True


def _note_answer_first(message: Message, text: str, catalog: faq.Catalog, task: str) -> None:
    """A request for ``task`` that ends with a question about another topic ("I möcht mi übers Video
    registrieren. Geht des a am Sonntag?"): the task's form gives that topic's answer before its first question."""
    if not requests.ends_with_question(text):
        return
    topic = _confident_topic(message, text, catalog)
    if topic is not None and topic.task != task:
        message.set(requests.ANSWER_FIRST, topic.response, add_to_output=True)


def _confident_topic(message: Message, text: str, catalog: faq.Catalog) -> Optional[faq.Topic]:
    """The FAQ topic the selector is confident of, if any."""
    candidates = faq.candidates_from_parse(message.data)
    return catalog.get(candidates[0].topic) if faq.is_confident(candidates, text) else None


def _choose_follow_up_or(message: Message, otherwise: str, text: str, intent: Dict[Text, Any]) -> None:
    """``otherwise`` for a message that stands alone; a short one becomes a follow-up that gets
    ``otherwise`` unless a context rule fits (``action_follow_up``, bot/followups.py)."""
    if followups.is_short(text) and not tone.is_complaint(text):
        message.set(followups.OTHERWISE, otherwise, add_to_output=True)
        _choose_intent(message, FOLLOW_UP, intent.get("confidence", 0.0))
    else:
        _choose_intent(message, otherwise, intent.get("confidence", 0.0))


def _next_intent(message: Message, passed_over: str, also_not: set = frozenset()) -> Dict[Text, Any]:
    """Make the best intent other than ``passed_over`` (and ``also_not``) the message's intent; returns it."""
    ranking = [e for e in message.get("intent_ranking") or [] if e.get("name") != passed_over]
    allowed = [e for e in ranking if e.get("name") not in also_not]
    chosen = dict(allowed[0]) if allowed else {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 0.0}
    message.set("intent", chosen, add_to_output=True)
    message.set("intent_ranking", [chosen, *[e for e in ranking if e.get("name") != chosen["name"]]],
                add_to_output=True)
    return chosen


def _choose_topic(message: Message, topic: faq.Topic) -> None:
    """Make ``message`` a certain ``faq`` question about ``topic``."""
    chosen = {"name": faq.RETRIEVAL_INTENT, "confidence": 1.0}
    message.set("intent", chosen, add_to_output=True)
    ranking = [e for e in message.get("intent_ranking") or [] if e.get("name") != faq.RETRIEVAL_INTENT]
    message.set("intent_ranking", [dict(chosen), *ranking], add_to_output=True)
    selectors = message.get("response_selector") or {}
    selected = selectors.get(faq.RETRIEVAL_INTENT) or {}
    others = [e for e in selected.get("ranking") or [] if e.get("intent_response_key") != topic.intent]
    selectors[faq.RETRIEVAL_INTENT] = {
        "response": {
            "responses": [],
            "confidence": 1.0,
            "intent_response_key": topic.intent,
            "utter_action": topic.response,
        },
        "ranking": [{"id": None, "confidence": 1.0, "intent_response_key": topic.intent}, *others],
    }
    message.set("response_selector", selectors, add_to_output=True)


def _choose_intent(message: Message, intent: str, confidence: float = 1.0) -> None:
    """Make ``message`` a certain ``intent`` (a clicked task button)."""
    chosen = {"name": intent, "confidence": max(confidence, 0.5)}
    message.set("intent", chosen, add_to_output=True)
    ranking = [e for e in message.get("intent_ranking") or [] if e.get("name") != intent]
    message.set("intent_ranking", [dict(chosen), *ranking], add_to_output=True)
