"""Bring a database to the newest schema with Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config

from bot.config import load_settings

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: Optional[str] = None) -> Config:
    """Alembic's configuration for ``url`` (default: ``DATABASE_URL``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url or load_settings().database_url)
    return config


def migrate(url: Optional[str] = None) -> None:
    """Upgrade the database to the newest revision; creates an SQLite file's folder."""
    url = url or load_settings().database_url
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")
