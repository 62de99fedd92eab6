"""bot/member_kinds.py, addons/kind_classifier.py and the gate's use of them: the kind of reply members' words want."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from addons.faq_gate import FaqConfidenceGate
from bot import member_kinds, topic_examples


def _script(tmp_path: Path, steps: list[dict], name: str = "members_devX.yml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"conversations": [{"name": "x", "steps": steps}]}, allow_unicode=True),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("want, kind", [
    ("faq:ssl", "faq"), (["faq:qr_code", "faq:qr_code_expired"], "faq"), ("task:pin_reset", "task"),
    ("human", "human"), (["give", "confirm"], "give"), (["task:register", "faq:registration_requirements"], None),
    (["out_of_scope", "faq:ssl"], None), (None, None)])
def test_a_step_teaches_a_kind_only_when_its_want_names_one(want, kind):
    assert member_kinds.kind_of_want(want) == kind


def test_examples_keep_one_kind_per_message_leave_out_held_out_sentences_and_rare_kinds(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(member_kinds, "MIN_EXAMPLES", 2)
    held_out = next(iter(topic_examples.held_out_sentences()))
    script = _script(tmp_path, [
        {"user": "setzen sie meine pin zurück", "want": "task:pin_reset"},
        {"user": "pin reset bitte", "want": "task:pin_reset"},
        {"user": "wie lange gilt der qr code", "want": "faq:qr_code_expired"},
        {"user": "und der brief?", "want": ["faq:letter_alternative", "faq:letter_not_arrived"]},
        {"user": held_out, "want": "faq:ssl"},
        {"user": "bin ich hier mit einem menschen", "want": "bot"},  # one example only: too rare
        {"user": "registrieren, was brauch ich", "want": ["task:register", "faq:registration_requirements"]},
    ])
    assert member_kinds.extract([script]) == [
        ("task", "setzen sie meine pin zurück"), ("task", "pin reset bitte"),
        ("faq", "wie lange gilt der qr code"), ("faq", "und der brief?")]
    with pytest.raises(ValueError):
        member_kinds.extract([_script(tmp_path, [{"user": "x", "want": "faq:ssl"}], "members_blind.yml")])


def test_the_kept_examples_are_those_of_scripts_1_to_53_and_never_of_the_hold_outs():
    kept = yaml.safe_load(member_kinds.EXAMPLES_PATH.read_text(encoding="utf-8"))
    assert kept["scripts"] == list(member_kinds.SCRIPTS) and len(kept["scripts"]) == 53
    assert not {"members_blind.yml", *(f"members_dev{n}.yml" for n in range(54, 62))} & set(kept["scripts"])
    fresh = member_kinds.extract(member_kinds.SCRIPT_DIR / name for name in member_kinds.SCRIPTS)
    assert member_kinds.load() == tuple(fresh), "run `python -m bot.member_kinds`"
    kinds = {kind for kind, _ in fresh}
    assert set(member_kinds.GATE_KINDS) | {"faq", "give", "confirm"} <= kinds
    assert not {topic_examples.normalised(text) for _, text in fresh} & topic_examples.held_out_sentences()


def test_the_component_trains_on_the_examples_and_ranks_kinds(monkeypatch):
    from addons import kind_classifier
    from addons.kind_classifier import MemberKindClassifier

    examples = tuple(("task", f"setzen sie meine pin zurück {n}") for n in range(6)) + \
        tuple(("faq", f"wie lange gilt der qr code {n}") for n in range(6)) + \
        tuple(("human", f"ich will mit einem menschen reden {n}") for n in range(6))
    monkeypatch.setattr(kind_classifier.member_kinds, "load", lambda: examples)
    monkeypatch.setattr(kind_classifier.stored_model, "save", lambda *args: None)
    component = MemberKindClassifier(MemberKindClassifier.get_default_config(), None, None)
    component.train(None)
    [out] = component.process([Message(data={"text": "bitte setzen sie die pin zurück"})])
    ranking = out.get(member_kinds.KEY)
    assert [r["name"] for r in ranking][0] == "task" and len(ranking) == 3
    assert member_kinds.best_kind(out.data)[0] == "task"
    assert MemberKindClassifier.fingerprint_addon({}) == member_kinds.fingerprint()
    # without a trained model, the message passes unchanged
    [untouched] = MemberKindClassifier({}, None, None).process([Message(data={"text": "x"})])
    assert untouched.get(member_kinds.KEY) is None


def _parsed(text: str, intent: str, kind: str, confidence: float, topic: str = "pin_reset") -> Message:
    return Message(data={
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "response_selector": {"faq": {"ranking": [{"intent_response_key": f"faq/{topic}", "confidence": 0.9}]}},
        member_kinds.KEY: [{"name": kind, "confidence": confidence}, {"name": "faq", "confidence": 1 - confidence}],
    })


def _gated(msg: Message) -> str:
    [out] = FaqConfidenceGate().process([msg])
    return out.get("intent")["name"]


def _unheard(msg: Message) -> str:
    """What the gate makes of the message without the kind classifier."""
    msg.data.pop(member_kinds.KEY)
    return _gated(msg)


def test_the_gate_starts_the_topics_task_when_the_kind_classifier_is_sure_of_a_request():
    words = "pin fuer die freigabe, zeig mal pls"
    assert _gated(_parsed(words, "faq", "task", 0.9)) == "request_pin_reset"
    assert _gated(_parsed(words, "faq", "task", member_kinds.MIN_CONFIDENCE - 0.01)) == \
        _unheard(_parsed(words, "faq", "task", 0.9)) != "request_pin_reset"
    assert _gated(_parsed(words, "nlu_fallback", "task", 0.9)) == "request_pin_reset"
    # a topic without a task stays the FAQ answer
    ssl = "was ist denn ssl bei euch genau"
    assert _gated(_parsed(ssl, "faq", "task", 0.9, topic="ssl")) == _unheard(_parsed(ssl, "faq", "task", 0.9, topic="ssl"))


def test_a_request_whose_task_only_the_conversation_tells_is_left_to_the_context_rules():
    # "per brief" after the ID-document answer is the registration, after the password answer a new password
    for words in ("ok dann per brief. geht das hier direkt?", "per Briaf bittschön"):
        msg = _parsed(words, "faq", "task", 0.95, topic="letter_not_arrived")
        assert _gated(msg) == _unheard(_parsed(words, "faq", "task", 0.95, topic="letter_not_arrived")) \
            != "request_letter_resend"


def test_a_reported_failure_or_a_request_the_faq_does_not_cover_starts_no_task():
    failure = "neue adresse noch nicht gemeldet, registrierung sagt plz falsch"
    assert _gated(_parsed(failure, "faq", "task", 0.9, topic="registration_requirements")) != "start_registration"
    outside = _parsed("Auslandskrankenschein online anfordern", "faq", "task", 0.9, topic="registration_requirements")
    outside.data["response_selector"]["faq"]["outside_faq"] = 0.9
    assert _gated(outside) != "start_registration"
    assert _gated(_parsed("Auslandskrankenschein online anfordern", "not_covered", "task", 0.9,
                          topic="registration_requirements")) != "start_registration"


def test_the_gate_hears_a_wish_for_a_person_a_question_about_who_answers_and_anger():
    assert _gated(_parsed("dann einfach die telefonnummer bitte", "faq", "human", 0.9,
                          topic="phone_number_format")) == "request_human"
    assert _gated(_parsed("sitzt da einer oder eine maschine", "not_covered", "bot", 0.9)) == "bot_challenge"
    assert _gated(_parsed("seit 2 wochen nur stress damit", "faq", "upset", 0.9)) == "frustration"
    # anger with a question keeps its question
    angry = "seit 2 wochen nur stress, wie lange gilt der code?"
    assert _gated(_parsed(angry, "faq", "upset", 0.9, topic="qr_code_expired")) == \
        _unheard(_parsed(angry, "faq", "upset", 0.9, topic="qr_code_expired")) != "frustration"


def test_the_gate_does_not_listen_to_the_kind_classifier_for_other_intents():
    # a yes at the letter's last question stays a yes, however much its words sound like a request
    for text, intent, kind in (("ja bitte nochmal schicken", "affirm", "task"), ("ja danke", "thank", "human"),
                               ("hallo", "greet", "bot")):
        assert _gated(_parsed(text, intent, kind, 0.99)) == _unheard(_parsed(text, intent, kind, 0.99))
