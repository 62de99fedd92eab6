"""The related-topic button under an FAQ answer (addons/nlg.py, bot/faq.py ``related_topic``)."""

from __future__ import annotations

import asyncio

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.nlg import RelatedTopicNLG, with_related_button
from bot import faq
from bot.config import PROJECT_ROOT

CATALOG = faq.load_catalog()


def _parse(text: str, ranking: list[tuple[str, float]]) -> dict:
    return {"text": text, "intent": {"name": "faq", "confidence": 1.0},
            "response_selector": {"faq": {"ranking": [{"intent_response_key": f"faq/{t}", "confidence": p}
                                                      for t, p in ranking]}}}


def _tracker(parse: dict, *earlier_bot: str) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen"), UserUttered(parse["text"], parse["intent"], parse_data=parse)]
    events += [BotUttered("…", metadata={"utter_action": name}) for name in earlier_bot]
    return DialogueStateTracker.from_events("member", events)


def test_the_runner_up_topic_is_offered_when_likely_enough():
    parse = _parse("wie lange ist der QR-Code gültig", [("qr_code_expired", 0.6), ("qr_code", 0.3), ("ssl", 0.05)])
    assert [t.id for t in faq.related_topics(parse, "qr_code_expired", CATALOG)] == ["qr_code"]
    # a context rule answered another topic: the selector's first one is offered
    assert [t.id for t in faq.related_topics(parse, "letter_alternative", CATALOG)][:1] == ["qr_code_expired"]
    unlikely = _parse("wie lange ist der QR-Code gültig", [("qr_code_expired", 0.9), ("qr_code", 0.05)])
    assert faq.related_topics(unlikely, "qr_code_expired", CATALOG) == []
    assert faq.related_topics(parse, "qr_code_expired", CATALOG, exclude=["qr_code"]) == []
    assert len(faq.related_topics(parse, "letter_alternative", CATALOG)) <= faq.RELATED_MAX


def test_a_click_on_a_topic_title_gets_no_related_button():
    title = CATALOG.get("qr_code").title
    parse = _parse(title, [("qr_code", 0.5), ("qr_code_expired", 0.4)])
    assert faq.related_topics(parse, "qr_code", CATALOG) == []


def test_the_button_is_added_to_the_answer_after_its_own_buttons_and_never_twice():
    parse = _parse("wie lange ist der QR-Code gültig", [("qr_code_expired", 0.6), ("qr_code", 0.3)])
    answer = {"text": "Der QR-Code ist 60 Tage gültig.", "buttons": [{"title": "Meinen QR-Code prüfen",
                                                                       "payload": "Meinen QR-Code prüfen"}]}
    out = with_related_button(answer, "utter_faq/qr_code_expired", _tracker(parse))
    title = CATALOG.get("qr_code").title
    assert [b["title"] for b in out["buttons"]] == ["Meinen QR-Code prüfen", title]
    assert answer["buttons"] == [{"title": "Meinen QR-Code prüfen", "payload": "Meinen QR-Code prüfen"}]  # untouched
    offered = {**answer, "buttons": [{"title": title, "payload": title}]}
    assert with_related_button(offered, "utter_faq/qr_code_expired", _tracker(parse)) == offered
    # the topic was answered earlier in this turn (two questions in one message)
    assert with_related_button(answer, "utter_faq/qr_code_expired", _tracker(parse, "utter_faq/qr_code")) == answer
    # not an FAQ answer
    assert with_related_button(answer, "utter_greet", _tracker(parse)) == answer


def test_inside_a_task_no_detour_is_offered():
    parse = _parse("wie lange ist der QR-Code gültig", [("qr_code_expired", 0.6), ("qr_code", 0.3)])
    tracker = _tracker(parse)
    tracker.change_loop_to("resend_form")
    answer = {"text": "Der QR-Code ist 60 Tage gültig."}
    assert with_related_button(answer, "utter_faq/qr_code_expired", tracker) == answer


def test_the_generator_answers_from_the_domain_and_adds_the_button():
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    nlg = RelatedTopicNLG(domain=domain)
    parse = _parse("wie lange ist der QR-Code gültig", [("qr_code_expired", 0.6), ("qr_code", 0.3)])
    out = asyncio.run(nlg.generate("utter_faq/qr_code_expired", _tracker(parse), "rest"))
    assert out["text"].startswith("Der QR-Code ist 60 Tage gültig")
    assert CATALOG.get("qr_code").title in [b["title"] for b in out["buttons"]]
    greet = asyncio.run(nlg.generate("utter_greet", _tracker(parse), "rest"))
    assert greet["text"] and not greet.get("buttons")
