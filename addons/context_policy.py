"""A policy for three turns where the previous reply decides what a message means.

1. After "no task runs": a member who typed a Versichertennummer outside a task
   is told that nothing was kept and asked what to do (``action_data_without_task``).
   Many go on as if a task ran: "per Brief", "mail skip", "Und de Postleitzahl
   is 84130". The NLU reads such a message on its own, as an FAQ question or as
   unclear; here it gets ``action_answer_without_task`` (bot/repair.py
   ``answers_without_task``).
2. After an answer whose context rule is marked ``first`` (bot/followups.yml):
   "Selfie ist schwer für mich. Kann per Post?" right after the forgotten
   password is the new password by letter, however sure the selector is of
   another topic; it gets ``action_follow_up`` (bot/followups.py ``context_first``).

3. After an answer on a task's topic: "ok dann brief", "gut, dann machen wir das"
   decides to go ahead; the NLU reads it as a thanks, a yes without an offer or
   an unclear question. It gets ``action_go_ahead``, which starts the task
   (bot/requests.py ``goes_ahead``, bot/repair.py ``context_task``).

A rule would need the previous reply for every intent such a message can be
misread as; this policy looks at the previous reply and the message and,
only in these two cases, decides with a priority above the rules. Everywhere
else it abstains.
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

from bot import followups, repair, requests

ACTION = "action_answer_without_task"
#: ... and a message that a context rule marked ``first`` knows after the last answer gets action_follow_up.
FOLLOW_UP_ACTION = "action_follow_up"
#: Above the RulePolicy (6): when this policy speaks, it decides.
PRIORITY = 7
#: ... and going ahead after an answer on a task's topic gets action_go_ahead (from these intents only: a task
#: named, data, a no or a goodbye keep their own handling).
GO_AHEAD_ACTION = "action_go_ahead"
GO_AHEAD_INTENTS = frozenset({"affirm", "thank", "faq", "follow_up", "nlu_fallback", "not_covered", "out_of_scope"})


def previous_response(tracker: DialogueStateTracker) -> Optional[str]:
    """The response name of the bot's last message before the latest user message."""
    recent = recent_responses(tracker, turns=1)
    return recent[0] if recent else None


def previous_buttons(tracker: DialogueStateTracker) -> List[str]:
    """The button titles of the bot's last message before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_user:
                return []
            seen_user = True
        elif isinstance(event, BotUttered) and seen_user:
            return [str(b.get("title") or "") for b in (event.data or {}).get("buttons") or []]
    return []


def recent_responses(tracker: DialogueStateTracker, turns: int = 3) -> List[str]:
    """The response names of the bot's messages in the ``turns`` turns before the latest user message, latest
    first (the last message of each turn)."""
    found: List[str] = []
    users = 0
    taken = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            users += 1
            taken = False
            if users > turns:
                break
        elif isinstance(event, BotUttered) and users and not taken:
            name = (event.metadata or {}).get("utter_action")
            if name:
                found.append(name)
                taken = True
    return found


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class ContextPolicy(Policy):
    """Chooses ``action_answer_without_task`` for a task's answer typed right after "no task runs",
    ``action_follow_up`` for a message a ``first`` context rule knows and ``action_go_ahead`` for going ahead
    after an answer on a task's topic; abstains everywhere else."""

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
        if latest in (ACTION, FOLLOW_UP_ACTION, GO_AHEAD_ACTION):  # said its piece: wait for the member
            result[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        elif latest == ACTION_LISTEN_NAME and tracker.latest_message is not None:
            message = tracker.latest_message
            intent, text, previous = (message.intent or {}).get("name"), message.text or "", previous_response(tracker)
            if repair.answers_without_task(recent_responses(tracker), intent, text):
                result[domain.index_for_action(ACTION)] = 1.0
            elif followups.context_first(previous, intent, text):
                result[domain.index_for_action(FOLLOW_UP_ACTION)] = 1.0
            elif intent in GO_AHEAD_INTENTS and requests.goes_ahead(text) \
                    and repair.context_task(previous, previous_buttons(tracker), recent_responses(tracker)[1:]) \
                    and GO_AHEAD_ACTION in domain.action_names_or_texts:
                result[domain.index_for_action(GO_AHEAD_ACTION)] = 1.0
        return self._prediction(result)

    def _metadata(self) -> Dict[Text, Any]:
        return {}

    @classmethod
    def _metadata_filename(cls) -> Text:
        return "context_policy.json"


__all__ = ["ContextPolicy"]
