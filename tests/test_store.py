"""The member store and its services, on SQLite and PostgreSQL (see the store_url fixture)."""

from __future__ import annotations

import io
import threading
from argparse import Namespace
from datetime import datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import func, select

from bot import cli
from bot.privacy import keyed_hash
from bot.services import identification, letters, registration, twofa
from bot.services.identification import Outcome
from bot.services.letters import OrderOutcome
from bot.services.registration import RegistrationOutcome
from bot.store import AuditEvent, IdentificationAttempt, LetterOrder, Member, session_scope
from bot.store.migrate import alembic_config
from bot.store.models import LetterKind, LetterStatus, RegistrationMethod, RegistrationState
from bot.store.seed import seed_demo

NOW = datetime(2026, 11, 29, 12, 0, 0)


@pytest.fixture
def seeded(engine):
    with session_scope(engine) as session:
        assert seed_demo(session, NOW) == 6
    return engine


def member_id(engine, number: str) -> int:
    with session_scope(engine) as session:
        return session.execute(select(Member.id).where(Member.insurance_number == number)).scalar_one()


def count(engine, model, *where) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_migrations_match_the_models_and_go_down_and_up(store_url):
    config = alembic_config(store_url)
    command.check(config)  # raises when the models and the migrated schema differ
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)


def test_demo_seed_is_complete_and_idempotent(seeded):
    with session_scope(seeded) as session:
        members = {m.insurance_number: m for m in session.execute(select(Member)).scalars()}
        assert seed_demo(session, NOW) == 0
    assert set(members) == {"A123456780", "B204816328", "C314159266", "D271828180", "E161803391", "F141421359"}
    assert members["A123456780"].state == RegistrationState.UNREGISTERED
    assert members["B204816328"].state == RegistrationState.LETTER_SENT
    assert members["B204816328"].registered_at == NOW - timedelta(days=10)
    assert members["C314159266"].twofa_device_at is not None and members["C314159266"].email
    assert members["D271828180"].postcode == "01067"
    assert members["E161803391"].activated_at == NOW - timedelta(days=400)


def identify(engine, number: str, postcode: str, conversation: str = "c1", now: datetime = NOW):
    with session_scope(engine) as session:
        return identification.identify(session, number, postcode, conversation, now=now)


def test_identification_with_the_right_postcode(seeded):
    result = identify(seeded, "C314159266", "84030")
    assert result.outcome == Outcome.OK and result.member_id == member_id(seeded, "C314159266")


def test_wrong_postcode_and_unknown_number_are_indistinguishable(seeded):
    wrong_postcode = identify(seeded, "C314159266", "84031")
    unknown = identify(seeded, "Z123456783", "84030", conversation="c2")
    assert wrong_postcode == unknown == identification.Identification(Outcome.MISMATCH)


def test_three_failures_lock_the_number_even_with_correct_data_then_the_lock_expires(seeded):
    for n in range(3):
        assert identify(seeded, "C314159266", "99999", conversation=f"c{n}").outcome == Outcome.MISMATCH
    assert identify(seeded, "C314159266", "84030", conversation="other").outcome == Outcome.LOCKED
    assert identify(seeded, "C314159266", "84030", now=NOW + timedelta(hours=23)).outcome == Outcome.LOCKED
    assert identify(seeded, "C314159266", "84030", now=NOW + timedelta(hours=24, seconds=1)).outcome == Outcome.OK


def test_unknown_numbers_are_locked_the_same_way(seeded):
    for n in range(3):
        identify(seeded, "Z123456783", "84030", conversation=f"c{n}")
    assert identify(seeded, "Z123456783", "84030", conversation="c9").outcome == Outcome.LOCKED


def test_a_conversation_is_limited_on_its_own(seeded, monkeypatch):
    numbers = ["A123456780", "B204816328", "C314159266", "D271828180", "E161803391"]
    for number in numbers:
        assert identify(seeded, number, "00000", conversation="probe").outcome == Outcome.MISMATCH
    assert identify(seeded, "C314159266", "84030", conversation="probe").outcome == Outcome.LOCKED
    assert identify(seeded, "C314159266", "84030", conversation="fresh").outcome == Outcome.OK


def test_attempts_are_stored_under_a_keyed_hash_only(seeded):
    identify(seeded, "C314159266", "99999")
    with session_scope(seeded) as session:
        [attempt] = session.execute(select(IdentificationAttempt)).scalars().all()
        audit_details = " ".join(e.detail for e in session.execute(select(AuditEvent)).scalars())
    assert attempt.number_key == keyed_hash("C314159266") != "C314159266"
    assert "C314159266" not in attempt.number_key + attempt.conversation_key + audit_details
    assert "C******266" in audit_details


def test_unlock_lifts_the_lock(seeded):
    for n in range(3):
        identify(seeded, "C314159266", "99999", conversation=f"c{n}")
    out = io.StringIO()
    assert cli.cmd_members_unlock(Namespace(number="c 314159266"), out) == 0
    assert "C******266: 3 failed attempts cleared" in out.getvalue()
    assert identify(seeded, "C314159266", "84030").outcome == Outcome.OK


def resend(engine, number: str, now: datetime = NOW):
    with session_scope(engine) as session:
        return letters.order_resend(session, member_id(engine, number), now=now)


def test_resend_is_ordered_once_while_a_letter_is_on_its_way(seeded):
    first = resend(seeded, "D271828180")
    assert first.outcome == OrderOutcome.ORDERED and first.reference.startswith("ZB-2026-")
    again = resend(seeded, "D271828180", NOW + timedelta(days=6))
    assert again == letters.LetterResult(OrderOutcome.ALREADY_ON_ITS_WAY, first.reference, NOW, LetterKind.RESEND)
    assert count(seeded, LetterOrder, LetterOrder.kind == LetterKind.RESEND) == 1


def test_a_registration_letter_on_its_way_counts_too(seeded):
    # Bernd's registration letter went out 10 days ago; with a 7-day window a resend is allowed ...
    assert resend(seeded, "B204816328", NOW - timedelta(days=1)).outcome == OrderOutcome.ORDERED
    # ... but three days after it, only the registration letter itself blocks a resend (no resend exists yet).
    mid = member_id(seeded, "B204816328")
    with session_scope(seeded) as session:
        registration_letter = session.execute(select(LetterOrder).where(
            LetterOrder.member_id == mid, LetterOrder.kind == LetterKind.REGISTRATION)).scalar_one()
        resends = session.execute(select(LetterOrder).where(
            LetterOrder.member_id == mid, LetterOrder.kind == LetterKind.RESEND)).scalars().all()
        for order in resends:
            session.delete(order)
        registration_letter.created_at = NOW - timedelta(days=3)
        reference = registration_letter.reference
    refused = resend(seeded, "B204816328")
    assert (refused.outcome, refused.reference) == (OrderOutcome.ALREADY_ON_ITS_WAY, reference)


def test_at_most_three_resends_in_ninety_days(seeded):
    for week in range(3):
        assert resend(seeded, "E161803391", NOW + timedelta(days=8 * week)).outcome == OrderOutcome.ORDERED
    assert resend(seeded, "E161803391", NOW + timedelta(days=30)).outcome == OrderOutcome.LIMIT_REACHED
    assert resend(seeded, "E161803391", NOW + timedelta(days=91)).outcome == OrderOutcome.ORDERED


def test_no_resend_before_registration(seeded):
    assert resend(seeded, "A123456780").outcome == OrderOutcome.NOT_REGISTERED
    assert count(seeded, LetterOrder, LetterOrder.member_id == member_id(seeded, "A123456780")) == 0


def test_concurrent_identical_requests_create_one_order(seeded):
    mid = member_id(seeded, "D271828180")
    start = threading.Barrier(8)
    results, errors = [], []

    def click() -> None:
        try:
            start.wait()
            with session_scope(seeded) as session:
                results.append(letters.order_resend(session, mid, now=NOW).outcome)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == sorted([OrderOutcome.ORDERED] + [OrderOutcome.ALREADY_ON_ITS_WAY] * 7)
    assert count(seeded, LetterOrder, LetterOrder.member_id == mid, LetterOrder.kind == LetterKind.RESEND) == 1


def test_new_password_by_letter(seeded):
    mid = member_id(seeded, "C314159266")
    with session_scope(seeded) as session:
        first = letters.order_new_password(session, mid, now=NOW)
    with session_scope(seeded) as session:
        second = letters.order_new_password(session, mid, now=NOW + timedelta(hours=1))
    assert first.outcome == OrderOutcome.ORDERED
    assert second.outcome == OrderOutcome.ALREADY_ON_ITS_WAY and second.reference == first.reference


def test_registration_by_letter_orders_the_letter_and_keeps_contact_data_unverified(seeded):
    mid = member_id(seeded, "A123456780")
    with session_scope(seeded) as session:
        result = registration.register(session, mid, RegistrationMethod.LETTER, email="anna@example.de",
                                       phone="+491701234567", now=NOW)
    assert result.outcome == RegistrationOutcome.LETTER_ORDERED and result.reference
    with session_scope(seeded) as session:
        member = session.get(Member, mid)
        assert (member.state, member.registered_at, member.email, member.phone) == (RegistrationState.LETTER_SENT, NOW, None, None)
        pending = registration.pending(session, mid)
        assert (pending.unverified_email, pending.unverified_phone) == ("anna@example.de", "+491701234567")
        again = registration.register(session, mid, RegistrationMethod.LETTER, now=NOW)
    assert again.outcome == RegistrationOutcome.LETTER_PENDING
    assert count(seeded, LetterOrder, LetterOrder.member_id == mid) == 1


def test_registration_by_video_changes_no_state(seeded):
    mid = member_id(seeded, "A123456780")
    with session_scope(seeded) as session:
        result = registration.register(session, mid, RegistrationMethod.VIDEO, email="anna@example.de", now=NOW)
    assert result.outcome == RegistrationOutcome.VIDEO_NEXT
    with session_scope(seeded) as session:
        assert session.get(Member, mid).state == RegistrationState.UNREGISTERED


def test_registered_members_are_told_so(seeded):
    with session_scope(seeded) as session:
        result = registration.register(session, member_id(seeded, "C314159266"), RegistrationMethod.LETTER, now=NOW)
    assert result.outcome == RegistrationOutcome.ALREADY_REGISTERED


@pytest.mark.parametrize(
    "number,route,last_day",
    [
        ("A123456780", twofa.ActivationRoute.NOT_REGISTERED, None),
        ("B204816328", twofa.ActivationRoute.QR_CODE, (NOW + timedelta(days=50)).date()),
        ("C314159266", twofa.ActivationRoute.ALREADY_ACTIVE, None),
        ("D271828180", twofa.ActivationRoute.QR_CODE, (NOW + timedelta(days=26)).date()),
        ("E161803391", twofa.ActivationRoute.HEALTH_CARD, None),
    ],
)
def test_2fa_activation_advice_for_the_demo_members(seeded, number, route, last_day):
    with session_scope(seeded) as session:
        advice = twofa.activation_advice(session, member_id(seeded, number), now=NOW)
    assert advice == twofa.ActivationAdvice(route, last_day)


def test_qr_code_validity_ends_after_sixty_days():
    registered = datetime(2026, 1, 1, 9, 30)
    assert twofa.qr_code_last_valid_day(registered).isoformat() == "2026-03-02"


def test_cli_show_is_masked_and_export_marks_letters_once(seeded):
    out = io.StringIO()
    assert cli.cmd_members_show(Namespace(number="D271828180"), out) == 0
    assert "D******180" in out.getvalue() and "D271828180" not in out.getvalue()
    resend(seeded, "D271828180")
    first, second = io.StringIO(), io.StringIO()
    assert cli.cmd_letters_export(Namespace(csv=True), first) == 0
    assert cli.cmd_letters_export(Namespace(csv=True), second) == 0
    rows = first.getvalue().strip().splitlines()
    assert rows[0] == "reference,ordered_at,kind,insurance_number,name,postcode"
    assert len(rows) == 2 and ",resend,D271828180,Dieter Schmid,01067" in rows[1]
    assert len(second.getvalue().strip().splitlines()) == 1
    assert count(seeded, LetterOrder, LetterOrder.status == LetterStatus.ORDERED) == 0


@pytest.mark.parametrize("number,route,last_day", [
    ("F141421359", twofa.PinResetRoute.QR_CODE, (NOW - timedelta(days=20) + timedelta(days=60)).date()),
    ("C314159266", twofa.PinResetRoute.HEALTH_CARD, None),
    ("D271828180", twofa.PinResetRoute.NO_DEVICE, None),
    ("A123456780", twofa.PinResetRoute.NOT_REGISTERED, None),
])
def test_pin_reset_advice_follows_the_activation_rule_and_is_audited_only(seeded, number, route, last_day):
    mid = member_id(seeded, number)
    with session_scope(seeded) as session:
        before = session.get(Member, mid)
        snapshot = (before.state, before.twofa_device_at, before.registered_at)
        advice = twofa.pin_reset_advice(session, mid, now=NOW)
    assert (advice.route, advice.last_valid_day) == (route, last_day)
    with session_scope(seeded) as session:
        after = session.get(Member, mid)
        assert (after.state, after.twofa_device_at, after.registered_at) == snapshot  # nothing changes in the store
        [event] = session.execute(select(AuditEvent).where(AuditEvent.action == "pin_reset_guided")).scalars().all()
    assert event.member_id == mid and event.detail == route.value and number not in event.detail


def test_pin_reset_after_sixty_days_needs_the_health_card(seeded):
    with session_scope(seeded) as session:
        advice = twofa.pin_reset_advice(session, member_id(seeded, "F141421359"), now=NOW + timedelta(days=41))
    assert advice.route == twofa.PinResetRoute.HEALTH_CARD
