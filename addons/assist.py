"""Internal routes of the Rasa server for the agent console (web process only, never members).

``/webhooks/assist/...`` answers only requests that carry the shared
``X-Assist-Token`` (``ASSIST_TOKEN`` or the per-install one in ``var/``):

- ``POST parse`` ``{"text"}``: the NLU result for a question (the same model
  and FAQ gate as the chat); no conversation is created or touched;
- ``GET conversation/<id>``: the conversation's messages so far, masked;
- ``POST say`` ``{"conversation_id", "text"}``: an agent's message, stored in
  the conversation and pushed to the member's widget marked as from a person;
- ``POST resume`` ``{"conversation_id", "text"}``: ends the pause, says ``text``.

The member's socket lives in this process, so the push goes through the
socket.io channel's server (``addons.channels.live_socket_server``).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.tracker_store import StoreUnavailable
from bot.local_secrets import assist_token
from bot.privacy import mask_text

logger = logging.getLogger(__name__)

#: Marks a message as written by a person, in the widget and in the stored conversation.
AGENT_MARK = {"from": "agent"}


def _json_error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class AssistInput(InputChannel):
    """Not a member channel: the console's way into the running assistant."""

    @classmethod
    def name(cls) -> Text:
        return "assist"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        token = assist_token()
        assist = Blueprint(f"assist_{id(self)}", __name__)

        def allowed(request: Request) -> bool:
            presented = request.headers.get("x-assist-token", "")
            return bool(token) and hmac.compare_digest(presented, token)

        @assist.route("/parse", methods=["POST"])
        async def parse(request: Request) -> HTTPResponse:
            if not allowed(request):
                return _json_error("forbidden", 403)
            text = (request.json or {}).get("text")
            if not isinstance(text, str) or not text.strip() or len(text) > 2000:
                return _json_error("text must be 1 to 2000 characters", 400)
            return response.json(await request.app.ctx.agent.parse_message(text))

        @assist.route("/conversation/<conversation_id>", methods=["GET"])
        async def conversation(request: Request, conversation_id: str) -> HTTPResponse:
            if not allowed(request):
                return _json_error("forbidden", 403)
            agent = request.app.ctx.agent
            try:  # the whole conversation (the production store gives a turn only its recent part)
                tracker = (await agent.tracker_store.retrieve_full_tracker(conversation_id)
                           or await agent.processor.get_tracker(conversation_id))
            except StoreUnavailable:
                return _json_error("the conversation store is unavailable", 503)
            messages = []
            for event in tracker.events:
                if event.type_name == "user" and event.text:
                    messages.append({"from": "member", "text": mask_text(event.text), "at": event.timestamp})
                elif event.type_name == "bot" and event.text:
                    who = "agent" if (event.metadata or {}).get("from") == "agent" else "assistant"
                    messages.append({"from": who, "text": mask_text(event.text), "at": event.timestamp})
            return response.json({"paused": tracker.is_paused(), "messages": messages})

        async def append_and_push(request: Request, conversation_id: str, text: str, resume: bool,
                                  from_agent: bool) -> None:
            from addons.channels import live_socket_server

            agent = request.app.ctx.agent
            async with agent.lock_store.lock(conversation_id):
                tracker = await agent.processor.get_tracker(conversation_id)
                if resume:
                    tracker.update(ConversationResumed())
                tracker.update(BotUttered(text, metadata=dict(AGENT_MARK) if from_agent else {}))
                if resume:  # the assistant listens again: the member's next message starts a normal turn
                    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
                await agent.processor.save_tracker(tracker)
            server = live_socket_server()
            if server is not None:
                message = {"text": text, **(AGENT_MARK if from_agent else {})}
                await server.emit("bot_uttered", message, room=conversation_id)

        @assist.route("/say", methods=["POST"])
        async def say(request: Request) -> HTTPResponse:
            if not allowed(request):
                return _json_error("forbidden", 403)
            body = request.json or {}
            text, conversation_id = body.get("text"), body.get("conversation_id")
            if not isinstance(text, str) or not text.strip() or len(text) > 2000 or not isinstance(conversation_id, str):
                return _json_error("conversation_id and text (1 to 2000 characters) are needed", 400)
            try:
                await append_and_push(request, conversation_id, text.strip(), resume=False, from_agent=True)
            except StoreUnavailable:
                return _json_error("the conversation store is unavailable", 503)
            return response.json({"status": "sent"})

        @assist.route("/resume", methods=["POST"])
        async def resume(request: Request) -> HTTPResponse:
            if not allowed(request):
                return _json_error("forbidden", 403)
            body = request.json or {}
            text, conversation_id = body.get("text"), body.get("conversation_id")
            if not isinstance(text, str) or not isinstance(conversation_id, str):
                return _json_error("conversation_id and text are needed", 400)
            try:
                await append_and_push(request, conversation_id, text, resume=True, from_agent=False)
            except StoreUnavailable:
                return _json_error("the conversation store is unavailable", 503)
            return response.json({"status": "resumed"})

        return assist
