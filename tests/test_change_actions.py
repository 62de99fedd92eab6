"""actions/changes.py with rasa_sdk's Tracker and CollectingDispatcher against a real store."""

from __future__ import annotations

import asyncio
import os
import time

import jwt
import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import changes as actions
from bot import sessions
from bot.config import PROJECT_ROOT
from bot.inbound import internal_metadata
from bot.services import approvals
from bot.store import session_scope
from bot.store.models import ApprovalRequest, ApprovalStatus
from bot.store.seed import seed_demo

NOW = int(time.time())
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
SECRET = "change-actions-test-secret-0123456789abcdef"


@pytest.fixture
def store(engine, monkeypatch):
    monkeypatch.setenv("MEMBER_TOKEN_SECRET", SECRET)
    with session_scope(engine) as session:
        seed_demo(session)
    return engine


def token(number: str = "C314159266") -> str:
    return sessions.mint(number, SECRET)


def channel_metadata(auth: str | None, sender: str = "m1") -> dict:
    """What the channel hands Rasa for a message with this token (bot.inbound): a session ref, never the token."""
    return internal_metadata({"auth_token": auth} if auth else None, sender, "127.0.0.1")


def tracker(slots: dict, text: str, auth: str | None, requested: str | None = None,
            metadata: dict | None = None, sender: str = "m1") -> Tracker:
    all_slots = {s: None for s in DOMAIN["slots"]}
    all_slots.update(slots)
    metadata = channel_metadata(auth, sender) if metadata is None else metadata
    message = {"text": text, "intent": {"name": "request_data_change", "confidence": 0.9}}
    events = [{"event": "user", "text": text, "parse_data": message, "metadata": metadata}]
    if requested:
        all_slots["requested_slot"] = requested
        all_slots[requested] = text
        events.append({"event": "slot", "name": requested, "value": text})
    return Tracker(sender, all_slots, message, events, False, None, {"name": "change_form"}, "action_listen")


def step(slots: dict, text: str, auth: str | None = None, requested: str | None = None):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(actions.ValidateChangeForm().run(dispatcher, tracker(slots, text, auth, requested), DOMAIN))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, [m.get("response") for m in dispatcher.messages]


def run(action, slots: dict, auth: str | None, **kw):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(slots, "-", auth, **kw), DOMAIN))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def requests(engine) -> list[ApprovalRequest]:
    with session_scope(engine) as session:
        return session.execute(select(ApprovalRequest)).scalars().all()


def test_the_kind_is_taken_from_the_request_then_the_fields_are_asked(store):
    slots, _ = step({}, "Ich möchte meine Adresse ändern", token())
    assert slots["change_kind"] == "address" and slots["requested_slot"] == "new_street"
    state = {"change_kind": "address"}
    for field, typed, expected in [("new_street", "Neue  Straße", "Neue Straße"), ("new_house_number", "7 A", "7a"),
                                   ("new_postcode", "84028", "84028"), ("new_city", "Landshut", "Landshut")]:
        slots, said = step(state, typed, token(), requested=field)
        assert slots[field] == expected and said == []
        state.update(slots)
    assert state["requested_slot"] == "change_confirmed"
    assert state["change_summary"] == "neue Adresse: Neue Straße 7a, 84028 Landshut"


def test_an_invalid_iban_is_refused_with_its_hint(store):
    slots, said = step({"change_kind": "iban"}, "DE89370400440532013001", token(), requested="new_iban")
    assert slots["new_iban"] is None and said == ["utter_invalid_iban_invalid"]


@pytest.mark.parametrize("auth,response", [
    (None, "utter_session_missing"),
    ("garbage", "utter_session_invalid"),
    (jwt.encode({"sub": "C314159266", "aud": "online-filiale-chat", "iat": NOW - 60, "exp": NOW + 600},
                "forged-secret-0123456789abcdefghij", algorithm="HS256"), "utter_session_invalid"),
    (jwt.encode({"sub": "C314159266", "aud": "online-filiale-chat", "iat": NOW - 1200, "exp": NOW - 60},
                SECRET, algorithm="HS256"), "utter_session_expired"),
], ids=["none", "garbage", "forged", "expired"])
def test_no_valid_session_ends_the_form_and_creates_nothing(store, auth, response):
    slots, _ = step({}, "Adresse ändern", auth)
    assert slots["requested_slot"] is None
    _, messages = run(actions.ActionSubmitChange(), {"change_kind": "address", "change_confirmed": "yes"}, auth)
    assert [m["response"] for m in messages] == [response]
    assert requests(store) == []


def test_a_member_without_2fa_device_is_told_how_to_activate_it(store):
    _, messages = run(actions.ActionSubmitChange(), {"change_kind": "email", "new_email": "d@example.de",
                                                     "change_confirmed": "yes"}, token("D271828180"))
    assert [m["response"] for m in messages] == ["utter_twofa_required"]
    assert requests(store) == []


def test_without_a_secret_changes_are_off(store, monkeypatch):
    auth = token()
    monkeypatch.setenv("MEMBER_TOKEN_SECRET", "")
    _, messages = run(actions.ActionSubmitChange(), {"change_kind": "email", "change_confirmed": "yes"}, auth)
    assert [m["response"] for m in messages] == ["utter_session_disabled"]


def test_confirmed_change_becomes_a_pending_request_and_status_follows_the_app(store):
    slots = {"change_kind": "phone", "new_phone": "+491709876543", "change_confirmed": "yes"}
    events, messages = run(actions.ActionSubmitChange(), slots, token())
    assert messages[0]["response"] == "utter_approval_requested" and messages[0]["window"] == "5 Minuten"
    [request] = requests(store)
    assert request.status == ApprovalStatus.PENDING and events["approval_id"] == request.public_id
    assert all(events[s] is None for s in actions.CHANGE_SLOTS)
    _, messages = run(actions.ActionCheckApproval(), {"approval_id": request.public_id}, token())
    assert messages[0]["response"] == "utter_approval_pending"
    with session_scope(store) as session:
        approvals.approve(session, request.public_id)
    _, messages = run(actions.ActionCheckApproval(), {"approval_id": request.public_id}, token())
    assert messages[0]["response"] == "utter_approval_applied" and messages[0]["kind_name"] == "Telefonnummer"


def test_the_chat_cannot_see_another_members_request(store):
    run(actions.ActionSubmitChange(), {"change_kind": "email", "new_email": "c@example.de", "change_confirmed": "yes"}, token())
    [request] = requests(store)
    with session_scope(store) as session:  # give Dieter a device so that only the ownership check is left
        from bot.store import Member
        session.execute(select(Member).where(Member.insurance_number == "D271828180")).scalar_one().twofa_device_at = request.created_at
    _, messages = run(actions.ActionCheckApproval(), {"approval_id": request.public_id}, token("D271828180"))
    assert messages[0]["response"] == "utter_approval_none"


def test_declined_confirmation_sends_nothing(store):
    _, messages = run(actions.ActionSubmitChange(), {"change_kind": "email", "new_email": "c@example.de",
                                                     "change_confirmed": "no"}, token())
    assert [m["response"] for m in messages] == ["utter_change_not_sent"] and requests(store) == []


def test_the_conversation_carries_a_session_reference_not_the_token(store):
    auth = token()
    metadata = channel_metadata(auth)
    assert auth not in str(metadata) and set(metadata) == {"session_ref", "source"}
    assert channel_metadata(auth) == metadata  # the same token in the same conversation: the same reference


def test_a_raw_token_in_the_events_is_not_accepted(store):
    # Only the channel turns a token into a session; metadata that bypassed it counts as no session.
    _, messages = run(actions.ActionSubmitChange(), {"change_kind": "email", "new_email": "c@example.de",
                                                     "change_confirmed": "yes"}, None, metadata={"auth_token": token()})
    assert [m["response"] for m in messages] == ["utter_session_missing"] and requests(store) == []


def test_a_session_reference_from_another_conversation_is_refused(store):
    stolen = channel_metadata(token(), sender="victim")
    _, messages = run(actions.ActionSubmitChange(), {"change_kind": "email", "new_email": "c@example.de",
                                                     "change_confirmed": "yes"}, None, metadata=stolen, sender="attacker")
    assert [m["response"] for m in messages] == ["utter_session_invalid"] and requests(store) == []


def test_a_token_bound_to_another_conversation_is_refused(store):
    bound = sessions.mint("C314159266", SECRET, conversation_id="someone-else")
    _, messages = run(actions.ActionSubmitChange(), {"change_kind": "email", "new_email": "c@example.de",
                                                     "change_confirmed": "yes"}, bound)
    assert [m["response"] for m in messages] == ["utter_session_invalid"] and requests(store) == []
    bound_here = sessions.mint("C314159266", SECRET, conversation_id="m1")
    _, messages = run(actions.ActionSubmitChange(), {"change_kind": "email", "new_email": "c@example.de",
                                                     "change_confirmed": "yes"}, bound_here)
    assert [m["response"] for m in messages] == ["utter_approval_requested"]


def test_approval_requests_per_member_and_hour_are_limited(store):
    said = []
    for n in range(6):
        _, messages = run(actions.ActionSubmitChange(), {"change_kind": "email", "new_email": f"c{n}@example.de",
                                                         "change_confirmed": "yes"}, token())
        said.append(messages[0]["response"])
    assert said == ["utter_approval_requested"] * 5 + ["utter_approval_rate_limited"]
    assert len(requests(store)) == 5


def test_the_database_down_during_a_data_change_gets_an_apology_and_stores_nothing(store, monkeypatch):
    from bot.store import reset_engine

    auth = token()
    real = os.environ["DATABASE_URL"]
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    reset_engine()
    # the channel cannot keep the session ...
    metadata = channel_metadata(auth)
    assert metadata.get("session_problem") == "unavailable"
    _, messages = run(actions.ActionSubmitChange(), {"change_kind": "email", "new_email": "c@example.de",
                                                     "change_confirmed": "yes"}, None, metadata=metadata)
    assert [m["response"] for m in messages] == ["utter_store_unavailable"]
    monkeypatch.setenv("DATABASE_URL", real)
    reset_engine()
    # ... and with a session kept before the outage, the submit itself fails cleanly
    kept = channel_metadata(auth)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    reset_engine()
    _, messages = run(actions.ActionSubmitChange(), {"change_kind": "email", "new_email": "c@example.de",
                                                     "change_confirmed": "yes"}, None, metadata=kept)
    assert [m["response"] for m in messages] == ["utter_store_unavailable"]
    monkeypatch.setenv("DATABASE_URL", real)
    reset_engine()
    assert requests(store) == []
