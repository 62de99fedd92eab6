"""Audit trail: who did what, when. Internal ids and masked values only."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from bot.privacy import mask_text
from bot.store.models import AuditEvent


def record(session: Session, actor: str, action: str, member_id: Optional[int] = None, detail: str = "",
           now: Optional[datetime] = None) -> None:
    """Add an audit event to the current transaction (``detail`` is masked)."""
    session.add(AuditEvent(created_at=now or datetime.utcnow(), actor=actor[:100], action=action[:100],
                           member_id=member_id, detail=mask_text(detail)))
