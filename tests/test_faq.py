"""The FAQ catalogue and the confidence rules (bot/faq.py), without Rasa."""

from __future__ import annotations


import pytest
import yaml

from bot import faq
from bot.config import PROJECT_ROOT
from bot.faq import Candidate

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def nlu_examples(theme: str) -> dict[str, list[str]]:
    data = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / f"{theme}.yml").read_text(encoding="utf-8"))
    return {
        block["intent"]: [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
        for block in data["nlu"]
    }


def ranking(*pairs: tuple[str, float]) -> dict:
    return {
        "response_selector": {
            "faq": {"ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in pairs]}
        }
    }


# -------------------------------------------------------------- the catalogue
def test_every_topic_has_exactly_one_response_and_vice_versa():
    topics = {t.id for t in faq.load_catalog().topics}
    responses = {k.split("/", 1)[1] for k in DOMAIN["responses"] if k.startswith("utter_faq/")}
    assert topics == responses
    assert len(topics) == len(faq.load_catalog().topics), "a topic id is listed twice"
    assert len(topics) >= 35


@pytest.mark.parametrize("topic", faq.load_catalog().topics, ids=lambda t: t.id)
def test_topic_has_enough_training_examples_including_its_title(topic: faq.Topic):
    examples = nlu_examples(topic.theme).get(topic.intent)
    assert examples is not None, f"{topic.intent} is missing from data/nlu/{topic.theme}.yml"
    assert len(set(examples)) >= 20
    assert topic.title in examples, "the button title must be a training example of its topic"


def test_none_button_is_a_deny_example():
    assert faq.load_catalog().none_of_these in nlu_examples("basics")["deny"]


def test_holdout_covers_every_topic_with_unseen_phrasings():
    holdout = yaml.safe_load((PROJECT_ROOT / "tests" / "nlu_holdout.yml").read_text(encoding="utf-8"))
    by_intent = {
        b["intent"]: [l[2:].strip() for l in b["examples"].splitlines() if l.startswith("- ")]
        for b in holdout["nlu"]
    }
    training = {e.lower() for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml")
                for examples in nlu_examples(path.stem).values() for e in examples}
    for topic in faq.load_catalog().topics:
        assert len(by_intent.get(topic.intent, [])) >= 5, topic.id
    leaked = [e for intent, examples in by_intent.items() if intent.startswith("faq/")
              for e in examples if e.lower() in training]
    assert not leaked, f"held-out phrasings also in the training data: {leaked}"


# ---------------------------------------------------------------- the rules
def test_candidates_are_read_from_the_selector_ranking_best_first():
    parsed = ranking(("qr_code", 0.2), ("qr_code_expired", 0.7))
    assert faq.candidates_from_parse(parsed) == [Candidate("qr_code_expired", 0.7), Candidate("qr_code", 0.2)]
    assert faq.candidates_from_parse({}) == []


@pytest.mark.parametrize(
    "pairs, confident",
    [
        ([("a", 0.9), ("b", 0.05)], True),
        ([("a", 0.55), ("b", 0.3)], True),
        ([("a", 0.55), ("b", 0.4)], False),  # lead too small
        ([("a", 0.45), ("b", 0.01)], False),  # best too weak
        ([("a", 0.6)], True),
        ([], False),
    ],
)
def test_an_answer_needs_a_strong_and_clear_best_topic(pairs, confident):
    candidates = [Candidate(t, c) for t, c in pairs]
    assert faq.is_confident(candidates) is confident


def test_clarification_offers_at_most_three_plausible_topics():
    candidates = [Candidate("a", 0.4), Candidate("b", 0.3), Candidate("c", 0.2), Candidate("d", 0.1)]
    assert faq.clarify(candidates, faq_confidence=0.6).topics == ("a", "b", "c")
    weak = [Candidate("a", 0.5), Candidate("b", 0.01)]
    assert faq.clarify(weak, faq_confidence=0.6).topics == ("a",)


def test_clarification_gives_up_when_nothing_fits():
    candidates = [Candidate("a", 0.4), Candidate("b", 0.3)]
    assert faq.clarify(candidates, faq_confidence=0.05).give_up  # not an FAQ question at all
    assert faq.clarify([Candidate("a", 0.01)], faq_confidence=0.6).give_up
    assert not faq.clarify(candidates, faq_confidence=0.6).give_up
