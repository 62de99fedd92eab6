"""Live hand-over from the widget to a hotline agent: service hours, tickets, who may take and end one.

A member who asks for a person during ``SERVICE_HOURS`` gets a ticket and a
paused conversation; one agent takes it, writes to the member, and ends it
(the assistant resumes). A ticket nobody takes within
``HANDOVER_WAIT_MINUTES`` expires: the member gets the hotline.
"""

from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings, load_settings
from bot.services import audit
from bot.store.models import HandoverStatus, HandoverTicket

BERLIN = ZoneInfo("Europe/Berlin")
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES = {"mon": "Montag", "tue": "Dienstag", "wed": "Mittwoch", "thu": "Donnerstag", "fri": "Freitag",
             "sat": "Samstag", "sun": "Sonntag"}
_HOURS = re.compile(r"^\s*(\w{3})\s*-\s*(\w{3})\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class ServiceHours:
    first_day: int
    last_day: int
    opens: time
    closes_minutes: int  # minutes after midnight (24:00 = 1440)

    def is_open(self, moment: datetime) -> bool:
        """Whether agents take chats at ``moment`` (any time zone; naive means UTC)."""
        local = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(BERLIN)
        minutes = local.hour * 60 + local.minute
        opens = self.opens.hour * 60 + self.opens.minute
        return self.first_day <= local.weekday() <= self.last_day and opens <= minutes < self.closes_minutes

    def describe(self) -> str:
        """``Montag bis Freitag, 08:00 bis 18:00 Uhr``."""
        closes = f"{self.closes_minutes // 60:02d}:{self.closes_minutes % 60:02d}"
        return (f"{DAY_NAMES[DAYS[self.first_day]]} bis {DAY_NAMES[DAYS[self.last_day]]}, "
                f"{self.opens:%H:%M} bis {closes} Uhr")


def service_hours(settings: Optional[Settings] = None) -> ServiceHours:
    """``SERVICE_HOURS`` (for example ``Mon-Fri 08:00-18:00``, Europe/Berlin)."""
    raw = (settings or load_settings()).service_hours
    match = _HOURS.match(raw)
    if not match or match.group(1).lower() not in DAYS or match.group(2).lower() not in DAYS:
        raise ValueError(f"SERVICE_HOURS must look like 'Mon-Fri 08:00-18:00', got {raw!r}")
    first, last = DAYS.index(match.group(1).lower()), DAYS.index(match.group(2).lower())
    opens = time(int(match.group(3)), int(match.group(4)))
    return ServiceHours(first, last, opens, int(match.group(5)) * 60 + int(match.group(6)))


class RequestOutcome(str, enum.Enum):
    WAITING = "waiting"
    CLOSED = "closed"  # outside service hours


@dataclass(frozen=True)
class Requested:
    outcome: RequestOutcome
    public_id: Optional[str] = None


def request(session: Session, conversation_id: str, now: Optional[datetime] = None,
            settings: Optional[Settings] = None) -> Requested:
    """A member asks for a person: a ticket during service hours (one open ticket per conversation)."""
    now = now or datetime.utcnow()
    if not service_hours(settings).is_open(now):
        return Requested(RequestOutcome.CLOSED)
    ticket = open_ticket(session, conversation_id)
    if ticket is None:
        ticket = HandoverTicket(public_id=secrets.token_hex(8), conversation_id=conversation_id,
                                status=HandoverStatus.WAITING, created_at=now)
        session.add(ticket)
        audit.record(session, "chat", "handover_requested", detail=ticket.public_id, now=now)
    return Requested(RequestOutcome.WAITING, ticket.public_id)


def open_ticket(session: Session, conversation_id: str) -> Optional[HandoverTicket]:
    """The conversation's waiting or taken ticket."""
    return session.execute(select(HandoverTicket).where(
        HandoverTicket.conversation_id == conversation_id,
        HandoverTicket.status.in_([HandoverStatus.WAITING, HandoverStatus.TAKEN]))).scalars().first()


def queue(session: Session) -> list[HandoverTicket]:
    """Open tickets, oldest first."""
    return list(session.execute(select(HandoverTicket).where(
        HandoverTicket.status.in_([HandoverStatus.WAITING, HandoverStatus.TAKEN]))
        .order_by(HandoverTicket.created_at, HandoverTicket.id)).scalars())


class TicketError(RuntimeError):
    """The ticket is unknown, or not in a state for that."""


def _lock(session: Session, public_id: str) -> HandoverTicket:
    ticket = session.execute(select(HandoverTicket).where(HandoverTicket.public_id == public_id)
                             .with_for_update()).scalar_one_or_none()
    if ticket is None:
        raise TicketError("Diese Übergabe gibt es nicht.")
    return ticket


def take(session: Session, public_id: str, agent_id: int, actor: str, now: Optional[datetime] = None) -> HandoverTicket:
    """One agent per ticket: the first one who takes a waiting ticket gets it."""
    now = now or datetime.utcnow()
    ticket = _lock(session, public_id)
    if ticket.status != HandoverStatus.WAITING:
        raise TicketError("Diese Übergabe hat bereits jemand übernommen oder sie ist beendet.")
    ticket.status, ticket.agent_id, ticket.taken_at = HandoverStatus.TAKEN, agent_id, now
    audit.record(session, actor, "handover_taken", detail=public_id, now=now)
    return ticket


def owned(session: Session, public_id: str, agent_id: int) -> HandoverTicket:
    """A ticket this agent has taken and not ended."""
    ticket = _lock(session, public_id)
    if ticket.status != HandoverStatus.TAKEN or ticket.agent_id != agent_id:
        raise TicketError("Diese Übergabe führen Sie nicht.")
    return ticket


def close(session: Session, public_id: str, agent_id: int, actor: str, now: Optional[datetime] = None) -> HandoverTicket:
    now = now or datetime.utcnow()
    ticket = owned(session, public_id, agent_id)
    ticket.status, ticket.closed_at = HandoverStatus.CLOSED, now
    audit.record(session, actor, "handover_closed", detail=public_id, now=now)
    return ticket


def expire_overdue(session: Session, now: Optional[datetime] = None, settings: Optional[Settings] = None) -> list[str]:
    """Waiting tickets older than ``HANDOVER_WAIT_MINUTES`` expire; returns their conversation ids."""
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    overdue = session.execute(select(HandoverTicket).where(
        HandoverTicket.status == HandoverStatus.WAITING,
        HandoverTicket.created_at <= now - timedelta(minutes=settings.handover_wait_minutes)).with_for_update()).scalars().all()
    for ticket in overdue:
        ticket.status, ticket.closed_at = HandoverStatus.EXPIRED, now
        audit.record(session, "web", "handover_expired", detail=ticket.public_id, now=now)
    return [ticket.conversation_id for ticket in overdue]
