"""Registration for the Online-Filiale: contact data, then video-ident (NECT) or letter."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from bot.services import audit
from bot.services.letters import add_order, lock_member
from bot.store.models import LetterKind, RegistrationMethod, RegistrationState


class RegistrationOutcome(str, enum.Enum):
    #: Video-ident chosen: contact data saved, the member continues in the NECT app.
    VIDEO_NEXT = "video_next"
    #: Letter chosen: the registration letter is ordered.
    LETTER_ORDERED = "letter_ordered"
    #: Registered before: the member should reset the password instead.
    ALREADY_REGISTERED = "already_registered"
    #: A registration letter was sent before and is not used yet.
    LETTER_PENDING = "letter_pending"


@dataclass(frozen=True)
class RegistrationResult:
    outcome: RegistrationOutcome
    reference: Optional[str] = None
    since: Optional[datetime] = None


def status(session: Session, member_id: int) -> RegistrationResult | None:
    """Why this member cannot register again, or ``None`` if they can."""
    member = lock_member(session, member_id)
    if member.state == RegistrationState.ACTIVE:
        return RegistrationResult(RegistrationOutcome.ALREADY_REGISTERED, since=member.activated_at)
    if member.state == RegistrationState.LETTER_SENT:
        return RegistrationResult(RegistrationOutcome.LETTER_PENDING, since=member.registered_at)
    return None


def register(session: Session, member_id: int, method: RegistrationMethod, email: Optional[str] = None,
             phone: Optional[str] = None, actor: str = "chat", now: Optional[datetime] = None) -> RegistrationResult:
    """Register a member who has not registered yet (one transaction; repeat-safe)."""
    now = now or datetime.utcnow()
    blocked = status(session, member_id)
    if blocked is not None:
        return blocked
    member = lock_member(session, member_id)
    if email:
        member.email = email
    if phone:
        member.phone = phone
    if method == RegistrationMethod.VIDEO:
        audit.record(session, actor, "registration_video_started", member_id=member.id, now=now)
        return RegistrationResult(RegistrationOutcome.VIDEO_NEXT)
    member.state = RegistrationState.LETTER_SENT
    member.registration_method = RegistrationMethod.LETTER
    member.registered_at = now
    order = add_order(session, member, LetterKind.REGISTRATION, now, actor)
    return RegistrationResult(RegistrationOutcome.LETTER_ORDERED, order.reference, now)
