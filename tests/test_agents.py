"""Agent accounts, console sessions, the login delay, caller lookup, gaps and hand-over tickets (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from argparse import Namespace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot import cli
from bot.config import load_settings
from bot.services import agents, callers, gaps, handover
from bot.store import AuditEvent, LetterOrder, session_scope
from bot.store.models import Agent, AgentRole, HandoverStatus
from bot.store.seed import seed_demo

NOW = datetime(2026, 11, 30, 10, 0, 0)  # a Monday, 11:00 in Berlin
PASSWORD = "korrekt-pferd-batterie"


@pytest.fixture
def store(engine):
    with session_scope(engine) as session:
        seed_demo(session, NOW)
        agents.add_agent(session, "anna.hotline", PASSWORD, now=NOW)
        agents.add_agent(session, "lena.lead", PASSWORD, AgentRole.LEAD, now=NOW)
    return engine


def login(username: str, password: str, source: str = "10.0.0.1", now: datetime = NOW):
    with session_scope() as session:
        return agents.login(session, username, password, source, now=now)


def test_passwords_are_argon2_hashes_and_short_ones_are_refused(store):
    with session_scope() as session:
        agent = session.execute(select(Agent).where(Agent.username == "anna.hotline")).scalar_one()
        assert agent.password_hash.startswith("$argon2") and PASSWORD not in agent.password_hash
        with pytest.raises(agents.AccountError):
            agents.add_agent(session, "kurz", "elf-zeichen")
        with pytest.raises(agents.AccountError):
            agents.add_agent(session, "anna.hotline", PASSWORD)


def test_login_and_session_expiry(store):
    assert login("anna.hotline", "falsch-falsch-falsch") is None
    assert login("niemand", PASSWORD) is None
    logged_in = login("anna.hotline", PASSWORD)
    assert logged_in is not None and logged_in.role == AgentRole.AGENT
    settings = load_settings()
    with session_scope() as session:
        console = agents.current(session, logged_in.cookie, now=NOW + timedelta(minutes=29), settings=settings)
        assert console.username == "anna.hotline" and console.csrf_ok(logged_in.csrf_token) and not console.csrf_ok("x")
        # touched at 29 minutes: still open 29 minutes later; idle for 31 minutes: ended
        assert agents.current(session, logged_in.cookie, now=NOW + timedelta(minutes=58), settings=settings) is not None
        assert agents.current(session, logged_in.cookie, now=NOW + timedelta(minutes=90), settings=settings) is None
        assert agents.current(session, logged_in.cookie, now=NOW + timedelta(minutes=91), settings=settings) is None


def test_sessions_end_after_eight_hours_however_active(store):
    logged_in = login("anna.hotline", PASSWORD)
    moment = NOW
    with session_scope() as session:
        while moment < NOW + timedelta(hours=7, minutes=50):
            moment += timedelta(minutes=20)
            assert agents.current(session, logged_in.cookie, now=moment) is not None
        assert agents.current(session, logged_in.cookie, now=NOW + timedelta(hours=8, minutes=1)) is None


def test_logout_and_disabling_end_sessions(store):
    first, second = login("anna.hotline", PASSWORD), login("anna.hotline", PASSWORD)
    with session_scope() as session:
        agents.logout(session, first.cookie, now=NOW)
        assert agents.current(session, first.cookie, now=NOW) is None
        assert agents.current(session, second.cookie, now=NOW) is not None
    assert cli.cmd_agents_disable(Namespace(name="anna.hotline"), io.StringIO()) == 0
    with session_scope() as session:
        assert agents.current(session, second.cookie, now=NOW) is None
    assert login("anna.hotline", PASSWORD) is None  # a disabled account cannot log in


def test_the_login_delay_grows_per_account_and_per_source(store):
    assert [agents.login_delay(n).total_seconds() for n in range(0, 12)] == [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    for n in range(4):
        login("lena.lead", "falsch-falsch-falsch", source=f"10.0.0.{n + 10}", now=NOW + timedelta(seconds=n))
    with session_scope() as session:
        # the account waits 8 s after its 4th failure, whichever source tries next ...
        assert agents.wait_before_login(session, "lena.lead", "10.9.9.9", now=NOW + timedelta(seconds=3)) == 8
        # ... and a source that failed for many accounts waits too
        for n in range(3):
            agents.login(session, f"user{n}", "x" * 12, "10.0.0.99", now=NOW)
        assert agents.wait_before_login(session, "anna.hotline", "10.0.0.99", now=NOW) == 4
        assert agents.wait_before_login(session, "anna.hotline", "10.0.0.98", now=NOW) == 0
        assert agents.wait_before_login(session, "lena.lead", "10.9.9.9", now=NOW + timedelta(minutes=16)) == 0


def test_failed_and_successful_logins_are_audited(store):
    login("anna.hotline", "falsch-falsch-falsch")
    login("anna.hotline", PASSWORD)
    with session_scope() as session:
        actions = [e.action for e in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert "agent_login_failed" in actions and "agent_login" in actions


def test_cli_agents_add_reads_the_password_from_stdin(store):
    out = io.StringIO()
    args = Namespace(name="neu.agent", role="lead", password_stdin=True, stdin=io.StringIO(PASSWORD + "\n"))
    assert cli.cmd_agents_add(args, out) == 0 and "neu.agent added (lead)" in out.getvalue()
    short = Namespace(name="zu.kurz", role="agent", password_stdin=True, stdin=io.StringIO("kurz\n"))
    assert cli.cmd_agents_add(short, io.StringIO()) == 2
    listed = io.StringIO()
    cli.cmd_agents_list(Namespace(), listed)
    assert "neu.agent" in listed.getvalue() and "zu.kurz" not in listed.getvalue() and PASSWORD not in listed.getvalue()


def test_caller_lookup_shows_only_masked_data_and_is_audited(store):
    with session_scope() as session:
        view = callers.lookup(session, "C314159266", "agent:anna.hotline", now=NOW)
    text = str(view)
    for full in ("C314159266", "Claudia", "Maier", "claudia.maier@example.de", "+491701234567", "DE89370400440532013000",
                 "Am Weiher", "84030"):
        assert full not in text
    assert view["initials"] == "C. M." and view["insurance_number"] == "C******266" and view["twofa_device"] is True
    with session_scope() as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "caller_lookup")).scalar_one()
    assert event.actor == "agent:anna.hotline" and "C******266" in event.detail


def test_an_agent_resend_is_one_order_and_one_audit_event(store):
    with session_scope() as session:
        before = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        result = callers.resend(session, "D271828180", "agent:anna.hotline", now=NOW)
    assert result.reference
    with session_scope() as session:
        orders = session.execute(select(LetterOrder).where(LetterOrder.reference == result.reference)).scalars().all()
        events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()[before:]
    assert len(orders) == 1
    assert [(e.actor, e.action) for e in events] == [("agent:anna.hotline", "letter_ordered:resend")]


def test_gaps_group_masked_questions(store):
    with session_scope() as session:
        gaps.record(session, "Wie bekomme ich Krankengeld?", "hotline", now=NOW)
        gaps.record(session, "wie bekomme ich krankengeld", "clarify", now=NOW)
        gaps.record(session, "Meine Nummer ist A123456780, was nun?", "clarify", now=NOW)
        gaps.record(session, "uralt", "hotline", now=NOW - timedelta(days=30))
        report = gaps.report(session, 7, now=NOW)
    assert report[0]["count"] == 2 and report[0]["outcomes"] == {"Hotline": 1, "Meinten Sie ...?": 1}
    assert all("A123456780" not in row["question"] for row in report) and len(report) == 2


def test_service_hours_in_berlin_time():
    hours = handover.ServiceHours(0, 4, datetime(2000, 1, 1, 8).time(), 18 * 60)
    assert hours.is_open(datetime(2026, 11, 30, 7, 30, tzinfo=timezone.utc))      # Monday 08:30 in Berlin
    assert not hours.is_open(datetime(2026, 11, 30, 6, 30, tzinfo=timezone.utc))  # Monday 07:30 in Berlin
    assert not hours.is_open(datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc))  # Monday 18:00 in Berlin
    assert not hours.is_open(datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc))  # Sunday
    assert hours.is_open(datetime(2026, 7, 6, 15, 30, tzinfo=timezone.utc))       # summer time: 17:30 in Berlin
    assert hours.describe() == "Montag bis Freitag, 08:00 bis 18:00 Uhr"


def test_one_agent_per_ticket_and_the_timeout(store):
    with session_scope() as session:
        first = handover.request(session, "w-conversation-1", now=NOW)
        again = handover.request(session, "w-conversation-1", now=NOW)
        other = handover.request(session, "w-conversation-2", now=NOW)
    assert first.outcome == handover.RequestOutcome.WAITING and first.public_id == again.public_id
    with session_scope() as session:
        anna, lena = (session.execute(select(Agent.id).where(Agent.username == n)).scalar_one()
                      for n in ("anna.hotline", "lena.lead"))
        handover.take(session, first.public_id, anna, "agent:anna.hotline", now=NOW)
    with pytest.raises(handover.TicketError), session_scope() as session:
        handover.take(session, first.public_id, lena, "agent:lena.lead", now=NOW)
    with pytest.raises(handover.TicketError), session_scope() as session:
        handover.close(session, first.public_id, lena, "agent:lena.lead", now=NOW)
    with session_scope() as session:
        expired = handover.expire_overdue(session, now=NOW + timedelta(minutes=6))
    assert expired == ["w-conversation-2"]  # the taken one does not expire
    with session_scope() as session:
        assert handover.open_ticket(session, "w-conversation-2") is None
        assert handover.close(session, first.public_id, anna, "agent:anna.hotline").status == HandoverStatus.CLOSED


def test_outside_service_hours_no_ticket(store):
    with session_scope() as session:
        sunday = handover.request(session, "w-c", now=datetime(2026, 11, 29, 12, 0))
    assert sunday.outcome == handover.RequestOutcome.CLOSED and sunday.public_id is None
