"""Member-facing input channels: REST and socket.io behind the message guard.

Both hand every message to :func:`guarded`, which screens it with
:func:`bot.guard.screen` and makes sure that a non-empty message always gets
a reply, even when the action server or a component fails.

credentials.yml names them by module path; their URLs are Rasa's usual
ones: ``/webhooks/rest/webhook`` and ``/socket.io``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.config import checked_settings, load_settings
from bot.guard import UNAVAILABLE_REPLY, Verdict, screen
from bot.inbound import BODY_TOO_LARGE, client_address, internal_metadata, metadata_problem

logger = logging.getLogger(__name__)

MessageHandler = Callable[[UserMessage], Awaitable[Any]]

#: Longest accepted sender id on the REST channel.
MAX_SENDER_CHARS = 128
#: A malformed socket.io message is answered, not dropped.
SOCKET_REFUSAL = "Ihre Nachricht konnte ich nicht lesen: {reason} Bitte laden Sie die Seite neu."

# Refuse to start with settings that cannot be used (a short token secret, say).
checked_settings()


class CountingOutput(OutputChannel):
    """Passes every bot message on to ``inner`` and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # type: ignore[override]  # the wrapped channel's name
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


def guarded(on_new_message: MessageHandler) -> MessageHandler:
    """Wrap Rasa's message handler with screening and a reply guarantee."""
    max_chars = load_settings().max_message_chars

    async def handle(message: UserMessage) -> None:
        screened = screen(message.text, max_chars)
        if screened.verdict is not Verdict.PASS:
            await message.output_channel.send_text_message(message.sender_id, screened.reply)
            return
        output = CountingOutput(message.output_channel)
        forwarded = UserMessage(
            screened.text,
            output,
            message.sender_id,
            input_channel=message.input_channel,
            message_id=message.message_id,
            metadata=message.metadata,
        )
        try:
            await on_new_message(forwarded)
        except Exception:  # noqa: BLE001 - the member gets an apology, the log the details
            logger.exception("Handling a message failed")
        if output.sent == 0:
            logger.error("No reply was produced for a message; sending the apology")
            await message.output_channel.send_text_message(message.sender_id, UNAVAILABLE_REPLY)

    return handle


def _bad_request(reason: str) -> HTTPResponse:
    return response.json(
        {"error": "bad_request", "message": f"Die Anfrage ist ungültig: {reason}"},
        status=400,
    )


def _too_large(limit: int) -> HTTPResponse:
    return response.json(
        {"error": "payload_too_large", "message": BODY_TOO_LARGE.format(limit=limit // 1024)},
        status=413,
    )


async def _internal_metadata(client_metadata: Optional[Dict[Text, Any]], sender: str, address: str) -> Dict[Text, Any]:
    """The metadata Rasa gets (bot.inbound); the store calls run off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, internal_metadata, client_metadata, sender, address)


class MemberRestInput(InputChannel):
    """Rasa's REST channel, strict about its input.

    ``POST /webhooks/rest/webhook`` with ``{"sender": str, "message": str,
    "metadata": {"auth_token": str}?}`` returns the bot's messages as a JSON
    list. A body over ``MAX_BODY_BYTES`` gets HTTP 413 before it is parsed;
    anything else malformed gets HTTP 400 with a German explanation, never a 500.
    """

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: MessageHandler) -> Blueprint:
        handle = guarded(on_new_message)
        settings = load_settings()
        limit = settings.max_body_bytes
        webhook = Blueprint(f"member_rest_{id(self)}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            declared = request.headers.get("content-length", "")
            if (declared.isdigit() and int(declared) > limit) or len(request.body or b"") > limit:
                return _too_large(limit)
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - sanic raises on malformed JSON
                return _bad_request("Der Inhalt ist kein gültiges JSON.")
            if not isinstance(body, dict):
                return _bad_request('Erwartet wird ein JSON-Objekt mit "sender" und "message".')
            sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                return _bad_request(f'"sender" muss ein Text mit 1 bis {MAX_SENDER_CHARS} Zeichen sein.')
            if not isinstance(text, str):
                return _bad_request('"message" muss ein Text sein.')
            problem = metadata_problem(metadata)
            if problem:
                return _bad_request(problem)
            address = client_address(request.ip, request.headers.get("x-forwarded-for"), settings.trusted_proxies)
            collector = CollectingOutputChannel()
            await handle(UserMessage(text, collector, sender, input_channel=self.name(),
                                     metadata=await _internal_metadata(metadata, sender, address)))
            return response.json(collector.messages)

        return webhook


class MemberSocketIOInput(SocketIOInput):
    """The socket.io channel for the web widget, with the REST channel's guard and limits.

    Speaks Rasa's protocol (``session_request``/``session_confirm``,
    ``user_uttered``/``bot_uttered``). Differences from Rasa's own channel:
    packets over ``MAX_BODY_BYTES`` are refused by the engine, the Origin check
    stays on (same origin only), ``metadata`` is checked as on REST and never
    passed on as sent, and a malformed ``user_uttered`` gets a German reply
    instead of being dropped.
    """

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: MessageHandler) -> Blueprint:
        handle = guarded(on_new_message)
        settings = load_settings()
        # cors_allowed_origins=None: python-engineio accepts the server's own origin only
        # (Rasa passes [], which switches the check off).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=None, max_http_buffer_size=settings.max_body_bytes)
        webhook = SocketBlueprint(sio, self.socketio_path, f"member_socketio_{id(self)}", __name__)
        self.sio = sio

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            request = environ.get("sanic.request")
            peer = request.ip if request is not None else environ.get("REMOTE_ADDR")
            address = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), settings.trusted_proxies)
            await sio.save_session(sid, {"address": address}, namespace=self.namespace)
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            await sio.emit("session_confirm", sid, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            output = SocketIOOutput(sio, self.bot_message_evt)
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                await output.send_text_message(sid, SOCKET_REFUSAL.format(reason='Erwartet wird {"message": Text}.'))
                return
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = "invalid"
            problem = metadata_problem(metadata)
            if problem:
                await output.send_text_message(sid, SOCKET_REFUSAL.format(reason=problem))
                return
            session = await sio.get_session(sid, namespace=self.namespace)
            await handle(UserMessage(data.get("message", ""), output, sid, input_channel=self.name(),
                                     metadata=await _internal_metadata(metadata, sid, session.get("address", ""))))

        return webhook
