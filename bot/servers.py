"""Start and stop the assistant's processes: the Rasa server and the action server.

Used by ``make run`` (``python -m bot serve``), the live tests and the
benchmark, so all three start the assistant the same way. Plain subprocess
handling: nothing here imports Rasa.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Optional

from bot import production
from bot.config import PROJECT_ROOT, Settings

#: How long a server may take to answer its health check after starting.
START_TIMEOUT_SECONDS = 240.0


class ServerError(RuntimeError):
    """A server did not start or stopped unexpectedly."""


def base_env(settings: Settings) -> dict[str, str]:
    """The environment for both servers: quiet, offline, bound to the configured hosts."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env["SANIC_HOST"] = settings.action_host  # read by rasa_sdk's server
    env["LOG_LEVEL"] = settings.log_level.upper()  # Rasa reads it too
    env["DATABASE_URL"] = settings.database_url
    env["APPROVAL_WINDOW_SECONDS"] = str(settings.approval_window_seconds)
    if settings.member_token_secret:
        env["MEMBER_TOKEN_SECRET"] = settings.member_token_secret
    env["RASA_PORT"] = str(settings.rasa_port)
    env["ACTION_PORT"] = str(settings.action_port)
    env["RASA_HOST"] = settings.rasa_host
    env["WEB_HOST"] = settings.web_host
    env["WEB_PORT"] = str(settings.web_port)
    env["PROFILE"] = settings.profile
    env["TICKET_LOCK_LIFETIME"] = str(settings.ticket_lock_lifetime_seconds)
    env["ACTION_TIMEOUT_SECONDS"] = str(settings.action_timeout_seconds)
    env["DB_CONNECT_TIMEOUT_SECONDS"] = str(settings.db_connect_timeout_seconds)
    env["DB_STATEMENT_TIMEOUT_MS"] = str(settings.db_statement_timeout_ms)
    for name, value in (("TRACKER_STORE_URL", settings.tracker_store_url), ("LOCK_STORE_URL", settings.lock_store_url),
                        ("MEMBER_HASH_KEY", settings.member_hash_key), ("ASSIST_TOKEN", settings.assist_token)):
        if value:
            env[name] = value
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")]))
    return env


def prepare_store(settings: Settings) -> int:
    """Migrate the member store; in demo mode an empty one gets the demo members. Returns how many."""
    from bot.store import session_scope
    from bot.store.db import make_engine
    from bot.store.migrate import migrate
    from bot.store.seed import is_empty, seed_demo

    migrate(settings.database_url)
    if not settings.demo_mode:
        return 0
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            return seed_demo(session) if is_empty(session) else 0
    finally:
        engine.dispose()


def endpoints_file(settings: Settings, directory: Path, tracker_store: Optional[dict] = None) -> Path:
    """The project's endpoints file, pointed at the configured action server (and tracker store)."""
    default = PROJECT_ROOT / "endpoints.yml"
    if settings.action_url == "http://127.0.0.1:5055/webhook" and tracker_store is None:
        return default
    import yaml

    endpoints = yaml.safe_load(default.read_text(encoding="utf-8"))
    endpoints["action_endpoint"] = {"url": settings.action_url}
    if tracker_store is not None:
        endpoints["tracker_store"] = tracker_store
    path = directory / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


#: Command-line flags of both servers for each LOG_LEVEL.
_LEVEL_FLAGS = {"debug": ["--debug"], "info": [], "warning": ["--quiet"], "error": ["--quiet"]}


def level_flags(settings: Settings, debug: bool = False) -> list[str]:
    """The servers' log level: LOG_LEVEL, or debug when asked for."""
    return _LEVEL_FLAGS["debug" if debug else settings.log_level]


def is_up(url: str, timeout: float = 2.0) -> bool:
    """True when ``url`` answers with HTTP 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 - local URL
            return reply.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class _Process:
    name: str
    command: list[str]
    health_url: str
    log_path: Path
    popen: Optional[subprocess.Popen] = None
    log: Optional[IO[bytes]] = None

    def start(self, env: dict[str, str]) -> None:
        if is_up(self.health_url):
            raise ServerError(f"{self.name}: {self.health_url} is already in use by another process")
        self.log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(  # noqa: S603 - fixed command
            self.command, cwd=PROJECT_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, deadline: float) -> None:
        assert self.popen is not None
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise ServerError(f"{self.name} exited with code {self.popen.returncode}:\n{self.log_tail()}")
            if is_up(self.health_url):
                return
            time.sleep(0.25)
        raise ServerError(f"{self.name} did not answer {self.health_url} in time:\n{self.log_tail()}")

    def stop(self, grace: float = 20.0) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        if self.log is not None:
            self.log.close()
            self.log = None


@dataclass
class Assistant:
    """The Rasa server and the action server, started together.

    Use as a context manager; ``start_seconds`` tells how long the start took.
    """

    settings: Settings
    log_dir: Path
    with_actions: bool = True
    #: Log at debug level (every message and slot): used to prove that logs are masked.
    debug: bool = False
    #: Another tracker store for Rasa (``endpoints.yml`` syntax), e.g. to read the stored events in a test.
    tracker_store: Optional[dict] = None
    #: Environment variables for both servers on top of the settings' (limits in tests, say).
    extra_env: dict = field(default_factory=dict)
    #: Also start the web process (widget page, demo, console) on WEB_HOST:WEB_PORT.
    with_web: bool = False
    start_seconds: float = 0.0
    _processes: list[_Process] = field(default_factory=list)
    _tmp: Optional[tempfile.TemporaryDirectory] = None

    @property
    def rest_url(self) -> str:
        return f"{self.settings.rasa_url}/webhooks/rest/webhook"

    def _action_process(self) -> _Process:
        s = self.settings
        return _Process(
            "action server",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(s.action_port),
             *level_flags(s, self.debug)],
            f"http://{s.action_host}:{s.action_port}/health",
            self.log_dir / "actions.log",
        )

    def _rasa_process(self, endpoints: Path) -> _Process:
        s = self.settings
        if not s.model_path.exists():
            raise ServerError(f"No trained model at {s.model_path}: run `make model` first")
        return _Process(
            "Rasa server",
            [
                sys.executable, "-m", "rasa", "run",
                "--model", str(s.model_path),
                "--endpoints", str(endpoints),
                "--credentials", str(PROJECT_ROOT / "credentials.yml"),
                "--interface", s.rasa_host,
                "--port", str(s.rasa_port),
                *level_flags(s, self.debug),
            ],
            f"{s.rasa_url}/webhooks/rest/",
            self.log_dir / "rasa.log",
        )

    @property
    def web_url(self) -> str:
        return self.settings.web_url

    def _web_process(self) -> _Process:
        return _Process("web process", [sys.executable, "-m", "bot.web"], f"{self.settings.web_url}/healthz",
                        self.log_dir / "web.log")

    def start_actions(self) -> None:
        """Start (or restart) only the action server."""
        process = self._action_process()
        process.start({**base_env(self.settings), **self.extra_env})
        self._processes.append(process)
        process.wait_ready(time.monotonic() + START_TIMEOUT_SECONDS)

    def stop_actions(self) -> None:
        """Stop the action server, leaving Rasa running (to test an outage)."""
        for process in [p for p in self._processes if p.name == "action server"]:
            process.stop()
            self._processes.remove(process)

    def start(self) -> "Assistant":
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self.with_actions:
            prepare_store(self.settings)
        self._tmp = tempfile.TemporaryDirectory(prefix="assistant-")
        began = time.monotonic()
        try:
            if self.with_actions:
                self.start_actions()
            rasa = self._rasa_process(endpoints_file(self.settings, Path(self._tmp.name), self.tracker_store))
            rasa.start({**base_env(self.settings), **self.extra_env})
            self._processes.append(rasa)
            if self.with_web:
                web = self._web_process()
                web.start({**base_env(self.settings), **self.extra_env})
                self._processes.append(web)
                web.wait_ready(time.monotonic() + START_TIMEOUT_SECONDS)
            rasa.wait_ready(time.monotonic() + START_TIMEOUT_SECONDS)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        for process in reversed(self._processes):
            process.stop()
        self._processes.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def check_alive(self) -> None:
        """Raise if a server has exited."""
        for process in self._processes:
            if process.popen is not None and process.popen.poll() is not None:
                raise ServerError(f"{process.name} exited with code {process.popen.returncode}:\n{process.log_tail()}")

    def __enter__(self) -> "Assistant":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class ProductionAssistant:
    """``PROFILE=prod`` on one machine: HAProxy in front of Rasa and action replicas, and the web process.

    Every replica shares the member store (``DATABASE_URL``), the tracker store
    (``TRACKER_STORE_URL``) and the lock store (``LOCK_STORE_URL``); nothing
    is seeded. Processes are named ``rasa1``, ``actions2``, ``proxy``, ``web``,
    so tests can kill and restart one of them.
    """

    settings: Settings
    log_dir: Path
    with_web: bool = True
    extra_env: dict = field(default_factory=dict)
    start_seconds: float = 0.0
    processes: dict = field(default_factory=dict)
    _tmp: Optional[tempfile.TemporaryDirectory] = None

    @property
    def plan(self) -> "production.Topology":
        return production.topology(self.settings)

    @property
    def rest_url(self) -> str:
        return f"{self.settings.rasa_url}/webhooks/rest/webhook"

    @property
    def web_url(self) -> str:
        return self.settings.web_url

    def env(self) -> dict[str, str]:
        """Both kinds of server: the settings, the proxy believed for client addresses."""
        env = {**base_env(self.settings), **self.extra_env}
        env.setdefault("TRUSTED_PROXIES", self.plan.host)
        return env

    def _definitions(self, directory: Path) -> dict[str, _Process]:
        s, plan = self.settings, self.plan
        if not s.model_path.exists():
            raise ServerError(f"No trained model at {s.model_path}: run `make model` first")
        import yaml

        endpoints = directory / "endpoints.yml"
        endpoints.write_text(yaml.safe_dump(production.endpoints(s, plan.action_url), sort_keys=False),
                             encoding="utf-8")
        proxy_cfg = directory / "haproxy.cfg"
        proxy_cfg.write_text(production.haproxy_config(plan, s.action_timeout_seconds), encoding="utf-8")
        defined: dict[str, _Process] = {}
        for i, port in enumerate(plan.action_ports, 1):
            defined[f"actions{i}"] = _Process(
                f"actions{i}",
                [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port), *level_flags(s)],
                f"http://{s.action_host}:{port}/health", self.log_dir / f"actions{i}.log")
        for i, port in enumerate(plan.rasa_ports, 1):
            defined[f"rasa{i}"] = _Process(
                f"rasa{i}",
                [sys.executable, "-m", "rasa", "run", "--model", str(s.model_path), "--endpoints", str(endpoints),
                 "--credentials", str(PROJECT_ROOT / "credentials.yml"), "--interface", plan.host,
                 "--port", str(port), *level_flags(s)],
                f"http://{plan.host}:{port}/webhooks/rest/", self.log_dir / f"rasa{i}.log")
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        defined["proxy"] = _Process(
            "proxy", [haproxy, "-f", str(proxy_cfg), "-db"],
            f"http://{plan.host}:{plan.proxy_port}/webhooks/rest/", self.log_dir / "proxy.log")
        if self.with_web:
            defined["web"] = _Process("web", [sys.executable, "-m", "bot.web"], f"{s.web_url}/healthz",
                                      self.log_dir / "web.log")
        return defined

    def start(self) -> "ProductionAssistant":
        found = production.problems(self.settings)
        if found:
            raise ServerError("; ".join(found))
        if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
            raise ServerError("haproxy is missing: install it (Debian: apt-get install -y haproxy)")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        prepare_store(self.settings)
        self._tmp = tempfile.TemporaryDirectory(prefix="assistant-prod-")
        self._defined = self._definitions(Path(self._tmp.name))
        began = time.monotonic()
        try:
            for name in [n for n in self._defined if n.startswith(("actions", "rasa"))]:
                self._launch(name)
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            for name in list(self.processes):
                self.processes[name].wait_ready(deadline)
            for name in [n for n in ("proxy", "web") if n in self._defined]:
                self._launch(name)
                self.processes[name].wait_ready(time.monotonic() + START_TIMEOUT_SECONDS)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def _launch(self, name: str) -> _Process:
        process = self._defined[name]
        process.popen = None
        process.start(self.env())
        self.processes[name] = process
        return process

    def restart(self, name: str) -> None:
        """Start one process again (after :meth:`kill`) and wait until it answers."""
        self._launch(name).wait_ready(time.monotonic() + START_TIMEOUT_SECONDS)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill one process (SIGKILL by default: a crash, no goodbye)."""
        process = self.processes.pop(name)
        assert process.popen is not None
        os.killpg(process.popen.pid, sig)
        process.popen.wait()
        if process.log is not None:
            process.log.close()
            process.log = None

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.processes.pop(name).stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def check_alive(self) -> None:
        """Raise if a process has exited."""
        for process in self.processes.values():
            if process.popen is not None and process.popen.poll() is not None:
                raise ServerError(f"{process.name} exited with code {process.popen.returncode}:\n{process.log_tail()}")

    def __enter__(self) -> "ProductionAssistant":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
