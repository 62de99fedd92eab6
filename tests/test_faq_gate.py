"""addons/faq_gate.py on hand-made parse results (no trained model needed)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from addons.faq_gate import FaqConfidenceGate


def message(intent: str, ranking: list[tuple[str, float]]) -> Message:
    return Message(
        data={
            "text": "...",
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": [{"name": intent, "confidence": 0.9}],
            "response_selector": {
                "faq": {"ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in ranking]}
            },
        }
    )


def gate(msg: Message) -> Message:
    [out] = FaqConfidenceGate().process([msg])
    return out


def test_a_clear_topic_passes_unchanged():
    out = gate(message("faq", [("password_forgotten", 0.92), ("pin_reset", 0.05)]))
    assert out.get("intent")["name"] == "faq"


def test_two_close_topics_become_nlu_fallback_keeping_the_ranking():
    out = gate(message("faq", [("qr_code", 0.48), ("qr_code_expired", 0.44)]))
    assert out.get("intent")["name"] == "nlu_fallback"
    assert out.get("intent_ranking")[0]["name"] == "nlu_fallback"
    assert {"name": "faq", "confidence": 0.9} in out.get("intent_ranking")
    assert out.get("response_selector")["faq"]["ranking"][0]["intent_response_key"] == "faq/qr_code"


def test_other_intents_are_not_touched():
    out = gate(message("greet", [("qr_code", 0.3), ("ssl", 0.29)]))
    assert out.get("intent")["name"] == "greet"


def titled(text: str, intent: str, ranking: list[tuple[str, float]]) -> Message:
    msg = message(intent, ranking)
    msg.set("text", text)
    return msg


def test_a_clicked_title_is_answered_with_its_topic_even_against_the_models():
    out = gate(titled("  wer ist die firma NECT? ", "nlu_fallback", [("nect_what", 0.6), ("nect_company", 0.3)]))
    assert out.get("intent") == {"name": "faq", "confidence": 1.0}
    assert out.get("intent_ranking")[0] == {"name": "faq", "confidence": 1.0}
    selected = out.get("response_selector")["faq"]
    assert selected["response"]["utter_action"] == "utter_faq/nect_company"
    assert selected["ranking"][0]["intent_response_key"] == "faq/nect_company"
    assert [e["intent_response_key"] for e in selected["ranking"]] == ["faq/nect_company", "faq/nect_what"]


def test_a_title_inside_a_longer_message_is_not_a_click():
    out = gate(titled("Wer ist die Firma NECT? Wie läuft die Video-Identifikation bei denen ab?", "faq",
                      [("nect_what", 0.5), ("nect_company", 0.45)]))
    assert out.get("intent")["name"] == "nlu_fallback"


def said(text: str, intent: str, ranking: list[tuple[str, float]], intents: list[tuple[str, float]] = ()) -> Message:
    msg = message(intent, ranking)
    msg.set("text", text)
    if intents:
        msg.set("intent_ranking", [{"name": n, "confidence": c} for n, c in intents])
    return gate(msg)


def test_an_angry_question_the_selector_is_sure_of_gets_an_apology_first():
    out = said("was soll der quatsch mit der 2 faktor kacke, warum gibt es das?", "faq", [("twofa_why", 0.95)])
    assert out.get("intent")["name"] == "faq_upset"
    assert out.get("response_selector")["faq"]["ranking"][0]["intent_response_key"] == "faq/twofa_why"


@pytest.mark.parametrize("text, intent, expected", [
    ("Ich möchte mich über den Ablauf der Registrierung beschweren.", "start_registration", "complain"),
    ("Hi, can you help me reset my app PIN please?", "faq", "other_language"),
    ("will das mit nem mitarbeiter klären", "faq", "request_human"),
    ("na gut, trotzdem danke", "faq", "thank"),
    ("ist der brief schon raus bei euch?", "faq", "request_letter_resend"),
])
def test_words_that_decide_over_the_classifier(text, intent, expected):
    assert said(text, intent, [("twofa_why", 0.9)]).get("intent")["name"] == expected


def test_which_four_digits_gets_both_ways_digits_whatever_came_before():
    out = said("welche vier ziffern will die app dann dazu?", "faq", [("health_card_digits", 0.6), ("qr_code", 0.3)])
    assert out.get("intent")["name"] == "follow_up"
    assert out.get("follow_up_otherwise") == "four_digits"
    assert said("die PIN hat doch sechs Stellen?", "faq", [("twofa_pin", 0.9)]).get("intent")["name"] == "faq"


def test_a_greeting_with_a_question_is_the_question():
    out = said("Hallo, wie lange dauert die Video-Identifikation bei Ihnen?", "greet", [("nect_duration", 0.93)],
               intents=[("greet", 0.6), ("faq", 0.4)])
    assert out.get("intent")["name"] == "faq"
    assert said("Hallo!", "greet", [("ssl", 0.2)], intents=[("greet", 0.9)]).get("intent")["name"] == "greet"


@pytest.mark.parametrize("text", [
    "Gebt ihr meine Daten an Dritte weiter?",
    "Ist die Hotline auch am Wochenende erreichbar?",
    "und wann erreich ich da jemanden? immer besetzt bei euch",
    "Was kostet die NECT App?",
    "Und wann ist da eigentlich jemand erreichbar?",  # the hotline's hours
    "Wie lange wird die Aufnahme meines Gesichts aufbewahrt?",  # storage
    "Liegt meine PIN lokal auf dem Handy oder wird die auf dem Server gespeichert?",
    "Kann ich die 2FA auf zwei Handys gleichzeitig nutzen?",  # several devices
    "Lässt sich das Zeitfenster für die Freigabe verlängern?",  # a longer window
    "Mir wurde das Handy gestohlen, die 2FA war da drauf. Was nun?",  # a stolen device
    "Gibt es die App für Huawei-Handys?", "Wird mein Konto gesperrt, wenn ich mich vertippe?",
    "Nutzt ihr TLS 1.3?",
])
def test_what_the_faq_never_says_is_not_covered_whatever_the_topic(text):
    out = said(text, "faq", [("ssl", 0.93), ("nect_hours", 0.02)])
    assert out.get("intent")["name"] in ("not_covered", "follow_up")
    assert out.get("intent")["name"] == "not_covered" or out.get("follow_up_otherwise") == "not_covered"


def test_the_video_ident_on_the_weekend_is_still_its_hours():
    from bot import faq

    assert not faq.not_covered_cue("Geht die NECT Identifizierung auch am Wochenende?")
    assert not faq.not_covered_cue("Wann ist die Video-Identifikation möglich?")


@pytest.mark.parametrize("text", [
    "Welche Postleitzahl ist bei euch gespeichert?", "Wann ist die Video-Identifikation erreichbar?",
    "Was passiert, wenn das Zeitfenster abgelaufen ist?", "Brauche ich ein zweites Passwort?",
    "Meine PIN ist gesperrt, was tun?", "Was ist SSL?",
    "Ich habe Angst, dass meine Daten im Internet geklaut werden. Ist das bei Ihnen sicher?",
])
def test_questions_the_faq_answers_have_no_not_covered_cue(text):
    from bot import faq

    assert not faq.not_covered_cue(text)


def test_a_request_in_english_stays_another_language():
    # "register" would make it a request to act; it is English, so the member hears that the chat is German
    out = said("I want to register please", "other_language", [("registration_requirements", 0.3)])
    assert out.get("intent")["name"] == "other_language"
    out = said("I want to register please", "nlu_fallback", [("registration_requirements", 0.3)])
    assert out.get("intent")["name"] == "other_language"


def test_a_short_thanks_with_a_sigh_stays_thanks():
    assert said("nervig. thx", "thank", [("nect_company", 0.1)]).get("intent")["name"] == "thank"
    assert said("super, danke für nix", "thank", [("nect_company", 0.1)]).get("intent")["name"] == "frustration"


def test_an_unclear_question_in_an_angry_message_is_marked_for_meinten_sie():
    out = said("Total nervig, wie lange dauert das denn noch mit dem Brief?", "frustration",
               [("nect_duration", 0.5), ("letter_not_arrived", 0.4)])
    assert out.get("intent")["name"] == "frustration" and out.get("upset_question") is True
    # anger without a question: only the apology
    out = said("Total nervig, das alles.", "frustration", [("nect_duration", 0.5), ("letter_not_arrived", 0.4)])
    assert out.get("intent")["name"] == "frustration" and not out.get("upset_question")
