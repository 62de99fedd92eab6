"""Guided tasks: registration, access-letter resend, new password by letter, 2FA activation, PIN reset.

Each task is a form (domain.yml) that asks Versichertennummer and PLZ, then
its own extra questions; the validators below check what the member typed
with :mod:`bot.validation` and identify with :mod:`bot.services.chat`; the
submit actions do the task and clear every identifying slot.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot import validation
from bot.services import chat
from bot.services.chat import Reply, Status

logger = logging.getLogger(__name__)

#: Slots that identify a member: cleared whenever a task ends.
IDENTIFYING_SLOTS = ("insurance_number", "postcode", "email", "phone", "ident_method", "member_id", "ident_status")
SKIPPED = "skipped"


def say(dispatcher: CollectingDispatcher, reply: Optional[Reply]) -> None:
    if reply is not None:
        dispatcher.utter_message(response=reply.response, **reply.variables)


def latest_metadata(tracker: Tracker) -> Dict[Text, Any]:
    """The metadata of the member's latest message, as the channel set it (session ref, source)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def cleared() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in IDENTIFYING_SLOTS]


def answered_faq_instead(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """If the member asked an FAQ question instead of answering, answer it (the form then asks again)."""
    message = tracker.latest_message or {}
    if (message.get("intent") or {}).get("name") != "faq":
        return False
    selected = ((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    response = selected.get("utter_action")
    if not response:
        return False
    dispatcher.utter_message(response=response)
    return True


class IdentifyingFormValidator(FormValidationAction, ABC):
    """Versichertennummer and PLZ, then identification; subclasses name the form."""

    for_registration = False

    @abstractmethod
    def name(self) -> Text:
        """``validate_<form>``."""

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("ident_status") in {s.value for s in chat.FINAL_STATUSES}:
            return []
        return domain_slots

    def _invalid(self, dispatcher: CollectingDispatcher, tracker: Tracker, checked: validation.Invalid) -> None:
        if not answered_faq_instead(dispatcher, tracker):
            dispatcher.utter_message(response=checked.response)

    def validate_insurance_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        checked = validation.check_insurance_number(str(value or ""))
        if not checked.ok:
            self._invalid(dispatcher, tracker, checked)
            return {"insurance_number": None}
        return {"insurance_number": checked.value}

    def validate_postcode(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[Text, Any]:
        checked = validation.check_postcode(str(value or ""))
        if not checked.ok:
            self._invalid(dispatcher, tracker, checked)
            return {"postcode": None}
        number = tracker.get_slot("insurance_number")
        if not number:
            return {"postcode": checked.value}
        try:
            step = chat.identify(number, checked.value, tracker.sender_id, for_registration=self.for_registration,
                                 source=latest_metadata(tracker).get(chat.SOURCE_KEY))
        except SQLAlchemyError:
            logger.exception("member store unavailable during identification")
            return {"postcode": checked.value, "ident_status": Status.UNAVAILABLE.value}
        if step.status is None:
            dispatcher.utter_message(response="utter_ident_mismatch")
            return {"insurance_number": None, "postcode": None}
        say(dispatcher, step.reply)
        return {"postcode": checked.value, "member_id": step.member_id, "ident_status": step.status.value}


class ValidateRegistrationForm(IdentifyingFormValidator):
    for_registration = True

    def name(self) -> Text:
        return "validate_registration_form"

    def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> Dict[Text, Any]:
        if validation.is_skip(str(value or "")):
            return {"email": SKIPPED}
        checked = validation.check_email(str(value or ""))
        if not checked.ok:
            self._invalid(dispatcher, tracker, checked)
            return {"email": None}
        return {"email": checked.value}

    def validate_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> Dict[Text, Any]:
        if validation.is_skip(str(value or "")):
            return {"phone": SKIPPED}
        checked = validation.check_phone(str(value or ""))
        if not checked.ok:
            self._invalid(dispatcher, tracker, checked)
            return {"phone": None}
        return {"phone": checked.value}

    def validate_ident_method(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        method = validation.parse_ident_method(str(value or ""))
        if method is None and not answered_faq_instead(dispatcher, tracker):
            dispatcher.utter_message(response="utter_invalid_ident_method")
        return {"ident_method": method}


class ValidateResendForm(IdentifyingFormValidator):
    def name(self) -> Text:
        return "validate_resend_form"


class ValidatePasswordLetterForm(IdentifyingFormValidator):
    def name(self) -> Text:
        return "validate_password_letter_form"


class ValidateTwofaForm(IdentifyingFormValidator):
    def name(self) -> Text:
        return "validate_twofa_form"


class ValidatePinResetForm(IdentifyingFormValidator):
    def name(self) -> Text:
        return "validate_pin_reset_form"


class SubmitAction(Action, ABC):
    """Ends a task: says the result (or why it stopped) and clears the identifying slots."""

    @abstractmethod
    def name(self) -> Text:
        """``action_submit_<task>``."""

    @abstractmethod
    def result(self, member_id: int, tracker: Tracker) -> Reply:
        """Do the task for the identified member."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        status = tracker.get_slot("ident_status")
        member_id = tracker.get_slot("member_id")
        try:
            if status == Status.IDENTIFIED.value and member_id is not None:
                reply = self.result(int(member_id), tracker)
            else:
                reply = chat.status_reply(Status(status) if status else Status.UNAVAILABLE)
        except SQLAlchemyError:
            logger.exception("member store unavailable in %s", self.name())
            reply = chat.status_reply(Status.UNAVAILABLE)
        say(dispatcher, reply)
        return cleared()


def _optional(value: Optional[str]) -> Optional[str]:
    return None if value in (None, SKIPPED) else value


class ActionSubmitRegistration(SubmitAction):
    def name(self) -> Text:
        return "action_submit_registration"

    def result(self, member_id: int, tracker: Tracker) -> Reply:
        return chat.finish_registration(member_id, tracker.get_slot("ident_method"),
                                        _optional(tracker.get_slot("email")), _optional(tracker.get_slot("phone")))


class ActionSubmitResend(SubmitAction):
    def name(self) -> Text:
        return "action_submit_resend"

    def result(self, member_id: int, tracker: Tracker) -> Reply:
        return chat.resend_letter(member_id)


class ActionSubmitPasswordLetter(SubmitAction):
    def name(self) -> Text:
        return "action_submit_password_letter"

    def result(self, member_id: int, tracker: Tracker) -> Reply:
        return chat.new_password_letter(member_id)


class ActionSubmitTwofa(SubmitAction):
    def name(self) -> Text:
        return "action_submit_twofa"

    def result(self, member_id: int, tracker: Tracker) -> Reply:
        return chat.activation_advice(member_id)


class ActionSubmitPinReset(SubmitAction):
    def name(self) -> Text:
        return "action_submit_pin_reset"

    def result(self, member_id: int, tracker: Tracker) -> Reply:
        return chat.pin_reset_guide(member_id)


class ActionCancelTask(Action):
    """The member left a task ("abbrechen"): confirm and forget what they typed."""

    def name(self) -> Text:
        return "action_cancel_task"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_task_cancelled")
        return cleared()
