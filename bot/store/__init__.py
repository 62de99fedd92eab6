"""The member store: tables, engine and sessions, migrations, demo data."""

from bot.store.db import get_engine, reset_engine, session_scope
from bot.store.models import AuditEvent, IdentificationAttempt, LetterOrder, Member

__all__ = [
    "AuditEvent",
    "IdentificationAttempt",
    "LetterOrder",
    "Member",
    "get_engine",
    "reset_engine",
    "session_scope",
]
