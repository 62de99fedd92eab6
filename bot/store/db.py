"""One engine per process, one session (= one transaction) per unit of work."""

from __future__ import annotations

import select
import threading
from contextlib import contextmanager
from typing import Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.config import load_settings

_lock = threading.Lock()
_engine: Optional[Engine] = None


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets write-serialising transactions.

    Every database call is bounded: PostgreSQL gives up connecting after
    ``DB_CONNECT_TIMEOUT_SECONDS`` and cancels statements after
    ``DB_STATEMENT_TIMEOUT_MS``; SQLite waits at most ``SQLITE_BUSY_TIMEOUT_SECONDS``
    for another writer. A slow or unreachable store then fails a turn (the
    member gets the apology) instead of stalling it.
    """
    settings = load_settings()
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True, connect_args={"timeout": settings.sqlite_busy_timeout_seconds,
                                                               "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _no_implicit_begin(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection) -> None:  # pragma: no cover - driver hook
            # Take the write lock at the start: two concurrent transactions that
            # read, then write (a double click) run one after the other.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    bound_postgresql_waits(settings.db_statement_timeout_ms / 1000 + 1)
    return create_engine(url, future=True, pool_pre_ping=True, pool_timeout=settings.db_connect_timeout_seconds,
                         connect_args={
        "connect_timeout": settings.db_connect_timeout_seconds,
        "options": f"-c statement_timeout={settings.db_statement_timeout_ms}",
    })


def bound_postgresql_waits(seconds: float) -> None:
    """Every wait of this process for PostgreSQL ends after ``seconds`` (psycopg2's wait callback).

    ``statement_timeout`` is enforced by the server and ``connect_timeout`` covers
    only new connections: a server (or a network) that stops answering on an open
    connection would leave its caller waiting forever. This waits with ``select``
    and a deadline instead; past it the call fails with ``OperationalError``, like
    any other outage, and the pool drops the connection.
    """
    import psycopg2
    import psycopg2.extensions

    def wait(connection) -> None:
        while True:
            state = connection.poll()
            if state == psycopg2.extensions.POLL_OK:
                return
            readable = [connection.fileno()] if state == psycopg2.extensions.POLL_READ else []
            writable = [connection.fileno()] if state == psycopg2.extensions.POLL_WRITE else []
            ready = select.select(readable, writable, [], seconds)
            if not any(ready):
                # The wording makes SQLAlchemy treat it as a lost connection and drop it from the pool
                # (closing it here would deadlock: psycopg2 holds the connection's lock while it waits).
                raise psycopg2.OperationalError(
                    f"could not receive data from server: no answer from PostgreSQL within {seconds:.0f} s")

    psycopg2.extensions.set_wait_callback(wait)


def get_engine() -> Engine:
    """The process's engine for ``DATABASE_URL``."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = make_engine(load_settings().database_url)
        return _engine


def reset_engine() -> None:
    """Forget the engine (tests that switch ``DATABASE_URL``)."""
    global _engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None


@contextmanager
def session_scope(engine: Optional[Engine] = None) -> Iterator[Session]:
    """A session whose writes are committed together at the end, or not at all."""
    with Session(engine or get_engine(), future=True, expire_on_commit=False) as session:
        with session.begin():
            yield session
