"""actions/faq.py with rasa_sdk's Tracker and CollectingDispatcher (no server)."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionRouteQuestion
from bot import faq


def tracker(intent: str, faq_confidence: float, ranking: list[tuple[str, float]], events: list[dict]) -> Tracker:
    message = {
        "text": "...",
        "intent": {"name": intent, "confidence": 0.5},
        "intent_ranking": [{"name": intent, "confidence": 0.5}, {"name": "faq", "confidence": faq_confidence}],
        "response_selector": {
            "faq": {"ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in ranking]}
        },
    }
    user = {"event": "user", "text": "...", "parse_data": message}
    return Tracker("test", {}, message, [*events, user], False, None, {}, "action_listen")


def run(t: Tracker) -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRouteQuestion().run(dispatcher, t, {}))
    assert events == []
    return dispatcher.messages


CLARIFY_TURN = [
    {"event": "user", "text": "..."},
    {"event": "bot", "text": "Meinten Sie ...?", "metadata": {"utter_action": "utter_clarify"}},
    {"event": "action", "name": "action_listen"},
]


def test_unclear_question_offers_the_best_topics_and_none_of_these():
    [message] = run(tracker("nlu_fallback", 0.7, [("qr_code", 0.45), ("qr_code_expired", 0.4), ("ssl", 0.01)], []))
    catalog = faq.load_catalog()
    assert message["response"] == "utter_clarify"
    assert [b["title"] for b in message["buttons"]] == [
        catalog.get("qr_code").title, catalog.get("qr_code_expired").title, catalog.none_title
    ]
    assert all(b["payload"] == b["title"] for b in message["buttons"])


def test_still_unclear_after_a_clarification_goes_to_the_hotline():
    [message] = run(tracker("nlu_fallback", 0.7, [("qr_code", 0.45), ("qr_code_expired", 0.4)], CLARIFY_TURN))
    assert message["response"] == "utter_not_sure"
    assert not message["buttons"]


def test_not_an_faq_question_goes_to_the_hotline():
    [message] = run(tracker("nlu_fallback", 0.05, [("qr_code", 0.3)], []))
    assert message["response"] == "utter_not_sure"


def test_none_of_these_after_a_clarification_goes_to_the_hotline():
    [message] = run(tracker("deny", 0.0, [], CLARIFY_TURN))
    assert message["response"] == "utter_not_sure"


def test_a_plain_no_asks_what_else():
    [message] = run(tracker("deny", 0.0, [], []))
    assert message["response"] == "utter_anything_else"
