"""Identification with Versichertennummer and PLZ, and the lockout after failures.

The outcome never tells whether a Versichertennummer exists: an unknown
number and a wrong PLZ are the same :attr:`Outcome.MISMATCH`, reached by the
same queries and writes. Attempts are counted under keyed hashes of the
number (whether or not it exists), the conversation and the source (the
client address), so that

- one source cannot try many numbers (``IDENT_MAX_PER_SOURCE_PER_HOUR``), nor
  everyone together too many (``IDENT_MAX_GLOBAL_PER_MINUTE``);
- one source cannot guess a number's PLZ (locked after ``IDENT_MAX_FAILURES``
  failures of that number from that source, for ``IDENT_LOCK_HOURS``);
- many sources together cannot either, but a stranger cannot lock the member
  out: failures from all sources only make the next try wait, growing up to
  ``IDENT_DELAY_MAX_MINUTES``.
"""

from __future__ import annotations

import enum
import hmac
import math
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
    #: Too many failures of this number from this source, or in this conversation: wait ``lock_hours``.
    LOCKED = "locked"
    #: This number failed often from several sources: the next try waits ``wait_minutes``.
    DELAYED = "delayed"
    #: Too many attempts from this source, or from everyone: try later or call the hotline.
    THROTTLED = "throttled"


@dataclass(frozen=True)
class Identification:
    outcome: Outcome
    member_id: Optional[int] = None
    #: For :attr:`Outcome.DELAYED`: whole minutes until the next try.
    wait_minutes: int = 0


#: Attempts without a known source (a channel that does not tell) share this source.
UNKNOWN_SOURCE = "unknown"


def source_key(address: Optional[str]) -> str:
    """The keyed hash under which a client address is counted (addresses are not stored)."""
    return keyed_hash(f"source:{address or UNKNOWN_SOURCE}")


def _count(session: Session, *conditions) -> int:
    query = select(func.count()).select_from(IdentificationAttempt).where(*conditions)
    return int(session.execute(query).scalar_one())


def _failed_since(since: datetime) -> tuple:
    return (IdentificationAttempt.succeeded == 0, IdentificationAttempt.cleared_at.is_(None),
            IdentificationAttempt.created_at >= since)


def number_delay(failures: int, settings: Settings) -> timedelta:
    """How long a number waits after its latest failure, with ``failures`` recent failures from all sources.

    Below ``IDENT_MAX_FAILURES`` there is no wait; from there on the wait
    doubles with each failure, from ``IDENT_DELAY_BASE_MINUTES`` up to
    ``IDENT_DELAY_MAX_MINUTES``. It is a delay, not a wall: a stranger who
    knows only the number cannot keep the member out for longer than that.
    """
    if failures < settings.ident_max_failures:
        return timedelta(0)
    steps = min(failures - settings.ident_max_failures, 20)
    return timedelta(minutes=min(settings.ident_delay_base_minutes * 2 ** steps, settings.ident_delay_max_minutes))


def refusal(session: Session, insurance_number: str, conversation_id: str, source: str,
            now: Optional[datetime] = None, settings: Optional[Settings] = None) -> Optional[Identification]:
    """Why an identification is refused before it is checked, or ``None``.

    In this order: everyone together over the global ceiling, this source over
    its hourly quota, this conversation or this number from this source with
    too many failures (a lock of ``IDENT_LOCK_HOURS``), this number with too
    many failures from all sources (a growing delay). Nothing here depends on
    whether the number exists.
    """
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    if _count(session, IdentificationAttempt.created_at >= now - timedelta(minutes=1)) >= settings.ident_max_global_per_minute:
        return Identification(Outcome.THROTTLED)
    if _count(session, IdentificationAttempt.source_key == source,
              IdentificationAttempt.created_at >= now - timedelta(hours=1)) >= settings.ident_max_per_source_per_hour:
        return Identification(Outcome.THROTTLED)
    since = now - timedelta(hours=settings.ident_lock_hours)
    number = keyed_hash(insurance_number)
    conversation = keyed_hash(f"conversation:{conversation_id}")
    if _count(session, IdentificationAttempt.conversation_key == conversation,
              *_failed_since(since)) >= settings.ident_max_failures_per_conversation:
        return Identification(Outcome.LOCKED)
    if _count(session, IdentificationAttempt.number_key == number, IdentificationAttempt.source_key == source,
              *_failed_since(since)) >= settings.ident_max_failures:
        return Identification(Outcome.LOCKED)
    failures, latest = session.execute(
        select(func.count(), func.max(IdentificationAttempt.created_at)).select_from(IdentificationAttempt)
        .where(IdentificationAttempt.number_key == number, *_failed_since(since))
    ).one()
    delay = number_delay(int(failures), settings)
    if delay and latest is not None and now < latest + delay:
        left = (latest + delay - now).total_seconds()
        return Identification(Outcome.DELAYED, wait_minutes=max(1, math.ceil(left / 60)))
    return None


def is_locked(session: Session, insurance_number: str, conversation_id: str, source: str = "",
              now: Optional[datetime] = None, settings: Optional[Settings] = None) -> bool:
    """True while an identification of this number would be refused (locked or delayed)."""
    found = refusal(session, insurance_number, conversation_id, source or source_key(None), now, settings)
    return found is not None and found.outcome in (Outcome.LOCKED, Outcome.DELAYED)


def identify(session: Session, insurance_number: str, postcode: str, conversation_id: str,
             now: Optional[datetime] = None, settings: Optional[Settings] = None,
             source: Optional[str] = None) -> Identification:
    """Check a (valid, normalised) Versichertennummer and PLZ against the store.

    ``source`` is the keyed hash of the client address (:func:`source_key`).
    A refused identification is not checked, even with correct data, and not
    counted. Every check is recorded as an attempt.
    """
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    source = source or source_key(None)
    refused = refusal(session, insurance_number, conversation_id, source, now, settings)
    if refused is not None:
        audit.record(session, "chat", f"identification_refused_{refused.outcome.value}",
                     detail=mask_insurance_number(insurance_number), now=now)
        return refused
    member = session.execute(select(Member).where(Member.insurance_number == insurance_number)).scalar_one_or_none()
    stored_postcode = member.postcode if member is not None else "\x00" * 5
    matches = hmac.compare_digest(stored_postcode.encode(), postcode.encode()) and member is not None
    session.add(IdentificationAttempt(
        number_key=keyed_hash(insurance_number),
        conversation_key=keyed_hash(f"conversation:{conversation_id}"),
        source_key=source,
        succeeded=1 if matches else 0,
        created_at=now,
    ))
    if not matches:
        audit.record(session, "chat", "identification_failed", detail=mask_insurance_number(insurance_number), now=now)
        return Identification(Outcome.MISMATCH)
    audit.record(session, "chat", "identification_succeeded", member_id=member.id, now=now)
    return Identification(Outcome.OK, member.id)


def unlock(session: Session, insurance_number: str, actor: str = "cli", now: Optional[datetime] = None,
           reason: str = "") -> int:
    """Lift the lock of a number: its failed attempts no longer count. Returns how many were cleared."""
    now = now or datetime.utcnow()
    result = session.execute(
        update(IdentificationAttempt)
        .where(IdentificationAttempt.number_key == keyed_hash(insurance_number),
               IdentificationAttempt.succeeded == 0,
               IdentificationAttempt.cleared_at.is_(None))
        .values(cleared_at=now)
    )
    detail = mask_insurance_number(insurance_number) + (f"; reason: {reason.strip()[:200]}" if reason.strip() else "")
    audit.record(session, actor, "identification_unlocked", detail=detail, now=now)
    return int(result.rowcount or 0)

