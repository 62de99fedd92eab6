"""Shared fixtures: the trained model, an NLU agent, and the live servers."""

from __future__ import annotations

import os
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from bot.config import PROJECT_ROOT, load_settings
from bot.servers import Assistant

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    settings = replace(
        load_settings(), rasa_port=free_port(), action_port=free_port(), model_path=model_path
    )
    log_dir = tmp_path_factory.mktemp("server-logs")
    with Assistant(settings, log_dir) as running:
        yield running


@pytest.fixture(scope="session")
def rest_url(assistant: Assistant) -> str:
    return assistant.rest_url
