"""Member-facing input channels: REST and socket.io behind the message guard.

Both hand every message to :func:`guarded`, which screens it with
:func:`bot.guard.screen` and makes sure that a non-empty message always gets
a reply, even when the action server or a component fails.

credentials.yml names them by module path; their URLs are Rasa's usual
ones: ``/webhooks/rest/webhook`` and ``/socket.io``.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import load_settings
from bot.guard import UNAVAILABLE_REPLY, Verdict, screen

logger = logging.getLogger(__name__)

MessageHandler = Callable[[UserMessage], Awaitable[Any]]

#: Longest accepted sender id on the REST channel.
MAX_SENDER_CHARS = 128


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


class MemberRestInput(InputChannel):
    """Rasa's REST channel, strict about its input.

    ``POST /webhooks/rest/webhook`` with ``{"sender": str, "message": str,
    "metadata": {...}?}`` returns the bot's messages as a JSON list. Anything
    else gets HTTP 400 with a German explanation, never a 500.
    """

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: MessageHandler) -> Blueprint:
        handle = guarded(on_new_message)
        webhook = Blueprint(f"member_rest_{id(self)}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
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
            if metadata is not None and not isinstance(metadata, dict):
                return _bad_request('"metadata" muss ein JSON-Objekt sein.')
            collector = CollectingOutputChannel()
            await handle(UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata))
            return response.json(collector.messages)

        return webhook


class MemberSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel (for the web widget) behind the message guard."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: MessageHandler) -> Blueprint:
        return super().blueprint(guarded(on_new_message))
