"""The domain's texts: one hotline number, "Sie" form, only known placeholders."""

from __future__ import annotations

import re

import yaml

from bot.config import HOTLINE, PROJECT_ROOT

DOMAIN_TEXT = (PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")
DOMAIN = yaml.safe_load(DOMAIN_TEXT)


def response_texts() -> dict[str, str]:
    return {name: variant["text"] for name, variants in DOMAIN["responses"].items() for variant in variants}


def test_hotline_slot_holds_the_configured_number_once():
    assert DOMAIN["slots"]["hotline"]["initial_value"] == HOTLINE
    assert DOMAIN_TEXT.count(HOTLINE) == 1, "responses use {hotline}, not the number itself"


#: Values the task actions pass with a response (dispatcher.utter_message(response=..., reference=...)).
ACTION_VARIABLES = {"reference", "ordered_on", "last_valid_day", "since", "window", "time_left", "kind_name", "lock_hours",
                    "wait", "hold_days", "service_hours"}


def test_responses_use_only_known_placeholders():
    for name, text in response_texts().items():
        for placeholder in re.findall(r"\{(\w+)\}", text):
            assert placeholder in DOMAIN["slots"] or placeholder in ACTION_VARIABLES, f"{name} uses unknown {{{placeholder}}}"


def test_no_phone_number_in_a_response_but_the_hotline_slot():
    for name, text in response_texts().items():
        assert not re.search(r"\b0\d{3,4}[ /-]?\d{2,}[ /-]?\d{3,}", text), f"{name} writes a phone number literally"


def test_responses_address_the_member_formally():
    informal = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner)\b", re.IGNORECASE)
    for name, text in response_texts().items():
        assert not informal.search(text), f"{name} uses the informal 'du'"


def test_greeting_warns_against_health_data():
    greeting = response_texts()["utter_greet"]
    assert "Gesundheitsdaten" in greeting and "keine Passwörter, PINs, Inhalte Ihres QR-Codes" in greeting


def test_no_reply_claims_that_the_members_data_were_deleted():
    # Cancelling clears the slots, but the messages stay in the conversation and attempts are counted:
    # "gelöscht" would not be true.
    for name, text in response_texts().items():
        assert "gelöscht" not in text.lower(), f"{name} claims data were deleted"
