"""addons/context_policy.py: after "no task runs", a task's answer gets action_answer_without_task."""

from __future__ import annotations

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.context_policy import ACTION, FOLLOW_UP_ACTION, GO_AHEAD_ACTION, ContextPolicy
from bot.config import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


def policy() -> ContextPolicy:
    import tempfile
    from pathlib import Path

    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    return ContextPolicy.create(ContextPolicy.get_default_config(), storage, Resource("task_mode"),
                                 ExecutionContext(GraphSchema({}), "test"))


def tracker(previous: str, text: str, intent: str, *extra) -> DialogueStateTracker:
    events = [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("A123456780", {"name": "inform_data"}),
              ActionExecuted("action_data_without_task"), BotUttered("...", metadata={"utter_action": previous}),
              ActionExecuted(ACTION_LISTEN_NAME), UserUttered(text, {"name": intent, "confidence": 0.9}), *extra]
    return DialogueStateTracker.from_events("member", events)


def predicted(t: DialogueStateTracker) -> str | None:
    prediction = policy().predict_action_probabilities(t, DOMAIN)
    if max(prediction.probabilities) == 0.0:
        return None
    return DOMAIN.action_names_or_texts[prediction.max_confidence_index]


def test_a_tasks_answer_after_no_task_runs_gets_the_action_then_the_bot_listens():
    assert predicted(tracker("utter_data_without_task", "brief", "nlu_fallback")) == ACTION
    assert predicted(tracker("utter_no_task_running", "Video, des geht schneller.", "faq")) == ACTION
    after = tracker("utter_data_without_task", "brief", "nlu_fallback", ActionExecuted(ACTION))
    assert predicted(after) == ACTION_LISTEN_NAME


def test_the_policy_abstains_everywhere_else():
    assert predicted(tracker("utter_faq/letter_alternative", "brief", "nlu_fallback")) is None
    assert predicted(tracker("utter_data_without_task", "wie lange dauert das?", "faq")) is None
    assert predicted(tracker("utter_data_without_task", "ja", "affirm")) is None
    in_a_task = tracker("utter_data_without_task", "brief", "nlu_fallback")
    in_a_task.update(ActiveLoop("registration_form"))
    assert predicted(in_a_task) is None


def test_the_policy_outranks_the_rules():
    from rasa.core.constants import RULE_POLICY_PRIORITY

    assert policy().priority > RULE_POLICY_PRIORITY


def test_a_first_context_rule_gets_the_follow_up_action():
    t = tracker("utter_faq/password_forgotten", "Selfie ist schwer für mich. Kann per Post?", "faq")
    assert predicted(t) == FOLLOW_UP_ACTION
    after = tracker("utter_faq/password_forgotten", "Kann per Post?", "faq", ActionExecuted(FOLLOW_UP_ACTION))
    assert predicted(after) == ACTION_LISTEN_NAME


def test_the_task_mode_outlasts_an_faq_answer_in_between():
    events = [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("A123456780 84130", {"name": "inform_data"}),
              ActionExecuted("action_data_without_task"),
              BotUttered("...", metadata={"utter_action": "utter_data_without_task_offered"}),
              ActionExecuted(ACTION_LISTEN_NAME), UserUttered("brauch ich da echt ne mail?", {"name": "faq"}),
              ActionExecuted("utter_faq"), BotUttered("...", metadata={"utter_action": "utter_faq/email_address"}),
              ActionExecuted(ACTION_LISTEN_NAME), UserUttered("handy auch nicht", {"name": "faq", "confidence": 0.9})]
    assert predicted(DialogueStateTracker.from_events("member", events)) == ACTION


def test_going_ahead_after_an_answer_on_a_tasks_topic_starts_it():
    assert predicted(tracker("utter_faq/nect_id_document", "ok dann mach ich das jetzt", "affirm")) == GO_AHEAD_ACTION
    assert predicted(tracker("utter_faq/registration_problem", "ok dann brief", "thank")) == GO_AHEAD_ACTION
    # no task behind the answer, a question of its own, or another intent's own handling
    assert predicted(tracker("utter_faq/ssl", "ok dann mach ich das jetzt", "affirm")) is None
    assert predicted(tracker("utter_faq/nect_id_document", "Okay dann per Brief. Wie lange dauert das?", "faq")) is None
    assert predicted(tracker("utter_faq/nect_id_document", "ok dann brief", "start_registration")) is None
    after = tracker("utter_faq/nect_id_document", "ok dann brief", "thank", ActionExecuted(GO_AHEAD_ACTION))
    assert predicted(after) == ACTION_LISTEN_NAME
