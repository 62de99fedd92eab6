"""Data changes with 2FA approval over the REST channel, the app side played in-process."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from bot import conversations, sessions
from bot.services import approvals
from bot.config import load_settings
from bot.servers import Assistant
from bot.store import Member, session_scope
from bot.store.db import make_engine
from bot.store.models import ApprovalRequest, ApprovalStatus
from tests.conftest import LIVE_LIMITS, LIVE_TOKEN_SECRET, free_port

#: Long enough for several turns on a loaded machine; expiry is tested by moving the request's
#: deadline in the store (the clock it reads), not by sleeping.
APPROVAL_WINDOW_SECONDS = 300

pytestmark = pytest.mark.live


class Chat:
    def __init__(self, url: str, number: str | None = "C314159266", auth: str | None = None):
        self.url, self.sender = url, f"change-{uuid.uuid4().hex}"
        self.auth = auth if auth is not None else (sessions.mint(number, LIVE_TOKEN_SECRET) if number else None)

    def say(self, text: str, auth: str | None = None) -> str:
        token = auth or self.auth
        reply = conversations.send(self.url, self.sender, text, {"auth_token": token} if token else None)
        return conversations.reply_text(reply)


@pytest.fixture(scope="module")
def approvals_site(model_path, tmp_path_factory) -> Assistant:
    """Servers of this module's own, with its own store: what these tests change stays here."""
    base = tmp_path_factory.mktemp("approvals")
    settings = replace(load_settings(), rasa_port=free_port(), action_port=free_port(), model_path=model_path,
                       database_url=f"sqlite:///{base / 'members.db'}", member_token_secret=LIVE_TOKEN_SECRET,
                       approval_window_seconds=APPROVAL_WINDOW_SECONDS)
    with Assistant(settings, base / "logs", extra_env=LIVE_LIMITS) as running:
        yield running


@pytest.fixture
def rest_url(approvals_site: Assistant) -> str:
    return approvals_site.rest_url


@pytest.fixture
def engine(approvals_site: Assistant):
    engine = make_engine(approvals_site.settings.database_url)
    yield engine
    engine.dispose()


def latest_request(engine, number: str) -> ApprovalRequest | None:
    with session_scope(engine) as session:
        member = session.execute(select(Member).where(Member.insurance_number == number)).scalar_one()
        return session.execute(select(ApprovalRequest).where(ApprovalRequest.member_id == member.id)
                               .order_by(ApprovalRequest.id.desc())).scalars().first()


def member(engine, number: str) -> Member:
    with session_scope(engine) as session:
        return session.execute(select(Member).where(Member.insurance_number == number)).scalar_one()


def request_change(chat: Chat, opening: str, answers: list[str]) -> str:
    chat.say(opening)
    for answer in answers:
        last = chat.say(answer)
    assert "Soll ich die Änderung zur Freigabe" in last, last
    return chat.say("ja")


def test_approved_change_is_applied_and_confirmed(rest_url, engine):
    chat = Chat(rest_url)
    sent = request_change(chat, "Ich möchte meine Telefonnummer ändern", ["0170 9876543"])
    assert "Freigabe" in sent and '"2FA-Freigabe"' in sent and '"Abrufen"' in sent and "5 Minuten" in sent
    assert "Freigabe steht noch aus" in chat.say("erledigt")
    request = latest_request(engine, "C314159266")
    assert request.status == ApprovalStatus.PENDING
    assert member(engine, "C314159266").phone == "+491701234567"  # nothing applied yet
    with session_scope(engine) as session:
        approvals.approve(session, request.public_id)
    assert "ist übernommen" in chat.say("hab freigegeben")
    assert member(engine, "C314159266").phone == "+491709876543"


def test_rejected_change_changes_nothing(rest_url, engine):
    chat = Chat(rest_url)
    request_change(chat, "Bankverbindung ändern", ["DE02 1203 0000 0000 2020 51"])
    request = latest_request(engine, "C314159266")
    with session_scope(engine) as session:
        approvals.reject(session, request.public_id)
    assert "abgelehnt" in chat.say("Status?")
    assert member(engine, "C314159266").iban == "DE89370400440532013000"


def test_expired_approval_is_not_transmitted(rest_url, engine):
    chat = Chat(rest_url)
    request_change(chat, "Ich möchte meine E-Mail-Adresse ändern", ["neu.maier@example.de"])
    assert "Freigabe steht noch aus" in chat.say("erledigt")
    with session_scope(engine) as session:  # the window has passed
        pending = session.get(ApprovalRequest, latest_request(engine, "C314159266").id)
        pending.expires_at = datetime.utcnow() - timedelta(seconds=1)
    text = chat.say("erledigt")
    assert "abgelaufen" in text and "nicht an die BMW BKK übermittelt" in text
    request = latest_request(engine, "C314159266")
    with pytest.raises(approvals.DecisionError), session_scope(engine) as session:
        approvals.approve(session, request.public_id)
    assert member(engine, "C314159266").email == "claudia.maier@example.de"


NOW = int(time.time())


@pytest.mark.parametrize("auth,expected", [
    (jwt.encode({"sub": "C314159266", "aud": "online-filiale-chat", "iat": NOW, "exp": NOW + 600},
                "forged-secret-0123456789abcdefghijklmn", algorithm="HS256"), "nicht bestätigen"),
    (jwt.encode({"sub": "C314159266", "aud": "online-filiale-chat", "iat": NOW - 1200, "exp": NOW - 60},
                LIVE_TOKEN_SECRET, algorithm="HS256"), "Sitzung ist abgelaufen"),
], ids=["forged", "expired"])
def test_forged_or_expired_token_creates_nothing(rest_url, engine, auth, expected):
    before = latest_request(engine, "C314159266")
    chat = Chat(rest_url, auth=auth)
    assert expected in chat.say("Ich möchte meine Adresse ändern")
    after = latest_request(engine, "C314159266")
    assert (before.id if before else None) == (after.id if after else None)


def test_no_session_at_all(rest_url):
    assert "angemeldet" in Chat(rest_url, number=None).say("Adresse ändern")


def test_member_without_2fa_device(rest_url, engine):
    text = Chat(rest_url, number="E161803391").say("Ich möchte meine Adresse ändern")
    assert '"2FA-Aktivierung"' in text and "nichts geändert" in text
    assert latest_request(engine, "E161803391") is None


def test_another_members_token_can_neither_see_nor_complete_the_request(rest_url, engine):
    chat = Chat(rest_url)
    request_change(chat, "Adresse ändern", ["Neue Straße", "7a", "84028", "Landshut"])
    with session_scope(engine) as session:  # Dieter gets a device, so only ownership stands in the way
        session.execute(select(Member).where(Member.insurance_number == "D271828180")).scalar_one().twofa_device_at = \
            latest_request(engine, "C314159266").created_at
    other = sessions.mint("D271828180", LIVE_TOKEN_SECRET)
    assert "keinen offenen Änderungsantrag" in chat.say("erledigt", auth=other)
    assert latest_request(engine, "C314159266").status == ApprovalStatus.PENDING
    assert member(engine, "C314159266").postcode == "84030"
