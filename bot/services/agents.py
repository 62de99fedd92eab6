"""Hotline agents: accounts (argon2), console sessions, logins with a growing delay, audit.

Sessions live on the server (``agent_sessions``); the browser's cookie holds a
random value whose SHA-256 is stored. A session ends after
``AGENT_SESSION_IDLE_MINUTES`` without a request, after :data:`ABSOLUTE_HOURS`
in any case, or at logout. Wrong credentials are counted per account and per
source (keyed hashes); each further try waits longer.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings, load_settings
from bot.privacy import keyed_hash
from bot.services import audit
from bot.store.models import Agent, AgentLoginAttempt, AgentRole, AgentSession

#: A console session ends after this many hours, however active.
ABSOLUTE_HOURS = 8
#: Shortest accepted password.
MIN_PASSWORD_CHARS = 12
#: Failures counted for the delay within this window ...
FAILURE_WINDOW = timedelta(minutes=15)
#: ... each one doubling the wait before the next try, up to this.
MAX_DELAY_SECONDS = 300

_hasher = PasswordHasher()
#: Checked when the user name is unknown, so that the work is the same.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """An account cannot be created or changed as asked."""


def _actor(agent: Agent) -> str:
    return f"agent:{agent.username}"


def add_agent(session: Session, username: str, password: str, role: AgentRole = AgentRole.AGENT,
              now: Optional[datetime] = None) -> Agent:
    """Create an account; the password is stored as an argon2 hash."""
    username = username.strip()
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise AccountError("a user name has 1 to 64 letters, digits, dots, hyphens or underscores")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    if session.execute(select(Agent.id).where(Agent.username == username)).first():
        raise AccountError(f"an account {username} exists already")
    now = now or datetime.utcnow()
    agent = Agent(username=username, password_hash=_hasher.hash(password), role=role, active=1, created_at=now)
    session.add(agent)
    session.flush()
    audit.record(session, "cli", "agent_added", detail=f"{username} ({role.value})", now=now)
    return agent


def list_agents(session: Session) -> list[Agent]:
    return list(session.execute(select(Agent).order_by(Agent.username)).scalars())


def disable_agent(session: Session, username: str, now: Optional[datetime] = None) -> None:
    """Disable an account and end its sessions."""
    now = now or datetime.utcnow()
    agent = session.execute(select(Agent).where(Agent.username == username)).scalar_one_or_none()
    if agent is None:
        raise AccountError(f"no account {username}")
    agent.active = 0
    for open_session in session.execute(select(AgentSession).where(AgentSession.agent_id == agent.id,
                                                                   AgentSession.ended_at.is_(None))).scalars():
        open_session.ended_at = now
    audit.record(session, "cli", "agent_disabled", detail=username, now=now)


def login_delay(failures: int) -> timedelta:
    """The wait before the next try after ``failures`` recent failures: 1, 2, 4 ... seconds, at most 5 minutes."""
    if failures <= 0:
        return timedelta(0)
    return timedelta(seconds=min(2 ** (failures - 1), MAX_DELAY_SECONDS))


def wait_before_login(session: Session, username: str, source: str, now: Optional[datetime] = None) -> float:
    """Seconds this account and this source must still wait before a try is checked."""
    now = now or datetime.utcnow()
    waits = []
    for column, key in ((AgentLoginAttempt.username_key, keyed_hash(f"agent:{username.strip().lower()}")),
                        (AgentLoginAttempt.source_key, keyed_hash(f"source:{source}"))):
        failures, latest = session.execute(
            select(func.count(), func.max(AgentLoginAttempt.created_at)).where(
                column == key, AgentLoginAttempt.succeeded == 0, AgentLoginAttempt.created_at >= now - FAILURE_WINDOW)
        ).one()
        if latest is not None:
            waits.append((latest + login_delay(int(failures)) - now).total_seconds())
    return max([0.0, *waits])


def _attempt(session: Session, username: str, source: str, ok: bool, now: datetime) -> None:
    session.add(AgentLoginAttempt(username_key=keyed_hash(f"agent:{username.strip().lower()}"),
                                  source_key=keyed_hash(f"source:{source}"), succeeded=1 if ok else 0, created_at=now))


def refuse_unchecked(session: Session, username: str, source: str, now: Optional[datetime] = None) -> None:
    """A try that came before its wait was over: not checked, counted as a failure, audited."""
    now = now or datetime.utcnow()
    _attempt(session, username, source, False, now)
    audit.record(session, "web", "agent_login_refused_delay", detail=username.strip()[:64], now=now)


@dataclass(frozen=True)
class LoggedIn:
    """A new console session: the cookie value (shown once) and the CSRF token."""

    cookie: str
    csrf_token: str
    username: str
    role: AgentRole


def login(session: Session, username: str, password: str, source: str,
          now: Optional[datetime] = None) -> Optional[LoggedIn]:
    """Check the credentials (same work for unknown names); a new session, or ``None`` (audited either way)."""
    now = now or datetime.utcnow()
    agent = session.execute(select(Agent).where(Agent.username == username.strip())).scalar_one_or_none()
    try:
        ok = _hasher.verify(agent.password_hash if agent else _DUMMY_HASH, password) and agent is not None
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and bool(agent.active)
    _attempt(session, username, source, ok, now)
    if not ok:
        audit.record(session, "web", "agent_login_failed", detail=username.strip()[:64], now=now)
        return None
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    session.add(AgentSession(token_hash=hashlib.sha256(cookie.encode()).hexdigest(), agent_id=agent.id, csrf_token=csrf,
                             created_at=now, last_seen_at=now))
    audit.record(session, _actor(agent), "agent_login", now=now)
    return LoggedIn(cookie, csrf, agent.username, agent.role)


@dataclass(frozen=True)
class Console:
    """The agent behind a valid session."""

    agent_id: int
    username: str
    role: AgentRole
    csrf_token: str

    @property
    def actor(self) -> str:
        return f"agent:{self.username}"

    def csrf_ok(self, presented: Optional[str]) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf_token, presented)


def current(session: Session, cookie: Optional[str], now: Optional[datetime] = None,
            settings: Optional[Settings] = None) -> Optional[Console]:
    """The console session of ``cookie`` if it is open, not idle too long and not too old; touches it."""
    if not cookie:
        return None
    settings = settings or load_settings()
    now = now or datetime.utcnow()
    row = session.execute(select(AgentSession, Agent).join(Agent, Agent.id == AgentSession.agent_id).where(
        AgentSession.token_hash == hashlib.sha256(cookie.encode()).hexdigest())).first()
    if row is None:
        return None
    console_session, agent = row
    idle = now - console_session.last_seen_at > timedelta(minutes=settings.agent_session_idle_minutes)
    old = now - console_session.created_at > timedelta(hours=ABSOLUTE_HOURS)
    if console_session.ended_at is not None or idle or old or not agent.active:
        if console_session.ended_at is None:
            console_session.ended_at = now
        return None
    console_session.last_seen_at = now
    return Console(agent.id, agent.username, agent.role, console_session.csrf_token)


def logout(session: Session, cookie: Optional[str], now: Optional[datetime] = None) -> None:
    now = now or datetime.utcnow()
    if not cookie:
        return
    row = session.execute(select(AgentSession).where(
        AgentSession.token_hash == hashlib.sha256(cookie.encode()).hexdigest())).scalar_one_or_none()
    if row is not None and row.ended_at is None:
        row.ended_at = now
        agent = session.get(Agent, row.agent_id)
        audit.record(session, _actor(agent), "agent_logout", now=now)
