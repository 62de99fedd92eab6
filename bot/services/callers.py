"""What a hotline agent may see of a caller and do on their behalf: masked, audited, same rules as the chat."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings, load_settings
from bot.privacy import keyed_hash, mask_insurance_number
from bot.services import approvals, audit, identification, letters
from bot.store.models import IdentificationAttempt, LetterOrder, Member

STATE_NAMES = {"unregistered": "nicht registriert", "letter_sent": "Registrierung per Brief, noch nicht aktiviert",
               "active": "registriert und aktiv"}
LETTER_NAMES = {"registration": "Registrierungsbrief", "resend": "Zugangsdaten erneut", "new_password": "Neues Passwort"}


def initials(name: str) -> str:
    """``Claudia Maier`` → ``C. M.``: least data that still lets the agent match the caller."""
    return " ".join(f"{part[0]}." for part in name.split() if part)


def identification_locked(session: Session, insurance_number: str, now: datetime, settings: Settings) -> bool:
    """True when the number has as many recent failures (from any source) as lock or delay it."""
    since = now - timedelta(hours=settings.ident_lock_hours)
    failures = session.execute(select(func.count()).select_from(IdentificationAttempt).where(
        IdentificationAttempt.number_key == keyed_hash(insurance_number), IdentificationAttempt.succeeded == 0,
        IdentificationAttempt.cleared_at.is_(None), IdentificationAttempt.created_at >= since)).scalar_one()
    return failures >= settings.ident_max_failures


def lookup(session: Session, insurance_number: str, actor: str, now: Optional[datetime] = None,
           settings: Optional[Settings] = None) -> Optional[dict[str, Any]]:
    """The caller's masked status (audited), or ``None`` if there is no such member (audited too)."""
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    member = session.execute(select(Member).where(Member.insurance_number == insurance_number)).scalar_one_or_none()
    audit.record(session, actor, "caller_lookup", member_id=member.id if member else None,
                 detail=f"{mask_insurance_number(insurance_number)}; identity checked on the phone", now=now)
    if member is None:
        return None
    orders = session.execute(select(LetterOrder).where(LetterOrder.member_id == member.id)
                             .order_by(LetterOrder.created_at.desc())).scalars().all()
    return {
        "insurance_number": mask_insurance_number(member.insurance_number),
        "initials": initials(member.name),
        "state": STATE_NAMES[member.state.value],
        "registered_on": f"{member.registered_at:%d.%m.%Y}" if member.registered_at else None,
        "activated_on": f"{member.activated_at:%d.%m.%Y}" if member.activated_at else None,
        "twofa_device": member.twofa_device_at is not None,
        "letters": [{"date": f"{o.created_at:%d.%m.%Y}", "kind": LETTER_NAMES[o.kind.value], "status": o.status.value,
                     "reference": o.reference} for o in orders],
        "pending_approvals": [{"kind": v.kind.value, "value": v.masked_value, "seconds_left": v.seconds_left}
                              for v in approvals.pending_for_member(session, insurance_number, now)],
        "identification_locked": identification_locked(session, insurance_number, now, settings),
    }


def resend(session: Session, insurance_number: str, actor: str, now: Optional[datetime] = None) -> letters.LetterResult:
    """Order the access letter again for a looked-up caller, under the chat's rules (the order is the audit event)."""
    member = session.execute(select(Member).where(Member.insurance_number == insurance_number)).scalar_one_or_none()
    if member is None:
        return letters.LetterResult(letters.OrderOutcome.NOT_REGISTERED)
    return letters.order_resend(session, member.id, actor=actor, now=now)


def unlock(session: Session, insurance_number: str, actor: str, reason: str, now: Optional[datetime] = None) -> int:
    """Lift the caller's identification locks, with the agent's reason in the audit trail."""
    return identification.unlock(session, insurance_number, actor=actor, now=now, reason=reason)
