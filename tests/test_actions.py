"""actions/faq.py with rasa_sdk's Tracker and CollectingDispatcher (no server)."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionRouteQuestion
from bot import faq


def tracker(faq_confidence: float, ranking: list[tuple[str, float]], before: list[dict] | None = None) -> Tracker:
    message = {
        "text": "...",
        "intent": {"name": "nlu_fallback", "confidence": 0.5},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "faq", "confidence": faq_confidence}],
        "response_selector": {
            "faq": {"ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in ranking]}
        },
    }
    user = {"event": "user", "text": "...", "parse_data": message}
    return Tracker("test", {}, message, [*(before or []), user], False, None, {}, "action_listen")


def run(t: Tracker) -> tuple[dict, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRouteQuestion().run(dispatcher, t, {}))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def buttons(messages: list[dict]) -> list[str]:
    [message] = messages
    assert message["response"] == "utter_clarify"
    assert all(b["title"] == b["payload"] for b in message["buttons"])
    return [b["title"] for b in message["buttons"]]


def test_unclear_question_offers_the_best_plausible_topics_by_title():
    slots, messages = run(tracker(0.7, [("qr_code", 0.45), ("qr_code_expired", 0.4), ("ssl", 0.01)]))
    catalog = faq.load_catalog()
    assert slots == {"route": "clarify"}
    assert buttons(messages) == [
        catalog.get("qr_code").title,
        catalog.get("qr_code_expired").title,
        catalog.none_of_these,
    ]


def test_three_topics_at_most():
    slots, messages = run(tracker(0.7, [("app_required", 0.1), ("qr_code", 0.3), ("ssl", 0.2), ("pin_reset", 0.25)]))
    catalog = faq.load_catalog()
    assert buttons(messages) == [
        catalog.get("qr_code").title,
        catalog.get("pin_reset").title,
        catalog.get("ssl").title,
        catalog.none_of_these,
    ]


def not_sure(slots: dict, messages: list[dict]) -> bool:
    return slots == {"route": "not_sure"} and [m["response"] for m in messages] == ["utter_not_sure"]


def test_not_an_faq_question_goes_to_the_hotline():
    assert not_sure(*run(tracker(0.05, [("qr_code", 0.3)])))


def test_nothing_close_enough_goes_to_the_hotline():
    assert not_sure(*run(tracker(0.9, [("qr_code", 0.02), ("ssl", 0.01)])))


def clarified(*topics: str) -> list[dict]:
    """A "Meinten Sie ...?" that offered ``topics`` (and "Nichts davon")."""
    titles = [faq.load_catalog().get(t).title for t in topics] + [faq.load_catalog().none_of_these]
    return [
        {"event": "user", "text": "qr", "parse_data": {}},
        {"event": "bot", "text": "Meinten Sie ...?", "metadata": {"utter_action": "utter_clarify"},
         "data": {"buttons": [{"title": t, "payload": t} for t in titles]}},
    ]


def test_still_unclear_right_after_a_clarification_goes_to_the_hotline():
    # the same topics again would be a loop: the hotline
    earlier = clarified("qr_code", "qr_code_expired")
    assert not_sure(*run(tracker(0.7, [("qr_code", 0.45), ("qr_code_expired", 0.4)], before=earlier)))


def test_a_new_unclear_question_after_a_clarification_gets_its_own_topics():
    # "pin?" right after "2fa?" was answered with "Meinten Sie ...?": new topics, not the hotline
    earlier = clarified("twofa_what", "twofa_why")
    slots, messages = run(tracker(0.7, [("twofa_pin", 0.45), ("pin_reset", 0.4)], before=earlier))
    assert slots == {"route": "clarify"}
    assert faq.load_catalog().get("twofa_pin").title in buttons(messages)


def test_an_earlier_clarification_does_not_count_once_something_else_was_said():
    earlier = [
        {"event": "user", "text": "qr", "parse_data": {}},
        {"event": "bot", "text": "Meinten Sie ...?", "metadata": {"utter_action": "utter_clarify"}},
        {"event": "user", "text": "Was ist 2FA?", "parse_data": {}},
        {"event": "bot", "text": "2FA ist ...", "metadata": {"utter_action": "utter_faq/twofa_what"}},
    ]
    slots, messages = run(tracker(0.7, [("qr_code", 0.45), ("qr_code_expired", 0.4)], before=earlier))
    assert slots == {"route": "clarify"} and len(buttons(messages)) == 3


def test_a_follow_up_after_an_answer_that_no_rule_knows_offers_topics_instead_of_a_guess(monkeypatch):
    from actions.faq import ActionFollowUp
    from bot import context_prior

    # without the learnt prior (tests/test_context_prior.py tests it): the selector's topics and the context
    monkeypatch.setattr(context_prior, "load", lambda path=None: {})

    earlier = [
        {"event": "user", "text": "Prüft da ein Mensch meinen Ausweis?", "parse_data": {}},
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_faq/nect_privacy"}},
    ]
    t = tracker(0.05, [("no_device", 0.6), ("nect_privacy", 0.2), ("nect_duration", 0.1)], before=earlier)
    t.latest_message["intent"] = {"name": "follow_up", "confidence": 0.99}
    t.latest_message["text"] = "und wenn der Computer das nicht hinkriegt?"
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFollowUp().run(dispatcher, t, {}))
    # no guessed "no device" answer; the question counts as an FAQ question although the classifier said follow_up
    offered = buttons(dispatcher.messages)
    assert {faq.load_catalog().get("no_device").title, faq.load_catalog().get("nect_privacy").title} <= set(offered)


def test_an_unclear_follow_up_after_a_task_result_offers_that_results_topics():
    from actions.faq import ActionFollowUp

    earlier = [
        {"event": "user", "text": "80809", "parse_data": {}},
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_twofa_qr_code_valid"}},
    ]
    t = tracker(0.05, [("usable_when", 0.3), ("app_download", 0.2), ("ssl", 0.1)], before=earlier)
    t.latest_message["intent"] = {"name": "follow_up", "confidence": 0.99}
    t.latest_message["text"] = "und was heißt das jetzt für mich?"
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFollowUp().run(dispatcher, t, {}))
    titles = buttons(dispatcher.messages)
    assert faq.load_catalog().get("usable_when").title in titles
    assert any(faq.load_catalog().get(t).title in titles for t in ("qr_code", "qr_code_expired", "twofa_activation",
                                                                     "health_card_digits"))


def test_a_follow_up_right_after_meinten_sie_leans_on_the_topics_it_offered():
    from actions.faq import recent_bot_responses

    catalog = faq.load_catalog()
    offered = [{"title": catalog.get(t).title, "payload": catalog.get(t).title} for t in ("nect_company", "nect_privacy")]
    earlier = [
        {"event": "user", "text": "Wer steckt hinter NECT, und guckt da jemand zu?", "parse_data": {}},
        {"event": "bot", "text": "Meinten Sie ...?", "data": {"buttons": [*offered, {"title": "Nichts davon"}]},
         "metadata": {"utter_action": "utter_clarify"}},
    ]
    t = tracker(0.05, [("ssl", 0.3)], before=earlier)
    t.latest_message["text"] = "tüv?"
    assert recent_bot_responses(t) == [("utter_faq/nect_company", "utter_faq/nect_privacy")]
    slots, messages = run(t)
    assert slots == {"route": "answered"} and messages[0]["response"] == "utter_faq/nect_company"
