"""A policy for the turn after "no task runs": a task's answer gets "Gerade läuft kein Vorgang ...".

A member who typed a Versichertennummer outside a task is told that nothing was
kept and asked what to do (``action_data_without_task``). Many go on as if a
task ran: "per Brief", "mail skip", "Und de Postleitzahl is 84130". The NLU
reads such a message on its own, as an FAQ question or as unclear, and a rule
would need the previous reply for every intent it can be misread as. This
policy looks at the previous reply and the message (bot/repair.py
``answers_without_task``) and, only then, chooses ``action_answer_without_task``
with a priority above the rules; everywhere else it abstains.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot import repair

ACTION = "action_answer_without_task"
#: Above the RulePolicy (6): when this policy speaks, it decides.
PRIORITY = 7


def previous_response(tracker: DialogueStateTracker) -> Optional[str]:
    """The response name of the bot's last message before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_user:
                return None
            seen_user = True
        elif isinstance(event, BotUttered) and seen_user:
            return (event.metadata or {}).get("utter_action")
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class TaskModePolicy(Policy):
    """Chooses ``action_answer_without_task`` for a task's answer typed right after "no task runs"."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": PRIORITY}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Nothing to learn: the decision is bot/repair.py's."""
        return self._resource

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain, rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        result = self._default_predictions(domain)
        if ACTION not in domain.action_names_or_texts or tracker.active_loop_name:
            return self._prediction(result)
        latest = tracker.latest_action_name
        if latest == ACTION:  # said its piece: wait for the member
            result[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        elif latest == ACTION_LISTEN_NAME and tracker.latest_message is not None:
            message = tracker.latest_message
            if repair.answers_without_task(previous_response(tracker), (message.intent or {}).get("name"),
                                           message.text or ""):
                result[domain.index_for_action(ACTION)] = 1.0
        return self._prediction(result)

    def _metadata(self) -> Dict[Text, Any]:
        return {}

    @classmethod
    def _metadata_filename(cls) -> Text:
        return "task_mode_policy.json"


__all__ = ["TaskModePolicy"]
