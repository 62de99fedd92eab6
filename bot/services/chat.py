"""The member store as the chat uses it: one session (one transaction) per step.

Each function opens its own session, so an action run never shares one, and
returns plain values that the Rasa actions turn into responses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from bot.config import load_settings
from bot.sessions import SOURCE_KEY  # noqa: F401 - the metadata key the actions read the source from
from bot.services import identification, letters, registration, twofa
from bot.store import session_scope
from bot.store.models import LetterKind, RegistrationMethod


class Status(str, enum.Enum):
    """Where an identification left a task (slot ``ident_status``)."""

    IDENTIFIED = "identified"
    #: Identification refused (locked, delayed or throttled): the validator said why.
    REFUSED = "refused"
    ALREADY_REGISTERED = "already_registered"
    LETTER_PENDING = "letter_pending"
    UNAVAILABLE = "unavailable"
    #: The member left the task ("doch nicht", "abbrechen"): nothing done.
    LEFT = "left"
    #: The member asked for another task, which starts next (slot ``next_task``).
    SWITCHED = "switched"


#: Statuses that end a task early: nothing more to ask.
FINAL_STATUSES = frozenset({Status.REFUSED, Status.ALREADY_REGISTERED, Status.LETTER_PENDING, Status.UNAVAILABLE,
                            Status.LEFT, Status.SWITCHED})


@dataclass(frozen=True)
class Reply:
    """What to tell the member: a domain response and its variables."""

    response: str
    variables: dict = field(default_factory=dict)


def _date(value: Optional[datetime]) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


@dataclass(frozen=True)
class IdentifyStep:
    status: Optional[Status]
    member_id: Optional[int] = None
    #: What to say at once (a refused identification).
    reply: Optional[Reply] = None


def refusal_reply(result: identification.Identification) -> Reply:
    """The reply to a refused identification: the same for every number."""
    settings = load_settings()
    if result.outcome == identification.Outcome.LOCKED:
        return Reply("utter_ident_locked", {"lock_hours": str(settings.ident_lock_hours)})
    if result.outcome == identification.Outcome.DELAYED:
        minutes = result.wait_minutes
        return Reply("utter_ident_delayed", {"wait": "1 Minute" if minutes == 1 else f"{minutes} Minuten"})
    return Reply("utter_ident_throttled")


def identify(insurance_number: str, postcode: str, conversation_id: str, for_registration: bool = False,
             source: Optional[str] = None) -> IdentifyStep:
    """Identify a member; ``status`` is ``None`` when number and PLZ do not match (ask again).

    ``source`` is the keyed hash of the client address that the channel put
    into the message's metadata.
    """
    with session_scope() as session:
        result = identification.identify(session, insurance_number, postcode, conversation_id, source=source)
        if result.outcome in (identification.Outcome.LOCKED, identification.Outcome.DELAYED,
                              identification.Outcome.THROTTLED):
            return IdentifyStep(Status.REFUSED, reply=refusal_reply(result))
        if result.outcome == identification.Outcome.MISMATCH:
            return IdentifyStep(None)
        if for_registration:
            blocked = registration.status(session, result.member_id)
            if blocked is not None and blocked.outcome == registration.RegistrationOutcome.ALREADY_REGISTERED:
                return IdentifyStep(Status.ALREADY_REGISTERED, result.member_id)
            if blocked is not None:
                return IdentifyStep(Status.LETTER_PENDING, result.member_id)
        return IdentifyStep(Status.IDENTIFIED, result.member_id)


def finish_registration(member_id: int, method: str, email: Optional[str], phone: Optional[str]) -> Reply:
    """Register the identified member by video-ident or letter."""
    with session_scope() as session:
        result = registration.register(session, member_id, RegistrationMethod(method), email=email, phone=phone)
    outcome = registration.RegistrationOutcome
    if result.outcome == outcome.LETTER_ORDERED:
        return Reply("utter_registration_letter_ordered", {"reference": result.reference})
    if result.outcome == outcome.VIDEO_NEXT:
        return Reply("utter_registration_video_next")
    if result.outcome == outcome.ALREADY_REGISTERED:
        return Reply("utter_already_registered")
    if result.outcome == outcome.ADDRESS_HOLD:
        return Reply("utter_letter_address_hold", {"hold_days": str(load_settings().letter_hold_after_address_change_days)})
    return Reply("utter_registration_letter_pending", {"since": _date(result.since)})


def _letter_reply(result: letters.LetterResult, prefix: str) -> Reply:
    outcome = letters.OrderOutcome
    if result.outcome == outcome.ORDERED:
        return Reply(f"utter_{prefix}_ordered", {"reference": result.reference})
    if result.outcome == outcome.ALREADY_ON_ITS_WAY:
        # Named after the letter that is on its way, which may be of the other kind.
        on_its_way = "password_letter" if result.kind == LetterKind.NEW_PASSWORD else "resend"
        return Reply(f"utter_{on_its_way}_on_its_way", {"ordered_on": _date(result.ordered_at), "reference": result.reference})
    if result.outcome == outcome.LIMIT_REACHED:
        return Reply("utter_resend_limit")
    if result.outcome == outcome.ADDRESS_HOLD:
        return Reply("utter_letter_address_hold", {"hold_days": str(load_settings().letter_hold_after_address_change_days)})
    return Reply("utter_not_registered_yet")


def resend_letter(member_id: int) -> Reply:
    """Order the access letter again (or say why not)."""
    with session_scope() as session:
        return _letter_reply(letters.order_resend(session, member_id), "resend")


def letter_refusal(member_id: int, kind: LetterKind) -> Optional[Reply]:
    """Why a letter of ``kind`` would not be ordered now (the reply the member would get), or ``None``."""
    with session_scope() as session:
        refused = letters.refusal(session, member_id, kind)
    return None if refused is None else _letter_reply(refused, "resend" if kind == LetterKind.RESEND else "password_letter")


def new_password_letter(member_id: int) -> Reply:
    """Order a new password by letter (or say why not)."""
    with session_scope() as session:
        return _letter_reply(letters.order_new_password(session, member_id), "password_letter")


def activation_advice(member_id: int) -> Reply:
    """How this member activates 2FA."""
    with session_scope() as session:
        advice = twofa.activation_advice(session, member_id)
    route = twofa.ActivationRoute
    if advice.route == route.QR_CODE:
        return Reply("utter_twofa_qr_code_valid", {"last_valid_day": f"{advice.last_valid_day:%d.%m.%Y}"})
    if advice.route == route.HEALTH_CARD:
        return Reply("utter_twofa_health_card")
    if advice.route == route.ALREADY_ACTIVE:
        return Reply("utter_twofa_already_active")
    return Reply("utter_not_registered_yet")


def pin_reset_guide(member_id: int) -> Reply:
    """The member's personal steps to a new Freigabe-PIN."""
    with session_scope() as session:
        advice = twofa.pin_reset_advice(session, member_id)
    route = twofa.PinResetRoute
    if advice.route == route.QR_CODE:
        return Reply("utter_pin_reset_qr_code", {"last_valid_day": f"{advice.last_valid_day:%d.%m.%Y}"})
    if advice.route == route.HEALTH_CARD:
        return Reply("utter_pin_reset_health_card")
    if advice.route == route.NO_DEVICE:
        return Reply("utter_pin_reset_no_device")
    return Reply("utter_not_registered_yet")


def status_reply(status: Status) -> Optional[Reply]:
    """The reply for a task that ended at identification (``None``: it was said already)."""
    return {
        Status.REFUSED: None,
        Status.ALREADY_REGISTERED: Reply("utter_already_registered"),
        Status.LETTER_PENDING: Reply("utter_registration_letter_pending_short"),
        Status.UNAVAILABLE: Reply("utter_store_unavailable"),
        Status.LEFT: Reply("utter_task_cancelled"),
        Status.SWITCHED: Reply("utter_task_switched"),
    }[status]
