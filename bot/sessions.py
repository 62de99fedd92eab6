"""Signed member sessions: the website passes a JWT (HS256) once per message or at connect.

Token contract (the website signs, the chat verifies):

- ``alg`` HS256 with ``MEMBER_TOKEN_SECRET`` (at least 32 bytes);
- ``sub``: the member's Versichertennummer; ``aud``: ``online-filiale-chat``;
- ``iat`` and ``exp`` (seconds since the epoch), ``exp - iat`` at most
  ``MEMBER_TOKEN_MAX_AGE_SECONDS``; 30 s of clock skew are tolerated;
- optional ``sid``: the conversation id the token is for; if present, it must match.

The token itself never enters the conversation: the channel verifies it
(:func:`open_session`) and hands on a random, short-lived reference that only
resolves in the same conversation (:func:`resolve`). Without a secret,
everything that needs a session is off (there is no built-in development secret).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Mapping, Optional

import jwt
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot import validation
from bot.config import PROJECT_ROOT, TOKEN_AUDIENCE, load_settings

ALGORITHM = "HS256"
#: Clock skew tolerated on ``iat`` and ``exp``.
LEEWAY_SECONDS = 30
#: The metadata key the website puts the token under (the only key a client may send).
TOKEN_KEY = "auth_token"
#: Longest accepted token.
MAX_TOKEN_CHARS = 4096
#: Metadata keys the channel sets for the actions (a client can never send them).
SESSION_REF_KEY = "session_ref"
SESSION_PROBLEM_KEY = "session_problem"
SOURCE_KEY = "source"


class SessionProblem(str, enum.Enum):
    DISABLED = "disabled"  # no secret configured
    MISSING = "missing"
    INVALID = "invalid"  # forged, malformed, wrong algorithm, audience, conversation or claims
    EXPIRED = "expired"
    UNAVAILABLE = "unavailable"  # the store could not be reached to keep the session


@dataclass(frozen=True)
class MemberSession:
    """A verified session, or why there is none."""

    insurance_number: Optional[str] = None
    problem: Optional[SessionProblem] = None
    expires_at: Optional[datetime] = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.problem is None


def _utc(now: Optional[datetime]) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def verify(token: Any, secret: Optional[str] = None, now: Optional[datetime] = None,
           conversation_id: Optional[str] = None) -> MemberSession:
    """Check a session token's signature, audience, lifetime, subject and conversation."""
    settings = load_settings()
    secret = settings.member_token_secret if secret is None else secret
    if not secret:
        return MemberSession(problem=SessionProblem.DISABLED)
    if not isinstance(token, str) or not token.strip():
        return MemberSession(problem=SessionProblem.MISSING)
    if len(token) > MAX_TOKEN_CHARS:
        return MemberSession(problem=SessionProblem.INVALID)
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=TOKEN_AUDIENCE,
                            options={"require": ["exp", "iat", "sub", "aud"], "verify_exp": False,
                                     "verify_iat": False, "verify_nbf": False})
        issued, expires = int(claims["iat"]), int(claims["exp"])
    except (jwt.InvalidTokenError, ValueError, TypeError, KeyError):
        return MemberSession(problem=SessionProblem.INVALID)
    moment = _utc(now).timestamp()
    if issued > moment + LEEWAY_SECONDS or expires <= issued or expires - issued > settings.member_token_max_age_seconds:
        return MemberSession(problem=SessionProblem.INVALID)
    if "sid" in claims and (conversation_id is None or claims["sid"] != conversation_id):
        return MemberSession(problem=SessionProblem.INVALID)
    if expires + LEEWAY_SECONDS <= moment:
        return MemberSession(problem=SessionProblem.EXPIRED)
    checked = validation.check_insurance_number(str(claims.get("sub", "")))
    if not checked.ok:
        return MemberSession(problem=SessionProblem.INVALID)
    return MemberSession(insurance_number=checked.value,
                         expires_at=datetime.fromtimestamp(expires + LEEWAY_SECONDS, tz=timezone.utc).replace(tzinfo=None))


def mint(insurance_number: str, secret: Optional[str] = None, valid_for: timedelta = timedelta(hours=1),
         now: Optional[datetime] = None, conversation_id: Optional[str] = None) -> str:
    """A session token for development and demos (``python -m bot token NR``)."""
    settings = load_settings()
    secret = settings.member_token_secret if secret is None else secret
    if not secret:
        raise ValueError("MEMBER_TOKEN_SECRET is not set")
    if valid_for.total_seconds() > settings.member_token_max_age_seconds:
        raise ValueError(f"a token may be valid for at most {settings.member_token_max_age_seconds} s "
                         "(MEMBER_TOKEN_MAX_AGE_SECONDS)")
    now = _utc(now)
    claims: dict[str, Any] = {"sub": insurance_number, "aud": TOKEN_AUDIENCE, "iat": int(now.timestamp()),
                              "exp": int((now + valid_for).timestamp())}
    if conversation_id:
        claims["sid"] = conversation_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


DEMO_SECRET_FILE = PROJECT_ROOT / "var" / "member-token.secret"


def demo_secret(path: Path = DEMO_SECRET_FILE) -> str:
    """Demo mode's token secret: random per install, kept in ``var/`` (never a constant in the code)."""
    from bot.local_secrets import per_install

    return per_install(path.name, path.parent)


def _conversation_key(conversation_id: str) -> str:
    from bot.privacy import keyed_hash

    return keyed_hash(f"conversation:{conversation_id}")


def open_session(token: Any, conversation_id: str, now: Optional[datetime] = None) -> dict[str, str]:
    """Verify ``token`` for this conversation; the metadata the actions get instead of it.

    Either ``{"session_ref": REF}`` (a row in ``chat_sessions``, as long-lived
    as the token) or ``{"session_problem": "expired"|"invalid"|...}``.
    """
    from bot.store import session_scope
    from bot.store.models import ChatSession

    session = verify(token, now=now, conversation_id=conversation_id)
    if not session.ok:
        return {SESSION_PROBLEM_KEY: session.problem.value}
    moment = _utc(now).replace(tzinfo=None)
    token_hash = hashlib.sha256(f"{token}\0{conversation_id}".encode("utf-8")).hexdigest()
    for _ in range(2):  # a concurrent first use of the same token: the second reads the first's row
        try:
            with session_scope() as db:
                row = db.execute(select(ChatSession).where(ChatSession.token_hash == token_hash)).scalar_one_or_none()
                if row is None:
                    db.execute(delete(ChatSession).where(ChatSession.expires_at < moment - timedelta(days=1)))
                    row = ChatSession(ref=secrets.token_urlsafe(24), token_hash=token_hash,
                                      conversation_key=_conversation_key(conversation_id),
                                      insurance_number=session.insurance_number, created_at=moment,
                                      expires_at=session.expires_at)
                    db.add(row)
                return {SESSION_REF_KEY: row.ref}
        except IntegrityError:
            continue
    raise RuntimeError("could not store the chat session")


def resolve(ref: Any, conversation_id: str, now: Optional[datetime] = None) -> MemberSession:
    """The member behind a session reference, if it belongs to this conversation and has not expired."""
    from bot.store import session_scope
    from bot.store.models import ChatSession

    if not isinstance(ref, str) or not ref:
        return MemberSession(problem=SessionProblem.MISSING)
    with session_scope() as db:
        row = db.execute(select(ChatSession).where(ChatSession.ref == ref)).scalar_one_or_none()
        if row is None or row.conversation_key != _conversation_key(conversation_id):
            return MemberSession(problem=SessionProblem.INVALID)
        if row.expires_at <= _utc(now).replace(tzinfo=None):
            return MemberSession(problem=SessionProblem.EXPIRED)
        return MemberSession(insurance_number=row.insurance_number, expires_at=row.expires_at)


def from_metadata(metadata: Optional[Mapping[str, Any]], conversation_id: str,
                  now: Optional[datetime] = None) -> MemberSession:
    """The session of a message, from the metadata the channel set."""
    metadata = metadata or {}
    if not load_settings().member_token_secret:
        return MemberSession(problem=SessionProblem.DISABLED)
    if metadata.get(SESSION_REF_KEY):
        return resolve(metadata[SESSION_REF_KEY], conversation_id, now)
    problem = metadata.get(SESSION_PROBLEM_KEY)
    if problem in {p.value for p in SessionProblem}:
        return MemberSession(problem=SessionProblem(problem))
    return MemberSession(problem=SessionProblem.MISSING)
