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
        ident_max_failures=_int("IDENT_MAX_FAILURES", 3),
        ident_lock_hours=_int("IDENT_LOCK_HOURS", 24),
        ident_max_failures_per_conversation=_int("IDENT_MAX_FAILURES_PER_CONVERSATION", 5),
        letter_pending_days=_int("LETTER_PENDING_DAYS", 7),
        resend_max=_int("RESEND_MAX", 3),
        resend_period_days=_int("RESEND_PERIOD_DAYS", 90),
        member_hash_key=_str("MEMBER_HASH_KEY", ""),
        member_token_secret=_str("MEMBER_TOKEN_SECRET", ""),
        approval_window_seconds=_int("APPROVAL_WINDOW_SECONDS", 300),
    )
