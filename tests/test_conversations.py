"""Conversation scripts (tests/conversations/*.yml) played over the REST channel.

QA suites elsewhere run through the same code: set CONVERSATIONS to files or
folders (separated by ':') to play them instead of the project's own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot import conversations
from bot.config import PROJECT_ROOT
from bot.servers import Assistant
from tests.conftest import LIVE_TOKEN_SECRET, reset_store


def suite() -> list[conversations.Conversation]:
    """Scripted conversations; blind scripts (annotated with ``want``) are judged in test_members_blind.py."""
    extra = os.environ.get("CONVERSATIONS", "").strip()
    paths = [Path(p) for p in extra.split(os.pathsep) if p] if extra else [PROJECT_ROOT / "tests" / "conversations"]
    return [c for c in conversations.load(paths) if not c.judged]


@pytest.mark.live
@pytest.mark.parametrize("conversation", suite(), ids=lambda c: c.id)
def test_conversation(conversation: conversations.Conversation, rest_url: str, assistant: Assistant):
    reset_store(assistant.settings.database_url)  # each conversation starts from the demo members, in any order
    outcome = conversations.run(conversation, rest_url, token_secret=LIVE_TOKEN_SECRET)
    assert outcome.passed, outcome.report()


def test_conversations_pointing_at_an_empty_folder_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty suite must not pass as "nothing failed"; subfolders are searched."""
    monkeypatch.setenv("CONVERSATIONS", f"{tmp_path}{os.pathsep}")
    with pytest.raises(conversations.ScriptError, match="no conversation files"):
        suite()
    (tmp_path / "team" / "faq").mkdir(parents=True)
    (tmp_path / "team" / "faq" / "qa.yml").write_text(
        "conversations:\n  - name: QA\n    steps:\n      - user: Hallo\n", encoding="utf-8")
    assert [(c.name, Path(c.source).name) for c in suite()] == [("QA", "qa.yml")]
