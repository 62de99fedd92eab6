"""Shared fixtures: the trained model, an NLU agent, and the live servers."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from bot.config import load_settings
from bot.ports import free_port  # noqa: F401  (tests import it from here)
from bot.servers import Assistant

import asyncio as _asyncio

_asyncio_run = _asyncio.run


def _run_anywhere(main, *, debug=None):
    """``asyncio.run`` that also works while Playwright's sync API keeps a loop running in this thread.

    The browser tests start Playwright once per session; any test that runs after
    them and uses ``asyncio.run`` (socket.io clients, rasa_sdk actions) would fail
    with "cannot be called from a running event loop", so the order of the tests
    would matter. In that case the coroutine runs in a thread of its own.
    """
    try:
        _asyncio.get_running_loop()
    except RuntimeError:
        return _asyncio_run(main, debug=debug)
    return run_in_thread(lambda: main)


_asyncio.run = _run_anywhere

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


#: The live servers accept session tokens signed with this secret ...
LIVE_TOKEN_SECRET = "live-test-secret-0123456789abcdefghijklmnop"
#: ... and give members this many seconds to approve a change (long enough for several turns on a
#: loaded machine; tests/test_live_approvals.py tests the expiry by moving the deadline in the store).
LIVE_APPROVAL_WINDOW_SECONDS = 300
#: Every live test talks from 127.0.0.1: the shared servers allow that one source many identifications
#: (tests/test_live_security.py checks the real limits on servers of its own).
LIVE_LIMITS = {"IDENT_MAX_PER_SOURCE_PER_HOUR": "100000", "IDENT_MAX_GLOBAL_PER_MINUTE": "100000",
               "APPROVAL_MAX_PER_HOUR": "1000",
               # agents never take chats on the shared servers: asking for a person gets the hotline
               # (tests/test_web_console.py opens the service hours on servers of its own)
               "SERVICE_HOURS": "Mon-Sun 00:00-00:00"}


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = load_settings().model_path
    if not path.exists():
        pytest.fail(f"No trained model at {path}: run the tests with `make test` (it trains first)")
    return path


@pytest.fixture(scope="session")
def parse(model_path: Path) -> Callable[[str], dict[str, Any]]:
    """Parse a text with the trained model's NLU, in this process."""
    from addons.evaluate import model_parser

    return model_parser(model_path)


@pytest.fixture(scope="session")
def assistant(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The real Rasa server and action server on free local ports, for the whole session."""
    store = tmp_path_factory.mktemp("live-store") / "members.db"
    settings = replace(
        load_settings(), rasa_port=free_port(), action_port=free_port(), model_path=model_path,
        database_url=f"sqlite:///{store}", member_token_secret=LIVE_TOKEN_SECRET,
        approval_window_seconds=LIVE_APPROVAL_WINDOW_SECONDS,
    )
    log_dir = tmp_path_factory.mktemp("server-logs")
    with Assistant(settings, log_dir, extra_env=LIVE_LIMITS) as running:
        yield running


@pytest.fixture(scope="session")
def rest_url(assistant: Assistant) -> str:
    return assistant.rest_url


# --- member store ------------------------------------------------------------

#: Where the PostgreSQL tests create (and drop) their own databases.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_database(name: str) -> str:
    """Create a fresh database ``name``; fails loudly when PostgreSQL is not reachable."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no skip: the store must be tested on PostgreSQL
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is needed for the store tests and not usable: {exc}")
    finally:
        admin.dispose()
    return str(make_url(POSTGRES_ADMIN_URL).set(database=name))


def _drop_postgres_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A freshly migrated member store, on SQLite and on PostgreSQL; also set as DATABASE_URL."""
    from bot.store import reset_engine
    from bot.store.migrate import migrate

    if request.param == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'members.db'}", None
    else:
        name = f"bot_test_{os.getpid()}"
        url = _postgres_database(name)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MEMBER_HASH_KEY", "test-key")
    reset_engine()
    migrate(url)
    try:
        yield url
    finally:
        reset_engine()
        if name:
            _drop_postgres_database(name)


@pytest.fixture
def engine(store_url: str):
    from bot.store import get_engine

    return get_engine()


# --- browser tests (Playwright from pytest-playwright, driving Debian's Chromium) -------------

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium: pip's playwright never downloads a browser here."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": ["--no-sandbox"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "de-DE", "viewport": {"width": 1280, "height": 800}}


class OffsiteRequests:
    """Aborts every request that would leave the machine and remembers it."""

    def __init__(self) -> None:
        self.attempted: list[str] = []

    def __call__(self, route) -> None:
        from urllib.parse import urlsplit

        host = urlsplit(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.attempted.append(route.request.url)
            route.abort()


@pytest.fixture
def offsite(context) -> Iterator[OffsiteRequests]:
    """Every browser test: nothing may load from outside 127.0.0.1 (and the test fails if something tried)."""
    guard = OffsiteRequests()
    context.route("**/*", guard)
    yield guard
    assert guard.attempted == [], f"requests that tried to leave the machine: {guard.attempted}"


@pytest.fixture(scope="module")
def website(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """Rasa, the action server and the web process (demo mode, own store) for a module of browser tests."""
    base = tmp_path_factory.mktemp("website")
    settings = replace(
        load_settings(), rasa_port=free_port(), action_port=free_port(), web_port=free_port(), model_path=model_path,
        database_url=f"sqlite:///{base / 'members.db'}", member_token_secret=LIVE_TOKEN_SECRET,
        approval_window_seconds=120,
    )
    with Assistant(settings, base / "logs", with_web=True, extra_env=LIVE_LIMITS) as running:
        yield running


def run_in_thread(coroutine_function: Callable[[], Any]) -> Any:
    """``asyncio.run`` in a thread of its own: Playwright's sync API keeps a loop running in the main thread."""
    import asyncio
    import threading

    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine_function())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def reset_store(database_url: str) -> None:
    """Empty every table of a (running) member store and seed the demo members again: a known state."""
    from bot.store.seed import reset_demo

    reset_demo(database_url)
