"""Signed sessions and 2FA approval requests (bot/sessions.py, bot/services/approvals.py)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from sqlalchemy import select

from bot import sessions
from bot.config import load_settings
from bot.services import approvals
from bot.services.approvals import CreateOutcome, DecisionError
from bot.store import AuditEvent, Member, session_scope
from bot.store.models import ApprovalRequest, ApprovalStatus, ChangeKind
from bot.store.seed import seed_demo

SECRET = "approvals-test-secret-0123456789abcdefghij"
NOW = datetime(2026, 11, 29, 12, 0, 0)
ADDRESS = {"street": "Neue Straße", "house_number": "7a", "postcode": "84028", "city": "Landshut"}


def test_a_minted_token_verifies():
    token = sessions.mint("C314159266", SECRET)
    assert sessions.verify(token, SECRET) == sessions.MemberSession("C314159266")


@pytest.mark.parametrize("token,problem", [
    (None, sessions.SessionProblem.MISSING),
    ("", sessions.SessionProblem.MISSING),
    ("not-a-token", sessions.SessionProblem.INVALID),
    (jwt.encode({"sub": "C314159266", "exp": 4102444800}, "another-secret", algorithm="HS256"), sessions.SessionProblem.INVALID),
    (jwt.encode({"sub": "C314159266"}, SECRET, algorithm="HS256"), sessions.SessionProblem.INVALID),  # no exp
    (jwt.encode({"sub": "C314159267", "exp": 4102444800}, SECRET, algorithm="HS256"), sessions.SessionProblem.INVALID),
    (jwt.encode({"sub": "C314159266", "exp": 4102444800}, SECRET, algorithm="HS512"), sessions.SessionProblem.INVALID),
    (jwt.encode({"sub": "C314159266", "exp": 1000}, SECRET, algorithm="HS256"), sessions.SessionProblem.EXPIRED),
])
def test_bad_tokens(token, problem):
    assert sessions.verify(token, SECRET).problem == problem


def test_an_unsigned_token_is_refused():
    token = jwt.encode({"sub": "C314159266", "exp": 4102444800}, key=None, algorithm="none")
    assert sessions.verify(token, SECRET).problem == sessions.SessionProblem.INVALID


def test_without_a_secret_sessions_are_off():
    token = sessions.mint("C314159266", SECRET)
    assert sessions.verify(token, "").problem == sessions.SessionProblem.DISABLED
    with pytest.raises(ValueError):
        sessions.mint("C314159266", "")


def test_token_expiry_at_a_given_time():
    token = sessions.mint("C314159266", SECRET, timedelta(minutes=5), now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert sessions.verify(token, SECRET, now=datetime(2026, 1, 1, 0, 4)).ok
    assert sessions.verify(token, SECRET, now=datetime(2026, 1, 1, 0, 6)).problem == sessions.SessionProblem.EXPIRED


@pytest.fixture
def store(engine):
    with session_scope(engine) as session:
        seed_demo(session, NOW)
    return engine


def create(engine, number="C314159266", kind=ChangeKind.ADDRESS, value=ADDRESS, now=NOW):
    with session_scope(engine) as session:
        return approvals.create(session, number, kind, value, now=now)


def state(engine, number="C314159266", public_id=None, now=NOW):
    with session_scope(engine) as session:
        return approvals.state(session, number, public_id, now=now)


def member(engine, number):
    with session_scope(engine) as session:
        return session.execute(select(Member).where(Member.insurance_number == number)).scalar_one()


def test_approved_change_is_applied(store):
    created = create(store)
    assert created.outcome == CreateOutcome.CREATED
    assert created.expires_at == NOW + timedelta(seconds=load_settings().approval_window_seconds)
    pending = state(store, public_id=created.public_id, now=NOW + timedelta(seconds=60))
    assert pending.status == ApprovalStatus.PENDING and pending.seconds_left == 240
    assert member(store, "C314159266").postcode == "84030"
    with session_scope(store) as session:
        approvals.approve(session, created.public_id, now=NOW + timedelta(seconds=61))
    assert state(store, public_id=created.public_id).status == ApprovalStatus.APPLIED
    m = member(store, "C314159266")
    assert (m.street, m.house_number, m.postcode, m.city) == ("Neue Straße", "7a", "84028", "Landshut")


def test_expired_request_changes_nothing_and_cannot_be_approved(store):
    created = create(store)
    late = NOW + timedelta(seconds=301)
    assert state(store, public_id=created.public_id, now=late).status == ApprovalStatus.EXPIRED
    with pytest.raises(DecisionError), session_scope(store) as session:
        approvals.approve(session, created.public_id, now=late)
    assert member(store, "C314159266").postcode == "84030"


def test_rejected_request_changes_nothing(store):
    created = create(store, kind=ChangeKind.EMAIL, value={"email": "neu@example.de"})
    with session_scope(store) as session:
        approvals.reject(session, created.public_id, now=NOW)
    assert state(store, public_id=created.public_id).status == ApprovalStatus.REJECTED
    assert member(store, "C314159266").email == "claudia.maier@example.de"


def test_no_device_no_request(store):
    assert create(store, number="D271828180").outcome == CreateOutcome.NO_DEVICE
    with session_scope(store) as session:
        assert session.execute(select(ApprovalRequest)).first() is None


def test_the_same_change_twice_is_one_request(store):
    first, second = create(store), create(store, now=NOW + timedelta(seconds=5))
    assert second.outcome == CreateOutcome.ALREADY_PENDING and second.public_id == first.public_id


def test_another_member_can_neither_see_nor_complete_a_request(store):
    created = create(store)
    with session_scope(store) as session:
        # Dieter's session asks for Claudia's request id: nothing is found.
        assert approvals.state(session, "D271828180", created.public_id, now=NOW) is None
    assert state(store, public_id=created.public_id).status == ApprovalStatus.PENDING


def test_approval_and_status_checks_racing_apply_the_change_exactly_once(store):
    created = create(store, kind=ChangeKind.PHONE, value={"phone": "+491709876543"})
    start = threading.Barrier(8)
    outcomes, errors = [], []

    def approve() -> None:
        start.wait()
        try:
            with session_scope(store) as session:
                approvals.approve(session, created.public_id, now=NOW)
            outcomes.append("approved")
        except DecisionError:
            outcomes.append("refused")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def check() -> None:
        start.wait()
        try:
            state(store, public_id=created.public_id)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=approve) for _ in range(4)] + [threading.Thread(target=check) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(outcomes) == ["approved", "refused", "refused", "refused"]
    with session_scope(store) as session:
        applied = session.execute(select(AuditEvent).where(AuditEvent.action == "approval_applied:phone")).scalars().all()
    assert len(applied) == 1
    assert member(store, "C314159266").phone == "+491709876543"
