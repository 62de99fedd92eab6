"""Unclear questions: which topics to offer in "Meinten Sie ...?", if any."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import faq


class ActionRouteQuestion(Action):
    """Runs for ``nlu_fallback``; sets ``route`` and the offered topics.

    It says nothing itself: data/rules.yml follows ``route: clarify`` with
    ``utter_clarify`` (buttons from ``clarify_option_1..3``) and
    ``route: not_sure`` with ``utter_not_sure``. Confident FAQ questions never
    get here; ``addons.faq_gate`` turns unsure ones into ``nlu_fallback``.
    """

    def name(self) -> Text:
        return "action_route_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message
        clarification = faq.clarify(faq.candidates_from_parse(message), faq.faq_intent_confidence(message))
        catalog = faq.load_catalog()
        titles = [topic.title for topic in map(catalog.get, clarification.topics) if topic is not None]
        if not titles:
            return [SlotSet("route", "not_sure")]
        options = [SlotSet(f"clarify_option_{n}", title) for n, title in enumerate(titles, start=1)]
        return [SlotSet("route", "clarify"), SlotSet("clarify_count", str(len(titles))), *options]
