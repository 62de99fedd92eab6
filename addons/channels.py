"""Member-facing input channels: REST and socket.io behind the message guard.

Both hand every message to :func:`guarded`, which screens it with
:func:`bot.guard.screen` and makes sure that a non-empty message always gets
a reply, even when the action server or a component fails.

credentials.yml names them by module path; their URLs are Rasa's usual
ones: ``/webhooks/rest/webhook`` and ``/socket.io``.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.core.lock_store import LockError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from addons.tracker_store import StoreUnavailable, last_outage
from bot import sessions, splitting, tickets
from bot.deliveries import Deliveries
from bot.deliveries import for_settings as deliveries_for
from bot.config import HOTLINE, checked_settings, load_settings
from bot.guard import UNAVAILABLE_REPLY, Verdict, screen
from bot.inbound import BODY_TOO_LARGE, MESSAGE_ID_KEY, client_address, internal_metadata, metadata_problem

logger = logging.getLogger(__name__)

MessageHandler = Callable[[UserMessage], Awaitable[Any]]

#: Longest accepted sender id on the REST channel.
MAX_SENDER_CHARS = 128
#: A malformed socket.io message is answered, not dropped.
SOCKET_REFUSAL = "Ihre Nachricht konnte ich nicht lesen: {reason} Bitte laden Sie die Seite neu."

# Refuse to start with settings that cannot be used (a short token secret, say).
checked_settings()

#: The widget channel's socket.io server in this process (for messages pushed by the console).
_LIVE_SOCKET_SERVER: Optional[AsyncServer] = None


def live_socket_server() -> Optional[AsyncServer]:
    """The socket.io server of this process, once the widget channel is set up."""
    return _LIVE_SOCKET_SERVER


#: What a member sees of a bot message (not the ids and metadata Rasa adds to each).
_SHOWN = ("text", "buttons", "quick_replies", "image", "attachment", "elements", "custom")


class CountingOutput(OutputChannel):
    """Passes every bot message on to ``inner`` and counts them. A message already sent for this member message
    is not sent again: two questions in one message that get the same answer ("Wie bekomme ich die Freigabe-PIN?
    Wird die mir zugeschickt?") get it once."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0
        self._seen: set[str] = set()

    def name(self) -> Text:  # type: ignore[override]  # the wrapped channel's name
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        key = json.dumps({k: message.get(k) for k in _SHOWN}, sort_keys=True, default=str)
        if key in self._seen:
            return
        self._seen.add(key)
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


async def _handed_over(conversation_id: str) -> bool:
    """Whether an agent holds (or is about to take) this conversation: then silence is right."""
    from bot.services import handover
    from bot.store import session_scope

    def check() -> bool:
        with session_scope() as session:
            return handover.open_ticket(session, conversation_id) is not None

    try:
        return await asyncio.get_running_loop().run_in_executor(None, check)
    except Exception:  # noqa: BLE001 - the store is down: apologise as for any silence
        logger.exception("could not check for a hand-over")
        return False


def _deliveries() -> Deliveries:
    settings = load_settings()
    return deliveries_for(settings.lock_store_url, settings.profile)


async def _off_loop(function: Callable[..., Any], *args: Any) -> Any:
    """A blocking call (Redis, the member store) in a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


async def _stateless_faq_answer(text: str) -> Optional[str]:
    """The FAQ answer to ``text`` from the NLU alone, when the gate lets one through; else None.

    Used while the conversation store is down: a confident FAQ question gets its
    answer (nothing is stored), anything that needs the conversation gets the apology.
    """
    from sanic import Sanic

    try:
        agent = Sanic.get_app().ctx.agent
        parsed = await agent.parse_message(text)
        if (parsed.get("intent") or {}).get("name") != "faq":
            return None
        key = parsed["response_selector"]["faq"]["response"]["utter_action"]
        answer = agent.domain.responses[key][0]["text"]
    except Exception:  # noqa: BLE001 - no answer without the store: the apology
        logger.exception("No FAQ answer without the conversation store")
        return None
    return answer.replace("{hotline}", HOTLINE)


def guarded(on_new_message: MessageHandler) -> MessageHandler:
    """Wrap Rasa's message handler with screening and a reply guarantee."""
    max_chars = load_settings().max_message_chars

    async def handle(message: UserMessage) -> None:
        screened = screen(message.text, max_chars)
        if screened.verdict is not Verdict.PASS:
            await message.output_channel.send_text_message(message.sender_id, screened.reply)
            return
        output = CountingOutput(message.output_channel)
        parts = splitting.questions(screened.text)  # several questions: one after the other
        for number, part in enumerate(parts):
            forwarded = UserMessage(
                part,
                output,
                message.sender_id,
                input_channel=message.input_channel,
                message_id=message.message_id if number == 0 or not message.message_id
                else f"{message.message_id}-{number}",
                metadata=message.metadata,
            )
            try:
                await on_new_message(forwarded)
            except (StoreUnavailable, LockError):  # logged by the store; nothing of this turn was stored
                # An FAQ question needs no conversation state: it is answered all the same.
                answer = await _stateless_faq_answer(part)
                await output.send_response(message.sender_id, {"text": answer or UNAVAILABLE_REPLY})
                if answer is None:
                    return
                continue
            except Exception:  # noqa: BLE001 - the member gets an apology, the log the details
                logger.exception("Handling a message failed")
                break
        if output.sent == 0:
            if await _handed_over(message.sender_id):
                return  # the conversation is paused for an agent, who answers
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
        deliveries = _deliveries()
        limit = settings.max_body_bytes
        webhook = Blueprint(f"member_rest_{id(self)}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/status", methods=["GET"])
        async def status(request: Request) -> HTTPResponse:
            """Monitoring (not the proxy's check): 503 while this replica cannot reach its conversation store."""
            agent = getattr(request.app.ctx, "agent", None)
            store = getattr(getattr(agent, "tracker_store", None), "_tracker_store", None)
            failed = await store.check() if hasattr(store, "check") else []
            outage = last_outage()
            return response.json({"status": "degraded" if failed else "ok", "unavailable": failed,
                                  "last_outage": outage["at"] or None}, status=503 if failed else 200)

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
            message_id = (metadata or {}).get(MESSAGE_ID_KEY)
            if message_id:
                try:
                    first = await _off_loop(deliveries.claim, sender, message_id)
                    if not first:  # a client's retry: the first delivery's reply, nothing processed again
                        return response.json(await _off_loop(deliveries.reply, sender, message_id) or [])
                except Exception:  # noqa: BLE001 - the shared store is down: apologise, process nothing
                    logger.exception("Could not check a message id")
                    return response.json([{"recipient_id": sender, "text": UNAVAILABLE_REPLY}])
            collector = CollectingOutputChannel()
            try:
                await handle(UserMessage(text, collector, sender, input_channel=self.name(),
                                         metadata=await _internal_metadata(metadata, sender, address),
                                         message_id=message_id))
            except BaseException:
                if message_id:
                    await _off_loop(deliveries.failed, sender, message_id)
                raise
            if message_id:
                await _off_loop(deliveries.done, sender, message_id, collector.messages)
            return response.json(collector.messages)

        return webhook


class MemberSocketIOInput(SocketIOInput):
    """The socket.io channel for the web widget, hardened; speaks Rasa's protocol.

    ``session_request``/``session_confirm`` and ``user_uttered``/``bot_uttered``
    (``text``, ``quick_replies``) as in Rasa, so Rasa-compatible clients still
    connect. Unlike Rasa's own channel:

    - the server issues the conversation ids; ``session_confirm`` carries a
      signed resume ticket (:mod:`bot.tickets`), and ``session_request`` resumes
      only with such a ticket; anything else starts a new conversation, so no
      client can choose or join another's conversation;
    - the Origin is checked against ``WIDGET_ALLOWED_ORIGINS`` (default: the
      web process's own origin), packets over ``MAX_BODY_BYTES`` are refused;
    - the room join is awaited (RasaHQ/rasa#13027);
    - a member's session token comes once, in the connection's ``auth``; it is
      verified and applied to that connection's messages (as a session
      reference, never the token) and is never sent to any client;
    - messages pass the same guard as REST; a malformed one gets a German reply;
      after each answer the server emits ``bot_done`` (the widget's typing
      indicator ends; other clients ignore it).
    """

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: MessageHandler) -> Blueprint:
        handle = guarded(on_new_message)
        settings = load_settings()
        deliveries = _deliveries()
        # Production: replicas share emits through Redis, so a message pushed by the console (or any
        # replica) reaches the widget whichever replica holds its socket.
        manager = (AsyncRedisManager(settings.lock_store_url) if settings.profile == "prod" and settings.lock_store_url
                   else None)
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=list(settings.allowed_origins),
                          max_http_buffer_size=settings.max_body_bytes, client_manager=manager)
        webhook = SocketBlueprint(sio, self.socketio_path, f"member_socketio_{id(self)}", __name__)
        self.sio = sio
        global _LIVE_SOCKET_SERVER
        _LIVE_SOCKET_SERVER = sio
        namespace = self.namespace

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def join(sid: Text, conversation_id: str) -> None:
            joined = sio.enter_room(sid, conversation_id, namespace=namespace)
            if inspect.isawaitable(joined):  # a coroutine from python-socketio 5.10 on
                await joined

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Any = None) -> bool:
            request = environ.get("sanic.request")
            peer = request.ip if request is not None else environ.get("REMOTE_ADDR")
            address = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), settings.trusted_proxies)
            token = auth.get("token") if isinstance(auth, dict) else None
            if token is not None and (not isinstance(token, str) or len(token) > sessions.MAX_TOKEN_CHARS):
                token = "invalid"
            await sio.save_session(sid, {"address": address, "token": token, "conversation": None}, namespace=namespace)
            return True

        async def bind(sid: Text, conversation_id: str) -> str:
            """Put the socket into ``conversation_id``'s room (leaving any other) and remember it."""
            session = await sio.get_session(sid, namespace=namespace)
            if session.get("conversation") != conversation_id:
                if session.get("conversation"):
                    sio.leave_room(sid, session["conversation"], namespace=namespace)
                session["conversation"] = conversation_id
                await sio.save_session(sid, session, namespace=namespace)
                await join(sid, conversation_id)
            return conversation_id

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            """Resume the conversation a valid ticket names; anything else starts a new one."""
            requested = data.get("session_id") if isinstance(data, dict) else None
            conversation_id = await bind(sid, tickets.redeem(requested) or tickets.new_conversation_id())
            await sio.emit("session_confirm", tickets.issue(conversation_id), room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            output = SocketIOOutput(sio, self.bot_message_evt)
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                await output.send_text_message(sid, SOCKET_REFUSAL.format(reason='Erwartet wird {"message": Text}.'))
                await sio.emit("bot_done", {}, room=sid, namespace=namespace)
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
                await sio.emit("bot_done", {}, room=sid, namespace=namespace)
                return
            session = await sio.get_session(sid, namespace=namespace)
            conversation_id = session.get("conversation") or await bind(sid, tickets.new_conversation_id())
            message_id = (metadata or {}).get(MESSAGE_ID_KEY)
            if message_id and not await _off_loop(deliveries.claim, conversation_id, message_id):
                await sio.emit("bot_done", {}, room=sid, namespace=namespace)
                return  # a client's retry: the reply went to the conversation's room already
            client_metadata = dict(metadata or {})
            if session.get("token") and not client_metadata.get(sessions.TOKEN_KEY):
                client_metadata[sessions.TOKEN_KEY] = session["token"]
            internal = await _internal_metadata(client_metadata, conversation_id, session.get("address", ""))
            try:
                await handle(UserMessage(data.get("message", ""), output, conversation_id, input_channel=self.name(),
                                         metadata=internal, message_id=message_id))
                if message_id:
                    await _off_loop(deliveries.done, conversation_id, message_id, [])
            finally:
                await sio.emit("bot_done", {}, room=conversation_id, namespace=namespace)

        return webhook
