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
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.faq import recent_bot_responses
from actions.offloop import off_loop
from bot import followups, repair, requests, validation
from bot.services import chat
from bot.services.chat import Reply, Status
from bot.store.models import LetterKind

logger = logging.getLogger(__name__)

#: How many turns back an unsure question inside a task looks for its context: the task's first questions and the
#: "Möchten Sie das hier tun?" before them set none, the answer before them does.
CONTEXT_TURNS = 6

#: Slots that identify a member or hold a task's progress: cleared whenever a task ends.
IDENTIFYING_SLOTS = ("insurance_number", "postcode", "email", "phone", "ident_method", "member_id", "ident_status",
                     "letter_confirmed", "ident_retry_number", "ident_retry", "next_task")
SKIPPED = repair.SKIPPED


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
    intent = (message.get("intent") or {}).get("name")
    if intent not in repair.FAQ_INTENTS or validation.looks_like_data(message.get("text") or ""):
        return False  # a mistyped number or IBAN is not an FAQ question
    if intent == "follow_up":
        # "wie lange dauert das, bis er da ist?" before the letter is confirmed: read against the task's last
        # messages; else the topic the selector is sure of, or the message's own reply
        response = followups.standing_answer(message) \
            or followups.resolve(message.get("text") or "", recent_bot_responses(tracker)) \
            or followups.without_context(message)
        if response is None:
            return False
        dispatcher.utter_message(response=response)
        return True
    selected = ((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    response = selected.get("utter_action")
    # the task's question is the context, also of a longer message: "wo finde ich die Nummer überhaupt?" at the
    # Versichertennummer, "Komisch, die Nummer steht genau so auf meiner Karte ..." after a failed identification
    response = followups.resolve(message.get("text") or "", recent_bot_responses(tracker)) or response
    if not response:
        return False
    if intent == "faq_upset":
        dispatcher.utter_message(response="utter_frustration_brief")
    dispatcher.utter_message(response=response)
    return True


def decide(slot: Text, tracker: Tracker, form: Text) -> repair.Decision:
    """The member's latest message, read as an answer to ``slot`` (bot.repair)."""
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    ranking = {str(e.get("name")): float(e.get("confidence") or 0.0) for e in message.get("intent_ranking") or []}
    return repair.interpret(slot, message.get("text") or "", intent.get("name") or "",
                            float(intent.get("confidence") or 0.0), form, tracker.get_slot("ident_retry_number"),
                            ranking)


@off_loop
class IdentifyingFormValidator(FormValidationAction, ABC):
    """Versichertennummer and PLZ, then identification; subclasses name the form.

    Every slot goes through :func:`bot.repair.interpret`: answers with extra
    words, a corrected PLZ only, leaving, switching to another task, questions
    and other messages in between.
    """

    for_registration = False
    #: The letter this task orders; it is ordered only after the member confirmed it (slot letter_confirmed).
    letter_kind: Optional[LetterKind] = None

    @abstractmethod
    def name(self) -> Text:
        """``validate_<form>``."""

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("ident_status") in {s.value for s in chat.FINAL_STATUSES}:
            return []
        if "letter_confirmed" in domain_slots and not self.asks_confirmation(tracker):
            return [slot for slot in domain_slots if slot != "letter_confirmed"]
        return domain_slots

    def asks_confirmation(self, tracker: Tracker) -> bool:
        """A letter would be ordered: ask first. Not when it would be refused anyway (the member hears why)."""
        member_id = tracker.get_slot("member_id")
        if tracker.get_slot("ident_status") != Status.IDENTIFIED.value or member_id is None or self.letter_kind is None:
            return False
        try:
            return chat.letter_refusal(int(member_id), self.letter_kind) is None
        except SQLAlchemyError:
            logger.exception("member store unavailable before a letter confirmation")
            return True  # ask; the order itself then reports the outage

    def carry_out(self, slot: Text, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        """Do what the member's message means for ``slot``."""
        decision = decide(slot, tracker, self.form_name())
        if decision.action == repair.FILL:
            values: Dict[Text, Any] = dict(decision.values)
            if slot in ("insurance_number", "postcode"):
                number = values.get("insurance_number") or tracker.get_slot("insurance_number")
                if number and values.get("postcode"):
                    return self.identify(number, values["postcode"], dispatcher, tracker)
            return values
        if decision.action == repair.SKIP:
            return {slot: SKIPPED, **decision.values}
        if decision.action in (repair.YES, repair.NO):
            return {slot: decision.action == repair.YES}
        if decision.action == repair.LEAVE:
            return {slot: None, "ident_status": Status.LEFT.value}
        if decision.action == repair.SWITCH:
            return {slot: None, "ident_status": Status.SWITCHED.value, "next_task": decision.form}
        text = (tracker.latest_message or {}).get("text") or ""
        context = followups.resolve(text, recent_bot_responses(tracker, turns=CONTEXT_TURNS)) \
            if decision.action == repair.SAY and decision.response in repair.NOT_AN_ANSWER \
            and followups.is_short(text) else None
        if context is not None:
            # "die Nummer stimmt aber!" right after a failed identification: read against the task's last message
            dispatcher.utter_message(response=context)
            dispatcher.utter_message(response="utter_task_resume")
            return {slot: None}
        if decision.action == repair.FAQ:
            recent = recent_bot_responses(tracker, turns=CONTEXT_TURNS)
            intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
            first = followups.first_answer(text, recent, intent)
            if first is not None:
                # "telefonnummer?" right after a failed identification: the hotline, not the phone number's format
                dispatcher.utter_message(response=first)
            elif not answered_faq_instead(dispatcher, tracker):
                # unsure alone, clear after what came before the task ("muss ich 2fa dann neu machen" in the
                # new-password task right after the answer on a new password by post)
                context = followups.resolve(text, recent)
                if context is None:
                    dispatcher.utter_message(response="utter_task_unclear")
                    return {slot: None}
                dispatcher.utter_message(response=context)
        else:
            dispatcher.utter_message(response=decision.response)
        if decision.resume:
            dispatcher.utter_message(response="utter_task_resume")
        return {slot: None}

    def identify(self, number: str, postcode: str, dispatcher: CollectingDispatcher,
                 tracker: Tracker) -> Dict[Text, Any]:
        try:
            step = chat.identify(number, postcode, tracker.sender_id, for_registration=self.for_registration,
                                 source=latest_metadata(tracker).get(chat.SOURCE_KEY))
        except SQLAlchemyError:
            logger.exception("member store unavailable during identification")
            return {"insurance_number": number, "postcode": postcode, "ident_status": Status.UNAVAILABLE.value}
        if step.status is None:
            # The same reply for an unknown number and a wrong PLZ; the number is kept so that a
            # corrected PLZ alone is enough for the next try.
            dispatcher.utter_message(response="utter_ident_mismatch")
            return {"insurance_number": None, "postcode": None, "ident_retry_number": number, "ident_retry": True}
        say(dispatcher, step.reply)
        return {"insurance_number": number, "postcode": postcode, "member_id": step.member_id,
                "ident_status": step.status.value, "ident_retry_number": None, "ident_retry": None}

    async def extract_insurance_number(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        """The message that starts the task may carry the number ("Registrierung A123456780"): it is read as
        the answer to the first question (validate_insurance_number), so the member need not type it again."""
        if tracker.get_slot("requested_slot") is not None or tracker.get_slot("insurance_number") is not None:
            return {}
        answer_first = (tracker.latest_message or {}).get(requests.ANSWER_FIRST)
        if answer_first:  # the question at the end of the request, answered before the task's first question
            dispatcher.utter_message(response=answer_first)
        text = (tracker.latest_message or {}).get("text") or ""
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if repair.TASK_FORMS.get(intent or "") != self.form_name() or requests.task_with_number(text) is None:
            return {}
        return {"insurance_number": text}

    def validate_insurance_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        return self.carry_out("insurance_number", dispatcher, tracker)

    def validate_postcode(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[Text, Any]:
        return self.carry_out("postcode", dispatcher, tracker)

    def validate_letter_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        return self.carry_out("letter_confirmed", dispatcher, tracker)


class ValidateRegistrationForm(IdentifyingFormValidator):
    for_registration = True
    letter_kind = LetterKind.REGISTRATION

    def name(self) -> Text:
        return "validate_registration_form"

    def asks_confirmation(self, tracker: Tracker) -> bool:
        return tracker.get_slot("ident_method") == "letter"

    async def extract_ident_method(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        """The message that starts the registration may name the method ("hi, registrieren per brief"): it is
        read as the answer to the method question (validate_ident_method), which is then not asked."""
        if tracker.get_slot("requested_slot") is not None or tracker.get_slot("ident_method") is not None:
            return {}
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        intent = (message.get("intent") or {}).get("name")
        if repair.TASK_FORMS.get(intent or "") != self.form_name() or validation.method_named_with_task(text) is None:
            return {}
        return {"ident_method": text}

    def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> Dict[Text, Any]:
        return self.carry_out("email", dispatcher, tracker)

    def validate_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> Dict[Text, Any]:
        return self.carry_out("phone", dispatcher, tracker)

    def validate_ident_method(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        return self.carry_out("ident_method", dispatcher, tracker)


class ValidateResendForm(IdentifyingFormValidator):
    letter_kind = LetterKind.RESEND

    def name(self) -> Text:
        return "validate_resend_form"


class ValidatePasswordLetterForm(IdentifyingFormValidator):
    letter_kind = LetterKind.NEW_PASSWORD

    def name(self) -> Text:
        return "validate_password_letter_form"


class ValidateTwofaForm(IdentifyingFormValidator):
    def name(self) -> Text:
        return "validate_twofa_form"


class ValidatePinResetForm(IdentifyingFormValidator):
    def name(self) -> Text:
        return "validate_pin_reset_form"


@off_loop
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
        next_task = tracker.get_slot("next_task")
        if status == Status.SWITCHED.value and next_task in repair.TASK_FORMS.values():
            return [*cleared(), FollowupAction(next_task)]
        return cleared()


def _optional(value: Optional[str]) -> Optional[str]:
    return None if value in (None, SKIPPED) else value


class ActionSubmitRegistration(SubmitAction):
    def name(self) -> Text:
        return "action_submit_registration"

    def result(self, member_id: int, tracker: Tracker) -> Reply:
        if tracker.get_slot("ident_method") == "letter" and tracker.get_slot("letter_confirmed") is not True:
            return Reply("utter_letter_not_ordered")
        return chat.finish_registration(member_id, tracker.get_slot("ident_method"),
                                        _optional(tracker.get_slot("email")), _optional(tracker.get_slot("phone")))


class ActionSubmitResend(SubmitAction):
    def name(self) -> Text:
        return "action_submit_resend"

    def result(self, member_id: int, tracker: Tracker) -> Reply:
        if tracker.get_slot("letter_confirmed") is not True:  # not confirmed: nothing is ordered
            return chat.letter_refusal(member_id, LetterKind.RESEND) or Reply("utter_letter_not_ordered")
        return chat.resend_letter(member_id)


class ActionSubmitPasswordLetter(SubmitAction):
    def name(self) -> Text:
        return "action_submit_password_letter"

    def result(self, member_id: int, tracker: Tracker) -> Reply:
        if tracker.get_slot("letter_confirmed") is not True:  # not confirmed: nothing is ordered
            return chat.letter_refusal(member_id, LetterKind.NEW_PASSWORD) or Reply("utter_letter_not_ordered")
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
