"""actions/faq.py with rasa_sdk's Tracker and CollectingDispatcher (no server)."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionRouteQuestion
from bot import faq


def tracker(faq_confidence: float, ranking: list[tuple[str, float]]) -> Tracker:
    message = {
        "text": "...",
        "intent": {"name": "nlu_fallback", "confidence": 0.5},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "faq", "confidence": faq_confidence}],
        "response_selector": {
            "faq": {"ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in ranking]}
        },
    }
    user = {"event": "user", "text": "...", "parse_data": message}
    return Tracker("test", {}, message, [user], False, None, {}, "action_listen")


def run(t: Tracker) -> dict:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRouteQuestion().run(dispatcher, t, {}))
    assert dispatcher.messages == [], "the rules say the text, not the action"
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_unclear_question_offers_the_best_plausible_topics_by_title():
    slots = run(tracker(0.7, [("qr_code", 0.45), ("qr_code_expired", 0.4), ("ssl", 0.01)]))
    catalog = faq.load_catalog()
    assert slots == {
        "route": "clarify",
        "clarify_count": "2",
        "clarify_option_1": catalog.get("qr_code").title,
        "clarify_option_2": catalog.get("qr_code_expired").title,
    }


def test_three_topics_at_most():
    slots = run(tracker(0.7, [("a", 0.1), ("qr_code", 0.3), ("ssl", 0.2), ("pin_reset", 0.25)]))
    assert slots["clarify_count"] == "3"
    assert slots["clarify_option_1"] == faq.load_catalog().get("qr_code").title


def test_not_an_faq_question_goes_to_the_hotline():
    assert run(tracker(0.05, [("qr_code", 0.3)])) == {"route": "not_sure"}


def test_nothing_close_enough_goes_to_the_hotline():
    assert run(tracker(0.9, [("qr_code", 0.02), ("ssl", 0.01)])) == {"route": "not_sure"}
