"""Rasa's response generator, plus buttons under an FAQ answer: the topics the member may have meant instead.

An FAQ answer goes to the topic the selector ranks first (or the one a context rule
chose). When the selector also found other topics likely (bot/faq.py
``related_topics``: up to two, each at least 0.1), the answer offers their titles as buttons, so a member who
got the neighbouring answer ("Wie lange gilt der QR-Code?" answered with the expired
code) reaches theirs with one click instead of rephrasing. It runs inside Rasa,
so FAQ answers keep working while the action server is down, and the buttons
belong to the answer's own message: the context rules still see that answer last.

Configured in endpoints.yml (and the production endpoints) as ``nlg: type:
addons.nlg.RelatedTopicNLG``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import faq

ANSWER_PREFIX = f"utter_{faq.RETRIEVAL_INTENT}/"


def answered_this_turn(tracker: DialogueStateTracker) -> List[str]:
    """The FAQ topics the bot answered since the member's latest message."""
    found = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            name = str((event.metadata or {}).get("utter_action") or "")
            if name.startswith(ANSWER_PREFIX):
                found.append(name[len(ANSWER_PREFIX):])
    return found


def with_related_button(response: Dict[Text, Any], utter_action: Text, tracker: DialogueStateTracker) -> Dict[Text, Any]:
    """``response`` (an FAQ answer) with the related topics' buttons added, when there are any."""
    if not utter_action.startswith(ANSWER_PREFIX) or tracker.active_loop_name:
        return response  # inside a task the member answers the task's question; no detour is offered
    catalog = faq.load_catalog()
    buttons = list(response.get("buttons") or [])
    offered = [topic.id for topic in map(catalog.by_title, (str(b.get("title") or "") for b in buttons)) if topic]
    related = faq.related_topics(tracker.latest_message.parse_data if tracker.latest_message else {},
                                 utter_action[len(ANSWER_PREFIX):], catalog,
                                 exclude=[*offered, *answered_this_turn(tracker)])
    if not related:
        return response
    return {**response, "buttons": [*buttons, *({"title": t.title, "payload": t.title} for t in related)]}


class RelatedTopicNLG(TemplatedNaturalLanguageGenerator):
    """The domain's responses; an FAQ answer also offers the topics the member may have meant."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    async def generate(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if not response:
            return response
        return with_related_button(response, utter_action, tracker)
