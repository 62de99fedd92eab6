"""Signed member sessions: the website passes a JWT (HS256) in ``metadata.auth_token``.

Claims: ``sub`` (the member's Versichertennummer) and ``exp``. The secret comes
from ``MEMBER_TOKEN_SECRET``; without it, everything that needs a session is
off (there is no built-in development secret).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Optional

import jwt

from bot import validation
from bot.config import load_settings

ALGORITHM = "HS256"
#: The metadata key the website puts the token under.
TOKEN_KEY = "auth_token"


class SessionProblem(str, enum.Enum):
    DISABLED = "disabled"  # no secret configured
    MISSING = "missing"
    INVALID = "invalid"  # forged, malformed, wrong algorithm or claims
    EXPIRED = "expired"


@dataclass(frozen=True)
class MemberSession:
    """A verified session, or why there is none."""

    insurance_number: Optional[str] = None
    problem: Optional[SessionProblem] = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(token: Any, secret: Optional[str] = None, now: Optional[datetime] = None) -> MemberSession:
    """Check a session token's signature, expiry and subject."""
    secret = load_settings().member_token_secret if secret is None else secret
    if not secret:
        return MemberSession(problem=SessionProblem.DISABLED)
    if not isinstance(token, str) or not token.strip():
        return MemberSession(problem=SessionProblem.MISSING)
    options = {"require": ["exp", "sub"]}
    try:
        if now is None:
            claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options=options)
        else:
            claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={**options, "verify_exp": False})
            if datetime.fromtimestamp(int(claims["exp"]), tz=timezone.utc) <= now.replace(tzinfo=timezone.utc):
                raise jwt.ExpiredSignatureError("expired")
    except jwt.ExpiredSignatureError:
        return MemberSession(problem=SessionProblem.EXPIRED)
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return MemberSession(problem=SessionProblem.INVALID)
    checked = validation.check_insurance_number(str(claims.get("sub", "")))
    if not checked.ok:
        return MemberSession(problem=SessionProblem.INVALID)
    return MemberSession(insurance_number=checked.value)


def from_metadata(metadata: Optional[Mapping[str, Any]]) -> MemberSession:
    """The session of a message, from its metadata."""
    return verify((metadata or {}).get(TOKEN_KEY))


def mint(insurance_number: str, secret: Optional[str] = None, valid_for: timedelta = timedelta(hours=1),
         now: Optional[datetime] = None) -> str:
    """A session token for development and demos (``python -m bot token NR``)."""
    secret = load_settings().member_token_secret if secret is None else secret
    if not secret:
        raise ValueError("MEMBER_TOKEN_SECRET is not set")
    now = now or datetime.now(timezone.utc)
    claims = {"sub": insurance_number, "iat": int(now.timestamp()), "exp": int((now + valid_for).timestamp())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
