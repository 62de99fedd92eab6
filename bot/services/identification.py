"""Identification with Versichertennummer and PLZ, and the lockout after failures.

The outcome never tells whether a Versichertennummer exists: an unknown
number and a wrong PLZ are the same :attr:`Outcome.MISMATCH`, reached by the
same queries and writes. Failures are counted per number (under a keyed hash,
whether or not the number exists) and per conversation.
"""

from __future__ import annotations

import enum
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.config import Settings, load_settings
from bot.privacy import keyed_hash, mask_insurance_number
from bot.services import audit
from bot.store.models import IdentificationAttempt, Member


class Outcome(str, enum.Enum):
    OK = "ok"
    MISMATCH = "mismatch"
    LOCKED = "locked"


@dataclass(frozen=True)
class Identification:
    outcome: Outcome
    member_id: Optional[int] = None


def _failures(session: Session, column, key: str, since: datetime) -> int:
    query = select(func.count()).select_from(IdentificationAttempt).where(
        column == key,
        IdentificationAttempt.succeeded == 0,
        IdentificationAttempt.cleared_at.is_(None),
        IdentificationAttempt.created_at >= since,
    )
    return int(session.execute(query).scalar_one())


def is_locked(session: Session, insurance_number: str, conversation_id: str,
              now: Optional[datetime] = None, settings: Optional[Settings] = None) -> bool:
    """True while the number or the conversation has too many recent failures."""
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    since = now - timedelta(hours=settings.ident_lock_hours)
    if _failures(session, IdentificationAttempt.number_key, keyed_hash(insurance_number), since) >= settings.ident_max_failures:
        return True
    per_conversation = _failures(session, IdentificationAttempt.conversation_key, keyed_hash(f"conversation:{conversation_id}"), since)
    return per_conversation >= settings.ident_max_failures_per_conversation


def identify(session: Session, insurance_number: str, postcode: str, conversation_id: str,
             now: Optional[datetime] = None, settings: Optional[Settings] = None) -> Identification:
    """Check a (valid, normalised) Versichertennummer and PLZ against the store.

    A locked number or conversation is refused even with correct data. Every
    check that is not refused is recorded as an attempt.
    """
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    if is_locked(session, insurance_number, conversation_id, now, settings):
        audit.record(session, "chat", "identification_refused_locked", detail=mask_insurance_number(insurance_number), now=now)
        return Identification(Outcome.LOCKED)
    member = session.execute(select(Member).where(Member.insurance_number == insurance_number)).scalar_one_or_none()
    stored_postcode = member.postcode if member is not None else "\x00" * 5
    matches = hmac.compare_digest(stored_postcode.encode(), postcode.encode()) and member is not None
    session.add(IdentificationAttempt(
        number_key=keyed_hash(insurance_number),
        conversation_key=keyed_hash(f"conversation:{conversation_id}"),
        succeeded=1 if matches else 0,
        created_at=now,
    ))
    if not matches:
        audit.record(session, "chat", "identification_failed", detail=mask_insurance_number(insurance_number), now=now)
        return Identification(Outcome.MISMATCH)
    audit.record(session, "chat", "identification_succeeded", member_id=member.id, now=now)
    return Identification(Outcome.OK, member.id)


def unlock(session: Session, insurance_number: str, actor: str = "cli", now: Optional[datetime] = None) -> int:
    """Lift the lock of a number: its failed attempts no longer count. Returns how many were cleared."""
    now = now or datetime.utcnow()
    result = session.execute(
        update(IdentificationAttempt)
        .where(IdentificationAttempt.number_key == keyed_hash(insurance_number),
               IdentificationAttempt.succeeded == 0,
               IdentificationAttempt.cleared_at.is_(None))
        .values(cleared_at=now)
    )
    audit.record(session, actor, "identification_unlocked", detail=mask_insurance_number(insurance_number), now=now)
    return int(result.rowcount or 0)

