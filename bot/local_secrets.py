"""Secrets a single installation creates for itself (kept in ``var/``, mode 600, never in the code)."""

from __future__ import annotations

import secrets
from pathlib import Path

from bot.config import PROJECT_ROOT, Settings, load_settings

VAR = PROJECT_ROOT / "var"


def per_install(name: str, directory: Path = VAR) -> str:
    """The secret ``var/<name>``, created (random, 32 bytes) on first use."""
    path = directory / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def assist_token(settings: Settings | None = None) -> str:
    """The secret the web process shows Rasa's internal assist routes: ``ASSIST_TOKEN`` or a per-install one."""
    return (settings or load_settings()).assist_token or per_install("assist.token")
