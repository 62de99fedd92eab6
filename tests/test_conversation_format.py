"""The conversation-test format (bot/conversations.py): loading and checking, no server."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import conversations
from bot.conversations import ScriptError, Step


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_with_all_expectation_kinds(tmp_path: Path):
    path = write(tmp_path, """
conversations:
  - name: Beispiel
    steps:
      - user: Hallo
        bot_contains: Guten Tag
        bot_not_contains: [Passwort]
        bot_matches: ["Assistent"]
      - user: unklar
        bot_buttons: [Passwort vergessen]
      - click: Passwort vergessen
        metadata: {auth_token: abc}
        bot_no_buttons: true
""")
    [conv] = conversations.load_file(path)
    assert conv.name == "Beispiel" and len(conv.steps) == 3
    assert conv.steps[0].contains == ("Guten Tag",) and conv.steps[0].not_contains == ("Passwort",)
    assert conv.steps[2].click == "Passwort vergessen" and conv.steps[2].metadata == {"auth_token": "abc"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("- a\n", "top-level 'conversations:'"),
        ("conversations:\n  - name: x\n    steps: []\n", "non-empty 'steps'"),
        ("conversations:\n  - name: x\n    steps:\n      - bot_contains: a\n", "exactly one of 'user' or 'click'"),
        ("conversations:\n  - name: x\n    steps:\n      - user: a\n        bot_says: b\n", "unknown key"),
        ("conversations:\n  - name: x\n    steps:\n      - user: a\n        bot_matches: '('\n", "bad regular expression"),
        ("conversations:\n  - name: x\n    steps:\n      - user: a\n  - name: x\n    steps:\n      - user: b\n", "unique"),
        ("conversations: [\n", "not valid YAML"),
    ],
)
def test_format_errors_are_reported_with_their_place(tmp_path: Path, text: str, message: str):
    with pytest.raises(ScriptError, match=message):
        conversations.load_file(write(tmp_path, text))


def test_check_reports_each_unmet_expectation():
    reply = [{"text": "Guten Tag", "buttons": [{"title": "A", "payload": "A"}]}]
    assert conversations.check(Step(user="x", contains=("Guten",), buttons=("A",)), reply) == []
    problems = conversations.check(
        Step(user="x", contains=("Hallo",), not_contains=("Tag",), matches=("^Nein",), buttons=("B",), no_buttons=True),
        reply,
    )
    assert len(problems) == 5
    assert conversations.check(Step(user="x"), []) == ["expected a reply, got none"]


def test_project_suites_load():
    suite = conversations.load([Path(__file__).parent / "conversations"])
    assert len(suite) >= 40


def test_token_placeholders_in_metadata_become_signed_tokens():
    from bot import sessions
    from bot.conversations import resolve_metadata

    secret = "format-test-secret-0123456789abcdefghijkl"
    resolved = resolve_metadata({"auth_token": "$token(c314159266)", "other": "$token(x)", "n": 1}, secret)
    assert sessions.verify(resolved["auth_token"], secret) == sessions.MemberSession("C314159266")
    assert resolved["other"] == "$token(x)" and resolved["n"] == 1
    expired = resolve_metadata({"auth_token": "$expired_token(C314159266)"}, secret)["auth_token"]
    assert sessions.verify(expired, secret).problem == sessions.SessionProblem.EXPIRED
    assert resolve_metadata(None, secret) is None


# ------------------------------------------------------------ finding the files
ONE_CONVERSATION = "conversations:\n  - name: {name}\n    steps:\n      - user: Hallo\n"


def test_an_empty_folder_is_an_error_not_an_empty_suite(tmp_path: Path):
    (tmp_path / "README.txt").write_text("no scripts here", encoding="utf-8")
    with pytest.raises(ScriptError, match="no conversation files"):
        conversations.load([tmp_path])


def test_scripts_in_subfolders_are_found(tmp_path: Path):
    nested = tmp_path / "team-a" / "faq"
    nested.mkdir(parents=True)
    (nested / "deep.yml").write_text(ONE_CONVERSATION.format(name="tief"), encoding="utf-8")
    (tmp_path / "team-a" / "other.yaml").write_text(ONE_CONVERSATION.format(name="mittel"), encoding="utf-8")
    suite = conversations.load([tmp_path])
    assert sorted(c.name for c in suite) == ["mittel", "tief"]
    assert {Path(c.source).name for c in suite} == {"deep.yml", "other.yaml"}


def test_a_missing_path_is_an_error(tmp_path: Path):
    with pytest.raises(ScriptError, match="no such file or folder"):
        conversations.load([tmp_path / "does-not-exist.yml"])


def test_files_without_any_conversation_are_an_error(tmp_path: Path):
    (tmp_path / "empty.yml").write_text("conversations: []\n", encoding="utf-8")
    with pytest.raises(ScriptError, match="no conversations found"):
        conversations.load([tmp_path])
    with pytest.raises(ScriptError, match="no conversations found"):
        conversations.load([])


# ------------------------------------------------------------ a server that does not answer
def test_a_channel_that_does_not_answer_is_a_failed_step_not_a_crash(tmp_path: Path):
    from tests.conftest import free_port

    [conv] = conversations.load_file(write(tmp_path, ONE_CONVERSATION.format(name="tot")))
    outcome = conversations.run(conv, f"http://127.0.0.1:{free_port()}/webhooks/rest/webhook")
    assert not outcome.passed
    assert outcome.problems[0].startswith("step 1: no usable reply from http://127.0.0.1:")
    assert "refused" in outcome.problems[0].lower()
