"""Configuration from environment variables, with safe defaults.

Every variable the project reads is defined here and documented in the
README's configuration table (tests/test_config.py keeps the two in step).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The support hotline, the one place this number is written in Python.
#: domain.yml holds it once as the initial value of the slot ``hotline``.
HOTLINE = "08731 76 21384"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _str(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


#: Session tokens must be signed with at least this many bytes of secret.
MIN_TOKEN_SECRET_BYTES = 32
#: The audience every member session token must name.
TOKEN_AUDIENCE = "online-filiale-chat"
#: Log levels both servers understand.
LOG_LEVELS = ("debug", "info", "warning", "error")
#: ``dev``: the embedded default; ``prod``: the production topology (bot/production.py).
PROFILES = ("dev", "prod")


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which variable and why."""


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build them with :func:`load_settings`."""

    rasa_host: str
    rasa_port: int
    action_host: str
    action_port: int
    max_message_chars: int
    model_path: Path
    database_url: str
    #: PostgreSQL: give up connecting after this many seconds (a blackholed server must not stall a turn).
    db_connect_timeout_seconds: int
    #: PostgreSQL: cancel any statement running longer than this.
    db_statement_timeout_ms: int
    #: SQLite: wait at most this long for another writer's lock.
    sqlite_busy_timeout_seconds: int
    #: Failed identifications of one Versichertennummer before it is locked ...
    ident_max_failures: int
    #: ... within this many hours; the lock lasts as long.
    ident_lock_hours: int
    #: Failed identifications one conversation may make, whatever the numbers.
    ident_max_failures_per_conversation: int
    #: A resend within this many days of the last access letter is not ordered again.
    letter_pending_days: int
    #: At most this many resends ...
    resend_max: int
    #: ... within this many days; then the hotline.
    resend_period_days: int
    #: Key of the keyed hash under which identification attempts are counted.
    member_hash_key: str
    #: HS256 secret of the website's session tokens; empty: data changes are off.
    member_token_secret: str
    #: Seconds a member has to approve a data change in the app.
    approval_window_seconds: int
    #: Longest accepted lifetime of a session token (``exp - iat``).
    member_token_max_age_seconds: int
    #: Approval requests one member may get per hour (a stolen token cannot flood the app).
    approval_max_per_hour: int
    #: No letter with access data for this many days after an approved address change.
    letter_hold_after_address_change_days: int
    #: Identification attempts one source (client address) may make per hour.
    ident_max_per_source_per_hour: int
    #: Identification attempts all sources together may make per minute.
    ident_max_global_per_minute: int
    #: After the failures that lock a number, each further try waits this many minutes, doubling ...
    ident_delay_base_minutes: int
    #: ... up to this many minutes.
    ident_delay_max_minutes: int
    #: Proxies whose X-Forwarded-For is believed (comma-separated addresses).
    trusted_proxies: tuple[str, ...]
    #: Longest accepted HTTP body or socket.io packet, in bytes.
    max_body_bytes: int
    #: Conversations the in-memory tracker store keeps at most (idle ones go first).
    tracker_max_conversations: int
    #: debug, info, warning or error: both servers.
    log_level: str
    #: Demo members and demo pages; only with the embedded SQLite store.
    demo_mode_requested: bool
    #: The web process (widget page, demo, agent console).
    web_host: str
    web_port: int
    #: Origins whose pages may open the widget's socket.io connection (empty: the web process's own).
    widget_allowed_origins: tuple[str, ...]
    #: Hours a widget's resume ticket stays valid.
    widget_ticket_hours: int
    #: A console session ends after this many idle minutes (and after 8 hours in any case).
    agent_session_idle_minutes: int
    #: When agents take over chats, e.g. "Mon-Fri 08:00-18:00" (Europe/Berlin).
    service_hours: str
    #: A hand-over nobody takes within this many minutes gets the member the hotline.
    handover_wait_minutes: int
    #: Shared secret between the web process and Rasa's internal assist routes (empty: a per-install one in var/).
    assist_token: str
    #: ``dev`` (embedded: SQLite, in-memory tracker, one of each server) or ``prod`` (shared stores, replicas, proxy).
    profile: str
    #: Rasa's SQL tracker store (production: ``postgresql://...``); empty: the bounded in-memory store.
    tracker_store_url: str
    #: Rasa's lock store (production: ``redis://host:port/db``); empty: in memory (one Rasa process only).
    lock_store_url: str
    #: Seconds a conversation's lock ticket lives; longer than an action call may take (ACTION_TIMEOUT_SECONDS).
    ticket_lock_lifetime_seconds: int
    #: Seconds Rasa waits for the action server before it apologises.
    action_timeout_seconds: int
    #: Conversations idle longer than this many days are deleted by ``python -m bot purge``.
    retention_days: int
    #: PROFILE=prod: Rasa servers and action servers started behind the proxy.
    rasa_replicas: int
    action_replicas: int

    @property
    def web_url(self) -> str:
        return f"http://{self.web_host}:{self.web_port}"

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """Where the widget may be embedded: the configured origins, else the web process's own."""
        if self.widget_allowed_origins:
            return self.widget_allowed_origins
        own = [self.web_url]
        if self.web_host in ("127.0.0.1", "localhost"):
            own = [f"http://127.0.0.1:{self.web_port}", f"http://localhost:{self.web_port}"]
        return tuple(own)

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def demo_mode(self) -> bool:
        """Demo members are seeded (and demo pages served) only on the embedded SQLite store."""
        return self.demo_mode_requested and self.uses_sqlite

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}/webhook"


def load_settings() -> Settings:
    """Read the settings from the environment."""
    return Settings(
        rasa_host=_str("RASA_HOST", "127.0.0.1"),
        rasa_port=_int("RASA_PORT", 5005),
        action_host=_str("ACTION_HOST", "127.0.0.1"),
        action_port=_int("ACTION_PORT", 5055),
        max_message_chars=_int("MAX_MESSAGE_CHARS", 2000),
        model_path=Path(_str("RASA_MODEL", str(PROJECT_ROOT / "models" / "current.tar.gz"))),
        database_url=_str("DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'members.db'}"),
        db_connect_timeout_seconds=_int("DB_CONNECT_TIMEOUT_SECONDS", 5),
        db_statement_timeout_ms=_int("DB_STATEMENT_TIMEOUT_MS", 5000),
        sqlite_busy_timeout_seconds=_int("SQLITE_BUSY_TIMEOUT_SECONDS", 5),
        ident_max_failures=_int("IDENT_MAX_FAILURES", 3),
        ident_lock_hours=_int("IDENT_LOCK_HOURS", 24),
        ident_max_failures_per_conversation=_int("IDENT_MAX_FAILURES_PER_CONVERSATION", 5),
        letter_pending_days=_int("LETTER_PENDING_DAYS", 7),
        resend_max=_int("RESEND_MAX", 3),
        resend_period_days=_int("RESEND_PERIOD_DAYS", 90),
        member_hash_key=_str("MEMBER_HASH_KEY", ""),
        member_token_secret=_str("MEMBER_TOKEN_SECRET", ""),
        approval_window_seconds=_int("APPROVAL_WINDOW_SECONDS", 300),
        member_token_max_age_seconds=_int("MEMBER_TOKEN_MAX_AGE_SECONDS", 3600),
        approval_max_per_hour=_int("APPROVAL_MAX_PER_HOUR", 5),
        letter_hold_after_address_change_days=_int("LETTER_HOLD_AFTER_ADDRESS_CHANGE_DAYS", 30),
        ident_max_per_source_per_hour=_int("IDENT_MAX_PER_SOURCE_PER_HOUR", 20),
        ident_max_global_per_minute=_int("IDENT_MAX_GLOBAL_PER_MINUTE", 120),
        ident_delay_base_minutes=_int("IDENT_DELAY_BASE_MINUTES", 1),
        ident_delay_max_minutes=_int("IDENT_DELAY_MAX_MINUTES", 15),
        trusted_proxies=tuple(p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()),
        max_body_bytes=_int("MAX_BODY_BYTES", 64 * 1024),
        tracker_max_conversations=_int("TRACKER_MAX_CONVERSATIONS", 10000),
        log_level=_str("LOG_LEVEL", "info").lower(),
        demo_mode_requested=_bool("DEMO_MODE", True),
        web_host=_str("WEB_HOST", "127.0.0.1"),
        web_port=_int("WEB_PORT", 8000),
        widget_allowed_origins=tuple(o.strip().rstrip("/") for o in os.environ.get("WIDGET_ALLOWED_ORIGINS", "").split(",")
                                     if o.strip()),
        widget_ticket_hours=_int("WIDGET_TICKET_HOURS", 12),
        agent_session_idle_minutes=_int("AGENT_SESSION_IDLE_MINUTES", 30),
        service_hours=_str("SERVICE_HOURS", "Mon-Fri 08:00-18:00"),
        handover_wait_minutes=_int("HANDOVER_WAIT_MINUTES", 5),
        assist_token=_str("ASSIST_TOKEN", ""),
        profile=_str("PROFILE", "dev").lower(),
        tracker_store_url=_str("TRACKER_STORE_URL", ""),
        lock_store_url=_str("LOCK_STORE_URL", ""),
        ticket_lock_lifetime_seconds=_int("TICKET_LOCK_LIFETIME", 60),
        action_timeout_seconds=_int("ACTION_TIMEOUT_SECONDS", 30),
        retention_days=_int("RETENTION_DAYS", 30),
        rasa_replicas=_int("RASA_REPLICAS", 2),
        action_replicas=_int("ACTION_REPLICAS", 2),
    )


def problems(settings: Settings) -> list[str]:
    """What stops a start with these settings, one sentence each (empty: fine)."""
    found = []
    secret = settings.member_token_secret
    if secret and len(secret.encode("utf-8")) < MIN_TOKEN_SECRET_BYTES:
        found.append(f"MEMBER_TOKEN_SECRET is {len(secret.encode('utf-8'))} bytes long; "
                     f"it must have at least {MIN_TOKEN_SECRET_BYTES} (for example: openssl rand -hex 32)")
    if not settings.uses_sqlite and not settings.member_hash_key:
        found.append("MEMBER_HASH_KEY must be set when DATABASE_URL is not the embedded SQLite store "
                     "(every server must count identification attempts under the same key)")
    if settings.profile not in PROFILES:
        found.append(f"PROFILE must be one of {', '.join(PROFILES)}, got {settings.profile!r}")
    if settings.ticket_lock_lifetime_seconds <= settings.action_timeout_seconds:
        found.append(f"TICKET_LOCK_LIFETIME ({settings.ticket_lock_lifetime_seconds} s) must be longer than "
                     f"ACTION_TIMEOUT_SECONDS ({settings.action_timeout_seconds} s): a lock must outlive the "
                     "longest action call, or a second message of the conversation would run beside it")
    if settings.log_level not in LOG_LEVELS:
        found.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {settings.log_level!r}")
    return found


def checked_settings() -> Settings:
    """The settings, or :class:`ConfigError` naming every problem."""
    settings = load_settings()
    found = problems(settings)
    if found:
        raise ConfigError("; ".join(found))
    return settings
