"""Registration for the Online-Filiale: contact data, then video-ident (NECT) or letter.

What a not-yet-identified person types during registration is *unverified*:
it is kept on the member's :class:`~bot.store.models.Registration`, never on
the member. :func:`complete` makes it the member's data once the identity is
proven (NECT reports a completed video-ident, or the access data from the
letter are used), and even then it only fills fields that are empty: contact
data already on file is never overwritten by a registration.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.privacy import mask_email, mask_phone
from bot.services import audit
from bot.services.letters import address_hold, add_order, lock_member
from bot.store.models import (LetterKind, Member, Registration, RegistrationMethod, RegistrationState,
                              RegistrationStatus)


class RegistrationOutcome(str, enum.Enum):
    #: Video-ident chosen: the member continues in the NECT app.
    VIDEO_NEXT = "video_next"
    #: Letter chosen: the registration letter is ordered.
    LETTER_ORDERED = "letter_ordered"
    #: Registered before: the member should reset the password instead.
    ALREADY_REGISTERED = "already_registered"
    #: A registration letter was sent before and is not used yet.
    LETTER_PENDING = "letter_pending"
    #: The address changed recently: no letter with access data goes there; the hotline helps.
    ADDRESS_HOLD = "address_hold"


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


def pending(session: Session, member_id: int) -> Optional[Registration]:
    """The member's registration (pending or completed), if one was started."""
    return session.execute(select(Registration).where(Registration.member_id == member_id)).scalar_one_or_none()


def _describe(email: Optional[str], phone: Optional[str]) -> str:
    return f"email={mask_email(email) if email else '-'} phone={mask_phone(phone) if phone else '-'}"


def _keep_unverified(session: Session, member: Member, method: RegistrationMethod, email: Optional[str],
                     phone: Optional[str], actor: str, now: datetime) -> None:
    """One pending registration per member: a new start replaces the unverified values (audited, masked)."""
    registration = pending(session, member.id)
    replaced = registration is not None
    if registration is None:
        registration = Registration(member_id=member.id)
        session.add(registration)
    registration.method = method
    registration.status = RegistrationStatus.PENDING
    registration.unverified_email = email
    registration.unverified_phone = phone
    registration.started_at = now
    registration.completed_at = None
    action = "registration_restarted" if replaced else "registration_started"
    audit.record(session, actor, f"{action}:{method.value}", member_id=member.id, detail=_describe(email, phone), now=now)


def register(session: Session, member_id: int, method: RegistrationMethod, email: Optional[str] = None,
             phone: Optional[str] = None, actor: str = "chat", now: Optional[datetime] = None) -> RegistrationResult:
    """Start the registration of a member who has not registered yet (one transaction; repeat-safe).

    The member record is not touched for the video-ident; for the letter only
    its registration state changes. Whatever contact data the member has on
    file, the work and the result are the same.
    """
    now = now or datetime.utcnow()
    blocked = status(session, member_id)
    if blocked is not None:
        return blocked
    member = lock_member(session, member_id)
    if method == RegistrationMethod.LETTER and address_hold(session, member.id, now) is not None:
        return RegistrationResult(RegistrationOutcome.ADDRESS_HOLD)
    _keep_unverified(session, member, method, email, phone, actor, now)
    if method == RegistrationMethod.VIDEO:
        return RegistrationResult(RegistrationOutcome.VIDEO_NEXT)
    member.state = RegistrationState.LETTER_SENT
    member.registration_method = RegistrationMethod.LETTER
    member.registered_at = now
    order = add_order(session, member, LetterKind.REGISTRATION, now, actor)
    return RegistrationResult(RegistrationOutcome.LETTER_ORDERED, order.reference, now)


class CompletionOutcome(str, enum.Enum):
    COMPLETED = "completed"
    #: Nothing was started, or it was completed before: nothing changes.
    NOTHING_PENDING = "nothing_pending"


def complete(session: Session, member_id: int, method: RegistrationMethod, actor: str,
             now: Optional[datetime] = None) -> CompletionOutcome:
    """The identity is proven: activate the member and take over the unverified contact data.

    Called when NECT reports a completed video-ident (``method`` video) or the
    access data from the letter are used for the first time (``method`` letter);
    both happen outside this project. A field already on file stays as it is.
    """
    now = now or datetime.utcnow()
    member = lock_member(session, member_id)
    registration = pending(session, member_id)
    if registration is None or registration.status != RegistrationStatus.PENDING or registration.method != method:
        return CompletionOutcome.NOTHING_PENDING
    taken = []
    if registration.unverified_email and not member.email:
        member.email = registration.unverified_email
        taken.append("email")
    if registration.unverified_phone and not member.phone:
        member.phone = registration.unverified_phone
        taken.append("phone")
    member.state = RegistrationState.ACTIVE
    member.registration_method = method
    member.registered_at = member.registered_at or now
    member.activated_at = now
    registration.status = RegistrationStatus.COMPLETED
    registration.completed_at = now
    registration.unverified_email = None
    registration.unverified_phone = None
    audit.record(session, actor, f"registration_completed:{method.value}", member_id=member_id,
                 detail=f"taken over: {', '.join(taken) or 'nothing'}", now=now)
    return CompletionOutcome.COMPLETED
