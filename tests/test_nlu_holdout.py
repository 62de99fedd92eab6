"""NLU accuracy on phrasings that are not in the training data (tests/nlu_holdout.yml).

Prints the per-topic report on every run; addons/evaluate.py defines what
counts as topic accuracy and as a wrong answer.
"""

from __future__ import annotations

from typing import Callable

import pytest

from addons.evaluate import Report, evaluate, result
from bot import faq

MIN_TOPIC_ACCURACY = 0.90
MAX_WRONG_ANSWERS = 0.03


@pytest.fixture(scope="module")
def report(parse: Callable[[str], dict]) -> Report:
    return evaluate(parse)


def test_faq_topic_accuracy_on_held_out_phrasings(report: Report, capsys):
    with capsys.disabled():  # the report is printed on every run, not only on failure
        print("\n" + report.text())
    assert report.topic_accuracy >= MIN_TOPIC_ACCURACY


def test_wrong_answers_on_held_out_phrasings_are_rare(report: Report):
    assert report.share("answer_wrong") <= MAX_WRONG_ANSWERS


def test_other_intents_on_held_out_phrasings(report: Report):
    assert report.other_accuracy >= 0.85
    assert len(report.other_answered_as_faq) <= 1, [r.text for r in report.other_answered_as_faq]


@pytest.mark.parametrize("topic", faq.load_catalog().topics, ids=lambda t: t.id)
def test_a_clicked_clarification_button_is_answered_with_its_topic(parse, topic: faq.Topic):
    clicked = result(topic.intent, topic.title, parse(topic.title))
    assert clicked.seen == "answer_right", clicked
