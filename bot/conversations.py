"""Conversation tests: YAML scripts played against the assistant's REST channel.

QA teams write their own suites in this format and run them with
``python -m bot conversations FILE_OR_DIR ... --url http://host:5005`` or,
with servers started for them, through pytest (see README, "Conversation tests").

A script file::

    conversations:
      - name: Passwort vergessen
        steps:
          - user: Ich habe mein Passwort vergessen
            bot_contains: ['"Passwort / PIN vergessen"', Selfie-Ident]
          - user: danke
            bot_contains: Gern geschehen

Step keys: ``user`` (a message to send) or ``click`` (the title of a button
in the previous reply: its payload is sent); ``metadata`` (sent with the
message); expectations on the reply, all optional: ``bot_contains``,
``bot_not_contains`` (text or list; exact, case-sensitive substrings of the
reply's texts joined by newlines), ``bot_matches`` (regular expressions),
``bot_buttons`` (button titles that must be offered), ``bot_no_buttons: true``.

Blind scripts (written without knowing the replies) annotate instead what a
good reply must do: ``want`` on a step (``faq:<topic>``, ``task:<name>``,
``give``, ``confirm``, ``leave``, ...; see bot/judge.py) and ``orders_letters``
on a conversation (how many letters the member confirms). Such conversations
are judged by bot/judge.py rather than checked step by step.

A metadata value ``"$token(A123456780)"`` becomes a member session token for
that Versichertennummer, signed with the runner's ``MEMBER_TOKEN_SECRET``
(``$expired_token(...)``: one that expired an hour ago), for data-change flows.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

EXPECTATION_KEYS = ("bot_contains", "bot_not_contains", "bot_matches", "bot_buttons", "bot_no_buttons")
STEP_KEYS = {"user", "click", "metadata", "want", *EXPECTATION_KEYS}
CONVERSATION_KEYS = {"name", "steps", "orders_letters"}


class ScriptError(ValueError):
    """A conversation file is not in the expected format."""


@dataclass(frozen=True)
class Step:
    user: Optional[str] = None
    click: Optional[str] = None
    metadata: Optional[dict] = None
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()
    no_buttons: bool = False
    #: Blind scripts: what a good reply must do (bot/judge.py), one or more alternatives.
    want: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conversation:
    name: str
    source: str
    steps: tuple[Step, ...]
    #: Blind scripts: how many letters the member confirms in this conversation.
    orders_letters: Optional[int] = None

    @property
    def judged(self) -> bool:
        """Annotated with what the member wants (a blind script), not with expected replies."""
        return any(step.want for step in self.steps)

    @property
    def id(self) -> str:
        return f"{Path(self.source).stem}: {self.name}"


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, (str, int, float)) for item in items):
        raise ScriptError(f"{where}: '{key}' takes a text or a list of texts")
    return tuple(str(item) for item in items)


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict):
        raise ScriptError(f"{where}: a step is a mapping with 'user' or 'click'")
    unknown = set(raw) - STEP_KEYS
    if unknown:
        raise ScriptError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(STEP_KEYS)}")
    if ("user" in raw) == ("click" in raw):
        raise ScriptError(f"{where}: a step has exactly one of 'user' or 'click'")
    if "user" in raw and not isinstance(raw["user"], (str, int, float)):
        raise ScriptError(f"{where}: 'user' must be a text")
    if "metadata" in raw and not isinstance(raw["metadata"], dict):
        raise ScriptError(f"{where}: 'metadata' must be a mapping")
    for pattern in _strings(raw.get("bot_matches"), where, "bot_matches"):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ScriptError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc
    return Step(
        user=None if "user" not in raw else str(raw["user"]),
        click=None if "click" not in raw else str(raw["click"]),
        metadata=raw.get("metadata"),
        contains=_strings(raw.get("bot_contains"), where, "bot_contains"),
        not_contains=_strings(raw.get("bot_not_contains"), where, "bot_not_contains"),
        matches=_strings(raw.get("bot_matches"), where, "bot_matches"),
        buttons=_strings(raw.get("bot_buttons"), where, "bot_buttons"),
        no_buttons=bool(raw.get("bot_no_buttons", False)),
        want=_strings(raw.get("want"), where, "want"),
    )


def load_file(path: Path) -> list[Conversation]:
    """Read and check one conversation file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ScriptError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("conversations"), list):
        raise ScriptError(f"{path}: expected a top-level 'conversations:' list")
    result = []
    for index, conv in enumerate(raw["conversations"], start=1):
        where = f"{path}, conversation {index}"
        if not isinstance(conv, dict) or not isinstance(conv.get("name"), str) or not conv.get("steps"):
            raise ScriptError(f"{where}: needs a 'name' and a non-empty 'steps' list")
        if not isinstance(conv["steps"], list):
            raise ScriptError(f"{where}: 'steps' must be a list")
        unknown = set(conv) - CONVERSATION_KEYS
        if unknown:
            raise ScriptError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(CONVERSATION_KEYS)}")
        letters = conv.get("orders_letters")
        if letters is not None and (not isinstance(letters, int) or isinstance(letters, bool) or letters < 0):
            raise ScriptError(f"{where}: 'orders_letters' must be a whole number, 0 or more")
        steps = tuple(_step(s, f"{where} ({conv['name']}), step {i}") for i, s in enumerate(conv["steps"], 1))
        result.append(Conversation(name=conv["name"], source=str(path), steps=steps, orders_letters=letters))
    names = [c.name for c in result]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ScriptError(f"{path}: conversation names must be unique, repeated: {duplicates}")
    return result


def script_files(path: Path) -> list[Path]:
    """The conversation files ``path`` names: itself, or every ``*.yml`` / ``*.yaml`` in a folder and its subfolders."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ScriptError(f"{path}: no such file or folder")
    files = sorted(f for f in path.rglob("*") if f.suffix in (".yml", ".yaml") and f.is_file())
    if not files:
        raise ScriptError(f"{path}: no conversation files (*.yml, *.yaml) in this folder or its subfolders")
    return files


def load(paths: Iterable[Path]) -> list[Conversation]:
    """Read conversation files; a folder means every ``*.yml`` / ``*.yaml`` in it, subfolders included.

    Raises :class:`ScriptError` when a path names no file, or nothing is found at all:
    a suite that plays no conversation must not look like one that passed.
    """
    paths = list(paths)
    conversations: list[Conversation] = []
    for path in paths:
        for file in script_files(path):
            conversations.extend(load_file(file))
    if not conversations:
        raise ScriptError(f"no conversations found in {', '.join(map(str, paths)) or '(no paths given)'}")
    return conversations


_TOKEN = re.compile(r"^\$(token|expired_token)\(([A-Za-z][0-9]{9})\)$")


def resolve_metadata(metadata: Optional[dict], token_secret: Optional[str] = None) -> Optional[dict]:
    """``metadata`` with ``$token(NR)`` / ``$expired_token(NR)`` values replaced by signed tokens."""
    if metadata is None:
        return None
    from datetime import datetime, timedelta, timezone

    from bot import sessions

    resolved: dict = {}
    for key, value in metadata.items():
        match = _TOKEN.match(value) if isinstance(value, str) else None
        if match is None:
            resolved[key] = value
            continue
        kind, number = match.groups()
        now = datetime.now(timezone.utc) - (timedelta(hours=2) if kind == "expired_token" else timedelta())
        resolved[key] = sessions.mint(number.upper(), token_secret, now=now)
    return resolved


def send(url: str, sender: str, text: str, metadata: Optional[dict] = None, timeout: float = 60.0) -> list[dict]:
    """Send one message to a REST channel and return the bot's messages."""
    body: dict[str, Any] = {"sender": sender, "message": text}
    if metadata is not None:
        body["metadata"] = metadata
    request = urllib.request.Request(
        url, data=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 - URL given by the tester
        messages = json.loads(reply.read().decode("utf-8"))
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise ValueError(f"expected a JSON list of messages, got {str(messages)[:100]!r}")
    return messages


def _describe(exc: Exception) -> str:
    """A one-line reason for a failed request ("HTTP 404: Not Found", "[Errno 111] Connection refused")."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}: {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return f"{type(exc).__name__}: {exc}"


def reply_text(messages: list[dict]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages if m.get("text"))


def reply_buttons(messages: list[dict]) -> list[dict]:
    return [b for m in messages for b in (m.get("buttons") or [])]


def check(step: Step, messages: list[dict]) -> list[str]:
    """The expectations of ``step`` that ``messages`` do not meet."""
    text = reply_text(messages)
    titles = [str(b.get("title")) for b in reply_buttons(messages)]
    problems = [f"expected the reply to contain {s!r}" for s in step.contains if s not in text]
    problems += [f"expected the reply not to contain {s!r}" for s in step.not_contains if s in text]
    problems += [f"expected the reply to match /{p}/" for p in step.matches if not re.search(p, text)]
    problems += [f"expected a button {t!r}, got {titles}" for t in step.buttons if t not in titles]
    if step.no_buttons and titles:
        problems.append(f"expected no buttons, got {titles}")
    if not messages:
        problems.append("expected a reply, got none")
    return problems


@dataclass
class Outcome:
    conversation: Conversation
    transcript: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: The bot's messages for each step played, in order.
    replies: list[list[dict]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def report(self) -> str:
        return "\n".join([f"Conversation {self.conversation.id}", *self.transcript, *self.problems])


def run(conversation: Conversation, url: str, sender: Optional[str] = None,
        token_secret: Optional[str] = None) -> Outcome:
    """Play one conversation against the REST channel at ``url``; stops at the first failing step."""
    sender = sender or f"qa-{uuid.uuid4().hex}"
    outcome = Outcome(conversation)
    previous: list[dict] = []
    for number, step in enumerate(conversation.steps, start=1):
        if step.click is not None:
            payload = next((b.get("payload") for b in reply_buttons(previous) if b.get("title") == step.click), None)
            if payload is None:
                titles = [b.get("title") for b in reply_buttons(previous)]
                outcome.problems.append(f"step {number}: no button {step.click!r} to click; offered: {titles}")
                return outcome
            text = str(payload)
            outcome.transcript.append(f"  [click] {step.click} -> {text}")
        else:
            text = step.user or ""
            outcome.transcript.append(f"  user: {text[:200]}")
        metadata = resolve_metadata(step.metadata, token_secret)
        try:
            previous = send(url, sender, text, metadata)
        except (OSError, ValueError) as exc:  # refused, timed out, HTTP error status, a reply that is not JSON
            outcome.problems.append(f"step {number}: no usable reply from {url}: {_describe(exc)}")
            return outcome
        outcome.replies.append(previous)
        for message in previous:
            outcome.transcript.append(f"  bot:  {message.get('text', '')}")
            for button in message.get("buttons") or []:
                outcome.transcript.append(f"        [{button.get('title')}]")
        problems = check(step, previous)
        if problems:
            outcome.problems.extend(f"step {number}: {p}" for p in problems)
            return outcome
    return outcome
