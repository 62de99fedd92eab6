"""Retention: ``python -m bot purge [--days N] [--batch-size B] [--dry-run]``.

What is older than N days (``RETENTION_DAYS``, default 30) goes, in batches of
at most B rows per transaction (no long locks), repeat-safe:

- **Rasa's tracker store** (``TRACKER_STORE_URL``, table ``events``): every
  event of a conversation whose newest event is older than N days. The
  table is Rasa's, so its indexes are created here (``IF NOT EXISTS``;
  ``CONCURRENTLY`` on PostgreSQL, so Rasa keeps writing meanwhile).
- **The member store** (``DATABASE_URL``): the new values of decided
  approval requests are blanked (the row stays for the audit, with status
  and times); identification attempts, knowledge-gap questions, agent
  feedback, ended hand-over tickets, console logins and sessions are
  deleted; unverified registration data is cleared once the access letter's
  QR code has expired too. Expired chat sessions (they hold the
  Versichertennummer) go a day after they expired, whatever N is.
- Kept: members, letter orders (business records, no conversation data),
  audit events (masked when written; their retention is the insurer's
  audit policy, not the chat's).

The summary names counts only, never a value. Plain Python and SQLAlchemy
Core: no Rasa import (the ``events`` table is declared here by hand).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional, TextIO

from sqlalchemy import (Column, Float, Integer, MetaData, String, Table, and_, create_engine, delete, exists,
                        func, inspect, or_, select, text, update)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.dml import UpdateBase

from bot.config import Settings, load_settings
from bot.services.twofa import QR_CODE_VALID_DAYS
from bot.store import get_engine
from bot.store.models import (AgentLoginAttempt, AgentSession, ApprovalRequest, ApprovalStatus, ChatSession,
                              HandoverStatus, HandoverTicket, IdentificationAttempt, Registration, RegistrationStatus,
                              SuggestionFeedback, UnansweredQuestion)

DEFAULT_BATCH_SIZE = 1000
#: An expired chat session is kept this long (as ``bot.sessions.open_session`` does), then deleted.
CHAT_SESSION_GRACE = timedelta(days=1)
#: What a decided approval request's new value becomes (the column is NOT NULL).
BLANKED = ""

_tracker_metadata = MetaData()
#: The columns of Rasa's ``SQLTrackerStore.SQLEvent`` that the purge reads.
EVENTS = Table(
    "events", _tracker_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("timestamp", Float),
)
#: Indexes the tracker purge needs: (name, columns). Rasa itself only indexes ``sender_id``.
TRACKER_INDEXES = (
    ("ix_events_timestamp", "timestamp"),
    ("ix_events_sender_timestamp", "sender_id, timestamp"),
)


# --- Rasa's tracker store ------------------------------------------------------------------


@dataclass(frozen=True)
class TrackerCounts:
    """Conversations and their events deleted (or, in a dry run, to be deleted)."""

    conversations: int
    events: int


def tracker_engine(url: str, settings: Optional[Settings] = None) -> Engine:
    """An engine for the tracker store; PostgreSQL gives up connecting after ``DB_CONNECT_TIMEOUT_SECONDS``.

    No statement timeout: building an index on a large ``events`` table may take minutes.
    """
    settings = settings or load_settings()
    if make_url(url).get_backend_name() == "postgresql":
        return create_engine(url, future=True, connect_args={"connect_timeout": settings.db_connect_timeout_seconds})
    return create_engine(url, future=True)


def _stale_events(cutoff: float) -> ColumnElement:
    """Events older than ``cutoff`` (UNIX time) of conversations with no event since then."""
    newer = EVENTS.alias("newer")
    return and_(EVENTS.c.timestamp < cutoff,
                ~exists().where(newer.c.sender_id == EVENTS.c.sender_id, newer.c.timestamp >= cutoff))


def ensure_tracker_indexes(engine: Engine) -> list[str]:
    """Create the purge's indexes on ``events`` if missing; returns the names created.

    PostgreSQL builds them ``CONCURRENTLY`` (Rasa keeps writing meanwhile) and
    rebuilds one that an interrupted build left invalid.
    """
    created = []
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name, columns in TRACKER_INDEXES:
                valid = conn.execute(text("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)"),
                                     {"name": name}).scalar()
                if valid is True:
                    continue
                if valid is False:
                    conn.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
                conn.execute(text(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON events ({columns})"))
                created.append(name)
        return created
    with engine.begin() as conn:
        existing = {index["name"] for index in inspect(conn).get_indexes("events")}
        for name, columns in TRACKER_INDEXES:
            if name not in existing:
                conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON events ({columns})"))
                created.append(name)
    return created


def purge_tracker(url: str, older_than: datetime, batch_size: int = DEFAULT_BATCH_SIZE,
                  dry_run: bool = False, settings: Optional[Settings] = None) -> Optional[TrackerCounts]:
    """Delete every event of the conversations idle since before ``older_than`` (naive UTC).

    Each transaction deletes at most ``batch_size`` events, oldest first, and
    checks again in the same statement that the conversation is still idle: a
    member who writes again mid-purge keeps the rest of the conversation.
    ``None`` if the store has no ``events`` table (Rasa never started on it).
    A dry run counts and changes nothing (not even the indexes).
    """
    engine = tracker_engine(url, settings)
    try:
        if not inspect(engine).has_table("events"):
            return None
        cutoff = older_than.replace(tzinfo=timezone.utc).timestamp()
        stale = _stale_events(cutoff)
        if dry_run:
            with engine.connect() as conn:
                events, conversations = conn.execute(
                    select(func.count(), func.count(EVENTS.c.sender_id.distinct())).where(stale)).one()
            return TrackerCounts(int(conversations), int(events))
        ensure_tracker_indexes(engine)
        deleted, senders = 0, set()
        last_timestamp, last_id = float("-inf"), 0
        while True:
            with engine.begin() as conn:
                after = and_(EVENTS.c.timestamp >= last_timestamp,
                             or_(EVENTS.c.timestamp > last_timestamp, EVENTS.c.id > last_id))
                rows = conn.execute(select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.timestamp).where(stale, after)
                                    .order_by(EVENTS.c.timestamp, EVENTS.c.id).limit(batch_size)).all()
                if not rows:
                    break
                ids = [row.id for row in rows]
                count = conn.execute(delete(EVENTS).where(EVENTS.c.id.in_(ids), stale)).rowcount
                kept = set() if count == len(ids) else set(conn.execute(
                    select(EVENTS.c.id).where(EVENTS.c.id.in_(ids))).scalars())
            deleted += count
            senders.update(row.sender_id for row in rows if row.id not in kept)
            last_timestamp, last_id = rows[-1].timestamp, rows[-1].id
        return TrackerCounts(len(senders), deleted)
    finally:
        engine.dispose()


# --- the member store ----------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeCounts:
    """Rows changed in the member store (or, in a dry run, to be changed)."""

    #: Applied, rejected or expired requests decided before the cutoff: ``new_value`` blanked.
    approval_values_blanked: int = 0
    #: Requests still marked pending that expired before the cutoff: marked expired and blanked.
    approvals_expired: int = 0
    identification_attempts: int = 0
    chat_sessions: int = 0
    #: Pending registrations whose unverified e-mail and phone were cleared.
    registrations_cleared: int = 0
    unanswered_questions: int = 0
    suggestion_feedback: int = 0
    handover_tickets: int = 0
    agent_login_attempts: int = 0
    agent_sessions: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))


#: How the summary names each count (values blanked or cleared, rows deleted).
LABELS = {
    "approval_values_blanked": "approval requests: new values blanked (row kept)",
    "approvals_expired": "long-expired pending approval requests: marked expired, values blanked",
    "identification_attempts": "identification attempts deleted",
    "chat_sessions": "expired chat sessions deleted",
    "registrations_cleared": "pending registrations: unverified e-mail/phone cleared",
    "unanswered_questions": "unanswered questions (knowledge gaps) deleted",
    "suggestion_feedback": "agent feedback on suggestions deleted",
    "handover_tickets": "ended hand-over tickets deleted",
    "agent_login_attempts": "console login attempts deleted",
    "agent_sessions": "console sessions deleted",
}


@dataclass(frozen=True)
class _Rule:
    field: str
    table: Table
    condition: ColumnElement
    #: Values to set; ``None``: delete the rows.
    values: Optional[dict] = None


def _rules(now: datetime, days: int, settings: Settings) -> list[_Rule]:
    """What the purge does in the member store, table by table."""
    cutoff = now - timedelta(days=days)
    approvals = ApprovalRequest.__table__
    attempts = IdentificationAttempt.__table__
    registrations = Registration.__table__
    tickets = HandoverTicket.__table__
    decided = [ApprovalStatus.APPLIED, ApprovalStatus.REJECTED, ApprovalStatus.EXPIRED]
    return [
        _Rule("approval_values_blanked", approvals,
              and_(approvals.c.status.in_(decided), approvals.c.decided_at < cutoff, approvals.c.new_value != BLANKED),
              {"new_value": BLANKED}),
        # as bot.services.approvals does when it looks at one: expired when its window ended
        _Rule("approvals_expired", approvals,
              and_(approvals.c.status == ApprovalStatus.PENDING, approvals.c.expires_at < cutoff),
              {"status": ApprovalStatus.EXPIRED, "decided_at": approvals.c.expires_at, "new_value": BLANKED}),
        # never one that still counts towards a lock
        _Rule("identification_attempts", attempts,
              attempts.c.created_at < min(cutoff, now - timedelta(hours=settings.ident_lock_hours))),
        _Rule("chat_sessions", ChatSession.__table__, ChatSession.__table__.c.expires_at < now - CHAT_SESSION_GRACE),
        # the access letter's QR code works QR_CODE_VALID_DAYS: until then the registration may still complete
        _Rule("registrations_cleared", registrations,
              and_(registrations.c.status == RegistrationStatus.PENDING,
                   registrations.c.started_at < min(cutoff, now - timedelta(days=QR_CODE_VALID_DAYS)),
                   or_(registrations.c.unverified_email.isnot(None), registrations.c.unverified_phone.isnot(None))),
              {"unverified_email": None, "unverified_phone": None}),
        _Rule("unanswered_questions", UnansweredQuestion.__table__, UnansweredQuestion.__table__.c.created_at < cutoff),
        _Rule("suggestion_feedback", SuggestionFeedback.__table__, SuggestionFeedback.__table__.c.created_at < cutoff),
        _Rule("handover_tickets", tickets,
              and_(tickets.c.status.in_([HandoverStatus.CLOSED, HandoverStatus.EXPIRED]), tickets.c.created_at < cutoff)),
        _Rule("agent_login_attempts", AgentLoginAttempt.__table__, AgentLoginAttempt.__table__.c.created_at < cutoff),
        _Rule("agent_sessions", AgentSession.__table__, AgentSession.__table__.c.last_seen_at < cutoff),
    ]


def _apply_in_batches(engine: Engine, rule: _Rule, batch_size: int) -> int:
    """Delete or update the rows ``rule`` selects, at most ``batch_size`` per transaction, in id order."""
    table, done, last_id = rule.table, 0, 0
    while True:
        with engine.begin() as conn:
            ids = conn.execute(select(table.c.id).where(rule.condition, table.c.id > last_id)
                               .order_by(table.c.id).limit(batch_size)).scalars().all()
            if not ids:
                return done
            change: UpdateBase = (delete(table) if rule.values is None else update(table).values(**rule.values))
            # the condition again: a row decided or used since the select is left alone
            done += conn.execute(change.where(table.c.id.in_(ids), rule.condition)).rowcount
        last_id = ids[-1]


def purge_member_store(engine: Engine, days: int, now: Optional[datetime] = None,
                       batch_size: int = DEFAULT_BATCH_SIZE, dry_run: bool = False,
                       settings: Optional[Settings] = None) -> PurgeCounts:
    """Apply the retention rules to the member store; ``now`` is naive UTC. A dry run only counts."""
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    counts = {}
    for rule in _rules(now, days, settings):
        if dry_run:
            with engine.connect() as conn:
                counts[rule.field] = int(conn.execute(
                    select(func.count()).select_from(rule.table).where(rule.condition)).scalar_one())
        else:
            counts[rule.field] = _apply_in_batches(engine, rule, batch_size)
    return PurgeCounts(**counts)


def member_store_ready(engine: Engine) -> bool:
    """Whether the member store has its tables (``python -m bot migrate`` ran); never creates anything."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return False
    return inspect(engine).has_table(ApprovalRequest.__tablename__)


# --- the command ---------------------------------------------------------------------------


def _problem(exc: Exception) -> str:
    """An error's first line, without the statement and its parameters."""
    return f"{type(exc).__name__}: {str(getattr(exc, 'orig', None) or exc).strip().splitlines()[0]}"


def purge(days: int, batch_size: int, dry_run: bool, out: TextIO, now: Optional[datetime] = None) -> int:
    """Purge both stores and print a summary of counts; 0 on success, 1 if a store failed."""
    settings = load_settings()
    now = now or datetime.utcnow()
    older_than = now - timedelta(days=days)
    deleted = "would be deleted" if dry_run else "deleted"
    print(f"{'Dry run, nothing is changed: ' if dry_run else ''}retention {days} days "
          f"(older than {older_than:%Y-%m-%d %H:%M} UTC), at most {batch_size} rows per transaction", file=out)
    failed = False
    if not settings.tracker_store_url:
        print("tracker store: TRACKER_STORE_URL is not set (in-memory tracker store, nothing on disk): skipped",
              file=out)
    else:
        try:
            tracker = purge_tracker(settings.tracker_store_url, older_than, batch_size, dry_run, settings)
        except SQLAlchemyError as exc:
            failed = True
            print(f"tracker store: error, purge stopped ({_problem(exc)})", file=out)
        else:
            if tracker is None:
                print("tracker store: no events table yet: nothing to purge", file=out)
            else:
                print(f"tracker store: {tracker.conversations} conversations ({tracker.events} events) "
                      f"{deleted}", file=out)
    try:
        engine = get_engine()
        if not member_store_ready(engine):
            print("member store: not set up (python -m bot migrate): nothing to purge", file=out)
        else:
            counts = purge_member_store(engine, days, now, batch_size, dry_run, settings)
            print(f"member store: {counts.total} rows {'would be ' if dry_run else ''}changed or deleted", file=out)
            for field in fields(counts):
                print(f"  {getattr(counts, field.name):>8}  {LABELS[field.name]}", file=out)
            print("  kept: members, letter orders, audit events (masked)", file=out)
    except SQLAlchemyError as exc:
        failed = True
        print(f"member store: error, purge stopped ({_problem(exc)})", file=out)
    return 1 if failed else 0


def cmd_purge(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    """``python -m bot purge``: days from ``--days`` or ``RETENTION_DAYS``."""
    out = out or sys.stdout
    try:
        days = args.days if args.days is not None else load_settings().retention_days
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if days < 1 or args.batch_size < 1:
        print("error: --days (RETENTION_DAYS) and --batch-size must be at least 1", file=sys.stderr)
        return 2
    return purge(days, args.batch_size, args.dry_run, out)


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``purge`` on ``python -m bot``'s parser."""
    command = commands.add_parser("purge", help="delete conversations and personal data older than the retention")
    command.add_argument("--days", type=int, help="retention in days (default RETENTION_DAYS, 30)")
    command.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                         help=f"rows per transaction (default {DEFAULT_BATCH_SIZE})")
    command.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    command.set_defaults(func=cmd_purge)
