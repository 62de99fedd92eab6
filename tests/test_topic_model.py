"""The calibrated SVM classifier (bot/topic_model.py) and the intent component built on it (addons/intent_classifier.py)."""

from __future__ import annotations

import pytest

from bot.topic_model import TopicModel, blend

TEXTS = {
    "greet": ["Hallo", "Guten Tag", "Moin", "Servus zusammen", "hi du", "Grüß Gott", "guten morgen"],
    "faq": ["Wie lange dauert das Video-Ident?", "Wo finde ich den QR-Code?", "Ich habe mein Passwort vergessen",
            "Was ist die NECT App?", "Wie aktiviere ich die 2FA?", "Brauche ich die App?",
            "Wann ist die NECT Hotline erreichbar?"],
    "goodbye": ["Tschüss", "Auf Wiedersehen", "Ciao", "bis bald", "Servus und tschüss", "ade", "Bis dann"],
}


def _train(**kwargs) -> TopicModel:
    texts = [t for examples in TEXTS.values() for t in examples]
    labels = [label for label, examples in TEXTS.items() for _ in examples]
    return TopicModel.train(texts, labels, **kwargs)


def test_the_same_data_always_gives_the_same_probabilities():
    first, second = _train(), _train()
    for text in ("Hallo zusammen", "Wie lange dauert das mit der NECT App?", "tschüss dann", "xyz"):
        assert first.rank(text) == second.rank(text)


def test_a_clear_message_gets_its_label_with_probabilities_that_sum_to_one():
    model = _train(balanced=True)
    ranking = model.rank("Wo ist mein QR-Code?")
    assert ranking[0][0] == "faq"
    assert sum(p for _, p in ranking) == pytest.approx(1.0)
    assert [label for label, _ in model.rank("Tschüss und bis bald")][0] == "goodbye"


def test_weights_let_some_examples_count_less():
    """A label whose examples all count a tenth loses the ambiguous middle to one whose examples count fully."""
    texts = [f"alpha beta {i}" for i in range(6)] + [f"gamma beta {i}" for i in range(6)]
    labels = ["a"] * 6 + ["g"] * 6
    even = TopicModel.train(texts, labels)
    light = TopicModel.train(texts, labels, weights=[0.1] * 6 + [1.0] * 6)
    p_even = dict(even.rank("beta"))
    p_light = dict(light.rank("beta"))
    assert p_light["g"] > p_even["g"]


def test_a_label_with_too_few_examples_is_refused():
    with pytest.raises(ValueError, match="at least"):
        TopicModel.train(["Hallo", "Moin", "Tschüss"], ["greet", "greet", "goodbye"])


def test_blend_mixes_two_rankings_by_weight():
    svm = [("faq", 0.6), ("greet", 0.3), ("goodbye", 0.1)]
    diet = {"greet": 0.9, "faq": 0.05, "goodbye": 0.05, "only_diet": 0.0}
    mixed = blend(svm, diet, 0.5)
    assert [label for label, _ in mixed] == ["greet", "faq", "goodbye"]
    assert dict(mixed)["greet"] == pytest.approx(0.6)
    assert dict(mixed)["faq"] == pytest.approx(0.325)
    assert blend(svm, diet, 0.0) == svm
    assert blend(svm, {}, 0.5) == svm
    # a label the other classifier did not rank counts as 0 there
    assert dict(blend(svm, {"greet": 1.0}, 0.5))["faq"] == pytest.approx(0.3)


def test_the_intent_component_blends_diets_ranking_and_keeps_rasas_shape():
    from rasa.shared.nlu.training_data.message import Message

    from addons.intent_classifier import IntentClassifier

    model = _train(balanced=True)
    component = IntentClassifier({**IntentClassifier.get_default_config(), "blend": 0.5}, None, None, model)
    alone = Message(data={"text": "Servus"})
    with_diet = Message(data={"text": "Servus", "intent_ranking": [
        {"name": "goodbye", "confidence": 1.0}, {"name": "greet", "confidence": 0.0}]})
    component.process([alone, with_diet])
    svm = dict(model.rank("Servus"))
    assert alone.get("intent")["name"] == max(svm, key=svm.get)
    ranking = {e["name"]: e["confidence"] for e in with_diet.get("intent_ranking")}
    assert ranking["goodbye"] == pytest.approx(0.5 * svm["goodbye"] + 0.5)
    assert ranking["greet"] == pytest.approx(0.5 * svm["greet"])
    assert with_diet.get("intent") == with_diet.get("intent_ranking")[0]
    assert with_diet.get("intent")["name"] == "goodbye"


def test_a_message_without_a_known_n_gram_is_not_taken_for_one_outside_the_faq():
    model = _train(outside=["Zahlt ihr die Brille?", "Wie wird das Wetter?", "Kostet das was?", "Wo ist die Filiale?",
                            "Habt ihr einen Bonus?", "Was kostet die Zahnreinigung?", "Wann kommt die Karte?"] * 2)
    assert model.analyse("Was kostet die Brille?")[1] > 0.5
    assert model.analyse("?!")[1] == 0.0 and model.analyse("👍")[1] == 0.0
