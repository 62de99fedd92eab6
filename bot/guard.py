"""Screening of incoming chat messages before they reach the assistant.

Member-facing channels pass every message through :func:`screen`. It is the
one place that decides what counts as empty or too long, and it makes sure
that a typed "/..." is read as text: Rasa would otherwise take
``/inform{"kvnr": ...}`` as an intent with entities and skip NLU.

The replies here are the only texts not in ``domain.yml``: they are sent by
the channel without asking Rasa (empty, too long) or because Rasa could not
answer (a component or the action server is down).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.config import HOTLINE

#: Rasa reads messages starting with this as an intent payload.
INTENT_PREFIX = "/"
#: What a leading "/" becomes: the full-width solidus looks the same to a reader.
ESCAPED_PREFIX = "\uff0f"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

EMPTY_REPLY = "Ihre Nachricht ist leer. Bitte schreiben Sie mir Ihre Frage."
TOO_LONG_REPLY = (
    "Ihre Nachricht ist leider zu lang (höchstens {max_chars} Zeichen). "
    "Bitte stellen Sie Ihre Frage kürzer."
)
UNAVAILABLE_REPLY = (
    "Entschuldigung, gerade gibt es ein technisches Problem, und ich kann Ihre Nachricht "
    f"nicht bearbeiten. Bitte versuchen Sie es später noch einmal oder rufen Sie uns an: {HOTLINE}."
)


SECRET_REPLY = (
    "Bitte geben Sie Passwörter, PINs oder den Inhalt Ihres QR-Codes niemals in den Chat ein, "
    "auch nicht hier: Ich frage nie danach, und auch unsere Mitarbeitenden tun das nicht. "
    "Ihre Nachricht habe ich nicht gespeichert. Wenn Sie befürchten, dass jemand Ihr Passwort "
    f"kennt, ändern Sie es bitte in der Online-Filiale oder rufen Sie uns an: {HOTLINE}."
)

#: "mein Passwort ist ...", "PIN: 123456", "Kennwort lautet ..." and the like.
_SECRET = re.compile(
    r"\b(?:passwort|kennwort|password|pin|freigabe-?pin|qr-?code)\b\s*(?:ist|lautet|war|heißt|heisst|:|=)\s*[\"'„]?(\S{3,})",
    re.IGNORECASE,
)
#: A secret has a digit, a special character or a capital letter inside; "ist falsch" has not.
_SECRET_VALUE = re.compile(r"[0-9!#$%&*+=?@_~^]|.[A-ZÄÖÜ]")


class Verdict(str, Enum):
    PASS = "pass"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    #: The message seems to contain a password, PIN or QR content: warn, keep nothing.
    SECRET = "secret"


@dataclass(frozen=True)
class Screened:
    """The outcome of screening: pass ``text`` on, or answer ``reply`` at once."""

    verdict: Verdict
    text: str = ""
    reply: str = ""


def clean(text: str) -> str:
    """Drop control characters (NUL breaks PostgreSQL text) and surrounding blanks."""
    return _CONTROL.sub(" ", text).strip()


def escape_intent_prefix(text: str) -> str:
    """Make a typed "/..." plain text: every leading "/" becomes a full-width one."""
    stripped = text.lstrip(INTENT_PREFIX)
    return ESCAPED_PREFIX * (len(text) - len(stripped)) + stripped


def screen(text: object, max_chars: int) -> Screened:
    """Decide what happens to one incoming message."""
    if not isinstance(text, str):
        return Screened(Verdict.EMPTY, reply=EMPTY_REPLY)
    cleaned = clean(text)
    if not cleaned:
        return Screened(Verdict.EMPTY, reply=EMPTY_REPLY)
    if len(cleaned) > max_chars:
        return Screened(Verdict.TOO_LONG, reply=TOO_LONG_REPLY.format(max_chars=f"{max_chars:,}".replace(",", ".")))
    if looks_like_secret(cleaned):
        return Screened(Verdict.SECRET, reply=SECRET_REPLY)
    return Screened(Verdict.PASS, text=escape_intent_prefix(cleaned))


def looks_like_secret(text: str) -> bool:
    """True when ``text`` seems to tell a password, PIN or QR-code content."""
    return any(_SECRET_VALUE.search(m.group(1)) for m in _SECRET.finditer(text))
