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
from typing import Callable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings, load_settings
from bot.services import audit
from bot.store.models import (ApprovalRequest, ApprovalStatus, ChangeKind, LetterKind, LetterOrder, LetterStatus,
                              Member, RegistrationState)

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


class OrderOutcome(str, enum.Enum):
    ORDERED = "ordered"
    #: An access letter is already on its way: nothing new ordered.
    ALREADY_ON_ITS_WAY = "already_on_its_way"
    #: Too many resends recently: the hotline helps.
    LIMIT_REACHED = "limit_reached"
    #: Resend and new password need a registration first.
    NOT_REGISTERED = "not_registered"
    #: The address changed recently: no access data go there by post; the hotline helps.
    ADDRESS_HOLD = "address_hold"


@dataclass(frozen=True)
class LetterResult:
    outcome: OrderOutcome
    reference: Optional[str] = None
    ordered_at: Optional[datetime] = None
    #: For ALREADY_ON_ITS_WAY: the kind of the letter that is on its way.
    kind: Optional[LetterKind] = None


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
#: Any letter with access data or a password: while one is on its way, no other is ordered
#: (a new password after a re-sent access letter would make the first one useless).
CREDENTIAL_LETTERS = (*ACCESS_LETTERS, LetterKind.NEW_PASSWORD)


def address_hold(session: Session, member_id: int, now: Optional[datetime] = None,
                 settings: Optional[Settings] = None) -> Optional[datetime]:
    """When the member's address was changed by an approved request within the hold period, else ``None``.

    A letter with access data or a new password must not follow an address
    change at once: whoever changed the address would receive it.
    """
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    since = now - timedelta(days=settings.letter_hold_after_address_change_days)
    return session.execute(
        select(func.max(ApprovalRequest.decided_at)).where(
            ApprovalRequest.member_id == member_id, ApprovalRequest.kind == ChangeKind.ADDRESS,
            ApprovalRequest.status == ApprovalStatus.APPLIED, ApprovalRequest.decided_at > since)
    ).scalar_one_or_none()


def _refusal(session: Session, member: Member, kinds: tuple[LetterKind, ...], now: datetime,
             settings: Settings) -> Optional[LetterResult]:
    """Why no letter of ``kinds`` is ordered now (not registered, address hold, one on its way), or ``None``."""
    if member.state == RegistrationState.UNREGISTERED:
        return LetterResult(OrderOutcome.NOT_REGISTERED)
    if address_hold(session, member.id, now, settings) is not None:
        return LetterResult(OrderOutcome.ADDRESS_HOLD)
    latest = _latest(session, member.id, kinds)
    if latest is not None and latest.created_at > now - timedelta(days=settings.letter_pending_days):
        return LetterResult(OrderOutcome.ALREADY_ON_ITS_WAY, latest.reference, latest.created_at, latest.kind)
    return None


def _resend_refusal(session: Session, member: Member, now: datetime, settings: Settings) -> Optional[LetterResult]:
    refused = _refusal(session, member, CREDENTIAL_LETTERS, now, settings)
    if refused is not None:
        return refused
    resends = session.execute(
        select(func.count()).select_from(LetterOrder).where(
            LetterOrder.member_id == member.id, LetterOrder.kind == LetterKind.RESEND,
            LetterOrder.created_at > now - timedelta(days=settings.resend_period_days))
    ).scalar_one()
    if resends >= settings.resend_max:
        return LetterResult(OrderOutcome.LIMIT_REACHED)
    return None


def refusal(session: Session, member_id: int, kind: LetterKind, now: Optional[datetime] = None,
            settings: Optional[Settings] = None) -> Optional[LetterResult]:
    """Why a letter of ``kind`` would not be ordered now, or ``None`` (read only: asked before the member confirms)."""
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    member = session.get(Member, member_id)
    if member is None:
        return LetterResult(OrderOutcome.NOT_REGISTERED)
    if kind == LetterKind.RESEND:
        return _resend_refusal(session, member, now, settings)
    return _refusal(session, member, CREDENTIAL_LETTERS, now, settings)


def order_resend(session: Session, member_id: int, actor: str = "chat", now: Optional[datetime] = None,
                 settings: Optional[Settings] = None) -> LetterResult:
    """Send the access letter again, unless one is on its way or the resend limit is reached."""
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    member = lock_member(session, member_id)
    refused = _resend_refusal(session, member, now, settings)
    if refused is not None:
        return refused
    order = add_order(session, member, LetterKind.RESEND, now, actor)
    return LetterResult(OrderOutcome.ORDERED, order.reference, order.created_at)


def order_new_password(session: Session, member_id: int, actor: str = "chat", now: Optional[datetime] = None,
                       settings: Optional[Settings] = None) -> LetterResult:
    """Order a new password by letter (registered members), once per pending period."""
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    member = lock_member(session, member_id)
    refused = _refusal(session, member, CREDENTIAL_LETTERS, now, settings)
    if refused is not None:
        return refused
    order = add_order(session, member, LetterKind.NEW_PASSWORD, now, actor)
    return LetterResult(OrderOutcome.ORDERED, order.reference, order.created_at)


def pending_export(session: Session) -> list[LetterOrder]:
    """Orders not yet handed to the print service, oldest first (read only)."""
    query = select(LetterOrder).where(LetterOrder.status == LetterStatus.ORDERED).order_by(LetterOrder.created_at, LetterOrder.id)
    return list(session.execute(query).scalars())


#: Writes one order's row for the print service; raises if it could not.
RowWriter = Callable[[LetterOrder, Member], None]


def export_pending(session: Session, write_row: RowWriter, actor: str = "cli",
                   now: Optional[datetime] = None) -> tuple[int, Optional[BaseException]]:
    """Hand the pending orders to ``write_row`` one by one, marking each exported after its row is written.

    The orders are locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
    serialises writers), so two exports at the same time never export the
    same order. If writing a row fails, the orders written before it stay
    exported, that one and the rest stay pending, and the error is returned.
    """
    now = now or datetime.utcnow()
    query = (select(LetterOrder).where(LetterOrder.status == LetterStatus.ORDERED)
             .order_by(LetterOrder.created_at, LetterOrder.id).with_for_update(skip_locked=True))
    exported = 0
    error: Optional[BaseException] = None
    for order in session.execute(query).scalars().all():
        try:
            write_row(order, session.get(Member, order.member_id))
        except Exception as exc:  # noqa: BLE001 - reported to the caller, the marks so far are kept
            error = exc
            break
        order.status = LetterStatus.EXPORTED
        order.exported_at = now
        exported += 1
    if exported:
        audit.record(session, actor, "letters_exported", detail=f"{exported} orders", now=now)
    return exported, error
