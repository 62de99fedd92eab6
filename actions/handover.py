"""A member asks for a person: hand the chat to an agent during service hours, else the hotline."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.offloop import off_loop
from bot import tone
from bot.services import handover
from bot.store import session_scope

logger = logging.getLogger(__name__)


@off_loop
class ActionRequestHandover(Action):
    """Opens a hand-over ticket and pauses the conversation (the console's queue shows it); a member who wants
    to phone gets the hotline's number instead."""

    def name(self) -> Text:
        return "action_request_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tone.wants_phone(tracker.latest_message.get("text") or ""):
            # "Ich rufe lieber an", "welche Nummer war das nochmal?": the number, not a chat hand-over
            dispatcher.utter_message(response="utter_hotline_human")
            return []
        try:
            with session_scope() as session:
                requested = handover.request(session, tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("member store unavailable for a hand-over")
            dispatcher.utter_message(response="utter_hotline_human")
            return []
        if requested.outcome == handover.RequestOutcome.CLOSED:
            dispatcher.utter_message(response="utter_handover_closed", service_hours=handover.service_hours().describe())
            return []
        dispatcher.utter_message(response="utter_handover_waiting")
        return [ConversationPaused()]
