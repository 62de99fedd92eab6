"""The production profile (issue 11) on this machine's PostgreSQL and Redis, under faults.

One topology for the module, started as ``PROFILE=prod make run`` starts it
(``bot.servers.ProductionAssistant``): HAProxy in front of two Rasa servers
and two action servers. The member store, the tracker store and Redis are
reached through :class:`tests.faultproxy.FaultProxy`, so a test can refuse or
blackhole each of them without touching the machine's shared services.
Tests that kill a process start it again before they end.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Optional

import pytest
import redis
from sqlalchemy import create_engine, func, select, text

from bot import conversations
from bot.config import HOTLINE, PROJECT_ROOT, load_settings
from bot.servers import ProductionAssistant
from bot.store.migrate import migrate
from bot.store.models import LetterOrder
from bot.ports import free_block
from tests.conftest import (LIVE_APPROVAL_WINDOW_SECONDS, LIVE_LIMITS, LIVE_TOKEN_SECRET, _drop_postgres_database,
                            _postgres_database, reset_store)
from tests.faultproxy import FaultProxy
from tests.test_live_security import ACCEPTED_FORMS, personal_values

pytestmark = pytest.mark.live

SCRIPTS = Path(__file__).parent / "conversations"
#: The Redis database the module uses (flushed at its start).
REDIS_DB = 11
#: A fault must reach the member as an apology within this many seconds.
APOLOGY_SECONDS = 12.0


@dataclass
class Stores:
    members_url: str  # direct, for the tests' own reads
    tracker_url: str
    members: FaultProxy
    tracker: FaultProxy
    redis: FaultProxy

    def through(self, url: str, proxy: FaultProxy) -> str:
        return url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")


@pytest.fixture(scope="module")
def stores() -> Iterator[Stores]:
    suffix = uuid.uuid4().hex[:8]
    names = (f"prod_members_{suffix}", f"prod_tracker_{suffix}")
    members_url, tracker_url = (_postgres_database(name) for name in names)
    try:
        redis.Redis(port=6379, db=REDIS_DB, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:  # no skip: the production profile needs Redis
        pytest.fail(f"Redis on 127.0.0.1:6379 is needed for the production tests and not usable: {exc}")
    proxies = [FaultProxy("127.0.0.1", 5432), FaultProxy("127.0.0.1", 5432), FaultProxy("127.0.0.1", 6379)]
    try:
        yield Stores(members_url, tracker_url, *proxies)
    finally:
        for proxy in proxies:
            proxy.close()
        for name in names:
            _drop_postgres_database(name)


@pytest.fixture(scope="module")
def prod(model_path: Path, stores: Stores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionAssistant]:
    base = free_block(3)
    actions = free_block(3)
    settings = replace(
        load_settings(), profile="prod", rasa_port=base, action_port=actions, model_path=model_path,
        database_url=stores.through(stores.members_url, stores.members),
        tracker_store_url=stores.through(stores.tracker_url, stores.tracker),
        lock_store_url=f"redis://127.0.0.1:{stores.redis.port}/{REDIS_DB}",
        member_hash_key="prod-test-hash-key-0123456789abcdefghij", member_token_secret=LIVE_TOKEN_SECRET,
        assist_token="prod-test-assist-token-0123456789abcdefgh", approval_window_seconds=LIVE_APPROVAL_WINDOW_SECONDS,
        db_connect_timeout_seconds=3, db_statement_timeout_ms=3000,
    )
    migrate(stores.members_url)
    reset_store(stores.members_url)  # the demo members, for the flows (the profile itself seeds nothing)
    logs = tmp_path_factory.mktemp("prod-logs")
    with ProductionAssistant(settings, logs, with_web=False, extra_env=LIVE_LIMITS) as running:
        yield running


def replica_url(prod: ProductionAssistant, index: int) -> str:
    return f"http://127.0.0.1:{prod.plan.rasa_ports[index]}/webhooks/rest/webhook"


def say(url: str, sender: str, text_: str, metadata: Optional[dict] = None, timeout: float = 60.0) -> str:
    return conversations.reply_text(conversations.send(url, sender, text_, metadata, timeout=timeout))


def sender() -> str:
    return f"prod-{uuid.uuid4().hex[:12]}"


def letters(stores: Stores) -> int:
    engine = create_engine(stores.members_url, future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(LetterOrder)).scalar_one()
    finally:
        engine.dispose()


def stored_events(stores: Stores, conversation: Optional[str] = None) -> list[dict]:
    engine = create_engine(stores.tracker_url, future=True)
    try:
        with engine.connect() as connection:
            query = "SELECT data FROM events" + (" WHERE sender_id = :s" if conversation else "") + " ORDER BY id"
            return [json.loads(row[0]) for row in connection.execute(text(query), {"s": conversation})]
    finally:
        engine.dispose()


# --- the profile refuses what it cannot run with ------------------------------------------------

def test_the_production_profile_refuses_to_start_without_its_variables_and_names_them(tmp_path: Path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "TRACKER_STORE_URL", "LOCK_STORE_URL", "MEMBER_HASH_KEY", "MEMBER_TOKEN_SECRET",
                        "ASSIST_TOKEN"}}
    env.update(PROFILE="prod", PYTHONPATH=str(PROJECT_ROOT), LOCK_STORE_URL="redis://127.0.0.1:6379/0",
               ASSIST_TOKEN="short")
    done = subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    for name in ("DATABASE_URL", "TRACKER_STORE_URL", "MEMBER_HASH_KEY", "MEMBER_TOKEN_SECRET"):
        assert f"{name} is not set" in done.stderr
    assert "LOCK_STORE_URL is not set" not in done.stderr
    assert "ASSIST_TOKEN must have at least 32 bytes" in done.stderr
    assert "Starting" not in done.stdout  # nothing was started


# --- shared state ------------------------------------------------------------------------------

def test_a_form_and_a_pending_approval_continue_whichever_replica_gets_the_message(prod: ProductionAssistant,
                                                                                   stores: Stores):
    reset_store(stores.members_url)
    one, two = replica_url(prod, 0), replica_url(prod, 1)
    member = sender()
    assert "Versichertennummer" in say(one, member, "Neues Passwort per Brief")
    assert "Postleitzahl" in say(two, member, "E161803391")
    assert "Soll ich Ihnen ein neues Passwort per Brief" in say(one, member, "93047")
    before = letters(stores)
    assert "Auftragsnummer" in say(two, member, "Ja, Brief bestellen")
    assert letters(stores) == before + 1
    token = {"auth_token": "$token(C314159266)"}
    changer = sender()
    steps = [(one, "Telefonnummer ändern", "Telefonnummer"), (two, "0171 2345678", "neue Telefonnummer"),
             (one, "Ja, übermitteln", "wartet jetzt auf Ihre Freigabe"), (two, "Status?", "Freigabe steht noch aus")]
    for url, typed, expected in steps:
        reply = say(url, changer, typed, conversations.resolve_metadata(token, LIVE_TOKEN_SECRET))
        assert expected in reply, (typed, reply)


def test_every_flow_through_the_proxy_passes_and_no_personal_data_is_stored(prod: ProductionAssistant,
                                                                            stores: Stores):
    """Round robin without a cookie: consecutive messages alternate between the replicas."""
    suite = [c for c in conversations.load([SCRIPTS / "tasks.yml", SCRIPTS / "changes.yml", SCRIPTS / "pin_reset.yml"])
             if not any(word in c.name.lower() for word in ("sperre", "lock", "gesperrt"))]
    failed = []
    for conversation in suite:
        reset_store(stores.members_url)
        outcome = conversations.run(conversation, prod.rest_url, token_secret=LIVE_TOKEN_SECRET)
        if not outcome.passed:
            failed.append(outcome.report())
    assert failed == [], "\n".join(failed)
    for n, form in enumerate(ACCEPTED_FORMS):
        assert say(prod.rest_url, f"forms-{n}-{uuid.uuid4().hex[:6]}", f"Meine Daten: {form}")
    typed = [s.user for c in suite for s in c.steps if s.user]
    values = personal_values(typed) | {f for f in ACCEPTED_FORMS if not f.startswith("PIN")} | {"482913"}
    values |= {"Ringstraße", "Landshut", "84034"}  # the new address of the change script
    assert len(values) > 15
    stored = [json.dumps(event, ensure_ascii=False) for event in stored_events(stores)]
    assert len(stored) > 200
    # a value counts where it stands alone: "84034" is also part of timestamps such as 1795984034.1
    patterns = {v: re.compile(r"(?<![\d.])" + re.escape(v) + r"(?!\d)") for v in values}
    leaked = {v: [data[:300] for data in stored if p.search(data)][:2] for v, p in patterns.items()
              if any(p.search(data) for data in stored)}
    assert leaked == {}
    assert not any("eyJ" in data or '"auth_token"' in data for data in stored)
    assert any('"text": "***"' in data for data in stored)  # the answers to personal questions


# --- locks --------------------------------------------------------------------------------------

def test_two_messages_at_the_same_moment_on_two_replicas_run_one_after_the_other(prod: ProductionAssistant,
                                                                                 stores: Stores):
    for attempt in range(3):
        member = sender()
        say(replica_url(prod, 0), member, "Hallo")
        barrier = threading.Barrier(2)

        def send(index: int, typed: str) -> str:
            barrier.wait()
            return say(replica_url(prod, index), member, typed)

        with ThreadPoolExecutor(2) as pool:
            replies = list(pool.map(send, (0, 1), ("Wie lange ist der QR-Code gültig?", "Was ist die 2FA?")))
        assert all(replies), replies
        events = stored_events(stores, member)
        users = [i for i, e in enumerate(events) if e["event"] == "user"]
        assert len(users) == 3, [e["event"] for e in events]
        # each message's turn ends (action_listen) before the next message's turn begins
        for start, end in zip(users[1:], users[2:] + [len(events)]):
            turn = events[start:end]
            assert turn[-1].get("name") == "action_listen", [e.get("name") or e["event"] for e in turn]
            assert sum(e["event"] == "bot" for e in turn) >= 1


def test_a_retry_with_the_same_message_id_is_processed_once_and_answered_once(prod: ProductionAssistant,
                                                                             stores: Stores):
    member = sender()
    metadata = {"message_id": f"m-{uuid.uuid4().hex}"}
    first = conversations.send(replica_url(prod, 0), member, "Wie lange ist der QR-Code gültig?", metadata)
    again = conversations.send(replica_url(prod, 1), member, "Wie lange ist der QR-Code gültig?", metadata)
    assert again == first and "60 Tage" in conversations.reply_text(first)
    assert [e["event"] for e in stored_events(stores, member)].count("user") == 1
    other = conversations.send(replica_url(prod, 1), member, "Wie lange ist der QR-Code gültig?",
                               {"message_id": f"m-{uuid.uuid4().hex}"})
    assert "60 Tage" in conversations.reply_text(other)
    assert [e["event"] for e in stored_events(stores, member)].count("user") == 2


# --- crashes ------------------------------------------------------------------------------------

def test_a_rasa_replica_killed_in_the_middle_of_a_form_the_next_message_continues_it(prod: ProductionAssistant,
                                                                                     stores: Stores):
    reset_store(stores.members_url)
    member = sender()
    assert "Versichertennummer" in say(prod.rest_url, member, "Zugangsdaten erneut anfordern")
    assert "Postleitzahl" in say(prod.rest_url, member, "D271828180")
    prod.kill("rasa1")
    try:
        for typed, expected in (("01067", "Soll ich Ihnen Ihre Zugangsdaten noch einmal per Brief"),
                                ("Ja, Brief bestellen", "Auftragsnummer")):
            began = time.monotonic()
            assert expected in say(prod.rest_url, member, typed)
            assert time.monotonic() - began < 15
    finally:
        prod.restart("rasa1")


def test_action_servers_killed_in_the_middle_of_a_task_apology_nothing_half_written_then_it_goes_on(
        prod: ProductionAssistant, stores: Stores):
    reset_store(stores.members_url)
    member = sender()
    assert "Versichertennummer" in say(prod.rest_url, member, "Neues Passwort per Brief")
    prod.kill("actions1")  # one down: the proxy sends every call to the other
    try:
        assert "Postleitzahl" in say(prod.rest_url, member, "E161803391")
        prod.kill("actions2")  # both down: an apology, nothing written
        try:
            before = letters(stores)
            reply = say(prod.rest_url, member, "93047")
            assert HOTLINE in reply and "Entschuldigung" in reply
            assert letters(stores) == before
        finally:
            prod.restart("actions2")
    finally:
        prod.restart("actions1")
    reply = say(prod.rest_url, member, "93047")
    assert "Soll ich Ihnen ein neues Passwort per Brief" in reply, reply
    assert "Auftragsnummer" in say(prod.rest_url, member, "Ja, Brief bestellen")
    assert letters(stores) == before + 1


# --- the stores unreachable --------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["refuse", "blackhole"])
def test_member_store_unreachable_apology_in_seconds_faq_keeps_flowing_then_work_resumes(
        prod: ProductionAssistant, stores: Stores, fault: str):
    reset_store(stores.members_url)
    member, asker = sender(), sender()
    assert "Versichertennummer" in say(prod.rest_url, member, "Zugangsdaten erneut anfordern")
    assert "Postleitzahl" in say(prod.rest_url, member, "D271828180")
    getattr(stores.members, fault)()
    try:
        began = time.monotonic()
        reply = say(prod.rest_url, member, "01067")
        took = time.monotonic() - began
        assert HOTLINE in reply and "Entschuldigung" in reply, reply
        assert took < APOLOGY_SECONDS, took
        began = time.monotonic()
        assert "60 Tage" in say(prod.rest_url, asker, "Wie lange ist der QR-Code gültig?")
        assert time.monotonic() - began < APOLOGY_SECONDS
    finally:
        stores.members.forward()
    # The task ended with "nothing was saved, try again later"; trying again works without a restart.
    before = letters(stores)
    for typed, expected in (("Zugangsdaten erneut anfordern", "Versichertennummer"), ("D271828180", "Postleitzahl"),
                            ("01067", "Soll ich Ihnen Ihre Zugangsdaten noch einmal per Brief"),
                            ("Ja, Brief bestellen", "Auftragsnummer")):
        reply = say(prod.rest_url, member, typed)
        assert expected in reply, (typed, reply)
    assert letters(stores) == before + 1


@pytest.mark.parametrize("fault", ["refuse", "blackhole"])
def test_tracker_store_unreachable_apology_no_silent_new_conversation_then_state_is_back(
        prod: ProductionAssistant, stores: Stores, fault: str):
    reset_store(stores.members_url)
    member = sender()
    assert "Versichertennummer" in say(prod.rest_url, member, "Zugangsdaten erneut anfordern")
    getattr(stores.tracker, fault)()
    try:
        began = time.monotonic()
        reply = say(prod.rest_url, member, "D271828180")
        assert HOTLINE in reply and "Entschuldigung" in reply, reply
        assert time.monotonic() - began < APOLOGY_SECONDS
        began = time.monotonic()  # an FAQ question needs no state: answered all the same
        faq_reply = say(prod.rest_url, sender(), "Wie lange ist der QR-Code gültig?")
        assert "60 Tage" in faq_reply and "Entschuldigung" not in faq_reply, faq_reply
        assert time.monotonic() - began < APOLOGY_SECONDS
        status = urllib.request.Request(f"{prod.settings.rasa_url}/webhooks/rest/status")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(status, timeout=10)
        assert refused.value.code == 503
    finally:
        stores.tracker.forward()
    assert "Postleitzahl" in say(prod.rest_url, member, "D271828180")  # the form was kept
    assert "Soll ich Ihnen Ihre Zugangsdaten noch einmal per Brief" in say(prod.rest_url, member, "01067")
    say(prod.rest_url, member, "Nein")


def test_redis_down_apology_and_no_conversation_state_lost(prod: ProductionAssistant, stores: Stores):
    reset_store(stores.members_url)
    member = sender()
    assert "Versichertennummer" in say(prod.rest_url, member, "Zugangsdaten erneut anfordern")
    stores.redis.refuse()
    try:
        began = time.monotonic()
        reply = say(prod.rest_url, member, "D271828180")
        assert HOTLINE in reply and "Entschuldigung" in reply, reply
        assert time.monotonic() - began < APOLOGY_SECONDS
        faq_reply = say(prod.rest_url, sender(), "Wie lange ist der QR-Code gültig?")
        assert "60 Tage" in faq_reply and "Entschuldigung" not in faq_reply, faq_reply
    finally:
        stores.redis.forward()
    assert "Postleitzahl" in say(prod.rest_url, member, "D271828180")
    say(prod.rest_url, member, "abbrechen")


# --- long conversations --------------------------------------------------------------------------

def test_a_task_carries_on_after_many_turns_when_only_the_recent_history_is_read(prod: ProductionAssistant,
                                                                                stores: Stores):
    reset_store(stores.members_url)
    member = sender()
    assert "Versichertennummer" in say(prod.rest_url, member, "Zugangsdaten erneut anfordern")
    for n in range(30):  # questions in between: the task waits (and the history grows past its bound)
        reply = say(prod.rest_url, member, "Wie lange ist der QR-Code gültig?" if n % 2 else "Was ist die 2FA?")
        assert reply and "technisches Problem" not in reply and ("60 Tage" in reply or n % 2 == 0), (n, reply)
    snapshot = json.loads(redis.Redis(port=6379, db=REDIS_DB).hget(f"vault:{member}", "_snapshot"))
    assert snapshot["stored"] > 120 and snapshot["active_loop"] == "resend_form"
    # the snapshot counts the events since the session started (action_session_start comes before)
    assert 0 <= len(stored_events(stores, member)) - snapshot["stored"] <= 2
    assert "Postleitzahl" in say(prod.rest_url, member, "D271828180")
    assert "Soll ich Ihnen Ihre Zugangsdaten noch einmal per Brief" in say(prod.rest_url, member, "01067")
    before = letters(stores)
    assert say(prod.rest_url, member, "Nein")
    assert letters(stores) == before
    events = stored_events(stores, member)
    assert [e["event"] for e in events].count("user") == 34  # every message stored once, none twice


# --- load ---------------------------------------------------------------------------------------

#: Question → a text only its answer contains.
SOAK_QUESTIONS = {
    "Wie lange ist der QR-Code gültig?": "60 Tage",
    "Ich habe mein Passwort vergessen": "Passwort / PIN vergessen",
    "Hallo": "digitale Assistent",
}


def test_fifty_concurrent_conversations_through_the_proxy_no_error_no_crossed_reply(prod: ProductionAssistant):
    seconds = float(os.environ.get("SOAK_SECONDS", "120"))
    deadline = time.monotonic() + seconds
    questions = list(SOAK_QUESTIONS)
    errors: list[str] = []
    counts = [0] * 50

    def member(index: int) -> None:
        conversation = f"soak-{index}-{uuid.uuid4().hex[:6]}"
        turn = 0
        while time.monotonic() < deadline:
            question = questions[(index + turn) % len(questions)]
            try:
                reply = say(prod.rest_url, conversation, question, timeout=90)
            except Exception as exc:  # noqa: BLE001 - every failure is reported
                errors.append(f"{conversation}: {exc}")
                return
            if SOAK_QUESTIONS[question] not in reply:
                errors.append(f"{conversation}: {question!r} got {reply[:120]!r}")
            counts[index] += 1
            turn += 1

    threads = [threading.Thread(target=member, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], errors[:5]
    assert min(counts) >= 2, counts
    print(f"soak: {sum(counts)} messages from 50 conversations in {seconds:.0f} s")


# --- socket.io through the proxy ---------------------------------------------------------------

def test_a_polling_widget_stays_on_one_replica_and_pushes_from_either_replica_reach_it(prod: ProductionAssistant):
    """Long-polling needs every request of one client on the replica that holds its session (the
    proxy's cookie); a message pushed by the console through either replica reaches the widget
    (python-socketio's Redis manager)."""
    import asyncio

    import aiohttp
    import socketio

    async def scenario() -> tuple[list[str], str]:
        received: asyncio.Queue = asyncio.Queue()
        confirmed: asyncio.Queue = asyncio.Queue()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            client = socketio.AsyncClient(reconnection=False, http_session=http)
            client.on("bot_uttered", lambda data: received.put_nowait(data.get("text", "")))
            client.on("session_confirm", lambda data: confirmed.put_nowait(data))
            await client.connect(prod.settings.rasa_url, socketio_path="/socket.io", transports=["polling"],
                                 headers={"Origin": prod.settings.allowed_origins[0]})
            try:
                await client.emit("session_request", {"session_id": None})
                ticket = await asyncio.wait_for(confirmed.get(), 30)
                conversation = ticket["session_id"] if isinstance(ticket, dict) else ticket
                texts = []
                for question in ("Wie lange ist der QR-Code gültig?", "Was ist die 2FA?", "Hallo"):
                    await client.emit("user_uttered", {"message": question})
                    texts.append(await asyncio.wait_for(received.get(), 60))
                    await asyncio.sleep(0.5)
                    while not received.empty():
                        received.get_nowait()
                cookie = {c.key: c.value for c in http.cookie_jar}.get("SERVERID", "")
                for index in (0, 1):
                    url = f"http://127.0.0.1:{prod.plan.rasa_ports[index]}/webhooks/assist/say"
                    async with http.post(url, json={"conversation_id": str(conversation).split(".")[0],
                                                    "text": f"Nachricht über Server {index + 1}"},
                                         headers={"X-Assist-Token": prod.settings.assist_token}) as reply:
                        assert reply.status == 200, await reply.text()
                    texts.append(await asyncio.wait_for(received.get(), 30))
                return texts, cookie
            finally:
                await client.disconnect()

    texts, cookie = asyncio.run(scenario())
    assert "60 Tage" in texts[0] and texts[1] and "digitale Assistent" in texts[2]
    assert cookie in {"rasa1", "rasa2"}
    assert texts[3:] == ["Nachricht über Server 1", "Nachricht über Server 2"]
