"""Letters with access data: registration letter, resend, new password.

Each order is written in one transaction that first locks the member's row, so
two identical requests at the same moment (double click, two tabs) give one
order: the second one finds the first.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings, load_settings
from bot.services import audit
from bot.store.models import LetterKind, LetterOrder, LetterStatus, Member, RegistrationState

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


class OrderOutcome(str, enum.Enum):
    ORDERED = "ordered"
    #: An access letter is already on its way: nothing new ordered.
    ALREADY_ON_ITS_WAY = "already_on_its_way"
    #: Too many resends recently: the hotline helps.
    LIMIT_REACHED = "limit_reached"
    #: Resend and new password need a registration first.
    NOT_REGISTERED = "not_registered"


@dataclass(frozen=True)
class LetterResult:
    outcome: OrderOutcome
    reference: Optional[str] = None
    ordered_at: Optional[datetime] = None


def new_reference(now: datetime) -> str:
    """A reference number for a letter order, e.g. ``ZB-2026-7KQ2MX``."""
    return f"ZB-{now:%Y}-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def lock_member(session: Session, member_id: int) -> Member:
    """Load the member and hold its row until the transaction ends."""
    return session.execute(select(Member).where(Member.id == member_id).with_for_update()).scalar_one()


def _latest(session: Session, member_id: int, kinds: tuple[LetterKind, ...]) -> Optional[LetterOrder]:
    query = (select(LetterOrder).where(LetterOrder.member_id == member_id, LetterOrder.kind.in_(kinds))
             .order_by(LetterOrder.created_at.desc(), LetterOrder.id.desc()).limit(1))
    return session.execute(query).scalar_one_or_none()


def add_order(session: Session, member: Member, kind: LetterKind, now: datetime, actor: str) -> LetterOrder:
    order = LetterOrder(member_id=member.id, kind=kind, status=LetterStatus.ORDERED,
                        reference=new_reference(now), created_at=now)
    session.add(order)
    session.flush()
    audit.record(session, actor, f"letter_ordered:{kind.value}", member_id=member.id, detail=order.reference, now=now)
    return order


ACCESS_LETTERS = (LetterKind.REGISTRATION, LetterKind.RESEND)


def _refusal(session: Session, member: Member, kinds: tuple[LetterKind, ...], now: datetime,
             settings: Settings) -> Optional[LetterResult]:
    """Why no letter of ``kinds`` is ordered now (not registered, one on its way), or ``None``."""
    if member.state == RegistrationState.UNREGISTERED:
        return LetterResult(OrderOutcome.NOT_REGISTERED)
    latest = _latest(session, member.id, kinds)
    if latest is not None and latest.created_at > now - timedelta(days=settings.letter_pending_days):
        return LetterResult(OrderOutcome.ALREADY_ON_ITS_WAY, latest.reference, latest.created_at)
    return None


def order_resend(session: Session, member_id: int, actor: str = "chat", now: Optional[datetime] = None,
                 settings: Optional[Settings] = None) -> LetterResult:
    """Send the access letter again, unless one is on its way or the resend limit is reached."""
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    member = lock_member(session, member_id)
    refused = _refusal(session, member, ACCESS_LETTERS, now, settings)
    if refused is not None:
        return refused
    resends = session.execute(
        select(func.count()).select_from(LetterOrder).where(
            LetterOrder.member_id == member.id, LetterOrder.kind == LetterKind.RESEND,
            LetterOrder.created_at > now - timedelta(days=settings.resend_period_days))
    ).scalar_one()
    if resends >= settings.resend_max:
        return LetterResult(OrderOutcome.LIMIT_REACHED)
    order = add_order(session, member, LetterKind.RESEND, now, actor)
    return LetterResult(OrderOutcome.ORDERED, order.reference, order.created_at)


def order_new_password(session: Session, member_id: int, actor: str = "chat", now: Optional[datetime] = None,
                       settings: Optional[Settings] = None) -> LetterResult:
    """Order a new password by letter (registered members), once per pending period."""
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    member = lock_member(session, member_id)
    refused = _refusal(session, member, (LetterKind.NEW_PASSWORD,), now, settings)
    if refused is not None:
        return refused
    order = add_order(session, member, LetterKind.NEW_PASSWORD, now, actor)
    return LetterResult(OrderOutcome.ORDERED, order.reference, order.created_at)


def pending_export(session: Session) -> list[LetterOrder]:
    """Orders not yet handed to the print service, oldest first."""
    query = select(LetterOrder).where(LetterOrder.status == LetterStatus.ORDERED).order_by(LetterOrder.created_at, LetterOrder.id)
    return list(session.execute(query).scalars())


def mark_exported(session: Session, orders: list[LetterOrder], now: Optional[datetime] = None) -> None:
    """Mark ``orders`` as handed to the print service."""
    now = now or datetime.utcnow()
    for order in orders:
        order.status = LetterStatus.EXPORTED
        order.exported_at = now
    if orders:
        audit.record(session, "cli", "letters_exported", detail=f"{len(orders)} orders", now=now)
