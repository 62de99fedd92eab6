"""Security hardening (issue 7) against the real servers, started here with the default limits.

One pair of servers for the module: debug logging (to grep the logs),
a SQL tracker store in a SQLite file (to read what Rasa stores), 127.0.0.1 as
a trusted proxy (so that tests can speak as several client addresses through
``X-Forwarded-For``) and the default identification limits.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import urllib.error
import urllib.request
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
import socketio

from bot import conversations, validation
from bot.config import HOTLINE, load_settings
from bot.servers import Assistant
from tests.conftest import LIVE_TOKEN_SECRET, free_port, reset_store

pytestmark = pytest.mark.live

SCRIPTS = Path(__file__).parent / "conversations"


@pytest.fixture(scope="module")
def secured(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    base = tmp_path_factory.mktemp("security")
    settings = replace(load_settings(), rasa_port=free_port(), action_port=free_port(), model_path=model_path,
                       database_url=f"sqlite:///{base / 'members.db'}", member_token_secret=LIVE_TOKEN_SECRET)
    tracker = {"type": "SQL", "dialect": "sqlite", "db": str(base / "tracker.db")}
    with Assistant(settings, base / "logs", debug=True, tracker_store=tracker,
                   extra_env={"TRUSTED_PROXIES": "127.0.0.1"}) as running:
        running.tracker_db = base / "tracker.db"  # type: ignore[attr-defined]
        yield running


def post(url: str, body: bytes, headers: dict | None = None) -> tuple[int, object]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def say(assistant: Assistant, sender: str, text: str, source: str | None = None, metadata: dict | None = None) -> str:
    body = {"sender": sender, "message": text, **({"metadata": metadata} if metadata else {})}
    status, reply = post(assistant.rest_url, json.dumps(body).encode(), {"X-Forwarded-For": source} if source else None)
    assert status == 200, reply
    return conversations.reply_text(reply)


# --- Personal data: logs and stored conversations ---------------------------------------------

ACCEPTED_FORMS = ["A123456780", "A 123 456 780", "A.123.456.780", "a123456780", "DE89370400440532013000",
                  "de89 3704 0044 0532 0130 00", "anna.berger@example.de", "jürgen.müller@bäckerei-süß.de",
                  "+491701234567", "0170 1234567", "0170.123.4567", "PIN 482913"]


def personal_values(texts: list[str]) -> set[str]:
    """Every value in ``texts`` that a validator accepts as personal data (normalised and as typed)."""
    found = set()
    for text in texts:
        for check in (validation.check_insurance_number, validation.check_email, validation.check_phone,
                      validation.check_iban):
            checked = check(text)
            if checked.ok:
                found |= {text.strip(), checked.value}
    return {v for v in found if len(re.sub(r"\W", "", v)) >= 6}


def test_every_typed_value_is_masked_in_both_debug_logs_and_absent_from_stored_events(secured: Assistant):
    reset_store(secured.settings.database_url)  # the scripts expect the demo members as seeded
    suite = [c for c in conversations.load([SCRIPTS / "tasks.yml", SCRIPTS / "changes.yml"])
             if not any(word in c.name.lower() for word in ("sperre", "lock", "gesperrt"))]
    outcomes = [conversations.run(c, secured.rest_url, token_secret=LIVE_TOKEN_SECRET) for c in suite]
    failed = [o.report() for o in outcomes if not o.passed]
    typed = [s.user for c in suite for s in c.steps if s.user]
    for n, form in enumerate(ACCEPTED_FORMS):
        for text in (f"Meine Daten: {form}", f"Meine Daten:\n{form}"):
            assert say(secured, f"forms-{n}", text)
    values = personal_values(typed) | {f for f in ACCEPTED_FORMS if not f.startswith("PIN")} | {"482913"}
    assert len(values) > 15 and any("@" in v for v in values) and any(v.startswith("DE") for v in values)
    logs = {p.name: p.read_text(errors="replace") for p in (Path(secured.log_dir)).glob("*.log")}
    assert set(logs) == {"rasa.log", "actions.log"}
    assert "D******180" in logs["rasa.log"] + logs["actions.log"], "the debug logs should show the masked messages"
    leaked = {name: sorted(v for v in values if v in text) for name, text in logs.items()}
    assert leaked == {"rasa.log": [], "actions.log": []}
    assert failed == [], "\n".join(failed)
    # What Rasa stores: a reference to the verified session, never the token itself.
    with sqlite3.connect(secured.tracker_db) as db:  # type: ignore[attr-defined]
        stored = [row[0] for row in db.execute("SELECT data FROM events")]
    assert stored and not any("eyJ" in data for data in stored)
    assert any('"session_ref"' in data for data in stored)
    assert not any('"auth_token"' in data for data in stored)


# --- REST and socket.io limits -----------------------------------------------------------------

def test_a_body_over_64_kb_gets_413_before_it_is_parsed(secured: Assistant):
    status, reply = post(secured.rest_url, b"{" + b" " * (64 * 1024) + b"}")
    assert status == 413 and "zu groß" in reply["message"]
    big = json.dumps({"sender": "x", "message": "a" * (70 * 1024)}).encode()
    assert post(secured.rest_url, big)[0] == 413
    fits = json.dumps({"sender": "x", "message": "Passwort vergessen " + "a" * 1000}).encode()
    assert post(secured.rest_url, fits)[0] == 200


@pytest.mark.parametrize("metadata", [{"auth_token": "x" * 4097}, {"auth_token": 5}, {"session_ref": "forged"},
                                      {"source": "elsewhere"}, {"customData": {"a": 1}}])
def test_unknown_or_oversized_metadata_gets_400(secured: Assistant, metadata: dict):
    status, reply = post(secured.rest_url, json.dumps({"sender": "x", "message": "Hallo", "metadata": metadata}).encode())
    assert status == 400 and reply["message"].startswith("Die Anfrage ist ungültig")


async def _socket(assistant: Assistant, headers: dict | None = None):
    client = socketio.AsyncClient(reconnection=False)
    answers: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", lambda data: answers.put_nowait(data))
    await client.connect(assistant.settings.rasa_url, socketio_path="/socket.io", transports=["websocket"],
                         headers=headers or {})
    return client, answers


@pytest.mark.parametrize("payload,reason", [
    ("just a string", "Erwartet wird"), ({"message": 5}, "Erwartet wird"),
    ({"message": "Hallo", "metadata": {"session_ref": "forged"}}, "metadata"),
    ({"message": "Hallo", "metadata": "{not json"}, "metadata"),
])
def test_socketio_malformed_messages_get_a_reply_not_silence(secured: Assistant, payload, reason):
    async def chat() -> dict:
        client, answers = await _socket(secured)
        try:
            await client.emit("user_uttered", payload)
            return await asyncio.wait_for(answers.get(), 30)
        finally:
            await client.disconnect()

    answer = asyncio.run(chat())
    assert answer["text"].startswith("Ihre Nachricht konnte ich nicht lesen") and reason in answer["text"]


def test_socketio_refuses_packets_over_the_limit_and_keeps_serving_others(secured: Assistant):
    async def chat() -> tuple[bool, dict]:
        client, answers = await _socket(secured)
        await client.emit("user_uttered", {"message": "a" * (100 * 1024)})
        for _ in range(100):  # the engine closes the connection
            if not client.connected:
                break
            await asyncio.sleep(0.1)
        dropped = not client.connected
        if client.connected:
            await client.disconnect()
        other, other_answers = await _socket(secured)
        try:
            await other.emit("user_uttered", {"message": "Ich habe mein Passwort vergessen"})
            return dropped, await asyncio.wait_for(other_answers.get(), 60)
        finally:
            await other.disconnect()

    dropped, answer = asyncio.run(chat())
    assert dropped and "Passwort" in answer["text"]


def test_socketio_refuses_a_foreign_origin(secured: Assistant):
    async def connect() -> None:
        client, _ = await _socket(secured, headers={"Origin": "https://evil.example"})
        await client.disconnect()

    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(connect())


# --- Identification throttling per source ------------------------------------------------------

def identification_attempt(assistant: Assistant, number: str, postcode: str, source: str) -> str:
    sender = f"probe-{uuid.uuid4().hex}"
    say(assistant, sender, "Meinen QR-Code prüfen", source)
    say(assistant, sender, number, source)
    return say(assistant, sender, postcode, source)


def valid_numbers(count: int) -> list[str]:
    """Well-formed Versichertennummern that no demo member has."""
    numbers = []
    for n in range(count):
        head = f"Y{31415900 + n:08d}"
        numbers.append(head + str(validation.insurance_number_check_digit(head)))
    return numbers


def test_one_address_with_new_sender_ids_is_refused_after_twenty_identifications(secured: Assistant):
    reset_store(secured.settings.database_url)
    source = "198.51.100.7"
    replies = [identification_attempt(secured, number, "99999", source) for number in valid_numbers(20)]
    assert all("nicht identifizieren" in r for r in replies)
    # the 21st, even with correct data of a real member, is refused like any other number
    refused = identification_attempt(secured, "D271828180", "01067", source)
    unknown = identification_attempt(secured, valid_numbers(21)[-1], "01067", source)
    assert refused == unknown and "keine weiteren Identifizierungen" in refused and HOTLINE in refused
    # another address is served
    assert "QR-Code" in identification_attempt(secured, "D271828180", "01067", "203.0.113.50")


def test_a_stranger_cannot_lock_the_member_out(secured: Assistant):
    reset_store(secured.settings.database_url)
    stranger = "198.51.100.66"
    for _ in range(3):
        assert "nicht identifizieren" in identification_attempt(secured, "E161803391", "11111", stranger)
    locked = identification_attempt(secured, "E161803391", "93047", stranger)
    assert "in 24 Stunden erneut" in locked
    member = identification_attempt(secured, "E161803391", "93047", "203.0.113.77")
    assert "in 1 Minute erneut" in member and HOTLINE in member


def test_a_typed_intent_payload_sets_no_slot_and_is_stored_as_text(secured: Assistant):
    sender = f"payload-{uuid.uuid4().hex}"
    reply = say(secured, sender, '/start_registration{"insurance_number": "A123456780", "member_id": 1}')
    assert reply and "nennen Sie mir Ihre Versichertennummer" not in reply  # the form did not start
    with sqlite3.connect(secured.tracker_db) as db:  # type: ignore[attr-defined]
        rows = [(t, json.loads(d)) for t, d in db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]
    user = [d for t, d in rows if t == "user"]
    assert user and user[0]["text"].startswith("\uff0f") and user[0]["parse_data"]["intent"]["name"] != "start_registration"
    assert [d for t, d in rows if t == "slot" and d.get("name") in ("insurance_number", "member_id") and d.get("value")] == []
    assert [d for t, d in rows if t == "active_loop" and d.get("name")] == []


def test_a_typed_password_never_reaches_the_tracker(secured: Assistant):
    sender = f"secret-{uuid.uuid4().hex}"
    reply = say(secured, sender, "Mein Passwort ist Sommer2024!")
    assert "niemals in den Chat" in reply
    with sqlite3.connect(secured.tracker_db) as db:  # type: ignore[attr-defined]
        stored = [d for (d,) in db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))]
        everything = " ".join(d for (d,) in db.execute("SELECT data FROM events"))
    assert stored == [] and "Sommer2024" not in everything
    logs = " ".join(p.read_text(errors="replace") for p in Path(secured.log_dir).glob("*.log"))
    assert "Sommer2024" not in logs
