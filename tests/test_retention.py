"""Retention (``python -m bot purge``, bot/retention.py) on SQLite and PostgreSQL.

The tracker store is created by Rasa's own ``SQLTrackerStore`` and filled
through its ``save`` (a database of its own, as in production); the member
store is the migrated ``store_url`` fixture.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, event, func, inspect, select, text
from sqlalchemy.engine import Engine

from bot import retention
from bot.config import PROJECT_ROOT, load_settings
from bot.retention import PurgeCounts, TrackerCounts, ensure_tracker_indexes, purge_member_store, purge_tracker
from bot.store import session_scope
from bot.store.migrate import alembic_config
from bot.store.models import (Agent, AgentLoginAttempt, AgentRole, AgentSession, ApprovalRequest, ApprovalStatus,
                              AuditEvent, ChangeKind, ChatSession, HandoverStatus, HandoverTicket,
                              IdentificationAttempt, LetterKind, LetterOrder, LetterStatus, Member, Registration,
                              RegistrationMethod, RegistrationState, RegistrationStatus, SuggestionFeedback,
                              UnansweredQuestion)
from tests.conftest import _drop_postgres_database, _postgres_database

NOW = datetime(2026, 11, 29, 12, 0, 0)
NEW_INDEXES = {
    "approval_requests": "ix_approval_status_decided",
    "registrations": "ix_registrations_status_started",
    "suggestion_feedback": "ix_suggestion_feedback_created",
    "agent_login_attempts": "ix_agent_login_created",
    "agent_sessions": "ix_agent_sessions_last_seen",
}


# --- the tracker store, as Rasa creates and fills it -------------------------------------------


@pytest.fixture
def tracker_url(store_url: str, tmp_path) -> Iterator[str]:
    """An empty database for Rasa's tracker store, on the same kind of server as the member store."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    name = f"bot_tracker_{os.getpid()}"
    url = _postgres_database(name)
    try:
        yield url
    finally:
        _drop_postgres_database(name)


def rasa_store(url: str):
    """Rasa's own SQL tracker store on ``url``: it creates the ``events`` table as in production."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    return SQLTrackerStore(domain=Domain.empty(), host=url)


def conversation_events(last: datetime, turns: int = 2) -> list:
    """A conversation whose newest event is at ``last`` (naive UTC): session start, then ``turns`` exchanges."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for turn in range(turns):
        events += [UserUttered(f"Frage {turn}", {"name": "faq", "confidence": 1.0}),
                   BotUttered(f"Antwort {turn}"), ActionExecuted("action_listen")]
    end = last.replace(tzinfo=timezone.utc).timestamp()
    for back, item in enumerate(reversed(events)):
        item.timestamp = end - 60 * back
    return events


def save(store, sender: str, events: list) -> None:
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def continue_conversation(store, sender: str, at: datetime) -> None:
    """The member writes again at ``at``: Rasa reads the tracker, adds a turn and saves it."""
    import asyncio

    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    tracker = asyncio.run(store.retrieve(sender))
    moment = at.replace(tzinfo=timezone.utc).timestamp()
    for offset, item in enumerate([UserUttered("Noch eine Frage", {"name": "faq", "confidence": 1.0}),
                                   BotUttered("Gern"), ActionExecuted("action_listen")]):
        item.timestamp = moment + offset
        tracker.update(item)
    asyncio.run(store.save(tracker))


def stored_events(store, sender: str) -> int:
    import asyncio

    tracker = asyncio.run(store.retrieve_full_tracker(sender))
    return 0 if tracker is None else len(tracker.events)


def event_rows(url: str) -> dict[str, int]:
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all())
    engine.dispose()
    return rows


def index_names(url: str, table: str) -> set[str]:
    engine = create_engine(url, future=True)
    names = {index["name"] for index in inspect(engine).get_indexes(table)}
    engine.dispose()
    return names


class Statements:
    """Every DELETE and UPDATE any engine runs while active, with the rows it changed."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, int]] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("DELETE", "UPDATE"):
            self.changes.append((statement, cursor.rowcount))

    def __enter__(self) -> "Statements":
        event.listen(Engine, "after_cursor_execute", self)
        return self

    def __exit__(self, *_) -> None:
        event.remove(Engine, "after_cursor_execute", self)

    def on(self, table: str) -> list[int]:
        return [rows for statement, rows in self.changes if f" {table} " in f" {statement} ".replace("\n", " ")]


@pytest.fixture
def tracker(tracker_url: str):
    """Idle, fresh and long-running conversations saved by Rasa: 4 idle ones of 9 events each."""
    store = rasa_store(tracker_url)
    for number in range(4):
        save(store, f"idle-{number}", conversation_events(NOW - timedelta(days=40 + number), turns=2))
    save(store, "fresh", conversation_events(NOW - timedelta(days=1)))
    save(store, "almost-idle", conversation_events(NOW - timedelta(days=29, hours=23)))
    # started 90 days ago, the member wrote again two days ago: not idle, nothing of it goes
    save(store, "long-running", conversation_events(NOW - timedelta(days=90)) + conversation_events(NOW - timedelta(days=2)))
    yield store
    store.engine.dispose()


def test_idle_conversations_go_entirely_in_batches_and_the_rest_stays(tracker, tracker_url):
    before = event_rows(tracker_url)
    assert before["idle-0"] == 9 and before["long-running"] == 18
    with Statements() as statements:
        counts = purge_tracker(tracker_url, NOW - timedelta(days=30), batch_size=4)
    assert counts == TrackerCounts(conversations=4, events=36)
    after = event_rows(tracker_url)
    assert after == {sender: rows for sender, rows in before.items() if not sender.startswith("idle-")}
    for number in range(4):
        assert stored_events(tracker, f"idle-{number}") == 0
    assert stored_events(tracker, "long-running") == 18  # Rasa still reads the whole kept conversation
    deletes = statements.on("events")
    assert max(deletes) <= 4 and len([rows for rows in deletes if rows]) >= math.ceil(36 / 4)
    assert {"ix_events_timestamp", "ix_events_sender_timestamp"} <= index_names(tracker_url, "events")
    assert purge_tracker(tracker_url, NOW - timedelta(days=30), batch_size=4) == TrackerCounts(0, 0)
    assert event_rows(tracker_url) == after


def test_a_dry_run_counts_and_changes_nothing_not_even_the_indexes(tracker, tracker_url):
    before = event_rows(tracker_url)
    assert purge_tracker(tracker_url, NOW - timedelta(days=30), dry_run=True) == TrackerCounts(4, 36)
    assert event_rows(tracker_url) == before
    assert not {"ix_events_timestamp", "ix_events_sender_timestamp"} & index_names(tracker_url, "events")


def test_a_conversation_that_goes_on_is_not_deleted(tracker, tracker_url):
    continue_conversation(tracker, "idle-0", NOW - timedelta(hours=1))
    assert event_rows(tracker_url)["idle-0"] == 12
    assert purge_tracker(tracker_url, NOW - timedelta(days=30)) == TrackerCounts(3, 27)
    assert stored_events(tracker, "idle-0") == 12


def test_no_events_table_means_nothing_to_purge_and_the_indexes_are_created_once(tracker_url):
    assert purge_tracker(tracker_url, NOW) is None
    store = rasa_store(tracker_url)
    engine = create_engine(tracker_url, future=True)
    try:
        assert sorted(ensure_tracker_indexes(engine)) == ["ix_events_sender_timestamp", "ix_events_timestamp"]
        assert ensure_tracker_indexes(engine) == []
    finally:
        engine.dispose()
        store.engine.dispose()


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_an_index_an_interrupted_build_left_invalid_is_rebuilt(tracker, tracker_url):
    engine = create_engine(tracker_url, future=True)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            with pytest.raises(Exception):  # duplicate sender ids: the build fails and leaves the index invalid
                conn.execute(text("CREATE UNIQUE INDEX CONCURRENTLY ix_events_timestamp ON events (sender_id)"))
            conn.rollback()
            valid = "SELECT indisvalid, indisunique FROM pg_index WHERE indexrelid = to_regclass('ix_events_timestamp')"
            assert conn.execute(text(valid)).one() == (False, True)
            assert "ix_events_timestamp" in ensure_tracker_indexes(engine)
            assert conn.execute(text(valid)).one() == (True, False)
    finally:
        engine.dispose()


# --- the member store --------------------------------------------------------------------------


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def add_member(session, number: str, **values) -> Member:
    member = Member(**{"insurance_number": number, "postcode": "85221", "name": "Anna Berger",
                       "state": RegistrationState.ACTIVE, "created_at": days_ago(500), **values})
    session.add(member)
    session.flush()
    return member


def approval(member: Member, public_id: str, status: ApprovalStatus, created: datetime, decided=None,
             email: str = "anna.neu@example.de") -> ApprovalRequest:
    return ApprovalRequest(public_id=public_id, member_id=member.id, kind=ChangeKind.EMAIL,
                           new_value=f'{{"email": "{email}"}}', status=status, created_at=created,
                           expires_at=created + timedelta(minutes=5), decided_at=decided)


@pytest.fixture
def filled(engine):
    """A member store with old and recent rows of every table the purge looks at (NOW is the reference)."""
    with session_scope(engine) as s:
        anna = add_member(s, "A123456780", email="anna@example.de", twofa_device_at=days_ago(400))
        ben = add_member(s, "B204816328", state=RegistrationState.LETTER_SENT)
        carl = add_member(s, "C314159266", state=RegistrationState.LETTER_SENT)
        dora = add_member(s, "D271828180")
        s.add_all([
            approval(anna, "applied-old", ApprovalStatus.APPLIED, days_ago(41), days_ago(41)),
            approval(anna, "rejected-old", ApprovalStatus.REJECTED, days_ago(42), days_ago(42)),
            approval(anna, "expired-old", ApprovalStatus.EXPIRED, days_ago(43), days_ago(43)),
            approval(anna, "applied-recent", ApprovalStatus.APPLIED, days_ago(10), days_ago(10)),
            approval(anna, "pending-open", ApprovalStatus.PENDING, NOW - timedelta(minutes=1)),
            approval(anna, "pending-forgotten", ApprovalStatus.PENDING, days_ago(45)),
            approval(anna, "pending-lapsed", ApprovalStatus.PENDING, days_ago(10)),
        ])
        for number in range(5):
            s.add(IdentificationAttempt(number_key=f"n{number}", conversation_key="c", source_key="s", succeeded=0,
                                        created_at=days_ago(31 + number)))
        s.add(IdentificationAttempt(number_key="recent", conversation_key="c", source_key="s", succeeded=0,
                                    created_at=days_ago(2)))
        for ref, expires in (("gone", days_ago(2)), ("just-expired", NOW - timedelta(hours=1)),
                             ("valid", NOW + timedelta(minutes=30))):
            s.add(ChatSession(ref=ref, token_hash=f"hash-{ref}", conversation_key="c", insurance_number="A123456780",
                              created_at=expires - timedelta(hours=1), expires_at=expires))
        s.add_all([
            Registration(member_id=ben.id, method=RegistrationMethod.LETTER, status=RegistrationStatus.PENDING,
                         unverified_email="ben@example.de", unverified_phone="+491701234567", started_at=days_ago(70)),
            Registration(member_id=carl.id, method=RegistrationMethod.LETTER, status=RegistrationStatus.PENDING,
                         unverified_email="carl@example.de", started_at=days_ago(40)),
            Registration(member_id=dora.id, method=RegistrationMethod.VIDEO, status=RegistrationStatus.COMPLETED,
                         started_at=days_ago(200), completed_at=days_ago(199)),
        ])
        agent = Agent(username="lea", password_hash="x", role=AgentRole.AGENT, active=1, created_at=days_ago(300))
        s.add(agent)
        s.flush()
        for age in (40, 5):
            s.add(UnansweredQuestion(question=f"Frage vor {age} Tagen", outcome="hotline", created_at=days_ago(age)))
            s.add(SuggestionFeedback(agent_id=agent.id, question=f"Frage {age}", topic="t", fits=0,
                                     created_at=days_ago(age)))
            s.add(AgentLoginAttempt(username_key="u", source_key="s", succeeded=1, created_at=days_ago(age)))
            s.add(AgentSession(token_hash=f"t{age}", agent_id=agent.id, csrf_token="c", created_at=days_ago(age),
                               last_seen_at=days_ago(age), ended_at=days_ago(age)))
        for public_id, status, age in (("closed-old", HandoverStatus.CLOSED, 40), ("expired-old", HandoverStatus.EXPIRED, 41),
                                       ("waiting-old", HandoverStatus.WAITING, 42), ("closed-recent", HandoverStatus.CLOSED, 5)):
            s.add(HandoverTicket(public_id=public_id, conversation_id=f"conv-{public_id}", status=status,
                                 created_at=days_ago(age), closed_at=None if status == HandoverStatus.WAITING else days_ago(age)))
        s.add(AuditEvent(created_at=days_ago(400), actor="chat", action="identification_failed", detail="A******780"))
        s.add(LetterOrder(member_id=ben.id, kind=LetterKind.REGISTRATION, status=LetterStatus.EXPORTED,
                          reference="REF-OLD", created_at=days_ago(400)))
    return engine


def snapshot(engine) -> dict:
    """Every row of every table the purge touches or must keep, as plain tuples."""
    models = (ApprovalRequest, IdentificationAttempt, ChatSession, Registration, UnansweredQuestion, SuggestionFeedback,
              HandoverTicket, AgentLoginAttempt, AgentSession, AuditEvent, LetterOrder, Member)
    with engine.connect() as conn:
        return {model.__tablename__: sorted(tuple(row) for row in conn.execute(select(model.__table__)).all())
                for model in models}


EXPECTED = PurgeCounts(approval_values_blanked=3, approvals_expired=1, identification_attempts=5, chat_sessions=1,
                       registrations_cleared=1, unanswered_questions=1, suggestion_feedback=1, handover_tickets=2,
                       agent_login_attempts=1, agent_sessions=1)


def test_the_member_store_keeps_what_is_recent_open_or_audit(filled):
    with Statements() as statements:
        counts = purge_member_store(filled, days=30, now=NOW, batch_size=2)
    assert counts == EXPECTED
    assert max(statements.on("identification_attempts")) <= 2 and len(statements.on("identification_attempts")) >= 3
    with session_scope(filled) as s:
        requests = {r.public_id: r for r in s.execute(select(ApprovalRequest)).scalars()}
        for public_id in ("applied-old", "rejected-old", "expired-old"):
            assert requests[public_id].new_value == ""
            assert requests[public_id].decided_at is not None  # the audit keeps status and times
        assert requests["applied-old"].status == ApprovalStatus.APPLIED
        assert requests["pending-forgotten"].status == ApprovalStatus.EXPIRED
        assert requests["pending-forgotten"].decided_at == requests["pending-forgotten"].expires_at
        assert requests["pending-forgotten"].new_value == ""
        for public_id in ("applied-recent", "pending-open", "pending-lapsed"):
            assert requests[public_id].new_value == '{"email": "anna.neu@example.de"}'
        assert requests["pending-open"].status == requests["pending-lapsed"].status == ApprovalStatus.PENDING
        assert s.execute(select(IdentificationAttempt.number_key)).scalars().all() == ["recent"]
        assert sorted(s.execute(select(ChatSession.ref)).scalars()) == ["just-expired", "valid"]
        registrations = {r.member_id: r for r in s.execute(select(Registration)).scalars()}
        ben, carl = (s.execute(select(Member.id).where(Member.insurance_number == n)).scalar_one()
                     for n in ("B204816328", "C314159266"))
        assert (registrations[ben].unverified_email, registrations[ben].unverified_phone) == (None, None)
        assert registrations[ben].status == RegistrationStatus.PENDING
        assert registrations[carl].unverified_email == "carl@example.de"  # the letter's QR code still works
        assert s.execute(select(UnansweredQuestion.question)).scalars().all() == ["Frage vor 5 Tagen"]
        assert s.execute(select(SuggestionFeedback.question)).scalars().all() == ["Frage 5"]
        assert sorted(s.execute(select(HandoverTicket.public_id)).scalars()) == ["closed-recent", "waiting-old"]
        assert s.execute(select(func.count()).select_from(AgentLoginAttempt)).scalar_one() == 1
        assert s.execute(select(AgentSession.token_hash)).scalars().all() == ["t5"]
        assert s.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(LetterOrder)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Member)).scalar_one() == 4
    after = snapshot(filled)
    assert purge_member_store(filled, days=30, now=NOW, batch_size=2) == PurgeCounts()
    assert snapshot(filled) == after


def test_a_member_store_dry_run_counts_what_the_purge_then_does(filled):
    before = snapshot(filled)
    assert purge_member_store(filled, days=30, now=NOW, dry_run=True) == EXPECTED
    assert snapshot(filled) == before
    assert purge_member_store(filled, days=30, now=NOW) == EXPECTED


def test_attempts_inside_the_lock_window_stay_whatever_the_retention(engine):
    with session_scope(engine) as s:
        for hours in (100, 70, 30):
            s.add(IdentificationAttempt(number_key=f"h{hours}", conversation_key="c", source_key="s", succeeded=0,
                                        created_at=NOW - timedelta(hours=hours)))
    settings = replace(load_settings(), ident_lock_hours=72)
    assert purge_member_store(engine, days=1, now=NOW, settings=settings).identification_attempts == 1
    with session_scope(engine) as s:
        assert sorted(s.execute(select(IdentificationAttempt.number_key)).scalars()) == ["h30", "h70"]


def test_the_migration_creates_the_purge_indexes(store_url):
    engine = create_engine(store_url, future=True)
    try:
        def present() -> dict[str, bool]:
            found = inspect(engine)
            return {table: name in {ix["name"] for ix in found.get_indexes(table)} for table, name in NEW_INDEXES.items()}

        assert all(present().values())
        command.downgrade(alembic_config(store_url), "0004")
        assert not any(present().values())
        command.upgrade(alembic_config(store_url), "head")
        assert all(present().values())
    finally:
        engine.dispose()


# --- the command -------------------------------------------------------------------------------


def run_purge(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env}
    return subprocess.run([sys.executable, "-m", "bot", "purge", *args], cwd=PROJECT_ROOT, env=environment,  # noqa: S603
                          capture_output=True, text=True, timeout=300)


def test_python_m_bot_purge(store_url, tracker_url):
    now = datetime.utcnow()
    store = rasa_store(tracker_url)
    try:
        save(store, "idle", conversation_events(now - timedelta(days=75)))
        save(store, "quiet", conversation_events(now - timedelta(days=45)))
        save(store, "fresh", conversation_events(now - timedelta(hours=3)))
    finally:
        store.engine.dispose()
    from bot.store import get_engine

    with session_scope(get_engine()) as s:
        anna = add_member(s, "A123456780", twofa_device_at=now)
        s.add(approval(anna, "old", ApprovalStatus.APPLIED, now - timedelta(days=50), now - timedelta(days=50),
                       email="geheim.neu@example.de"))
        s.add(approval(anna, "open", ApprovalStatus.PENDING, now))
    env = {"DATABASE_URL": store_url, "TRACKER_STORE_URL": tracker_url, "MEMBER_HASH_KEY": "test-key"}

    dry = run_purge("--days", "30", "--dry-run", **env)
    assert dry.returncode == 0, dry.stderr
    assert "tracker store: 2 conversations (18 events) would be deleted" in dry.stdout
    assert event_rows(tracker_url) == {"idle": 9, "quiet": 9, "fresh": 9}

    # the default comes from RETENTION_DAYS: 60 days keep the conversation idle for 45
    done = run_purge("--batch-size", "3", **env, RETENTION_DAYS="60")
    assert done.returncode == 0, done.stderr
    assert "retention 60 days" in done.stdout
    assert "tracker store: 1 conversations (9 events) deleted" in done.stdout
    assert event_rows(tracker_url) == {"quiet": 9, "fresh": 9}

    done = run_purge("--days", "30", "--batch-size", "3", **env)
    assert done.returncode == 0, done.stderr
    assert "tracker store: 1 conversations (9 events) deleted" in done.stdout
    assert "       1  approval requests: new values blanked (row kept)" in done.stdout
    for secret in ("geheim", "example.de", "A123456780", tracker_url, store_url):
        assert secret not in done.stdout + done.stderr
    assert event_rows(tracker_url) == {"fresh": 9}
    with session_scope(get_engine()) as s:
        values = dict(s.execute(select(ApprovalRequest.public_id, ApprovalRequest.new_value)).all())
    assert values == {"old": "", "open": '{"email": "anna.neu@example.de"}'}

    again = run_purge("--days", "30", **env)
    assert again.returncode == 0 and "tracker store: 0 conversations (0 events) deleted" in again.stdout
    assert "member store: 0 rows changed or deleted" in again.stdout

    without = run_purge("--days", "30", **{**env, "TRACKER_STORE_URL": ""})
    assert without.returncode == 0 and "TRACKER_STORE_URL is not set" in without.stdout and "skipped" in without.stdout

    refused = run_purge("--days", "0", **env)
    assert refused.returncode == 2 and "at least 1" in refused.stderr


def test_a_store_that_is_not_reachable_fails_the_command_without_its_address(store_url):
    failed = run_purge("--days", "30", DATABASE_URL=store_url, MEMBER_HASH_KEY="test-key", DB_CONNECT_TIMEOUT_SECONDS="2",
                       TRACKER_STORE_URL="postgresql://purger:s3cret-pw@127.0.0.1:1/tracker")
    assert failed.returncode == 1
    assert "tracker store: error, purge stopped (OperationalError" in failed.stdout
    assert "member store: 0 rows changed or deleted" in failed.stdout  # the other store is still purged
    assert "s3cret-pw" not in failed.stdout + failed.stderr
