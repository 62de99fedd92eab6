"""Answers for unclear questions: "Meinten Sie ...?" or the hotline."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import faq


class ActionRouteQuestion(Action):
    """Runs for ``nlu_fallback`` and ``deny``: clarify, or admit not knowing.

    Confident FAQ questions never get here: they are answered by ``utter_faq``
    (see data/rules.yml); ``addons.faq_gate`` turns unsure ones into
    ``nlu_fallback``.
    """

    def name(self) -> Text:
        return "action_route_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        after_clarification = faq.previous_reply_was_clarification(tracker.events)
        if (tracker.latest_message.get("intent") or {}).get("name") == "deny":
            dispatcher.utter_message(response="utter_not_sure" if after_clarification else "utter_anything_else")
            return []

        message = tracker.latest_message
        clarification = faq.clarify(
            faq.candidates_from_parse(message), faq.faq_intent_confidence(message), after_clarification
        )
        if clarification.give_up:
            dispatcher.utter_message(response="utter_not_sure")
            return []
        catalog = faq.load_catalog()
        titles = [topic.title for topic in map(catalog.get, clarification.topics) if topic is not None]
        buttons = [{"title": title, "payload": title} for title in titles + [catalog.none_title]]
        dispatcher.utter_message(response=faq.CLARIFY_RESPONSE, buttons=buttons)
        return []
