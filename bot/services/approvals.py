"""Data changes that the member approves in the app (2FA) within a time window.

The chat creates a request and reads its status; only the app side
(:func:`approve`, :func:`reject`; ``python -m bot approvals ...`` for demos)
decides it. An approval applies the change to the member record in the same
transaction, under a row lock on the request, so a change is applied exactly
once however approvals and status checks interleave.
"""

from __future__ import annotations

import enum
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings, load_settings
from bot.privacy import mask_email, mask_iban, mask_phone, mask_text
from bot.services import audit
from bot.services.letters import lock_member
from bot.store.models import ApprovalRequest, ApprovalStatus, ChangeKind, Member


class CreateOutcome(str, enum.Enum):
    CREATED = "created"
    #: The same change is already waiting for approval: no second request.
    ALREADY_PENDING = "already_pending"
    #: 2FA is not set up: nothing can be approved.
    NO_DEVICE = "no_device"
    UNKNOWN_MEMBER = "unknown_member"
    #: ``APPROVAL_MAX_PER_HOUR`` requests in the last hour: no more pushes to the member's app.
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class Created:
    outcome: CreateOutcome
    public_id: Optional[str] = None
    expires_at: Optional[datetime] = None


@dataclass(frozen=True)
class RequestState:
    """What the chat may tell the member about one of *their* requests."""

    status: ApprovalStatus
    kind: ChangeKind
    seconds_left: int = 0


class DecisionError(RuntimeError):
    """The request cannot be decided (unknown, or no longer pending)."""


def member_by_number(session: Session, insurance_number: str) -> Optional[Member]:
    return session.execute(select(Member).where(Member.insurance_number == insurance_number)).scalar_one_or_none()


def _expire_if_due(request: ApprovalRequest, now: datetime) -> None:
    if request.status == ApprovalStatus.PENDING and now >= request.expires_at:
        request.status = ApprovalStatus.EXPIRED
        request.decided_at = request.expires_at


def create(session: Session, insurance_number: str, kind: ChangeKind, value: dict, now: Optional[datetime] = None,
           settings: Optional[Settings] = None, actor: str = "chat") -> Created:
    """Store a pending approval request for a verified member with a 2FA device."""
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    member = member_by_number(session, insurance_number)
    if member is None:
        return Created(CreateOutcome.UNKNOWN_MEMBER)
    member = lock_member(session, member.id)
    if member.twofa_device_at is None:
        return Created(CreateOutcome.NO_DEVICE)
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False)
    pending = session.execute(
        select(ApprovalRequest).where(ApprovalRequest.member_id == member.id, ApprovalRequest.kind == kind,
                                      ApprovalRequest.status == ApprovalStatus.PENDING)
    ).scalars().all()
    for request in pending:
        _expire_if_due(request, now)
        if request.status == ApprovalStatus.PENDING and request.new_value == encoded:
            return Created(CreateOutcome.ALREADY_PENDING, request.public_id, request.expires_at)
    recent = session.execute(
        select(func.count()).select_from(ApprovalRequest).where(
            ApprovalRequest.member_id == member.id, ApprovalRequest.created_at > now - timedelta(hours=1))
    ).scalar_one()
    if recent >= settings.approval_max_per_hour:
        audit.record(session, actor, f"approval_rate_limited:{kind.value}", member_id=member.id, now=now)
        return Created(CreateOutcome.RATE_LIMITED)
    for request in pending:
        if request.status == ApprovalStatus.PENDING:  # superseded by the new value
            request.status = ApprovalStatus.EXPIRED
            request.decided_at = now
    request = ApprovalRequest(public_id=secrets.token_hex(8), member_id=member.id, kind=kind, new_value=encoded,
                              status=ApprovalStatus.PENDING, created_at=now,
                              expires_at=now + timedelta(seconds=settings.approval_window_seconds))
    session.add(request)
    session.flush()
    audit.record(session, actor, f"approval_requested:{kind.value}", member_id=member.id, detail=request.public_id, now=now)
    return Created(CreateOutcome.CREATED, request.public_id, request.expires_at)


def _lock_request(session: Session, public_id: str) -> Optional[ApprovalRequest]:
    return session.execute(
        select(ApprovalRequest).where(ApprovalRequest.public_id == public_id).with_for_update()
    ).scalar_one_or_none()


def state(session: Session, insurance_number: str, public_id: Optional[str] = None,
          now: Optional[datetime] = None) -> Optional[RequestState]:
    """The state of a member's request (the given one, else their latest); ``None`` if they have none.

    A member can never see another member's request: the request is looked up
    together with the member of the session.
    """
    now = now or datetime.utcnow()
    member = member_by_number(session, insurance_number)
    if member is None:
        return None
    query = select(ApprovalRequest).where(ApprovalRequest.member_id == member.id)
    if public_id:
        query = query.where(ApprovalRequest.public_id == public_id)
    request = session.execute(
        query.order_by(ApprovalRequest.created_at.desc(), ApprovalRequest.id.desc()).limit(1).with_for_update()
    ).scalar_one_or_none()
    if request is None:
        return None
    _expire_if_due(request, now)
    left = max(0, int((request.expires_at - now).total_seconds())) if request.status == ApprovalStatus.PENDING else 0
    return RequestState(request.status, request.kind, left)


def _apply(session: Session, request: ApprovalRequest) -> None:
    member = session.get(Member, request.member_id)
    value = json.loads(request.new_value)
    if request.kind == ChangeKind.ADDRESS:
        member.street, member.house_number = value["street"], value["house_number"]
        member.postcode, member.city = value["postcode"], value["city"]
    elif request.kind == ChangeKind.EMAIL:
        member.email = value["email"]
    elif request.kind == ChangeKind.PHONE:
        member.phone = value["phone"]
    elif request.kind == ChangeKind.IBAN:
        member.iban = value["iban"]


def _decide(session: Session, public_id: str, outcome: ApprovalStatus, now: Optional[datetime], actor: str) -> RequestState:
    now = now or datetime.utcnow()
    request = _lock_request(session, public_id)
    if request is None:
        raise DecisionError(f"no approval request {public_id}")
    _expire_if_due(request, now)
    if request.status != ApprovalStatus.PENDING:
        raise DecisionError(f"request {public_id} is {request.status.value}, not pending")
    if outcome == ApprovalStatus.APPLIED:
        _apply(session, request)
    request.status = outcome
    request.decided_at = now
    verb = "applied" if outcome == ApprovalStatus.APPLIED else "rejected"
    audit.record(session, actor, f"approval_{verb}:{request.kind.value}", member_id=request.member_id,
                 detail=request.public_id, now=now)
    return RequestState(request.status, request.kind)


def approve(session: Session, public_id: str, now: Optional[datetime] = None, actor: str = "app") -> RequestState:
    """The app side approves: the change is applied in this transaction, exactly once."""
    return _decide(session, public_id, ApprovalStatus.APPLIED, now, actor)


def reject(session: Session, public_id: str, now: Optional[datetime] = None, actor: str = "app") -> RequestState:
    """The app side rejects: nothing changes."""
    return _decide(session, public_id, ApprovalStatus.REJECTED, now, actor)


def listing(session: Session, now: Optional[datetime] = None) -> list[tuple[ApprovalRequest, str]]:
    """All requests, newest first, each with its member's masked Versichertennummer."""
    now = now or datetime.utcnow()
    rows = session.execute(
        select(ApprovalRequest, Member.insurance_number).join(Member, Member.id == ApprovalRequest.member_id)
        .order_by(ApprovalRequest.created_at.desc(), ApprovalRequest.id.desc())
    ).all()
    for request, _ in rows:
        _expire_if_due(request, now)
    return [(request, mask_text(number)) for request, number in rows]


@dataclass(frozen=True)
class PendingView:
    """A pending request as the member's app shows it: what, masked new value, time left."""

    public_id: str
    kind: ChangeKind
    masked_value: str
    seconds_left: int


def masked_value(kind: ChangeKind, encoded: str) -> str:
    """The new value of a request, masked for display."""
    value = json.loads(encoded)
    if kind == ChangeKind.EMAIL:
        return mask_email(value["email"])
    if kind == ChangeKind.PHONE:
        return mask_phone(value["phone"])
    if kind == ChangeKind.IBAN:
        return mask_iban(value["iban"])
    return f"{value['street'][:2]}*** {value['house_number'][:1]}*, {value['postcode'][:2]}*** {value['city'][:1]}***"


def pending_for_member(session: Session, insurance_number: str, now: Optional[datetime] = None) -> list[PendingView]:
    """The member's pending requests, newest first (what the insurer's app lists)."""
    now = now or datetime.utcnow()
    member = member_by_number(session, insurance_number)
    if member is None:
        return []
    requests = session.execute(
        select(ApprovalRequest).where(ApprovalRequest.member_id == member.id, ApprovalRequest.status == ApprovalStatus.PENDING)
        .order_by(ApprovalRequest.created_at.desc(), ApprovalRequest.id.desc())
    ).scalars().all()
    views = []
    for request in requests:
        _expire_if_due(request, now)
        if request.status == ApprovalStatus.PENDING:
            views.append(PendingView(request.public_id, request.kind, masked_value(request.kind, request.new_value),
                                     max(0, int((request.expires_at - now).total_seconds()))))
    return views


def decide_as_member(session: Session, insurance_number: str, public_id: str, approve_it: bool,
                     now: Optional[datetime] = None, actor: str = "app") -> RequestState:
    """The app decides one of *its member's* requests; another member's id is unknown to it."""
    member = member_by_number(session, insurance_number)
    request = session.execute(select(ApprovalRequest).where(ApprovalRequest.public_id == public_id)).scalar_one_or_none()
    if member is None or request is None or request.member_id != member.id:
        raise DecisionError(f"no approval request {public_id}")
    return (approve if approve_it else reject)(session, public_id, now=now, actor=actor)
