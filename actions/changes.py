"""Data changes with 2FA approval: change_form, its submit action and the status check.

Every step checks the member's signed session (``metadata.auth_token``) again
through :mod:`bot.services.changes`; the chat only creates and reads approval
requests, it can never approve one.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.offloop import off_loop
from actions.tasks import answered_faq_instead, latest_metadata, say
from bot import validation
from bot.services import changes
from bot.services.chat import Reply

logger = logging.getLogger(__name__)

#: Cleared when a change is sent, cancelled or refused (approval_id stays: it is no personal data).
CHANGE_SLOTS = ("change_kind", *changes.ALL_FIELDS, "change_confirmed", "change_summary")


def check_member(tracker: Tracker) -> tuple[Optional[str], Optional[Reply]]:
    try:
        return changes.check_member(latest_metadata(tracker), tracker.sender_id)
    except SQLAlchemyError:
        logger.exception("member store unavailable during a session check")
        return None, Reply("utter_store_unavailable")


@off_loop
class ValidateChangeForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_change_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        number, problem = check_member(tracker)
        if problem is not None:
            return []  # the submit action says why
        kind = tracker.get_slot("change_kind")
        if kind not in changes.FIELDS:
            return ["change_kind"]
        return ["change_kind", *changes.FIELDS[kind], "change_confirmed"]

    async def extract_change_kind(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("change_kind"):
            return {}
        kind = validation.parse_change_kind((tracker.latest_message or {}).get("text") or "")
        return {"change_kind": kind} if kind else {}

    def validate_change_kind(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[Text, Any]:
        return {"change_kind": value if value in changes.FIELDS else None}

    def _field(self, field: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        checked = changes.CHECKS[field](str(value or ""))
        if not checked.ok:
            if not answered_faq_instead(dispatcher, tracker):
                dispatcher.utter_message(response=checked.response)
            return {field: None}
        slots: Dict[Text, Any] = {field: checked.value}
        kind = tracker.get_slot("change_kind")
        filled = {f: tracker.get_slot(f) for f in changes.FIELDS.get(kind, ())}
        filled[field] = checked.value
        if kind in changes.FIELDS and all(filled.values()):
            slots["change_summary"] = changes.summary(kind, changes.new_value(kind, filled))
        return slots

    def validate_new_street(self, value, dispatcher, tracker, domain):
        return self._field("new_street", value, dispatcher, tracker)

    def validate_new_house_number(self, value, dispatcher, tracker, domain):
        return self._field("new_house_number", value, dispatcher, tracker)

    def validate_new_postcode(self, value, dispatcher, tracker, domain):
        return self._field("new_postcode", value, dispatcher, tracker)

    def validate_new_city(self, value, dispatcher, tracker, domain):
        return self._field("new_city", value, dispatcher, tracker)

    def validate_new_email(self, value, dispatcher, tracker, domain):
        return self._field("new_email", value, dispatcher, tracker)

    def validate_new_phone(self, value, dispatcher, tracker, domain):
        return self._field("new_phone", value, dispatcher, tracker)

    def validate_new_iban(self, value, dispatcher, tracker, domain):
        return self._field("new_iban", value, dispatcher, tracker)

    def validate_change_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        answer = validation.parse_yes_no(str(value or ""))
        if answer is None:
            dispatcher.utter_message(response="utter_invalid_yes_no")
        return {"change_confirmed": answer}


def cleared() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in CHANGE_SLOTS]


@off_loop
class ActionSubmitChange(Action):
    """Confirmed: store the approval request and explain the approval in the app; else send nothing."""

    def name(self) -> Text:
        return "action_submit_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        number, problem = check_member(tracker)
        if problem is not None:
            say(dispatcher, problem)
            return cleared()
        kind = tracker.get_slot("change_kind")
        if tracker.get_slot("change_confirmed") != "yes" or kind not in changes.FIELDS:
            dispatcher.utter_message(response="utter_change_not_sent")
            return cleared()
        value = changes.new_value(kind, {f: tracker.get_slot(f) for f in changes.FIELDS[kind]})
        try:
            reply, public_id = changes.request_approval(number, kind, value)
        except SQLAlchemyError:
            logger.exception("member store unavailable while storing an approval request")
            say(dispatcher, Reply("utter_store_unavailable"))
            return cleared()
        say(dispatcher, reply)
        return [*cleared(), SlotSet("approval_id", public_id)]


@off_loop
class ActionCheckApproval(Action):
    """ "erledigt" / "Status?": reads the member's request; never approves it."""

    def name(self) -> Text:
        return "action_check_approval"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        number, problem = check_member(tracker)
        if problem is not None:
            say(dispatcher, problem)
            return []
        try:
            say(dispatcher, changes.approval_status(number, tracker.get_slot("approval_id")))
        except SQLAlchemyError:
            logger.exception("member store unavailable while reading an approval request")
            say(dispatcher, Reply("utter_store_unavailable"))
        return []


@off_loop
class ActionCancelChange(Action):
    def name(self) -> Text:
        return "action_cancel_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_change_not_sent")
        return cleared()
