"""What kind of reply members' messages want, from the development scripts: examples for the kind classifier.

The intent classifier learns from tidy NLU examples; members ask for the same
things in their own words, and most of those words are FAQ words. "setzen sie
meine app pin zurück, ich komm nicht weiter" is a request for the PIN task,
"dann einfach die telefonnummer bitte" one for the hotline, "bin ich hier mit
nem echten menschen" asks who answers; the topic classifier sees the PIN, the
phone number and the video call in them and answers with FAQ text.

Every member message of the development scripts is annotated with what a
helpful reply does (``want:``). This module copies those messages with their
*kind* (the part before the colon: ``faq``, ``task``, ``human``, ``bot``,
``upset``, ``give``, ``confirm``, ...) into bot/member_kinds.yml, on which
``addons/kind_classifier.py`` trains a classifier of its own. The gate
(``addons/faq_gate.py``) only listens to it where the NLU would otherwise
answer with FAQ text or cannot place a message, and only for the kinds in
``GATE_KINDS``; what to do then (which task, which reply) stays with the
rules and actions.

Scripts 1-53 (``SCRIPTS``) are used; 54-61 stay out as the hold-out on which
the README measures what the classifier changes. Never the blind script, and
never a sentence of the held-out NLU sets. Kinds with fewer than ``MIN_EXAMPLES``
examples are left out.

Rebuild after changing a script: ``python -m bot.member_kinds``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import yaml

from bot.config import PROJECT_ROOT
from bot.topic_examples import SCRIPT_DIR, held_out_sentences, normalised

EXAMPLES_PATH = Path(__file__).with_name("member_kinds.yml")
#: The development scripts the examples come from (1-53; 54-61 are the hold-out).
SCRIPTS = tuple(["members_dev.yml"] + [f"members_dev{n}.yml" for n in range(2, 54)])
#: A kind needs this many examples to be learnt.
MIN_EXAMPLES = 20
#: The kinds the gate acts on: a request to start a task, a wish for a person or the phone, a question about
#: who answers, anger without a question.
TASK, HUMAN, BOT, UPSET = "task", "human", "bot", "upset"
GATE_KINDS = (TASK, HUMAN, BOT, UPSET)
#: ... when the classifier gives that kind at least this probability (chosen on scripts 46-53 with a
#: classifier trained on 1-45; README, "Eleventh round").
MIN_CONFIDENCE = 0.7
#: Where the classifier puts its best kinds in the parse data: [{"name": kind, "confidence": p}, ...].
KEY = "member_kind"


def best_kind(parse_data: Mapping[str, Any]) -> tuple[Optional[str], float]:
    """The kind of reply the classifier thinks the message wants, with its probability ((None, 0.0) without it)."""
    ranking = parse_data.get(KEY) or []
    if not ranking:
        return None, 0.0
    return str(ranking[0].get("name")), float(ranking[0].get("confidence") or 0.0)


def wants(parse_data: Mapping[str, Any], kind: str) -> bool:
    """True when the classifier is sure enough (``MIN_CONFIDENCE``) that the message wants ``kind``."""
    best, confidence = best_kind(parse_data)
    return best == kind and confidence >= MIN_CONFIDENCE


def kind_of_want(want: object) -> Optional[str]:
    """The one kind of reply a step's ``want`` asks for, or ``None`` when it allows several kinds (then the
    message teaches nothing about the kind).

    A number given at the letter's last question is both a correction and a yes: ``give``.
    """
    listed = [str(w) for w in ([want] if isinstance(want, str) else list(want or []))]
    kinds = {w.split(":", 1)[0] for w in listed}
    if len(kinds) == 1:
        return kinds.pop()
    if kinds == {"give", "confirm"}:
        return "give"
    return None


def extract(scripts: Iterable[Path]) -> list[tuple[str, str]]:
    """(kind, message) for every member message whose ``want`` names one kind."""
    held_out = held_out_sentences()
    examples: list[tuple[str, str]] = []
    for path in scripts:
        if path.name == "members_blind.yml":
            raise ValueError("the blind script never becomes training data")
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            for step in conversation["steps"]:
                text = str(step.get("user") or "").strip()
                kind = kind_of_want(step.get("want"))
                if text and kind is not None and normalised(text) not in held_out:
                    examples.append((kind, text))
    counts = Counter(kind for kind, _ in examples)
    return [(kind, text) for kind, text in examples if counts[kind] >= MIN_EXAMPLES]


@lru_cache(maxsize=None)
def load(path: Path = EXAMPLES_PATH) -> tuple[tuple[str, str], ...]:
    """The kept examples: (kind, message)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple((str(e["kind"]), str(e["text"])) for e in raw["examples"])


def fingerprint(path: Path = EXAMPLES_PATH) -> str:
    """A hash of the kept examples: a retrain when they change."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    """Rebuild bot/member_kinds.yml from the development scripts ``SCRIPTS``."""
    examples = extract(SCRIPT_DIR / name for name in SCRIPTS)
    header = ("# Generated by `python -m bot.member_kinds` from development member scripts 1-53 (bot/member_kinds.py):\n"
              "# members' own messages and the kind of reply they wanted: examples for the kind classifier only.\n"
              "# Never from the blind script.\n")
    body = yaml.safe_dump({"scripts": list(SCRIPTS), "min_examples": MIN_EXAMPLES,
                           "examples": [{"kind": k, "text": t} for k, t in examples]},
                          allow_unicode=True, sort_keys=False, width=200)
    EXAMPLES_PATH.write_text(header + body, encoding="utf-8")
    counts = Counter(kind for kind, _ in examples)
    print(f"{EXAMPLES_PATH.relative_to(PROJECT_ROOT)}: {len(examples)} examples from {len(SCRIPTS)} scripts: "
          + ", ".join(f"{k} {n}" for k, n in counts.most_common()))


if __name__ == "__main__":
    main()
