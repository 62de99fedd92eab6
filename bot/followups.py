"""Short follow-up questions, read in the context of the last answer.

"und geht das auch per Post?" right after the answer on a forgotten password
means the new password by letter, not the registration by letter; "wie lange
dauert das?" right after a letter was ordered means the post, not the video
identification. The NLU sees one message at a time, so ``addons.faq_gate``
marks anaphoric short messages as ``follow_up``; ``action_follow_up`` then
asks :func:`resolve` with the bot's last response (bot/followups.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

FOLLOW_UPS_PATH = Path(__file__).with_name("followups.yml")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
#: At most this many words: a longer message stands on its own.
MAX_WORDS = 10
_ANAPHORA = re.compile(
    r"^(und|aber|also|ok und|okay und|und wenn)\b"
    r"|\b(danach|dafuer|damit|dazu|davon|dann)\b"
    r"|\b(geht|klappt|dauert|kostet) (das|es)\b|\bdas auch\b|\b(das|es)\W*$")


@dataclass(frozen=True)
class FollowUp:
    after: frozenset[str]
    words: tuple[str, ...]
    answer: str


def fold(text: str) -> str:
    return (text or "").casefold().translate(_UMLAUTS)


@lru_cache(maxsize=1)
def rules(path: Path = FOLLOW_UPS_PATH) -> tuple[FollowUp, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["follow_ups"]
    return tuple(FollowUp(frozenset(r["after"]), tuple(fold(w) for w in r["words"]), r["answer"]) for r in raw)


def is_follow_up(text: str) -> bool:
    """A short message that points back ("und geht das auch ...?", "wie lange dauert das?")."""
    folded = fold(text).strip()
    return 0 < len(folded.split()) <= MAX_WORDS and bool(_ANAPHORA.search(folded))


_QUESTION = re.compile(r"\?|^(und )?(wie|was|wo|wann|warum|wieso|welche\w*|wer|muss|kann|geht|gibt|ist|sind|brauch\w*)\b")


def asks(text: str) -> bool:
    """True for a question ("und was muss ich dann machen"), not a plain "ja" or "nein"."""
    return bool(_QUESTION.search(fold(text).strip()))


def resolve(text: str, last_response: Optional[str]) -> Optional[str]:
    """The response that answers the follow-up ``text`` after ``last_response``, or ``None``."""
    if not last_response:
        return None
    folded = fold(text)
    for rule in rules():
        if last_response in rule.after and any(word in folded for word in rule.words):
            return rule.answer
    return None
