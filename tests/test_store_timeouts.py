"""Every member-store call is bounded (bot/store/db.py): a slow or unreachable store fails, it does not stall."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.config import load_settings
from bot.store.db import make_engine
from tests.conftest import POSTGRES_ADMIN_URL


def test_postgresql_cancels_a_statement_that_runs_too_long(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "300")
    engine = make_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "300ms"
            with pytest.raises(OperationalError, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(5)"))
    finally:
        engine.dispose()


def test_a_postgresql_server_that_never_answers_fails_the_connection(monkeypatch: pytest.MonkeyPatch):
    """A port that accepts connections and then says nothing (a blackholed server or a hung proxy)."""
    monkeypatch.setenv("DB_CONNECT_TIMEOUT_SECONDS", "1")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    engine = make_engine(f"postgresql://test@127.0.0.1:{silent.getsockname()[1]}/test")
    errors: list[BaseException] = []

    def connect() -> None:
        try:
            with engine.connect():
                pass
        except BaseException as exc:  # noqa: BLE001 - inspected below
            errors.append(exc)

    attempt = threading.Thread(target=connect, daemon=True)
    try:
        attempt.start()
        attempt.join(30)  # without connect_timeout libpq waits for the silent server forever
        assert not attempt.is_alive(), "the connection attempt still hangs after 30 s"
        assert len(errors) == 1 and isinstance(errors[0], OperationalError)
    finally:
        stop.set()
        engine.dispose()
        for connection in accepted:
            connection.close()
        silent.close()


def test_sqlite_waits_for_another_writer_only_so_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_SECONDS", "1")
    assert load_settings().sqlite_busy_timeout_seconds == 1
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = make_engine(url)
    try:
        with engine.begin() as setup:
            setup.execute(text("CREATE TABLE t (x INTEGER)"))
        holder = engine.connect()
        holder.begin()  # BEGIN IMMEDIATE: holds the write lock
        began = time.monotonic()
        try:
            with pytest.raises(OperationalError, match="locked"):
                with engine.begin() as second:
                    second.execute(text("INSERT INTO t VALUES (1)"))
        finally:
            holder.close()
        assert time.monotonic() - began < 10  # the old 30 s wait would stall every conversation meanwhile
    finally:
        engine.dispose()
