"""actions/tasks.py with rasa_sdk's Tracker and CollectingDispatcher against a real store."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions import tasks
from bot.config import PROJECT_ROOT
from bot.store import LetterOrder, session_scope
from bot.store.seed import seed_demo

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
FORM_SLOTS = {name: form["required_slots"] for name, form in DOMAIN["forms"].items()}


@pytest.fixture
def store(engine):
    with session_scope(engine) as session:
        seed_demo(session)
    return engine


def tracker(form: str, slots: dict, text: str, intent: str = "nlu_fallback", sender: str = "t1",
            parse_extra: dict | None = None, extracted: str | None = None) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, **(parse_extra or {})}
    all_slots = {s: None for s in DOMAIN["slots"]}
    all_slots.update(slots)
    events = [{"event": "user", "text": text, "parse_data": message}]
    if extracted:  # Rasa's form extracted the answer (from_text) before calling the validator
        events.append({"event": "slot", "name": extracted, "value": text})
    return Tracker(sender, all_slots, message, events, False, None, {"name": form}, "action_listen")


def validate(validator, form: str, slots: dict, text: str, **kw) -> tuple[dict, list[str]]:
    """Run the validator after the member answered the requested slot with ``text``."""
    dispatcher = CollectingDispatcher()
    requested = slots.get("requested_slot")
    t = tracker(form, {**slots, requested: text}, text, extracted=requested, **kw)
    events = asyncio.run(validator.run(dispatcher, t, DOMAIN))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, [m.get("response") for m in dispatcher.messages]


def submit(action, slots: dict, sender: str = "t1") -> tuple[dict, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker("-", slots, "-", sender=sender), DOMAIN))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def letters(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(LetterOrder)).scalar_one()


def test_a_malformed_number_gets_its_hint_and_is_asked_again(store):
    slots, said = validate(tasks.ValidateResendForm(), "resend_form", {"requested_slot": "insurance_number"}, "12345")
    assert slots["insurance_number"] is None and said == ["utter_invalid_insurance_number_format"]
    slots, said = validate(tasks.ValidateResendForm(), "resend_form", {"requested_slot": "insurance_number"}, "A123456781")
    assert said == ["utter_invalid_insurance_number_check_digit"]


def test_a_typed_number_is_normalised(store):
    slots, said = validate(tasks.ValidateResendForm(), "resend_form", {"requested_slot": "insurance_number"}, "d 271828180-1")
    assert slots["insurance_number"] == "D271828180" and said == []


def test_an_faq_question_inside_a_form_is_answered(store):
    selector = {"response_selector": {"faq": {"response": {"utter_action": "utter_faq/insurance_number_format"}}}}
    slots, said = validate(tasks.ValidateResendForm(), "resend_form", {"requested_slot": "insurance_number"},
                           "Wo finde ich die Versichertennummer?", intent="faq", parse_extra=selector)
    assert slots["insurance_number"] is None and said == ["utter_faq/insurance_number_format", "utter_task_resume"]


def test_wrong_postcode_and_unknown_number_get_the_same_reply(store):
    base = {"requested_slot": "postcode"}
    wrong, said_wrong = validate(tasks.ValidateResendForm(), "resend_form", {**base, "insurance_number": "D271828180"}, "01068")
    unknown, said_unknown = validate(tasks.ValidateResendForm(), "resend_form", {**base, "insurance_number": "Z123456783"},
                                     "01067", sender="t2")
    assert said_wrong == said_unknown == ["utter_ident_mismatch"]
    # the typed number is kept for a retry with a corrected PLZ; otherwise both answers are the same
    assert (wrong.pop("ident_retry_number"), unknown.pop("ident_retry_number")) == ("D271828180", "Z123456783")
    assert wrong == unknown and wrong["insurance_number"] is None and wrong["postcode"] is None


def test_identification_then_resend_then_slots_cleared(store):
    slots, said = validate(tasks.ValidateResendForm(), "resend_form",
                           {"requested_slot": "postcode", "insurance_number": "D271828180"}, "01067")
    assert slots["ident_status"] == "identified" and isinstance(slots["member_id"], int) and said == []
    # the last question before a letter is ordered
    assert tasks.ValidateResendForm().asks_confirmation(tracker("resend_form", slots, "01067"))
    state = {"insurance_number": "D271828180", "postcode": "01067", **slots}
    _, messages = submit(tasks.ActionSubmitResend(), state)
    assert [m["response"] for m in messages] == ["utter_letter_not_ordered"] and letters(store) == 4
    confirmed, said = validate(tasks.ValidateResendForm(), "resend_form", {**state, "requested_slot": "letter_confirmed"},
                               "ja bitte", intent="affirm")
    assert confirmed["letter_confirmed"] is True and said == []
    state.update(confirmed)
    cleared, messages = submit(tasks.ActionSubmitResend(), state)
    assert messages[0]["response"] == "utter_resend_ordered" and re.match(r"ZB-\d{4}-\w{6}$", messages[0]["reference"])
    assert cleared == {slot: None for slot in tasks.IDENTIFYING_SLOTS}
    again, messages = submit(tasks.ActionSubmitResend(), state)
    assert messages[0]["response"] == "utter_resend_on_its_way"
    assert letters(store) == 4 + 1  # the seed's registration letters and one resend


def test_the_lockout_ends_the_form(store):
    base = {"requested_slot": "postcode", "insurance_number": "C314159266"}
    for n in range(3):
        validate(tasks.ValidateTwofaForm(), "twofa_form", base, "99999", sender=f"s{n}")
    slots, said = validate(tasks.ValidateTwofaForm(), "twofa_form", base, "84030", sender="s9")
    assert slots["ident_status"] == "refused" and slots["requested_slot"] is None and said == ["utter_ident_locked"]
    cleared, messages = submit(tasks.ActionSubmitTwofa(), {**base, **slots})
    assert messages == [] and cleared == {slot: None for slot in tasks.IDENTIFYING_SLOTS}


def test_registration_asks_contact_data_then_orders_the_letter(store):
    v, form = tasks.ValidateRegistrationForm(), "registration_form"
    slots, _ = validate(v, form, {"requested_slot": "postcode", "insurance_number": "A123456780"}, "84130")
    assert slots["ident_status"] == "identified"
    state = {"insurance_number": "A123456780", **slots}
    email, said = validate(v, form, {**state, "requested_slot": "email"}, "Anna.Berger@Example.de")
    assert email["email"] == "Anna.Berger@example.de"
    phone, said = validate(v, form, {**state, "requested_slot": "phone"}, "2345678")
    assert phone["phone"] is None and said == ["utter_invalid_phone_area_code"]
    phone, said = validate(v, form, {**state, "requested_slot": "phone"}, "überspringen")
    assert phone["phone"] == tasks.SKIPPED
    method, _ = validate(v, form, {**state, "requested_slot": "ident_method"}, "per Brief")
    assert method["ident_method"] == "letter"
    assert v.asks_confirmation(tracker(form, {**state, **method}, "per Brief"))
    _, messages = submit(tasks.ActionSubmitRegistration(), {**state, **email, **phone, **method})
    assert messages[0]["response"] == "utter_letter_not_ordered" and letters(store) == 4
    _, messages = submit(tasks.ActionSubmitRegistration(), {**state, **email, **phone, **method,
                                                            "letter_confirmed": True})
    assert messages[0]["response"] == "utter_registration_letter_ordered" and messages[0]["reference"]


@pytest.mark.parametrize("number,postcode,response", [("C314159266", "84030", "utter_already_registered"),
                                                       ("B204816328", "80809", "utter_registration_letter_pending_short")])
def test_registered_members_are_not_registered_again(store, number, postcode, response):
    slots, _ = validate(tasks.ValidateRegistrationForm(), "registration_form",
                        {"requested_slot": "postcode", "insurance_number": number}, postcode)
    assert slots["requested_slot"] is None
    _, messages = submit(tasks.ActionSubmitRegistration(), {"insurance_number": number, **slots})
    assert [m["response"] for m in messages] == [response]


@pytest.mark.parametrize("number,postcode,response", [
    ("D271828180", "01067", "utter_twofa_qr_code_valid"),
    ("E161803391", "93047", "utter_twofa_health_card"),
    ("C314159266", "84030", "utter_twofa_already_active"),
    ("A123456780", "84130", "utter_not_registered_yet"),
])
def test_2fa_advice_is_personal(store, number, postcode, response):
    slots, _ = validate(tasks.ValidateTwofaForm(), "twofa_form", {"requested_slot": "postcode", "insurance_number": number}, postcode)
    _, messages = submit(tasks.ActionSubmitTwofa(), {"insurance_number": number, **slots})
    assert messages[0]["response"] == response
    if response == "utter_twofa_qr_code_valid":
        assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", messages[0]["last_valid_day"])


def test_a_database_that_is_down_gets_an_apology_and_writes_nothing(store, monkeypatch):
    from bot.store import reset_engine

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    reset_engine()
    slots, said = validate(tasks.ValidateResendForm(), "resend_form",
                           {"requested_slot": "postcode", "insurance_number": "D271828180"}, "01067")
    assert slots["ident_status"] == "unavailable" and slots["requested_slot"] is None
    cleared, messages = submit(tasks.ActionSubmitResend(), {"insurance_number": "D271828180", **slots})
    assert [m["response"] for m in messages] == ["utter_store_unavailable"]
    assert cleared == {slot: None for slot in tasks.IDENTIFYING_SLOTS}


def test_leaving_in_words_orders_nothing_and_clears_everything(store):
    """"ach, lass gut sein" at the letter's last question: the form ends, the submit says so and forgets."""
    state = {"requested_slot": "postcode", "insurance_number": "D271828180"}
    identified, _ = validate(tasks.ValidateResendForm(), "resend_form", state, "01067")
    state = {**state, **identified, "requested_slot": "insurance_number"}
    left, said = validate(tasks.ValidateResendForm(), "resend_form", state, "ach, lass gut sein", intent="faq")
    assert left["ident_status"] == "left" and left["requested_slot"] is None and said == []
    cleared, messages = submit(tasks.ActionSubmitResend(), {**state, **left})
    assert [m["response"] for m in messages] == ["utter_task_cancelled"]
    assert cleared == {slot: None for slot in tasks.IDENTIFYING_SLOTS}
    assert letters(store) == 4  # the seed's letters only


def test_every_response_the_tasks_use_is_in_the_domain():
    sources = [Path(tasks.__file__), PROJECT_ROOT / "bot" / "services" / "chat.py"]
    used = set()
    for path in sources:
        used |= set(re.findall(r'"(utter_[a-z_]+)"', path.read_text(encoding="utf-8")))
    used |= {f"utter_invalid_{f}_{r}" for f, r in [("insurance_number", "format"), ("insurance_number", "check_digit"),
                                                   ("postcode", "format"), ("email", "format"), ("phone", "area_code"),
                                                   ("phone", "invalid")]}
    used |= {f"utter_{p}_{o}" for p in ("resend", "password_letter") for o in ("ordered", "on_its_way")}
    used = {u for u in used if not u.endswith("_") and u != "utter_action"}
    assert used - set(DOMAIN["responses"]) == set()


def test_the_database_going_down_before_the_last_step_writes_nothing(store, monkeypatch):
    from bot.store import reset_engine

    slots, _ = validate(tasks.ValidateResendForm(), "resend_form",
                        {"requested_slot": "postcode", "insurance_number": "D271828180"}, "01067")
    assert slots["ident_status"] == "identified"
    before = letters(store)
    real = os.environ["DATABASE_URL"]  # to come back to
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    reset_engine()
    cleared, messages = submit(tasks.ActionSubmitResend(), {"insurance_number": "D271828180", **slots})
    assert [m["response"] for m in messages] == ["utter_store_unavailable"]
    assert cleared == {slot: None for slot in tasks.IDENTIFYING_SLOTS}
    monkeypatch.setenv("DATABASE_URL", real)
    reset_engine()
    assert letters(store) == before


def test_the_resend_limit_sends_the_member_to_the_hotline(store):
    from datetime import datetime, timedelta

    from bot.services import letters as letter_service
    from bot.store import Member

    with session_scope(store) as session:
        member_id = session.execute(select(Member.id).where(Member.insurance_number == "E161803391")).scalar_one()
    start = datetime.utcnow() - timedelta(days=40)
    for n in range(3):  # three resends, each after the last one's 7 days on the way
        with session_scope(store) as session:
            assert letter_service.order_resend(session, member_id, now=start + timedelta(days=10 * n)).reference
    slots = {"ident_status": "identified", "member_id": member_id}
    _, messages = submit(tasks.ActionSubmitResend(), slots)
    assert [m["response"] for m in messages] == ["utter_resend_limit"]
    assert "{hotline}" in DOMAIN["responses"]["utter_resend_limit"][0]["text"]


def test_the_store_is_called_outside_the_action_servers_event_loop(store, monkeypatch: pytest.MonkeyPatch):
    """A slow database call must not stall the loop that serves every other conversation (actions/offloop.py)."""
    import threading

    from bot.services import chat

    seen: dict[str, int] = {}
    real_identify = chat.identify

    def identify(*args, **kwargs):
        seen["identify"] = threading.get_ident()
        return real_identify(*args, **kwargs)

    monkeypatch.setattr(chat, "identify", identify)

    async def run_on_this_loop() -> int:
        dispatcher = CollectingDispatcher()
        t = tracker("resend_form", {"requested_slot": "postcode", "insurance_number": "D271828180", "postcode": "01067"},
                    "01067", extracted="postcode")
        await tasks.ValidateResendForm().run(dispatcher, t, DOMAIN)
        return threading.get_ident()

    loop_thread = asyncio.run(run_on_this_loop())
    assert "identify" in seen and seen["identify"] != loop_thread
