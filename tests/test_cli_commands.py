"""The member store commands (bot/cli.py) as an operator types them: ``python -m bot ...``.

Every test goes through ``bot.__main__.main`` (argument parsing included) on
SQLite and PostgreSQL (the ``store_url`` fixture). ``letters export`` and
``token`` are tested elsewhere.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Callable

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, inspect, select

from bot import cli
from bot.__main__ import main
from bot.services import approvals, identification
from bot.store import AuditEvent, LetterOrder, Member, session_scope
from bot.store.migrate import alembic_config
from bot.store.models import ApprovalRequest, ApprovalStatus, ChangeKind

#: Claudia Maier (bot/store/seed.py): the demo member with e-mail, phone, IBAN and a 2FA device.
CLAUDIA = {"number": "C314159266", "email": "claudia.maier@example.de", "phone": "+491701234567",
           "iban": "DE89370400440532013000", "name": "Claudia Maier"}

Bot = Callable[..., tuple[int, str, str]]


@pytest.fixture
def bot(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Bot:
    """Run ``python -m bot ARGS`` in this process: (exit code, stdout, stderr).

    The commands take ``out=sys.stdout`` as a default argument, bound when bot/cli.py
    was imported; it is pointed at the captured stdout here.
    """
    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        for name in dir(cli):
            func = getattr(cli, name)
            if name.startswith("cmd_") and func.__defaults__:
                monkeypatch.setattr(func, "__defaults__", tuple(
                    sys.stdout if hasattr(d, "write") else d for d in func.__defaults__))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def seeded(store_url: str, bot: Bot) -> str:
    assert bot("seed-demo") == (0, "6 demo members added\n", "")
    return store_url


def members(*where) -> int:
    with session_scope() as session:
        return session.execute(select(func.count()).select_from(Member).where(*where)).scalar_one()


def member(number: str) -> Member:
    with session_scope() as session:
        found = session.execute(select(Member).where(Member.insurance_number == number)).scalar_one()
        session.expunge(found)
        return found


def audit_actions(action: str) -> int:
    with session_scope() as session:
        return session.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)).scalar_one()


# ---------------------------------------------------------------- migrate
def test_migrate_builds_the_schema_from_nothing_and_is_idempotent(store_url: str, bot: Bot):
    from alembic import command

    from bot.store import get_engine

    command.downgrade(alembic_config(store_url), "base")
    assert "members" not in inspect(get_engine()).get_table_names()
    assert bot("migrate") == (0, "database is up to date\n", "")
    assert bot("migrate") == (0, "database is up to date\n", "")
    engine = get_engine()
    assert {"members", "letter_orders", "approval_requests", "audit_events"} <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    assert current == ScriptDirectory.from_config(alembic_config(store_url)).get_current_head()


# ---------------------------------------------------------------- seed-demo
def test_seed_demo_adds_the_five_demo_members_once(store_url: str, bot: Bot):
    assert bot("seed-demo") == (0, "6 demo members added\n", "")
    assert bot("seed-demo") == (0, "0 demo members added\n", "")
    assert members() == 6
    assert member("C314159266").email == CLAUDIA["email"]


def test_seed_demo_if_empty_leaves_a_store_with_members_alone(store_url: str, bot: Bot):
    assert bot("seed-demo", "--if-empty") == (0, "6 demo members added\n", "")
    with session_scope() as session:
        session.execute(delete(Member).where(Member.insurance_number == "A123456780"))
    assert bot("seed-demo", "--if-empty") == (0, "store is not empty: no demo members added\n", "")
    assert members() == 5
    assert bot("seed-demo") == (0, "1 demo members added\n", "")
    assert members(Member.insurance_number == "A123456780") == 1


# ---------------------------------------------------------------- members show / unlock
def test_members_show_is_masked(seeded: str, bot: Bot):
    code, out, err = bot("members", "show", "c 314159266")
    assert (code, err) == (0, "")
    assert "C******266" in out and "c***@example.de" in out and "+49*******567" in out
    assert "active (video)" in out and "2FA device          yes, since" in out and "not locked" in out
    for secret in (*CLAUDIA.values(), "314159", "1701234567", "claudia.maier"):
        assert secret not in out, f"{secret!r} in the output"


def test_members_show_for_an_unknown_or_malformed_number(seeded: str, bot: Bot):
    assert bot("members", "show", "A123456780")[0] == 0
    with session_scope() as session:
        session.execute(delete(Member).where(Member.insurance_number == "A123456780"))
    assert bot("members", "show", "A123456780") == (1, "no member A******780\n", "")
    with pytest.raises(SystemExit, match="check digit"):
        bot("members", "show", "A123456781")


def test_members_unlock_lifts_a_lock_that_show_reports(seeded: str, bot: Bot):
    for attempt in range(3):
        with session_scope() as session:
            identification.identify(session, "D271828180", "99999", f"cli-test-{attempt}")
    assert "identification      LOCKED" in bot("members", "show", "D271828180")[1]
    code, out, _ = bot("members", "unlock", "D271828180")
    assert (code, out) == (0, "D******180: 3 failed attempts cleared, identification unlocked\n")
    assert "identification      not locked" in bot("members", "show", "D271828180")[1]
    with session_scope() as session:
        assert identification.identify(session, "D271828180", "01067", "cli-test-ok").outcome.value == "ok"
    assert bot("members", "unlock", "D271828180")[1].startswith("D******180: 0 failed attempts cleared")


# ---------------------------------------------------------------- letters list
def test_letters_list_is_masked(seeded: str, bot: Bot):
    with session_scope() as session:
        references = session.execute(select(LetterOrder.reference)).scalars().all()
    code, out, err = bot("letters", "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[-1] == "4 letter orders" and len(lines) == 5
    assert all(ref in out for ref in references) and len(references) == 4
    assert {line.split()[-1] for line in lines[:-1]} == {"B******328", "D******180", "E******391", "F******359"}
    for secret in ("B204816328", "D271828180", "E161803391", "F141421359", "Bernd Huber", "Dieter Schmid", "Eva Wagner", "80809"):
        assert secret not in out


# ---------------------------------------------------------------- approvals
def request_change(kind: ChangeKind, value: dict) -> str:
    with session_scope() as session:
        created = approvals.create(session, CLAUDIA["number"], kind, value)
    assert created.outcome == approvals.CreateOutcome.CREATED
    return created.public_id


def test_approvals_list_is_masked(seeded: str, bot: Bot):
    public_id = request_change(ChangeKind.PHONE, {"phone": "+491709876543"})
    code, out, err = bot("approvals", "list")
    assert (code, err) == (0, "")
    [line, total] = out.splitlines()
    assert line.startswith(public_id) and " phone " in line and " pending " in line and line.endswith("C******266")
    assert total == "1 approval requests"
    assert CLAUDIA["number"] not in out and "1709876543" not in out


def test_approve_applies_the_change_exactly_once(seeded: str, bot: Bot):
    public_id = request_change(ChangeKind.PHONE, {"phone": "+491709876543"})
    assert member(CLAUDIA["number"]).phone == CLAUDIA["phone"]
    assert bot("approvals", "approve", public_id) == (0, f"{public_id}: applied\n", "")
    assert member(CLAUDIA["number"]).phone == "+491709876543"
    assert audit_actions("approval_applied:phone") == 1
    # The member changes the number again elsewhere; a second approval must not write the old request over it.
    with session_scope() as session:
        session.execute(select(Member).where(Member.insurance_number == CLAUDIA["number"])).scalar_one().phone = "+4989123456"
    code, out, err = bot("approvals", "approve", public_id)
    assert (code, out) == (1, "") and err == f"error: request {public_id} is applied, not pending\n"
    assert member(CLAUDIA["number"]).phone == "+4989123456"
    assert audit_actions("approval_applied:phone") == 1
    assert bot("approvals", "reject", public_id)[0] == 1


def test_reject_changes_nothing_and_cannot_be_undone_by_an_approval(seeded: str, bot: Bot):
    public_id = request_change(ChangeKind.EMAIL, {"email": "neu@example.de"})
    assert bot("approvals", "reject", public_id) == (0, f"{public_id}: rejected\n", "")
    code, _, err = bot("approvals", "approve", public_id)
    assert code == 1 and "is rejected, not pending" in err
    assert member(CLAUDIA["number"]).email == CLAUDIA["email"]
    with session_scope() as session:
        status = session.execute(select(ApprovalRequest.status).where(ApprovalRequest.public_id == public_id)).scalar_one()
    assert status == ApprovalStatus.REJECTED
    assert audit_actions("approval_applied:email") == 0


def test_deciding_an_unknown_or_expired_request_fails(seeded: str, bot: Bot):
    assert bot("approvals", "approve", "0123456789abcdef") == (1, "", "error: no approval request 0123456789abcdef\n")
    with session_scope() as session:
        created = approvals.create(session, CLAUDIA["number"], ChangeKind.IBAN, {"iban": "DE02120300000000202051"},
                                   now=datetime(2020, 1, 1))
    code, _, err = bot("approvals", "approve", created.public_id)
    assert code == 1 and "is expired, not pending" in err
    assert member(CLAUDIA["number"]).iban == CLAUDIA["iban"]
