"""What a member-facing channel accepts from a client, and what it hands on to Rasa.

A client may send a message text and, in ``metadata``, only the keys in
:data:`CLIENT_METADATA` (today the website's session token). The channel
replaces them with metadata of its own that the actions trust: a reference to
the verified session (:func:`bot.sessions.open_session`) and the keyed hash of
the client's address (the source identification attempts are counted under).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any, Mapping, Optional, Sequence

from sqlalchemy.exc import SQLAlchemyError

from bot import sessions
from bot.services.identification import source_key

logger = logging.getLogger(__name__)

#: A client's id for one message: a retry with the same id is processed once (bot/deliveries.py).
MESSAGE_ID_KEY = "message_id"
#: Keys a client may put into ``metadata``, with the longest accepted value.
CLIENT_METADATA = {sessions.TOKEN_KEY: sessions.MAX_TOKEN_CHARS, MESSAGE_ID_KEY: 128}

BODY_TOO_LARGE = "Die Anfrage ist zu groß (höchstens {limit} KB)."


def metadata_problem(metadata: Any) -> Optional[str]:
    """Why a client's ``metadata`` is refused (a German sentence), or ``None`` if it is fine."""
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        return '"metadata" muss ein JSON-Objekt sein.'
    unknown = sorted(str(k) for k in metadata if k not in CLIENT_METADATA)
    if unknown:
        allowed = ", ".join(f'"{k}"' for k in CLIENT_METADATA)
        return f'"metadata" darf nur {allowed} enthalten (unbekannt: {", ".join(unknown)[:200]}).'
    for key, limit in CLIENT_METADATA.items():
        value = metadata.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            return f'"metadata.{key}" muss ein Text mit höchstens {limit} Zeichen sein.'
    return None


def _is_trusted(address: str, trusted: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in trusted:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(peer: Optional[str], forwarded_for: Optional[str], trusted: Sequence[str]) -> str:
    """The client's address: the peer, or, behind trusted proxies, the last untrusted X-Forwarded-For hop."""
    address = (peer or "").strip()
    if not forwarded_for or not _is_trusted(address, trusted):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _is_trusted(hop, trusted):
            return hop
        address = hop
    return address


def internal_metadata(client_metadata: Optional[Mapping[str, Any]], conversation_id: str,
                      address: str) -> dict[str, str]:
    """The metadata Rasa gets: a session reference (never the token) and the keyed source.

    Call only with metadata that passed :func:`metadata_problem`.
    """
    metadata = {sessions.SOURCE_KEY: source_key(address)}
    token = (client_metadata or {}).get(sessions.TOKEN_KEY)
    if token:
        try:
            metadata.update(sessions.open_session(token, conversation_id))
        except SQLAlchemyError:
            logger.exception("member store unavailable: the session could not be kept")
            metadata[sessions.SESSION_PROBLEM_KEY] = sessions.SessionProblem.UNAVAILABLE.value
    return metadata
