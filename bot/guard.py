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
    f"kennt, ändern Sie es bitte in der BMW BKK App oder rufen Sie uns an: {HOTLINE}."
)

#: "mein Passwort ist ...", "Kennwort lautet ...", "PIN: ..." and the like.
_SECRET = re.compile(
    r"\b(?:passwort|kennwort|password|pin|freigabe-?pin|qr-?code)\b\s*(?:ist|lautet|war|heißt|heisst|:|=)\s*[\"'„]?(\S{3,})",
    re.IGNORECASE,
)
#: A PIN told as digits: "meine PIN 482913", "PIN 1234 wird nicht angenommen".
_PIN_DIGITS = re.compile(r"\b(?:freigabe-?)?pin\b\W{0,3}(?:ist|lautet|war|:|=)?\W{0,3}\d{4,8}\b", re.IGNORECASE)
#: A secret has a digit, a special character or a capital letter inside; "ist falsch" has not ...
_SECRET_VALUE = re.compile(r"[0-9!#$%&*+=?@_~^]|.[A-ZÄÖÜ]")
#: ... and a plain word after "Passwort ist" is a secret unless it describes the password.
_DESCRIBING = frozenset("""
    abgelaufen aktiv alt anders angeblich auch bekannt bestimmt doch eigentlich einfach falsch futsch gesperrt
    geändert gelöscht gültig immer jetzt kaputt korrekt kurz lang leer leider nicht neu noch nun offenbar
    richtig schon sicher so unbekannt ungültig unsicher vergessen verloren weg wohl zu zurückgesetzt
    abgelehnt blockiert deaktiviert veraltet weg, falsch, falsch. vergessen. nicht. eingegeben angenommen
    mein meins dein ihr das der die ein eine zwar ganz sehr total bei in im auf für mit von nach
""".split())


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


def _is_secret_value(value: str, rest: str) -> bool:
    """A value with digits or capitals inside, or a plain word that ends the sentence and describes nothing."""
    word = value.strip("\"'„“”.,;:!?").lower()
    if word.endswith("stellig"):
        return False
    if _SECRET_VALUE.search(value):
        return True
    ends_sentence = not rest.strip() or rest.lstrip()[0] in ".!;," or value[-1] in ".!;,"
    return ends_sentence and len(word) >= 4 and word not in _DESCRIBING


def looks_like_secret(text: str) -> bool:
    """True when ``text`` seems to tell a password, PIN or QR-code content."""
    if _PIN_DIGITS.search(text):
        return True
    return any(_is_secret_value(m.group(1), text[m.end():]) for m in _SECRET.finditer(text))
