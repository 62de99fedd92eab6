"""Data changes in the chat, as the Rasa actions use them (one session per step).

A change needs a verified session (:mod:`bot.sessions`) and a member with a
2FA device; it becomes an approval request that only the app can approve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, Optional

from bot import sessions, validation
from bot.config import load_settings
from bot.services import approvals
from bot.services.chat import Reply
from bot.store import session_scope
from bot.store.models import ApprovalStatus, ChangeKind

#: The questions of each kind of change, in order (slot names of change_form).
FIELDS: dict[str, tuple[str, ...]] = {
    "address": ("new_street", "new_house_number", "new_postcode", "new_city"),
    "email": ("new_email",),
    "phone": ("new_phone",),
    "iban": ("new_iban",),
}
ALL_FIELDS = tuple(dict.fromkeys(f for fields in FIELDS.values() for f in fields))

#: How each field is checked.
CHECKS = {
    "new_street": validation.check_street,
    "new_house_number": validation.check_house_number,
    "new_postcode": validation.check_postcode,
    "new_city": validation.check_city,
    "new_email": validation.check_email,
    "new_phone": validation.check_phone,
    "new_iban": validation.check_iban,
}

KIND_NAMES = {"address": "Adresse", "email": "E-Mail-Adresse", "phone": "Telefonnummer", "iban": "Bankverbindung"}


def session_problem_reply(session: sessions.MemberSession) -> Optional[Reply]:
    """Why a data change cannot go on in this session, or ``None`` if it can."""
    if session.ok:
        return None
    if session.problem == sessions.SessionProblem.UNAVAILABLE:
        return Reply("utter_store_unavailable")
    return Reply(f"utter_session_{session.problem.value}")


def check_member(metadata: Optional[Mapping[str, Any]], conversation_id: str) -> tuple[Optional[str], Optional[Reply]]:
    """The session's Versichertennummer if a change may go on, else the reply that says why not."""
    session = sessions.from_metadata(metadata, conversation_id)
    problem = session_problem_reply(session)
    if problem is not None:
        return None, problem
    with session_scope() as db:
        member = approvals.member_by_number(db, session.insurance_number)
        if member is None:
            return None, Reply("utter_session_invalid")
        if member.twofa_device_at is None:
            return None, Reply("utter_twofa_required")
    return session.insurance_number, None


def new_value(kind: str, slots: Mapping[str, Any]) -> dict:
    """The new value of a change from the form's slots."""
    return {field.removeprefix("new_"): slots[field] for field in FIELDS[kind]}


def summary(kind: str, value: Mapping[str, str]) -> str:
    """One line for the confirmation question."""
    if kind == "address":
        return f"neue Adresse: {value['street']} {value['house_number']}, {value['postcode']} {value['city']}"
    label = {"email": "neue E-Mail-Adresse", "phone": "neue Telefonnummer", "iban": "neue IBAN"}[kind]
    return f"{label}: {value[kind]}"


def _window_text(seconds: int) -> str:
    minutes, rest = divmod(max(0, seconds), 60)
    if minutes and rest:
        return f"{minutes} Minuten und {rest} Sekunden" if minutes != 1 else f"1 Minute und {rest} Sekunden"
    if minutes:
        return f"{minutes} Minuten" if minutes != 1 else "1 Minute"
    return f"{rest} Sekunden"


def request_approval(insurance_number: str, kind: str, value: dict) -> tuple[Reply, Optional[str]]:
    """Store the approval request; the reply tells the member what to do in the app."""
    with session_scope() as db:
        created = approvals.create(db, insurance_number, ChangeKind(kind), value)
    if created.outcome == approvals.CreateOutcome.NO_DEVICE:
        return Reply("utter_twofa_required"), None
    if created.outcome == approvals.CreateOutcome.UNKNOWN_MEMBER:
        return Reply("utter_session_invalid"), None
    if created.outcome == approvals.CreateOutcome.RATE_LIMITED:
        return Reply("utter_approval_rate_limited"), None
    left = int((created.expires_at - datetime.utcnow()).total_seconds())
    window = _window_text(left if created.outcome == approvals.CreateOutcome.ALREADY_PENDING
                          else load_settings().approval_window_seconds)
    return Reply("utter_approval_requested", {"window": window}), created.public_id


def approval_status(insurance_number: str, public_id: Optional[str]) -> Reply:
    """What became of the member's (latest) request."""
    with session_scope() as db:
        state = approvals.state(db, insurance_number, public_id)
    if state is None:
        return Reply("utter_approval_none")
    if state.status == ApprovalStatus.PENDING:
        return Reply("utter_approval_pending", {"time_left": _window_text(state.seconds_left)})
    return Reply(f"utter_approval_{state.status.value}", {"kind_name": KIND_NAMES[state.kind.value]})
