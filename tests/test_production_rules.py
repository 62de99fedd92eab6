"""The production profile's plain rules, without servers: variables, ports, proxy, retries, redaction."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from bot import deliveries, production
from bot.config import load_settings, problems
from bot.privacy import REDACTED, mask_text, redact

SECRET = "x" * 32


def prod_settings(**changes):
    base = replace(load_settings(), profile="prod", database_url="postgresql://chat@db:5432/members",
                   tracker_store_url="postgresql://chat@db:5432/tracker", lock_store_url="redis://redis:6379/0",
                   member_hash_key=SECRET, member_token_secret=SECRET, assist_token=SECRET)
    return replace(base, **changes)


def test_complete_production_settings_have_no_problem():
    assert production.problems(prod_settings()) == []


def test_every_missing_variable_is_named_and_sqlite_counts_as_missing():
    settings = prod_settings(database_url="sqlite:///var/members.db", tracker_store_url="", lock_store_url="",
                             member_hash_key="", member_token_secret="", assist_token="")
    assert production.missing_variables(settings) == list(production.REQUIRED_VARIABLES)
    found = production.problems(settings)
    assert len(found) == len(production.REQUIRED_VARIABLES)
    assert "postgresql://" in found[0]


@pytest.mark.parametrize("changes, fragment", [
    ({"tracker_store_url": "sqlite:///tracker.db"}, "TRACKER_STORE_URL must be a postgresql"),
    ({"lock_store_url": "127.0.0.1:6379"}, "LOCK_STORE_URL must be a redis"),
    ({"assist_token": "short"}, "ASSIST_TOKEN must have at least 32 bytes"),
    ({"member_hash_key": "short"}, "MEMBER_HASH_KEY must have at least 32 bytes"),
    ({"rasa_replicas": 0}, "at least 1"),
])
def test_unusable_values_are_refused(changes, fragment):
    assert any(fragment in p for p in production.problems(prod_settings(**changes)))


def test_a_lock_must_outlive_the_longest_action_call():
    settings = replace(load_settings(), ticket_lock_lifetime_seconds=30, action_timeout_seconds=30)
    assert any("TICKET_LOCK_LIFETIME" in p for p in problems(settings))
    assert not any("TICKET_LOCK_LIFETIME" in p for p in problems(replace(settings, ticket_lock_lifetime_seconds=31)))


def test_the_proxy_takes_the_usual_ports_and_the_replicas_the_next_ones():
    plan = production.topology(prod_settings(rasa_port=5005, action_port=5055, rasa_replicas=3))
    assert (plan.proxy_port, plan.rasa_ports, plan.action_proxy_port, plan.action_ports) == (
        5005, (5006, 5007, 5008), 5055, (5056, 5057))
    assert plan.action_url == "http://127.0.0.1:5055/webhook"


def test_haproxy_config_is_valid_sticky_for_socketio_and_never_retries_a_delivered_action(tmp_path: Path):
    config = production.haproxy_config(production.topology(prod_settings()), action_timeout_seconds=30)
    assert f"cookie {production.STICKY_COOKIE} insert indirect nocache" in config
    assert config.count("check cookie rasa") == 2 and config.count("server actions") == 2
    assert "retry-on conn-failure" in config and "timeout server 35s" in config
    path = tmp_path / "haproxy.cfg"
    path.write_text(config, encoding="utf-8")
    checked = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_rasa_replicas_get_the_shared_stores():
    endpoints = production.endpoints(prod_settings(), "http://127.0.0.1:5055/webhook")
    assert endpoints["tracker_store"] == {"type": "addons.tracker_store.ProductionTrackerStore",
                                          "url": "postgresql://chat@db:5432/tracker"}
    assert endpoints["lock_store"]["type"] == "addons.lock_store.AtomicRedisLockStore"
    assert endpoints["action_endpoint"] == {"url": "http://127.0.0.1:5055/webhook"}


def test_rasa_waits_for_an_action_only_as_long_as_configured():
    import rasa.core.actions.action as action
    import rasa.utils.endpoints as endpoints

    import addons

    addons.bound_action_calls(17)
    try:
        assert action.DEFAULT_REQUEST_TIMEOUT == 17 and endpoints.DEFAULT_REQUEST_TIMEOUT == 17
    finally:
        addons.bound_action_calls(load_settings().action_timeout_seconds)


# --- retries -----------------------------------------------------------------------------------

def _backends():
    client = redis.Redis(db=12, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:  # no skip: production keeps the claims in Redis
        pytest.fail(f"Redis on 127.0.0.1:6379 is needed: {exc}")
    return [deliveries.MemoryBackend(), deliveries.RedisBackend("redis://127.0.0.1:6379/12")]


@pytest.mark.parametrize("backend", _backends(), ids=["memory", "redis"])
def test_a_message_id_is_claimed_once_and_a_repeat_gets_the_first_reply(backend):
    seen = deliveries.Deliveries(backend)
    conversation, message = f"c-{uuid.uuid4().hex}", "m-1"
    assert seen.claim(conversation, message) is True
    assert seen.claim(conversation, message) is False
    assert seen.claim(f"{conversation}-other", message) is True  # ids are per conversation
    later = threading.Timer(0.3, seen.done, (conversation, message, [{"text": "Antwort"}]))
    later.start()
    began = time.monotonic()
    assert seen.reply(conversation, message, wait=5) == [{"text": "Antwort"}]  # waited for the first
    assert 0.2 < time.monotonic() - began < 3


@pytest.mark.parametrize("backend", _backends(), ids=["memory", "redis"])
def test_a_failed_first_delivery_can_be_retried(backend):
    seen = deliveries.Deliveries(backend)
    conversation = f"c-{uuid.uuid4().hex}"
    assert seen.claim(conversation, "m")
    seen.failed(conversation, "m")
    assert seen.reply(conversation, "m", wait=0.2) is None
    assert seen.claim(conversation, "m")


def test_production_keeps_claims_in_redis_the_default_in_memory():
    assert isinstance(deliveries.for_settings("redis://127.0.0.1:6379/12", "prod").backend, deliveries.RedisBackend)
    assert isinstance(deliveries.for_settings("redis://127.0.0.1:6379/12", "dev").backend, deliveries.MemoryBackend)


# --- what a stored event may hold --------------------------------------------------------------

def test_redact_masks_patterns_and_every_known_value_anywhere():
    event = {"event": "bot", "text": "Bitte prüfen Sie: neue Adresse: Ringstraße 5b, 84034 Landshut",
             "metadata": {"note": ["A123456780", "anna.berger@example.de"]}}
    stored = redact(event, {"Ringstraße", "84034", "Landshut", "5b"})
    text = stored["text"]
    assert "Ringstraße" not in text and "84034" not in text and "Landshut" not in text
    assert text.count(REDACTED) == 3
    assert stored["metadata"]["note"][0] == "A******780" and stored["metadata"]["note"][1].startswith("a***@")


def test_a_stored_approval_id_is_kept_as_it_is_and_personal_values_are_not():
    """An id such as "ab12cdef34567890" reads like the start of an IBAN: masking it made the next replica
    look for a request that does not exist (``Status?`` answered "keinen offenen Änderungsantrag")."""
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from addons.tracker_store import ProductionTrackerStore

    ids = ["ab12cdef34567890", "0171234567890abc", "a123456789abcdef"]
    assert all(mask_text(i) != i for i in ids)  # each one would be masked as free text
    events = [ActionExecuted("action_listen"), UserUttered("Landshut"), SlotSet("new_city", "Landshut"),
              *(SlotSet("approval_id", i) for i in ids), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("s", events)
    stored = ProductionTrackerStore.redacted_events(tracker, 0)
    assert [e["value"] for e in stored if e.get("name") == "approval_id"] == ids
    assert next(e for e in stored if e.get("name") == "new_city")["value"] == REDACTED
    assert "Landshut" not in json.dumps(stored)


# --- a long conversation's history, shortened --------------------------------------------------

def test_a_shortened_history_starts_with_a_whole_turn_after_the_current_state():
    from addons.tracker_store import shortened

    tail = [{"event": "bot", "text": "…", "timestamp": 9.0},
            {"event": "action", "name": "action_listen", "timestamp": 10.0},
            {"event": "user", "text": "Hallo", "timestamp": 11.0},
            {"event": "slot", "name": "requested_slot", "value": "postcode", "timestamp": 11.5},
            {"event": "action", "name": "action_listen", "timestamp": 12.0}]
    snapshot = {"stored": 500, "slots": {"requested_slot": "postcode", "next_task": None}, "active_loop": "resend_form",
                "paused": True}
    events = shortened(tail, snapshot, {"insurance_number": "D271828180"})
    assert events[-4:] == tail[1:]  # from the first turn boundary on
    state = events[:-4]
    assert {(e["event"], e.get("name")) for e in state} == {
        ("slot", "requested_slot"), ("slot", "next_task"), ("slot", "insurance_number"),
        ("active_loop", "resend_form"), ("pause", None)}
    assert all(e["timestamp"] < 11.0 for e in state)
    assert shortened(tail[:1], snapshot, {}) is None  # no turn boundary: read everything


def test_the_rebuilt_tracker_ends_in_the_stored_state():
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from addons.tracker_store import shortened

    domain = Domain.load(str(Path(__file__).parent.parent / "domain.yml"))
    tail = [{"event": "action", "name": "action_listen", "timestamp": 1.0},
            {"event": "user", "text": "84130", "timestamp": 2.0, "parse_data": {"intent": {"name": "inform_data"}}},
            {"event": "slot", "name": "ident_retry", "value": True, "timestamp": 3.0},
            {"event": "action", "name": "action_listen", "timestamp": 4.0}]
    snapshot = {"stored": 300, "slots": {"ident_retry": True, "requested_slot": "postcode"},
                "active_loop": "resend_form", "paused": False}
    events = shortened(tail, snapshot, {"insurance_number": "D271828180"})
    tracker = DialogueStateTracker.from_dict("s", events, domain.slots)
    assert tracker.active_loop_name == "resend_form"
    assert tracker.get_slot("insurance_number") == "D271828180" and tracker.get_slot("requested_slot") == "postcode"
    assert tracker.latest_message.text == "84130"
