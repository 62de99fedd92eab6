"""NLU accuracy on phrasings that are not in the training data (tests/nlu_holdout.yml).

Prints the per-topic report. Topic accuracy counts a held-out FAQ question as
right when the assistant answers it with its topic; a clarification or a
wrong topic counts as not right. A wrong answer is reported separately: it
is the failure members must not see.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Callable

import pytest
import yaml

from bot import faq
from bot.config import PROJECT_ROOT

MIN_TOPIC_ACCURACY = 0.90
MAX_WRONG_ANSWER_RATE = 0.03


def holdout() -> list[tuple[str, str]]:
    data = yaml.safe_load((PROJECT_ROOT / "tests" / "nlu_holdout.yml").read_text(encoding="utf-8"))
    return [
        (block["intent"], line[2:].strip())
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.startswith("- ")
    ]


def outcome(parsed: dict[str, Any]) -> str:
    """What the member gets: 'faq/<topic>', another intent's name, or 'nlu_fallback'."""
    intent = parsed["intent"]["name"]
    if intent == faq.RETRIEVAL_INTENT:
        return f"{faq.RETRIEVAL_INTENT}/{faq.candidates_from_parse(parsed)[0].topic}"
    return intent


@pytest.fixture(scope="module")
def results(parse: Callable[[str], dict]) -> list[tuple[str, str, str]]:
    return [(expected, text, outcome(parse(text))) for expected, text in holdout()]


def test_faq_topic_accuracy_on_held_out_phrasings(results, capsys):
    faq_results = [r for r in results if r[0].startswith("faq/")]
    per_topic: dict[str, Counter] = defaultdict(Counter)
    for expected, _, got in faq_results:
        kind = "right" if got == expected else ("unsure" if got == "nlu_fallback" else "wrong")
        per_topic[expected][kind] += 1
    lines = [f"{'topic':<32} {'n':>3} {'right':>6} {'unsure':>6} {'wrong':>6}"]
    for topic in sorted(per_topic):
        c = per_topic[topic]
        lines.append(f"{topic:<32} {sum(c.values()):>3} {c['right']:>6} {c['unsure']:>6} {c['wrong']:>6}")
    total = len(faq_results)
    right = sum(c["right"] for c in per_topic.values())
    wrong = sum(c["wrong"] for c in per_topic.values())
    lines.append(f"topic accuracy {right}/{total} = {right / total:.1%}; wrong answers {wrong} = {wrong / total:.1%}")
    lines += [f"  not right: {text!r}: expected {exp}, got {got}" for exp, text, got in faq_results if got != exp]
    with capsys.disabled():  # the report is printed on every run, not only on failure
        print("\n" + "\n".join(lines))
    assert right / total >= MIN_TOPIC_ACCURACY, "\n".join(lines)
    assert wrong / total <= MAX_WRONG_ANSWER_RATE, "\n".join(lines)


def test_other_intents_on_held_out_phrasings(results, capsys):
    other = [r for r in results if not r[0].startswith("faq/")]
    wrong_faq = [(text, got) for exp, text, got in other if got.startswith("faq/")]
    right = sum(1 for exp, _, got in other if got == exp)
    with capsys.disabled():
        print(f"\nnon-FAQ intents: {right}/{len(other)} right; answered with an FAQ topic: {wrong_faq}")
    assert right / len(other) >= 0.85
    assert len(wrong_faq) <= 1, wrong_faq


@pytest.mark.parametrize("topic", faq.load_catalog().topics, ids=lambda t: t.id)
def test_a_clicked_clarification_button_is_answered_with_its_topic(parse, topic: faq.Topic):
    assert outcome(parse(topic.title)) == topic.intent
