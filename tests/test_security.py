"""Security hardening (issue 7), below the servers: each test names the hole it closes.

The live halves (HTTP limits, socket.io, logs of the running servers, the
stored conversation) are in tests/test_live_security.py.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
from argparse import Namespace
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import cli, guard
from bot.config import ConfigError, load_settings, problems
from bot.inbound import client_address, metadata_problem
from bot.privacy import install_log_masking, mask_event_dict, mask_text
from bot.servers import prepare_store
from bot.services import approvals, chat, identification, letters, registration
from bot.services.identification import Outcome, source_key
from bot.store import AuditEvent, LetterOrder, Member, session_scope
from bot.store.models import ApprovalRequest, ChangeKind, LetterStatus, Registration, RegistrationMethod, RegistrationState
from bot.store.seed import seed_demo

NOW = datetime(2026, 11, 29, 12, 0, 0)


@pytest.fixture
def seeded(engine):
    with session_scope(engine) as session:
        seed_demo(session, NOW)
    return engine


def member(engine, number: str) -> Member:
    with session_scope(engine) as session:
        return session.execute(select(Member).where(Member.insurance_number == number)).scalar_one()


def count(engine, model, *where) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


# --- 1. Registration never changes a member's contact data --------------------------------------

def register(engine, number: str, method=RegistrationMethod.VIDEO, email=None, phone=None, now=NOW):
    with session_scope(engine) as session:
        return registration.register(session, member(engine, number).id, method, email=email, phone=phone, now=now)


def test_a_video_ident_start_writes_nothing_into_the_member_record(seeded):
    before = member(seeded, "A123456780")
    result = register(seeded, "A123456780", email="attacker@example.org", phone="+491701111111")
    after = member(seeded, "A123456780")
    assert result.outcome == registration.RegistrationOutcome.VIDEO_NEXT
    assert (after.email, after.phone, after.state) == (before.email, before.phone, RegistrationState.UNREGISTERED)
    with session_scope(seeded) as session:
        pending = registration.pending(session, after.id)
        assert (pending.unverified_email, pending.unverified_phone) == ("attacker@example.org", "+491701111111")


def test_contact_data_on_file_is_never_overwritten_not_even_when_the_identity_is_proven(seeded):
    with session_scope(seeded) as session:  # Anna already has an e-mail address on file
        session.execute(select(Member).where(Member.insurance_number == "A123456780")).scalar_one().email = "anna@example.de"
    register(seeded, "A123456780", email="attacker@example.org", phone="+491701111111")
    assert member(seeded, "A123456780").email == "anna@example.de"
    with session_scope(seeded) as session:
        outcome = registration.complete(session, member(seeded, "A123456780").id, RegistrationMethod.VIDEO, "nect",
                                        now=NOW + timedelta(minutes=20))
    after = member(seeded, "A123456780")
    assert outcome == registration.CompletionOutcome.COMPLETED
    assert (after.email, after.phone, after.state) == ("anna@example.de", "+491701111111", RegistrationState.ACTIVE)


def test_completing_takes_over_the_unverified_data_once(seeded):
    register(seeded, "A123456780", method=RegistrationMethod.LETTER, email="anna@example.de")
    mid = member(seeded, "A123456780").id
    with session_scope(seeded) as session:  # the video-ident was not chosen: NECT cannot complete a letter registration
        assert registration.complete(session, mid, RegistrationMethod.VIDEO, "nect") == registration.CompletionOutcome.NOTHING_PENDING
    with session_scope(seeded) as session:  # the access data from the letter are used
        assert registration.complete(session, mid, RegistrationMethod.LETTER, "login") == registration.CompletionOutcome.COMPLETED
    with session_scope(seeded) as session:
        assert registration.complete(session, mid, RegistrationMethod.LETTER, "login") == registration.CompletionOutcome.NOTHING_PENDING
        pending = registration.pending(session, mid)
        assert pending.unverified_email is None and pending.completed_at is not None
    assert member(seeded, "A123456780").email == "anna@example.de"


def test_repeated_video_starts_keep_one_pending_registration_and_are_audited_masked(seeded):
    for n in range(5):
        register(seeded, "A123456780", email=f"try{n}@example.org", phone=f"+49170222222{n}", now=NOW + timedelta(minutes=n))
    mid = member(seeded, "A123456780").id
    assert count(seeded, Registration, Registration.member_id == mid) == 1
    with session_scope(seeded) as session:
        assert registration.pending(session, mid).unverified_email == "try4@example.org"
        events = session.execute(select(AuditEvent).where(AuditEvent.member_id == mid)).scalars().all()
    actions = [e.action for e in events]
    assert actions.count("registration_started:video") == 1 and actions.count("registration_restarted:video") == 4
    details = " ".join(e.detail for e in events)
    assert "try4@example.org" not in details and "t***@example.org" in details and "+491702222224" not in details


def test_the_reply_does_not_depend_on_contact_data_on_file(seeded):
    with session_scope(seeded) as session:
        session.execute(select(Member).where(Member.insurance_number == "A123456780")).scalar_one().email = "anna@example.de"
    with_data = chat.finish_registration(member(seeded, "A123456780").id, "video", "x@example.org", "+491701111111")
    # Bernd has nothing on file; he needs the same state as Anna to compare: unregistered.
    with session_scope(seeded) as session:
        bernd = session.execute(select(Member).where(Member.insurance_number == "B204816328")).scalar_one()
        bernd.state, bernd.registration_method, bernd.registered_at = RegistrationState.UNREGISTERED, None, None
    without = chat.finish_registration(member(seeded, "B204816328").id, "video", "x@example.org", "+491701111111")
    assert with_data == without == chat.Reply("utter_registration_video_next")


# --- 2. Limits and accepted fields ---------------------------------------------------------------

@pytest.mark.parametrize("metadata,ok", [
    (None, True), ({}, True), ({"auth_token": "eyJ.x.y"}, True),
    ({"auth_token": "x" * 4096}, True), ({"auth_token": "x" * 4097}, False), ({"auth_token": 5}, False),
    ({"session_ref": "forged"}, False), ({"source": "1.2.3.4"}, False), ({"anything": 1}, False),
    ("a string", False), ([1, 2], False),
])
def test_metadata_holds_only_known_keys(metadata, ok):
    problem = metadata_problem(metadata)
    assert (problem is None) == ok
    if problem:
        assert problem.startswith('"metadata')


def test_x_forwarded_for_only_from_trusted_proxies():
    assert client_address("203.0.113.9", "198.51.100.1", ()) == "203.0.113.9"
    assert client_address("10.0.0.2", "198.51.100.1", ("10.0.0.0/8",)) == "198.51.100.1"
    # a client-written first hop is not believed: the last hop before our proxies counts
    assert client_address("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.3", ("10.0.0.0/8",)) == "198.51.100.1"
    assert client_address("203.0.113.9", "6.6.6.6", ("10.0.0.0/8",)) == "203.0.113.9"


def test_the_in_memory_tracker_store_forgets_idle_conversations():
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from addons.tracker_store import BoundedInMemoryTrackerStore

    domain = Domain.load("domain.yml")
    clock = [0.0]
    store = BoundedInMemoryTrackerStore(domain, clock=lambda: clock[0], max_conversations=500)
    assert store.idle_seconds == 60 * 60  # the domain's session expiry

    async def many_senders():
        for n in range(2000):
            clock[0] = n * 3.0  # one new sender every 3 s for 100 minutes
            await store.save(DialogueStateTracker(f"one-off-{n}", domain.slots))
        return await store.retrieve("one-off-1999"), await store.retrieve("one-off-0")

    latest, first = asyncio.run(many_senders())
    # idle over an hour: gone; within the hour: 1200 senders, of which the bound keeps 500
    assert len(store.store) == len(store.last_active) == 500
    assert latest is not None and first is None
    clock[0] += 2 * 3600
    store.evict()
    assert len(store.store) == 0


def test_endpoints_use_the_bounded_tracker_store():
    from rasa.core.tracker_store import create_tracker_store
    from rasa.core.utils import read_endpoints_from_path
    from rasa.shared.core.domain import Domain

    from addons.tracker_store import BoundedInMemoryTrackerStore

    endpoints = read_endpoints_from_path("endpoints.yml")
    store = create_tracker_store(endpoints.tracker_store, Domain.load("domain.yml"))
    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, BoundedInMemoryTrackerStore)


# --- 3. Identification throttling -----------------------------------------------------------------

def identify(engine, number, postcode, conversation="c1", source="source-a", now=NOW, settings=None):
    with session_scope(engine) as session:
        return identification.identify(session, number, postcode, conversation, now=now,
                                       settings=settings, source=source_key(source))


def test_one_source_can_try_only_so_many_numbers_whatever_the_sender_ids(seeded):
    numbers = ["A123456780", "B204816328", "C314159266", "D271828180", "E161803391"] + [f"Z{n:09d}" for n in range(16)]
    outcomes = [identify(seeded, number, "00000", conversation=f"new-sender-{n}").outcome for n, number in enumerate(numbers)]
    assert outcomes[:20] == [Outcome.MISMATCH] * 20 and outcomes[20] == Outcome.THROTTLED
    # another source is not affected; the first one may try again an hour later
    assert identify(seeded, "C314159266", "84030", conversation="x", source="source-b").outcome == Outcome.OK
    assert identify(seeded, "D271828180", "01067", conversation="y", now=NOW + timedelta(minutes=61)).outcome == Outcome.OK


def test_a_global_ceiling_per_minute(seeded):
    settings = replace(load_settings(), ident_max_global_per_minute=10)
    for n in range(10):
        identify(seeded, "A123456780", "84130", conversation=f"c{n}", source=f"s{n}", settings=settings)
    assert identify(seeded, "C314159266", "84030", conversation="z", source="fresh", settings=settings).outcome == Outcome.THROTTLED
    later = NOW + timedelta(seconds=61)
    assert identify(seeded, "C314159266", "84030", conversation="z", source="fresh", now=later, settings=settings).outcome == Outcome.OK


def test_a_stranger_who_knows_the_number_cannot_keep_the_member_locked_out(seeded):
    # The stranger fails three times from their own address: locked for them ...
    for n in range(3):
        assert identify(seeded, "C314159266", "99999", conversation=f"s{n}", source="stranger").outcome == Outcome.MISMATCH
    assert identify(seeded, "C314159266", "84030", conversation="s9", source="stranger").outcome == Outcome.LOCKED
    # ... the member, from elsewhere, waits one minute at most, not a day
    member_try = identify(seeded, "C314159266", "84030", conversation="m", source="member")
    assert member_try.outcome == Outcome.DELAYED and member_try.wait_minutes == 1
    assert identify(seeded, "C314159266", "84030", conversation="m", source="member",
                    now=NOW + timedelta(minutes=1, seconds=1)).outcome == Outcome.OK


def test_the_delay_grows_with_failures_from_many_sources_and_is_capped(seeded):
    settings = load_settings()
    waits = [identification.number_delay(f, settings).total_seconds() / 60 for f in range(0, 10)]
    assert waits == [0, 0, 0, 1, 2, 4, 8, 15, 15, 15]
    now = NOW
    for n in range(8):  # a distributed attacker: a new address for each try, each after the wait
        now += identification.number_delay(n, settings) + timedelta(seconds=1)
        assert identify(seeded, "C314159266", "99999", conversation=f"a{n}", source=f"bot{n}", now=now).outcome == Outcome.MISMATCH
    member_try = identify(seeded, "C314159266", "84030", conversation="m", source="member", now=now)
    assert member_try.outcome == Outcome.DELAYED and member_try.wait_minutes == 15
    assert identify(seeded, "C314159266", "84030", conversation="m", source="member",
                    now=now + timedelta(minutes=15, seconds=1)).outcome == Outcome.OK


def test_the_hotline_unlock_lifts_every_lock_of_the_number(seeded):
    for n in range(3):
        identify(seeded, "C314159266", "99999", conversation=f"s{n}", source="stranger")
    out = io.StringIO()
    assert cli.cmd_members_unlock(Namespace(number="C314159266"), out) == 0
    assert identify(seeded, "C314159266", "84030", conversation="s9", source="stranger").outcome == Outcome.OK


def test_refusals_are_identical_for_existing_and_unknown_numbers(seeded):
    for number in ("C314159266", "Z123456783"):
        for n in range(3):
            identify(seeded, number, "99999", conversation=f"{number}{n}", source=f"src-{number}")
    known = identify(seeded, "C314159266", "84030", conversation="k", source="other")
    unknown = identify(seeded, "Z123456783", "84030", conversation="u", source="other2")
    assert known == unknown == identification.Identification(Outcome.DELAYED, wait_minutes=1)
    assert chat.refusal_reply(known) == chat.refusal_reply(unknown)


def test_refused_tries_are_not_counted(seeded):
    for n in range(3):
        identify(seeded, "C314159266", "99999", conversation=f"s{n}", source="stranger")
    with session_scope(seeded) as session:
        before = session.execute(select(func.count()).select_from(identification.IdentificationAttempt)).scalar_one()
    for n in range(10):
        identify(seeded, "C314159266", "99999", conversation=f"t{n}", source="stranger")
    with session_scope(seeded) as session:
        assert session.execute(select(func.count()).select_from(identification.IdentificationAttempt)).scalar_one() == before


# --- 4. Approval requests and letters after an address change -------------------------------------

ADDRESS = {"street": "Neue Straße", "house_number": "7a", "postcode": "84028", "city": "Landshut"}


def test_at_most_five_approval_requests_per_member_and_hour(seeded):
    outcomes = []
    for n in range(6):
        with session_scope(seeded) as session:
            outcomes.append(approvals.create(session, "C314159266", ChangeKind.EMAIL, {"email": f"c{n}@example.de"},
                                             now=NOW + timedelta(minutes=n)).outcome)
    assert outcomes == [approvals.CreateOutcome.CREATED] * 5 + [approvals.CreateOutcome.RATE_LIMITED]
    assert count(seeded, ApprovalRequest) == 5
    with session_scope(seeded) as session:
        later = approvals.create(session, "C314159266", ChangeKind.EMAIL, {"email": "c9@example.de"},
                                 now=NOW + timedelta(minutes=61))
    assert later.outcome == approvals.CreateOutcome.CREATED


def test_no_access_letter_to_a_recently_changed_address(seeded):
    with session_scope(seeded) as session:
        created = approvals.create(session, "C314159266", ChangeKind.ADDRESS, ADDRESS, now=NOW)
    with session_scope(seeded) as session:
        approvals.approve(session, created.public_id, now=NOW + timedelta(minutes=1))
    mid = member(seeded, "C314159266").id
    for order in (letters.order_resend, letters.order_new_password):
        with session_scope(seeded) as session:
            assert order(session, mid, now=NOW + timedelta(days=29)).outcome == letters.OrderOutcome.ADDRESS_HOLD
    with session_scope(seeded) as session:
        assert letters.order_new_password(session, mid, now=NOW + timedelta(days=31)).outcome == letters.OrderOutcome.ORDERED
    assert chat._letter_reply(letters.LetterResult(letters.OrderOutcome.ADDRESS_HOLD), "resend").response == "utter_letter_address_hold"


def test_a_rejected_address_change_holds_nothing(seeded):
    with session_scope(seeded) as session:
        created = approvals.create(session, "D271828180", ChangeKind.ADDRESS, ADDRESS, now=NOW)
    # Dieter has no device: nothing was created, nothing holds his letters
    assert created.outcome == approvals.CreateOutcome.NO_DEVICE
    with session_scope(seeded) as session:
        assert letters.order_resend(session, member(seeded, "D271828180").id, now=NOW).outcome == letters.OrderOutcome.ORDERED


# --- 5. Log masking for every accepted form ------------------------------------------------------

ACCEPTED_FORMS = {
    "insurance number": "A123456780", "with spaces": "A 123 456 780", "with dots": "A.123.456.780",
    "lower case": "a123456780", "with check suffix": "A123456780-1",
    "iban": "DE89370400440532013000", "iban lower case with spaces": "de89 3704 0044 0532 0130 00",
    "e-mail": "anna.berger@example.de", "e-mail with umlauts": "jürgen.müller@bäckerei-süß.de",
    "phone": "+491701234567", "phone with spaces": "0170 1234567", "phone with dots": "0170.123.4567",
    "phone with slash": "08731/762138", "pin": "PIN 482913",
}
SECRET_PARTS = {
    "insurance number": "123456780", "with spaces": "123 456 780", "with dots": "123.456.780",
    "lower case": "123456780", "with check suffix": "123456780", "iban": "370400440532013000",
    "iban lower case with spaces": "3704 0044 0532", "e-mail": "anna.berger", "e-mail with umlauts": "jürgen.müller",
    "phone": "1701234", "phone with spaces": "1234567", "phone with dots": "123.4567", "phone with slash": "762138",
    "pin": "482913",
}


@pytest.mark.parametrize("form", sorted(ACCEPTED_FORMS))
def test_every_accepted_form_is_masked_single_and_multi_line(form):
    value = ACCEPTED_FORMS[form]
    for text in (f"Meine Daten: {value}", f"Meine Daten:\n{value}", json.dumps({"text": f"Daten:\n{value}"})):
        assert SECRET_PARTS[form] not in mask_text(text), (form, text, mask_text(text))


def test_structlog_values_are_masked_before_rendering():
    import structlog

    install_log_masking()
    rendered = structlog.processors.JSONRenderer()(None, "debug", mask_event_dict(None, "debug", {
        "event": "rasa.core.processor.message", "text": "Meine Daten:\nA123456780", "slots": {"email": "a@b.de"}}))
    assert "A123456780" not in rendered and "a@b.de" not in rendered and "A******780" in rendered
    assert mask_event_dict in structlog.get_config()["processors"]


@pytest.mark.parametrize("text,secret", [
    ("Mein Passwort ist sommerregen", True), ("meine PIN 482913", True), ("Meine PIN 123456 wird nicht angenommen", True),
    ("Kennwort lautet Sonne2024!", True), ("Mein Passwort ist falsch", False), ("Meine PIN ist 6-stellig", False),
    ("Mein Passwort ist gestern abgelaufen", False), ("Was ist meine PIN?", False), ("Die PIN hat 6 Ziffern", False),
])
def test_the_password_warning_catches_plain_words_and_pins(text, secret):
    assert guard.looks_like_secret(text) is secret


def test_the_password_warning_points_to_the_app_where_the_faq_says_passwords_change():
    assert "BMW BKK App" in guard.SECRET_REPLY and "in der Online-Filiale" not in guard.SECRET_REPLY


def test_log_level_sets_both_servers(monkeypatch):
    from bot.servers import Assistant

    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assistant = Assistant(settings, log_dir=Path("."))
    assert "--debug" in assistant._action_process().command
    monkeypatch.setenv("LOG_LEVEL", "warning")
    assistant = Assistant(load_settings(), log_dir=Path("."))
    assert "--quiet" in assistant._action_process().command
    monkeypatch.setenv("LOG_LEVEL", "loud")
    assert any("LOG_LEVEL" in p for p in problems(load_settings()))


# --- 6. Safe defaults and honest exports --------------------------------------------------------

def test_a_short_token_secret_stops_the_start(monkeypatch, capsys):
    from bot.__main__ import main

    monkeypatch.setenv("MEMBER_TOKEN_SECRET", "too-short")
    assert any("MEMBER_TOKEN_SECRET" in p and "32" in p for p in problems(load_settings()))
    assert main(["serve"]) == 2
    assert "MEMBER_TOKEN_SECRET" in capsys.readouterr().err


def test_postgresql_needs_a_member_hash_key_and_is_never_seeded(store_url, monkeypatch):
    settings = replace(load_settings(), database_url=store_url, member_hash_key="")
    if store_url.startswith("sqlite"):
        assert settings.demo_mode and not problems(settings)
        assert prepare_store(settings) == 6
        return
    assert not settings.demo_mode
    assert any("MEMBER_HASH_KEY" in p for p in problems(settings))
    with pytest.raises(ConfigError):
        monkeypatch.setenv("MEMBER_HASH_KEY", "")
        from bot.config import checked_settings
        checked_settings()
    assert prepare_store(replace(settings, member_hash_key="k")) == 0
    assert count(None, Member) == 0


def test_demo_mode_can_be_switched_off(store_url, monkeypatch):
    monkeypatch.setenv("DEMO_MODE", "false")
    assert prepare_store(replace(load_settings(), database_url=store_url)) == 0


def test_an_export_marks_only_what_was_written(seeded):
    mids = (member(seeded, "D271828180").id, member(seeded, "E161803391").id)
    with session_scope(seeded) as session:
        letters.order_resend(session, mids[0], now=NOW)
        letters.order_new_password(session, mids[1], now=NOW)
    written = []

    def fail_on_second(order, _member):
        if written:
            raise OSError("print service gone")
        written.append(order.reference)

    with session_scope(seeded) as session:
        exported, error = letters.export_pending(session, fail_on_second)
    assert exported == 1 and isinstance(error, OSError)
    with session_scope(seeded) as session:
        statuses = {o.reference: o.status for o in session.execute(
            select(LetterOrder).where(LetterOrder.member_id.in_(mids), LetterOrder.created_at == NOW)).scalars()}
    assert statuses[written[0]] == LetterStatus.EXPORTED
    assert sorted(statuses.values()) == [LetterStatus.EXPORTED, LetterStatus.ORDERED]


def test_two_exports_at_once_never_export_an_order_twice(seeded):
    with session_scope(seeded) as session:
        # one letter per member: while one is on its way, no other is ordered for the same member
        for number, order in (("D271828180", letters.order_resend), ("E161803391", letters.order_new_password),
                              ("F141421359", letters.order_resend), ("C314159266", letters.order_new_password)):
            mid = session.execute(select(Member.id).where(Member.insurance_number == number)).scalar_one()
            assert order(session, mid, now=NOW).outcome == letters.OrderOutcome.ORDERED
    rows: list[str] = []
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def export() -> None:
        out = io.StringIO()
        try:
            barrier.wait()
            assert cli.cmd_letters_export(Namespace(csv=True), out) == 0
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        rows.extend(out.getvalue().strip().splitlines()[1:])

    threads = [threading.Thread(target=export) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    references = [row.split(",")[0] for row in rows]
    assert len(references) == len(set(references)) == 4
    assert count(seeded, LetterOrder, LetterOrder.status == LetterStatus.ORDERED) == 0
