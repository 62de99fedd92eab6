"""Unclear questions: "Meinten Sie ...?" with the best topics, or the hotline."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from sqlalchemy.exc import SQLAlchemyError

from actions.offloop import off_loop
from bot import context_prior, faq, followups, repair, requests, tone, validation
from bot.services import gaps
from bot.store import session_scope

logger = logging.getLogger(__name__)

CLARIFY_RESPONSE = "utter_clarify"
NOT_SURE_RESPONSE = "utter_not_sure"


def recent_bot_responses(tracker: Tracker, turns: int = 3) -> List[followups.Context]:
    """The bot's response names of the last ``turns`` turns before the current message, latest first.

    A "Meinten Sie ...?" stands for the answers of the topics it offered ("TÜV?" right after it offered
    the topic on NECT): a group of responses (bot/followups.py ``resolve``).
    """
    catalog = faq.load_catalog()
    found: List[followups.Context] = []
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users > turns:
                break
        elif event.get("event") == "bot" and users:
            name = (event.get("metadata") or {}).get("utter_action")
            if name == CLARIFY_RESPONSE:
                titles = [str(b.get("title") or "") for b in (event.get("data") or {}).get("buttons") or []]
                offered = tuple(t.response for t in map(catalog.by_title, titles) if t is not None)
                found.append(offered or name)
            elif name:
                found.append(name)
    return found


def last_bot_response(tracker: Tracker) -> Optional[str]:
    """The response name of the bot's last message before the current user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            return (event.get("metadata") or {}).get("utter_action")
    return None


def remember_gap(question: str, outcome: str) -> None:
    """Keep an unanswered question (masked) for the knowledge-gap report; never fails the reply."""
    if not question.strip() or faq.load_catalog().by_title(question) is not None:
        return
    try:
        with session_scope() as session:
            gaps.record(session, question, outcome)
    except SQLAlchemyError:
        logger.exception("could not record an unanswered question")


@off_loop
class ActionRouteQuestion(Action):
    """Runs for ``nlu_fallback``: offers up to three topics as buttons, or the hotline.

    Confident FAQ questions never get here (``addons.faq_gate`` turns unsure
    ones into ``nlu_fallback``). The action says its reply itself, so when the
    action server is down the member gets the channel's apology, not a guess.
    The slot ``route`` tells data/rules.yml what was said ("Nichts davon" after
    a clarification leads to the hotline).
    """

    def name(self) -> Text:
        return "action_route_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message
        text = message.get("text") or ""
        started = start_offered_task(tracker)
        if started:
            return started
        if answered_as_if_in_a_task(dispatcher, tracker):
            return [SlotSet("route", "answered")]
        if repair.declines_offer(last_bot_response(tracker), text):
            # "nein, doch nicht, ich mache Video" to "Möchten Sie das hier tun?": nothing to start
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet("route", "answered")]
        recent = recent_bot_responses(tracker)
        if followups.is_short(text):
            # unclear alone, clear after the last answer ("handy hab ich aber inzwischen gewechselt")
            answer = followups.resolve(text, recent) or followups.same_topic(message, recent)
            if answer is not None:
                dispatcher.utter_message(response=answer)
                return [SlotSet("route", "answered")]
            if followups.is_follow_up(text):
                # points back: "Meinten Sie ...?" also offers the last answer's topics
                return route(dispatcher, tracker, as_faq_question=True, context=followups.context_topics(recent))
        elif followups.asks(text):
            # a longer question the selector is unsure of, whose words a context rule knows ("Ist die App auf meinem
            # Handy dann noch eingerichtet oder muss ich das nochmal machen?" right after the new-password letter)
            answer = followups.resolve(text, recent)
            if answer is not None:
                dispatcher.utter_message(response=answer)
                return [SlotSet("route", "answered")]
        return route(dispatcher, tracker)


@off_loop
class ActionFollowUp(Action):
    """Runs for ``follow_up`` (a short message that points back, see bot/followups.py).

    Answered in the context of the bot's last response when bot/followups.yml
    knows the pair; otherwise as the message alone would be: "not covered",
    the confident topic, or "Meinten Sie ...?".
    """

    def name(self) -> Text:
        return "action_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message
        started = start_offered_task(tracker)
        if started:
            return started
        recent = recent_bot_responses(tracker)
        after_answer = any(isinstance(r, str) and r.startswith("utter_faq/") for r in recent)
        # how long the letter takes (the delivery times say when the services can be used, too), which four
        # digits: the same reply whatever answer came before
        answer = followups.standing_answer(message) or followups.resolve(message.get("text") or "", recent)
        if answer is None:
            answer = followups.without_context(message, after_answer=after_answer)
        if answer is not None:
            dispatcher.utter_message(response=answer)
            return []
        # a question that points back to an answer is an FAQ question: offer its best topics
        context = followups.context_topics(recent)
        return route(dispatcher, tracker, as_faq_question=after_answer or bool(context), context=context)


def last_bot_buttons(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The buttons the bot offered right before the member's latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return []
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            buttons = (event.get("data") or {}).get("buttons") or []
            if buttons:
                return list(buttons)
    return []


def offered_task_titles(tracker: Tracker) -> List[Text]:
    """The button titles of the bot's last turn; when that turn offered no task (a "Meinten Sie ...?" for the
    second question of a message split in two), those of the turn before as well."""
    turns: List[List[Text]] = [[]]
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                if len(turns) == 2 or repair.offered_task_button(turns[-1]) is not None:
                    break
                turns.append([])
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            turns[-1][:0] = [str(b.get("title") or "") for b in (event.get("data") or {}).get("buttons") or []]
    return [title for titles in turns for title in titles]


@off_loop
class ActionAffirm(Action):
    """A plain "ja" / "gerne": takes up the one task the last answer offered, else asks what the member wants."""

    def name(self) -> Text:
        return "action_affirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        form = repair.offered_task([str(b.get("title") or "") for b in last_bot_buttons(tracker)])
        context = followups.resolve(tracker.latest_message.get("text") or "", recent_bot_responses(tracker))
        if form is None and context is not None:  # "dann halt per Brief" after the ID answer: the letter
            dispatcher.utter_message(response=context)
            return []
        if form is None and answered_as_if_in_a_task(dispatcher, tracker):
            return []
        if form is None:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        return [FollowupAction(form)]


def answered_as_if_in_a_task(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """ "keine", "per Post" or "ja, bestellen" right after "Ihre Angaben brauche ich nur für einen bestimmten
    Vorgang ...": no task runs; say so and offer the tasks (the same buttons) again."""
    if last_bot_response(tracker) not in repair.TASK_MODE_REPLIES \
            or not repair.answers_a_task_question(tracker.latest_message.get("text") or ""):
        return False
    dispatcher.utter_message(response="utter_no_task_running", buttons=last_bot_buttons(tracker))
    return True


@off_loop
class ActionFrustration(Action):
    """An upset member: an apology and a way forward. When the angry message holds a question the selector is
    unsure of (``upset_question``, addons/faq_gate.py), a short apology and the question read in the context of
    the last answer: a context rule's answer, else "Meinten Sie ...?" that also offers the last answer's topic."""

    def name(self) -> Text:
        return "action_frustration"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if not tracker.latest_message.get(tone.UPSET_QUESTION):
            dispatcher.utter_message(response="utter_frustration")
            return [SlotSet("route", None)]
        dispatcher.utter_message(response="utter_frustration_brief")
        text = tracker.latest_message.get("text") or ""
        if faq.not_covered_cue(text):  # "Mist. Kann man das Zeitfenster nicht länger machen?"
            dispatcher.utter_message(response="utter_not_covered")
            return [SlotSet("route", None)]
        recent = recent_bot_responses(tracker)
        answer = followups.resolve(tracker.latest_message.get("text") or "", recent)
        if answer is not None:  # "Na toll, und wo genau in der App?" right after an answer: its context rule
            dispatcher.utter_message(response=answer)
            return [SlotSet("route", None)]
        return route(dispatcher, tracker, as_faq_question=True, context=followups.context_topics(recent))


class ActionAboutMe(Action):
    """A question about the assistant: what it does ("Was kannst du eigentlich alles?"), else what it is."""

    def name(self) -> Text:
        return "action_about_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response=repair.about_me(tracker.latest_message.get("text") or ""))
        return []


class ActionAnswerWithoutTask(Action):
    """A task's answer typed when no task runs, right after the member was told so ("per Brief", "mail skip",
    "Und de Postleitzahl is 84130"): chosen by ``addons.context_policy`` over the FAQ or unclear reply the
    message would get (bot/repair.py ``answers_without_task``). Says that no task runs, with the same buttons."""

    def name(self) -> Text:
        return "action_answer_without_task"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_no_task_running", buttons=task_mode_buttons(tracker))
        return []


def task_mode_buttons(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The task buttons of the latest "Was möchten Sie tun?" (an FAQ answer may have come since)."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") in repair.TASK_MODE_REPLIES:
            buttons = (event.get("data") or {}).get("buttons") or []
            if buttons:
                return list(buttons)
    return last_bot_buttons(tracker)


@off_loop
class ActionNothingToCancel(Action):
    """ "Abbrechen" outside a task: "Kann ich sonst noch helfen?". But "dann halt per Brief" (read as leaving)
    right after the answer on the ID document is the letter: a context rule that fits answers it."""

    def name(self) -> Text:
        return "action_nothing_to_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        if answered_as_if_in_a_task(dispatcher, tracker):
            return []
        context = None if repair.starts_with_no(text) else followups.resolve(text, recent_bot_responses(tracker))
        dispatcher.utter_message(response=context or "utter_anything_else")
        return []


@off_loop
class ActionDataWithoutTask(Action):
    """A Versichertennummer or PLZ typed outside a task: nothing is kept. Right after an answer that offered
    one task, that task is offered once more (a "ja" then starts it); otherwise "Was möchten Sie tun?" with
    every task. Data with words that take up the offered task ("Ok dann per Post. E161803391") starts it, and
    the task reads the data from this message."""

    def name(self) -> Text:
        return "action_data_without_task"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        titles = offered_task_titles(tracker)
        button = repair.offered_task_button(titles)
        text = tracker.latest_message.get("text") or ""
        if button is not None and repair.takes_up_offered_task(text):
            return start_task(repair.offered_task(titles), text)
        if button is None:
            dispatcher.utter_message(response="utter_data_without_task")
        else:
            dispatcher.utter_message(response="utter_data_without_task_offered",
                                     buttons=[{"title": button, "payload": button}])
        return []


@off_loop
class ActionGoAhead(Action):
    """ "ok dann brief" right after an answer on a task's topic (addons/context_policy.py): that task starts; a
    method named for the registration ("dann per Brief") is read as its answer when the form asks for it."""

    def name(self) -> Text:
        return "action_go_ahead"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        earlier = [r for r in recent_bot_responses(tracker)[1:] if isinstance(r, str)]
        task = repair.context_task(last_bot_response(tracker),
                                   [str(b.get("title") or "") for b in last_bot_buttons(tracker)], earlier)
        if task is None:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        return start_task(repair.TASK_FORMS[task], tracker.latest_message.get("text") or "")


def start_task(form: Text, text: Text) -> List[Dict[Text, Any]]:
    """Start ``form`` with what the message that starts it already says: a valid Versichertennummer (perhaps with
    the PLZ) and, for the registration, the method ("dann per Brief"). The form validates them with this message's
    text when it starts (validate_insurance_number, validate_ident_method), as if they answered its questions."""
    events: List[Dict[Text, Any]] = []
    if requests.has_valid_insurance_number(text):
        events.append(SlotSet("insurance_number", text))
    if form == "registration_form" and validation.chosen_method(text) is not None:
        events.append(SlotSet("ident_method", text))
    return [*events, FollowupAction(form)]


def start_offered_task(tracker: Tracker) -> List[Dict[Text, Any]]:
    """ "Kannst du das für mich machen?" or "schick ihn halt nochmal" right after an answer that offered one
    task: that task starts."""
    text = tracker.latest_message.get("text") or ""
    if not requests.asks_to_do_it(text) and not requests.is_action_request(text):
        return []
    form = repair.offered_task([str(b.get("title") or "") for b in last_bot_buttons(tracker)])
    return [FollowupAction(form)] if form is not None else []


def route(dispatcher: CollectingDispatcher, tracker: Tracker, as_faq_question: bool = False,
          context: Sequence[str] = ()) -> List[Dict[Text, Any]]:
    """Say "Meinten Sie ...?" with the best topics, or the hotline; set the slot ``route``.

    ``as_faq_question``: the message is an FAQ question whatever the intent classifier's confidence;
    ``context``: topics a follow-up may point back to (offered too, bot/faq.py ``clarify``).
    """
    message = tracker.latest_message
    catalog = faq.load_catalog()
    candidates = faq.candidates_from_parse(message)
    if context:  # a follow-up: the topics members ask after the last answer come first (bot/context_prior.py)
        candidates = context_prior.rerank(candidates, context[0], topics=len(catalog.topics))
    after_clarification = last_bot_response(tracker) == CLARIFY_RESPONSE
    offered_before = [t.id for t in map(catalog.by_title, (str(b.get("title") or "") for b in last_bot_buttons(tracker)))
                      if t is not None] if after_clarification else []
    clarification = faq.clarify(
        candidates,
        1.0 if as_faq_question else faq.faq_intent_confidence(message),
        after_clarification=after_clarification,
        context=context,
        offered_before=offered_before,
        text=str(message.get("text") or ""),
    )
    titles = [topic.title for topic in map(catalog.get, clarification.topics) if topic is not None]
    remember_gap(message.get("text") or "", "clarify" if titles else "hotline")
    if not titles:
        dispatcher.utter_message(response=NOT_SURE_RESPONSE)
        return [SlotSet("route", "not_sure")]
    buttons = [{"title": title, "payload": title} for title in [*titles, catalog.none_of_these]]
    dispatcher.utter_message(response=CLARIFY_RESPONSE, buttons=buttons)
    return [SlotSet("route", "clarify")]
