"""Resume tickets of the chat widget: which conversation a browser tab may continue.

The server issues conversation ids (random) and hands the widget a ticket
``<conversation id>.<expiry>.<signature>`` (HMAC under ``MEMBER_HASH_KEY``).
A tab that reloads shows the ticket to resume; an unknown, expired or forged
ticket (or a bare conversation id, as Rasa's own clients send) starts a new
conversation and never joins another's room.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any, Optional

from bot.config import load_settings
from bot.privacy import keyed_hash

PREFIX = "w-"


def new_conversation_id() -> str:
    """A random conversation id (not guessable)."""
    return PREFIX + secrets.token_urlsafe(18)


def issue(conversation_id: str, now: Optional[float] = None) -> str:
    """A ticket that lets its holder resume ``conversation_id`` for ``WIDGET_TICKET_HOURS``."""
    expires = int((now or time.time()) + 3600 * load_settings().widget_ticket_hours)
    body = f"{conversation_id}.{expires}"
    return f"{body}.{keyed_hash('ticket:' + body)[:32]}"


def redeem(ticket: Any, now: Optional[float] = None) -> Optional[str]:
    """The conversation id of a valid ticket, else ``None``."""
    if not isinstance(ticket, str) or len(ticket) > 200 or ticket.count(".") != 2:
        return None
    conversation_id, expires, signature = ticket.split(".")
    if not conversation_id.startswith(PREFIX) or not expires.isdigit():
        return None
    expected = keyed_hash(f"ticket:{conversation_id}.{expires}")[:32]
    if not hmac.compare_digest(expected, signature) or int(expires) < (now or time.time()):
        return None
    return conversation_id
