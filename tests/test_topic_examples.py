"""bot/topic_examples.py: members' own messages from development scripts 1-37 train the topic classifier."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot import faq, topic_examples


def _script(tmp_path: Path, steps: list[dict]) -> Path:
    path = tmp_path / "members_devX.yml"
    path.write_text(yaml.safe_dump({"conversations": [{"name": "x", "steps": steps}]}, allow_unicode=True),
                    encoding="utf-8")
    return path


def test_only_questions_about_one_faq_topic_with_enough_words_become_examples(tmp_path: Path):
    held_out = next(iter(topic_examples.held_out_sentences()))
    script = _script(tmp_path, [
        {"user": "Wie lange ist der QR-Code eigentlich gültig?", "want": "faq:qr_code_expired"},
        {"user": "und per Post?", "want": "faq:letter_alternative"},  # a follow-up: too short
        {"user": "Bitte schicken Sie mir die Zugangsdaten nochmal", "want": ["task:resend_letter", "faq:credentials"]},
        {"user": "Was kostet das und wie lange dauert es?", "want": ["faq:nect_duration", "not_covered"]},
        {"user": "wie lange ist der qr-code  eigentlich gültig?", "want": "faq:qr_code_expired"},  # the same again
        {"user": held_out, "want": "faq:ssl"},
        {"user": "Zahlt die Kasse eigentlich auch Zahnreinigung?", "want": "not_covered"},
        {"user": "Hallo ich bin neu hier", "want": "greet"},  # social: bot/tone.py reads it
        {"user": "können sie mir die zugangsdaten nochmal schicken", "want": "task:resend_letter"},  # no question
    ])
    assert topic_examples.extract([script]) == [
        ("faq:qr_code_expired", "Wie lange ist der QR-Code eigentlich gültig?"),
        ("not_covered", "Zahlt die Kasse eigentlich auch Zahnreinigung?")]


def test_the_kept_examples_are_those_of_scripts_1_to_37_and_never_of_the_hold_outs():
    kept = yaml.safe_load(topic_examples.EXAMPLES_PATH.read_text(encoding="utf-8"))
    assert kept["scripts"] == list(topic_examples.SCRIPTS) and len(kept["scripts"]) == 37
    assert "members_blind.yml" not in kept["scripts"]
    assert not {f"members_dev{n}.yml" for n in range(38, 46)} & set(kept["scripts"])
    fresh = topic_examples.extract(topic_examples.SCRIPT_DIR / name for name in topic_examples.SCRIPTS)
    assert topic_examples.load() == tuple(fresh), "run `python -m bot.topic_examples`"
    assert len(fresh) > 1000
    held_out = topic_examples.held_out_sentences()
    assert not {topic_examples.normalised(text) for _, text in fresh} & held_out
    topics = {f"faq:{t.id}" for t in faq.load_catalog().topics}
    assert {want for want, _ in fresh} <= topics | set(topic_examples.OUTSIDE_WANTS)
    assert len(topic_examples.questions()) > 1000 and len(topic_examples.outside()) > 100


def test_the_topic_component_trains_on_them_unless_told_not_to(monkeypatch):
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from addons import faq_selector
    from addons.faq_selector import FaqTopicSelector

    questions = {"faq/qr_code": ["Wo finde ich den QR-Code?", "QR-Code wo", "Wo ist der QR-Code", "QR Code finden",
                                 "Wo steht mein QR-Code?"],
                 "faq/ssl": ["Was ist SSL?", "SSL was ist das", "Ist die Verbindung SSL?", "Was heißt SSL",
                             "Wozu SSL?"]}
    data = TrainingData([Message(data={"text": t, "intent": "faq", "intent_response_key": k})
                         for k, texts in questions.items() for t in texts])
    members = tuple(("faq:nect_hours", f"wann kann ich bei nect anrufen variante {n}") for n in range(6)) + \
        tuple(("not_covered", f"zahlt die kasse die brille teil {n}") for n in range(6))
    monkeypatch.setattr(faq_selector.topic_examples, "load", lambda: members)
    monkeypatch.setattr(faq_selector.stored_model, "save", lambda *args: None)
    trained = {}
    for enabled in (True, False):
        component = FaqTopicSelector({**FaqTopicSelector.get_default_config(), "member_examples": enabled},
                                     None, None)
        component.train(data)
        trained[enabled] = set(component.model.topics.classes_), component.model.coverage is not None
    # the FAQ questions are topics; the others teach the coverage estimate (no outside examples without them)
    assert trained[True] == ({"faq/qr_code", "faq/ssl", "faq/nect_hours"}, True)
    assert trained[False] == ({"faq/qr_code", "faq/ssl"}, False)
    config = FaqTopicSelector.get_default_config()
    assert FaqTopicSelector.fingerprint_addon(config) == topic_examples.fingerprint()
    assert FaqTopicSelector.fingerprint_addon({**config, "member_examples": False}) is None

