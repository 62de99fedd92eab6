"""Members' own FAQ questions from the development scripts, as extra examples for the topic classifier.

The NLU examples in data/nlu/ are short, tidy questions. Members write longer,
looser ones ("Hab heute den Brief bekommen, da steht ein Code drauf, muss ich
den irgendwo eintippen?"). The development member scripts hold about 1,900
such questions, each annotated with the FAQ topic it asks about. This module
copies them into bot/topic_examples.yml, which only the topic classifier
(addons/faq_selector.py) trains on, together with the members' questions the
FAQ does not answer (for its coverage estimate, ``outside_faq``); the intent
classifier and DIET keep the NLU data alone, so no intent moves.

Only scripts 1-37 (``SCRIPTS``) are used: 38-45 stay out as a development
hold-out that measures what the examples do for questions they did not shape
(README, issue 12). Each counts half a curated example (``member_weight`` of
addons/faq_selector.py). Never the blind script, and never a sentence of the held-out
NLU sets (tests/nlu_holdout.yml, tests/nlu_blind.yml). Questions of fewer than
``MIN_WORDS`` words ("und per Post?") are left out: they are follow-ups whose
topic comes from the answer before, not from their words.

Rebuild after changing a script: ``python -m bot.topic_examples``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import yaml

from bot.config import PROJECT_ROOT

EXAMPLES_PATH = Path(__file__).with_name("topic_examples.yml")
SCRIPT_DIR = PROJECT_ROOT / "tests" / "conversations"
#: The development scripts the examples come from (1-37; 38-45 are the development hold-out).
SCRIPTS = tuple(["members_dev.yml"] + [f"members_dev{n}.yml" for n in range(2, 38)])
#: Held-out NLU sets: none of their sentences may become an example.
HELD_OUT_SETS = (PROJECT_ROOT / "tests" / "nlu_holdout.yml", PROJECT_ROOT / "tests" / "nlu_blind.yml")
#: Shorter questions are follow-ups whose topic is the last answer's, not their words'.
MIN_WORDS = 4


def normalised(text: str) -> str:
    """``text`` folded and with single spaces: two messages that differ only in case or spacing are one."""
    return " ".join(text.casefold().split())


def held_out_sentences() -> set[str]:
    """Every sentence of the held-out NLU sets (normalised): none may become a training example."""
    found = set()
    for path in HELD_OUT_SETS:
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.add(normalised(line[2:]))
    return found


#: Wants of messages the FAQ does not answer: examples for the coverage classifier (``outside_faq``).
OUTSIDE_WANTS = ("not_covered", "out_of_scope")
FAQ_PREFIX = "faq:"


def extract(scripts: Iterable[Path]) -> list[tuple[str, str]]:
    """(want, message) for every member message that wants exactly one thing: an FAQ topic (``faq:<topic>``),
    or an answer the FAQ does not have (one of :data:`OUTSIDE_WANTS`)."""
    held_out = held_out_sentences()
    seen: set[str] = set()
    examples = []
    for path in scripts:
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            for step in conversation["steps"]:
                want = step.get("want")
                wants = [str(w) for w in ([want] if isinstance(want, str) else list(want or []))]
                text = str(step.get("user") or "").strip()
                if len(wants) != 1 or len(text.split()) < MIN_WORDS or normalised(text) in held_out | seen:
                    continue
                if not wants[0].startswith(FAQ_PREFIX) and wants[0] not in OUTSIDE_WANTS:
                    continue
                seen.add(normalised(text))
                examples.append((wants[0], text))
    return examples


@lru_cache(maxsize=None)
def load(path: Path = EXAMPLES_PATH) -> tuple[tuple[str, str], ...]:
    """The kept examples: (want, message)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple((str(e["want"]), str(e["text"])) for e in raw["examples"])


def questions() -> list[tuple[str, str]]:
    """The kept FAQ questions: (``faq/<topic>``, question), for the topic classifier."""
    return [(f"faq/{want[len(FAQ_PREFIX):]}", text) for want, text in load() if want.startswith(FAQ_PREFIX)]


def outside() -> list[str]:
    """The kept messages the FAQ does not answer, for the coverage classifier."""
    return [text for want, text in load() if want in OUTSIDE_WANTS]


def fingerprint(path: Path = EXAMPLES_PATH) -> str:
    """A hash of the kept examples: a retrain when they change."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    """Rebuild bot/topic_examples.yml from the development scripts ``SCRIPTS``."""
    examples = extract(SCRIPT_DIR / name for name in SCRIPTS)
    header = ("# Generated by `python -m bot.topic_examples` from development member scripts 1-37 (bot/topic_examples.py):\n"
              "# members' own questions and what they wanted: extra examples for the FAQ topic classifier only (not DIET, not the intents).\n"
              "# Never from the blind script.\n")
    body = yaml.safe_dump({"scripts": list(SCRIPTS), "min_words": MIN_WORDS,
                           "examples": [{"want": w, "text": x} for w, x in examples]},
                          allow_unicode=True, sort_keys=False, width=200)
    EXAMPLES_PATH.write_text(header + body, encoding="utf-8")
    questions = sum(want.startswith(FAQ_PREFIX) for want, _ in examples)
    print(f"{EXAMPLES_PATH}: {len(examples)} examples ({questions} FAQ questions) from {len(SCRIPTS)} scripts")


if __name__ == "__main__":
    main()
