"""NLU accuracy on the held-out phrasings (tests/nlu_holdout.yml).

``python -m addons.evaluate [--json]`` loads the trained model in this
process and prints the per-topic report; tests/test_nlu_holdout.py and
``make bench`` use the same functions.

For each held-out FAQ question:

- *topic accuracy* counts the NLU's best topic (the response selector's top
  ranking, for a message classified as an FAQ question) against the label;
- what the member sees is one of: the right answer, a "Meinten Sie ...?"
  (with or without the right topic among the buttons), the hotline, or a
  *wrong answer* -- the failure members must not see.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from bot import faq, followups, judge, requests
from bot.config import PROJECT_ROOT, load_settings

HOLDOUT = PROJECT_ROOT / "tests" / "nlu_holdout.yml"
BLIND = PROJECT_ROOT / "tests" / "nlu_blind.yml"
FALLBACK = "nlu_fallback"
FOLLOW_UP = "follow_up"
FAQ_UPSET = "faq_upset"
NOT_COVERED = "not_covered"
#: Intents whose replies do the same for the member: "not in the FAQ, here is the hotline" for a question
#: about the online branch or about anything else; "Ja, ich bin da" or a greeting for "Hallo, ist da jemand?".
SAME_REPLY = {NOT_COVERED: "out_of_scope", "still_there": "greet"}


def load_holdout(path: Path = HOLDOUT) -> list[tuple[str, str]]:
    """(expected intent, text) pairs."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        (block["intent"], line[2:].strip())
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.startswith("- ")
    ]


def _task_of(expected: str) -> Optional[str]:
    """The task intent of the FAQ topic ``faq/<id>``, if it has one (``bot/faq_topics.yml``)."""
    topic = faq.load_catalog().get(expected.split("/", 1)[-1])
    return topic.task if topic is not None else None


@dataclass(frozen=True)
class Result:
    expected: str
    text: str
    intent: str  # what the member's reply is decided by, in a fresh conversation: faq, nlu_fallback, greet, ...
    best_topic: str  # faq/<topic> ranked first by the response selector
    offered: tuple[str, ...]  # faq/<topic>s a clarification would offer

    @property
    def is_faq_question(self) -> bool:
        return self.expected.startswith(f"{faq.RETRIEVAL_INTENT}/")

    @property
    def topic_right(self) -> bool:
        return self.intent in (faq.RETRIEVAL_INTENT, FALLBACK) and self.best_topic == self.expected

    @property
    def seen(self) -> str:
        """What the member gets."""
        if self.intent == faq.RETRIEVAL_INTENT:
            return "answer_right" if self.best_topic == self.expected else "answer_wrong"
        if self.is_faq_question and self.intent == _task_of(self.expected) and requests.is_action_request(self.text):
            # an explicit request ("Können Sie mir den Brief nochmal schicken?") starts the topic's own task,
            # whose button is under the topic's answer (issue 12): the member gets what was asked for
            return "answer_right"
        if self.intent == FALLBACK and self.offered:
            return "clarify_with_right" if self.expected in self.offered else "clarify_without_right"
        if self.intent == FALLBACK:
            return "hotline"
        return "other_intent"

    @property
    def got(self) -> str:
        return self.best_topic if self.intent == faq.RETRIEVAL_INTENT else self.intent


def fresh_intent(parsed: dict[str, Any]) -> str:
    """The intent that decides the reply in a fresh conversation.

    An FAQ question in an angry message is answered (after an apology); a follow-up
    (``action_follow_up``) has no last answer to lean on, so it gets what the message
    alone gets: its own reply ("not covered"), the confident topic, or "Meinten Sie ...?".
    """
    intent = parsed["intent"]["name"]
    if intent == FAQ_UPSET:
        return faq.RETRIEVAL_INTENT
    if intent != FOLLOW_UP:
        return intent
    response = followups.without_context(parsed)
    if response is None:
        return FALLBACK
    if response.startswith("utter_faq/"):
        return faq.RETRIEVAL_INTENT
    return next(i for i, r in followups.OTHERWISE_RESPONSES.items() if r == response)


def result(expected: str, text: str, parsed: dict[str, Any]) -> Result:
    standing = followups.standing_answer(parsed) if parsed["intent"]["name"] == FOLLOW_UP else None
    if standing is not None and expected.startswith(f"{faq.RETRIEVAL_INTENT}/") \
            and expected.split("/", 1)[1] in judge.FOLLOW_UP_TOPICS.get(standing, ()):
        # "welche vier Ziffern?" gets both ways' digits: the facts of the topic asked about, so its answer
        return Result(expected=expected, text=text, intent=faq.RETRIEVAL_INTENT, best_topic=expected, offered=())
    candidates = faq.candidates_from_parse(parsed)
    offered = faq.clarify(candidates, faq.faq_intent_confidence(parsed), text=text).topics
    return Result(
        expected=expected,
        text=text,
        intent=fresh_intent(parsed),
        best_topic=f"{faq.RETRIEVAL_INTENT}/{candidates[0].topic}" if candidates else "",
        offered=tuple(f"{faq.RETRIEVAL_INTENT}/{t}" for t in offered),
    )


class Report:
    def __init__(self, results: list[Result], parse_ms: Optional[list[float]] = None) -> None:
        self.results = results
        self.parse_ms_median = statistics.median(parse_ms) if parse_ms else 0.0
        self.faq = [r for r in results if r.is_faq_question]
        self.other = [r for r in results if not r.is_faq_question]

    def share(self, seen: str) -> float:
        return sum(r.seen == seen for r in self.faq) / max(1, len(self.faq))

    @property
    def topic_accuracy(self) -> float:
        return sum(r.topic_right for r in self.faq) / max(1, len(self.faq))

    @property
    def other_accuracy(self) -> float:
        """Messages of other intents that got their intent, or one with the same kind of reply (SAME_REPLY)."""
        same = lambda intent: SAME_REPLY.get(intent, intent)  # noqa: E731
        return sum(same(r.intent) == same(r.expected) for r in self.other) / max(1, len(self.other))

    @property
    def other_answered_as_faq(self) -> list[Result]:
        return [r for r in self.other if r.intent == faq.RETRIEVAL_INTENT]

    @property
    def not_covered(self) -> list[Result]:
        """Questions about the online branch that the FAQ does not answer (label ``not_covered``)."""
        return [r for r in self.other if r.expected == NOT_COVERED]

    def summary(self) -> dict[str, Any]:
        uncovered = self.not_covered
        return {
            "faq_questions": len(self.faq),
            "topics": len({r.expected for r in self.faq}),
            "topic_accuracy": round(self.topic_accuracy, 4),
            **{kind: round(self.share(kind), 4) for kind in
               ("answer_right", "answer_wrong", "clarify_with_right", "clarify_without_right", "hotline",
                "other_intent")},
            "other_questions": len(self.other),
            "other_right": round(self.other_accuracy, 4),
            "other_answered_as_faq": len(self.other_answered_as_faq),
            "not_covered_questions": len(uncovered),
            "not_covered_no_faq_answer": round(
                sum(r.intent != faq.RETRIEVAL_INTENT for r in uncovered) / max(1, len(uncovered)), 4),
            "not_covered_specific_reply": round(
                sum(r.intent == NOT_COVERED for r in uncovered) / max(1, len(uncovered)), 4),
            "parse_ms_median": round(self.parse_ms_median, 2),
        }

    def text(self) -> str:
        per_topic: dict[str, Counter] = defaultdict(Counter)
        for r in self.faq:
            per_topic[r.expected]["topic"] += r.topic_right
            per_topic[r.expected][r.seen] += 1
            per_topic[r.expected]["n"] += 1
        cols = ("n", "topic", "answer_right", "clarify_with_right", "answer_wrong")
        lines = [f"{'held-out FAQ topic':<32}" + "".join(f"{c:>20}" for c in cols)]
        for topic in sorted(per_topic):
            lines.append(f"{topic:<32}" + "".join(f"{per_topic[topic][c]:>20}" for c in cols))
        s = self.summary()
        lines += [
            f"topic accuracy {s['topic_accuracy']:.1%} of {s['faq_questions']} held-out FAQ questions "
            f"({s['topics']} topics)",
            f"member sees: right answer {s['answer_right']:.1%}, 'Meinten Sie ...?' with the right topic "
            f"{s['clarify_with_right']:.1%}, without it {s['clarify_without_right']:.1%}, hotline "
            f"{s['hotline']:.1%}, another intent {s['other_intent']:.1%}, WRONG ANSWER {s['answer_wrong']:.1%}",
            f"other intents: {s['other_right']:.1%} of {s['other_questions']} right; answered with an FAQ topic: "
            f"{[r.text for r in self.other_answered_as_faq]}",
        ]
        lines += [f"  {r.seen:<22} {r.text!r}: expected {r.expected}, got {r.got}"
                  for r in self.results if r.seen != "answer_right" and r.intent != r.expected]
        return "\n".join(lines)


def evaluate(parse: Callable[[str], dict[str, Any]], path: Path = HOLDOUT) -> Report:
    results, timings = [], []
    for expected, text in load_holdout(path):
        began = time.perf_counter()
        parsed = parse(text)
        timings.append((time.perf_counter() - began) * 1000)
        results.append(result(expected, text, parsed))
    return Report(results, timings)


def model_parser(model_path: Path) -> Callable[[str], dict[str, Any]]:
    """Load the model's NLU in this process; returns a parse function.

    Rasa logs every parsed text at debug level; this process logs nothing
    below warnings, so held-out texts (and in production, member messages)
    stay out of the log.
    """
    import structlog
    from rasa.core.agent import Agent

    logging.getLogger("rasa").setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(str(model_path))
    # The parses run on a loop of their own in a thread of its own, so that a loop already running in
    # the caller's thread (Playwright's sync API in the test session) does not matter.
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True, name="nlu-parser").start()
    return lambda text: asyncio.run_coroutine_threadsafe(agent.parse_message(text), loop).result()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m addons.evaluate", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON only")
    parser.add_argument("--set", type=Path, default=HOLDOUT, help="the held-out file (default tests/nlu_holdout.yml)")
    args = parser.parse_args(argv)
    report = evaluate(model_parser(load_settings().model_path), args.set)
    print(json.dumps(report.summary()) if args.json else report.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
