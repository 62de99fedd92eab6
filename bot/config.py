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
    )
