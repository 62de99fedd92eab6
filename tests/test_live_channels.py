"""The member-facing channels against the real servers (started by the fixture)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid

import pytest
import socketio

from bot import conversations
from bot.config import HOTLINE
from bot.guard import UNAVAILABLE_REPLY
from bot.servers import Assistant

pytestmark = pytest.mark.live


def post_raw(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, object]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def say(url: str, text: str, sender: str | None = None) -> list[dict]:
    return conversations.send(url, sender or f"test-{uuid.uuid4().hex}", text)


@pytest.mark.parametrize(
    "body",
    [b"", b"null", b"[]", b"{}", b"not json", b'"Hallo"', b'{"message": "Hallo"}',
     b'{"sender": "", "message": "Hallo"}', b'{"sender": "x", "message": 5}',
     b'{"sender": "x", "message": "Hallo", "metadata": "nope"}',
     json.dumps({"sender": "x" * 129, "message": "Hallo"}).encode()],
    ids=["empty", "null", "list", "no-fields", "not-json", "string", "no-sender", "blank-sender",
         "number-message", "bad-metadata", "long-sender"],
)
def test_malformed_request_gets_400_with_a_german_reason(rest_url: str, body: bytes):
    status, payload = post_raw(rest_url, body)
    assert status == 400
    assert isinstance(payload, dict) and payload["message"].startswith("Die Anfrage ist ungültig")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_message_gets_a_polite_reply(rest_url: str, text: str):
    reply = say(rest_url, text)
    assert conversations.reply_text(reply) == "Ihre Nachricht ist leer. Bitte schreiben Sie mir Ihre Frage."


def test_ten_thousand_characters_get_a_reply_asking_to_shorten(rest_url: str):
    reply = say(rest_url, "Passwort vergessen " * 530)
    assert "zu lang" in conversations.reply_text(reply)


@pytest.mark.parametrize(
    "text",
    [
        "😀", "🙈🙉🙊", "'; DROP TABLE members; --", "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://x}",
        "\u202eHallo", "a", "?", "1234567890",
    ],
)
def test_every_non_empty_message_gets_a_reply(rest_url: str, text: str):
    reply = say(rest_url, text)
    answer = conversations.reply_text(reply).strip()
    # a real answer from the assistant, not the channel's apology for a failure
    assert answer and answer != UNAVAILABLE_REPLY
    assert "<script>" not in json.dumps(reply)


def test_a_typed_intent_payload_is_read_as_text_not_as_an_intent(rest_url: str):
    # As an intent, "/greet" would get the greeting; as text it is not understood.
    greeting = conversations.reply_text(say(rest_url, "Hallo"))
    reply = conversations.reply_text(say(rest_url, "/greet"))
    assert reply and reply != greeting
    injected = conversations.reply_text(say(rest_url, '/faq{"kvnr": "A123456780"}'))
    assert injected and injected != UNAVAILABLE_REPLY and "A123456780" not in injected
    # (tests/test_live_security.py reads the stored conversation: the text arrived as text, no slot was set)


def test_socketio_round_trip(assistant: Assistant):
    """A real widget-style client gets an answer (python-socketio 5.9.0, RasaHQ/rasa#13027)."""

    async def chat() -> tuple[str, dict]:
        client = socketio.AsyncClient()
        answers: asyncio.Queue = asyncio.Queue()
        confirmed: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", lambda data: answers.put_nowait(data))
        client.on("session_confirm", lambda data: confirmed.put_nowait(data))
        await client.connect(assistant.settings.rasa_url, socketio_path="/socket.io", transports=["websocket"])
        try:
            await client.emit("session_request", {"session_id": None})
            session = await asyncio.wait_for(confirmed.get(), 30)
            await client.emit("user_uttered", {"message": "Ich habe mein Passwort vergessen", "session_id": session})
            return session, await asyncio.wait_for(answers.get(), 60)
        finally:
            await client.disconnect()

    session, answer = asyncio.run(chat())
    assert session
    assert '"Passwort / PIN vergessen"' in answer["text"]


def test_socketio_empty_message_gets_the_polite_reply(assistant: Assistant):
    async def chat() -> dict:
        client = socketio.AsyncClient()
        answers: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", lambda data: answers.put_nowait(data))
        await client.connect(assistant.settings.rasa_url, socketio_path="/socket.io", transports=["websocket"])
        try:
            await client.emit("user_uttered", {"message": "  "})
            return await asyncio.wait_for(answers.get(), 30)
        finally:
            await client.disconnect()

    assert "leer" in asyncio.run(chat())["text"]


def test_action_server_down_still_gets_a_reply_with_the_hotline(assistant: Assistant, rest_url: str):
    assistant.stop_actions()
    try:
        # An unclear message needs the action server (action_route_question):
        # the member gets the channel's apology or "nicht sicher", both with the hotline.
        text = conversations.reply_text(say(rest_url, "xq zzv blorp"))
        assert HOTLINE in text
        assert "Versichertennummer" not in text
        # Answers that need no action server still work.
        assert "Versichertennummer" in conversations.reply_text(say(rest_url, "Was sind meine Zugangsdaten?"))
    finally:
        assistant.start_actions()
    back = say(rest_url, "xq zzv blorp")
    assert conversations.reply_text(back) != UNAVAILABLE_REPLY and HOTLINE in conversations.reply_text(back)


def test_action_server_down_in_the_middle_of_a_task_writes_nothing_and_the_task_resumes(assistant: Assistant, rest_url: str):
    from sqlalchemy import func, select

    from bot.store import LetterOrder, Member, session_scope
    from bot.store.db import make_engine

    engine = make_engine(assistant.settings.database_url)

    def letters() -> int:
        with session_scope(engine) as session:
            member = session.execute(select(Member.id).where(Member.insurance_number == "E161803391")).scalar_one()
            return session.execute(select(func.count()).select_from(LetterOrder).where(LetterOrder.member_id == member)).scalar_one()

    before = letters()
    sender = "outage-in-a-task"
    assert "Versichertennummer" in conversations.reply_text(conversations.send(rest_url, sender, "Zugangsdaten erneut anfordern"))
    assistant.stop_actions()
    try:
        for text in ("E161803391", "93047"):
            reply = conversations.reply_text(conversations.send(rest_url, sender, text))
            assert reply == UNAVAILABLE_REPLY and HOTLINE in reply
        assert letters() == before
    finally:
        assistant.start_actions()
    assert "Postleitzahl" in conversations.reply_text(conversations.send(rest_url, sender, "E161803391"))
    assert "Soll ich Ihnen Ihre Zugangsdaten" in conversations.reply_text(conversations.send(rest_url, sender, "93047"))
    assert letters() == before  # nothing before the member's yes
    assert "erneut per Brief" in conversations.reply_text(conversations.send(rest_url, sender, "ja"))
    assert letters() == before + 1
    engine.dispose()


def _listening_addresses(port: int) -> set[str]:
    """Local addresses on which something listens on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table, encoding="ascii").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                if len(address) == 8:
                    found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
                else:
                    found.add("ipv6:" + address)
    return found


def test_both_servers_listen_on_loopback_only(assistant: Assistant):
    assert _listening_addresses(assistant.settings.rasa_port) == {"127.0.0.1"}
    assert _listening_addresses(assistant.settings.action_port) == {"127.0.0.1"}


@pytest.mark.parametrize("path", ["/conversations/anyone/tracker", "/conversations/anyone/messages", "/status",
                                  "/model/parse", "/conversations/anyone/tracker/events"])
def test_rasa_http_api_is_off(assistant: Assistant, path: str):
    request = urllib.request.Request(assistant.settings.rasa_url + path, data=b"{}" if "parse" in path or "events" in path
                                     else None, headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code in (404, 405)


def test_the_assist_routes_need_their_token(assistant: Assistant):
    request = urllib.request.Request(assistant.settings.rasa_url + "/webhooks/assist/parse", data=b'{"text": "Hallo"}',
                                     headers={"Content-Type": "application/json", "X-Assist-Token": "guessed"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
