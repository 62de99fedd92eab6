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


class Ago(int):
    """A time claim given as seconds relative to the moment the token is made (negative: in the past)."""


def claims(**changes) -> dict:
    """Valid token claims relative to the machine's clock, with ``changes`` (None drops a claim, Ago is relative)."""
    now = int(datetime.now(timezone.utc).timestamp())
    base = {"sub": "C314159266", "aud": "online-filiale-chat", "iat": now - 60, "exp": now + 600}
    base.update({k: now + v if isinstance(v, Ago) else v for k, v in changes.items()})
    return {k: v for k, v in base.items() if v is not None}


def token(secret: str = SECRET, algorithm: str = "HS256", **changes) -> str:
    return jwt.encode(claims(**changes), secret, algorithm=algorithm)


def test_a_minted_token_verifies():
    minted = sessions.mint("C314159266", SECRET)
    assert sessions.verify(minted, SECRET) == sessions.MemberSession("C314159266")
    decoded = jwt.decode(minted, SECRET, algorithms=["HS256"], audience="online-filiale-chat")
    assert decoded["exp"] - decoded["iat"] == 3600 and "sid" not in decoded
    assert jwt.decode(sessions.mint("C314159266", SECRET, conversation_id="c-1"), SECRET, algorithms=["HS256"],
                      audience="online-filiale-chat")["sid"] == "c-1"


def test_a_handmade_token_with_every_claim_verifies():
    assert sessions.verify(token(), SECRET).ok


@pytest.mark.parametrize("changes,problem", [
    ({"exp": None}, "invalid"),
    ({"iat": None}, "invalid"),
    ({"aud": None}, "invalid"),
    ({"aud": "another-service"}, "invalid"),
    ({"sub": "C314159267"}, "invalid"),
    ({"sub": None}, "invalid"),
    # exp - iat over MEMBER_TOKEN_MAX_AGE_SECONDS (3600 by default)
    ({"iat": Ago(-10), "exp": Ago(3600)}, "invalid"),
    # issued in the future, beyond the 30 s leeway
    ({"iat": Ago(120)}, "invalid"),
    ({"iat": Ago(-1200), "exp": Ago(-60)}, "expired"),
], ids=["no-exp", "no-iat", "no-aud", "wrong-aud", "bad-check-digit", "no-sub", "too-long-lived", "future-iat", "expired"])
def test_bad_tokens(changes, problem):
    assert sessions.verify(token(**changes), SECRET).problem == sessions.SessionProblem(problem)


@pytest.mark.parametrize("raw,problem", [(None, "missing"), ("", "missing"), ("not-a-token", "invalid"),
                                         ("x" * 5000, "invalid")])
def test_missing_or_malformed_tokens(raw, problem):
    assert sessions.verify(raw, SECRET).problem == sessions.SessionProblem(problem)


def test_wrong_secret_algorithm_or_none_is_refused():
    assert sessions.verify(token(secret="another-secret-0123456789abcdefghijkl"), SECRET).problem.value == "invalid"
    assert sessions.verify(token(algorithm="HS512"), SECRET).problem.value == "invalid"
    unsigned = jwt.encode(claims(), key=None, algorithm="none")
    assert sessions.verify(unsigned, SECRET).problem.value == "invalid"


def test_clock_skew_of_thirty_seconds_is_tolerated():
    now = datetime.now(timezone.utc)
    early = token(iat=int(now.timestamp()) + 20, exp=int(now.timestamp()) + 600)
    assert sessions.verify(early, SECRET).ok
    late = token(iat=int(now.timestamp()) - 600, exp=int(now.timestamp()) - 20)
    assert sessions.verify(late, SECRET).ok
    too_late = token(iat=int(now.timestamp()) - 600, exp=int(now.timestamp()) - 40)
    assert sessions.verify(too_late, SECRET).problem.value == "expired"


def test_a_token_for_another_conversation_is_refused():
    bound = token(sid="conversation-a")
    assert sessions.verify(bound, SECRET, conversation_id="conversation-a").ok
    assert sessions.verify(bound, SECRET, conversation_id="conversation-b").problem.value == "invalid"
    assert sessions.verify(bound, SECRET).problem.value == "invalid"


def test_without_a_secret_sessions_are_off():
    minted = sessions.mint("C314159266", SECRET)
    assert sessions.verify(minted, "").problem == sessions.SessionProblem.DISABLED
    with pytest.raises(ValueError):
        sessions.mint("C314159266", "")


def test_token_expiry_at_a_given_time():
    start = datetime.now(timezone.utc).replace(microsecond=0)
    minted = sessions.mint("C314159266", SECRET, timedelta(minutes=5), now=start)
    assert sessions.verify(minted, SECRET, now=start + timedelta(minutes=4)).ok
    assert sessions.verify(minted, SECRET, now=start + timedelta(minutes=6)).problem == sessions.SessionProblem.EXPIRED


def test_mint_refuses_a_lifetime_over_the_maximum():
    with pytest.raises(ValueError):
        sessions.mint("C314159266", SECRET, timedelta(hours=2))


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
