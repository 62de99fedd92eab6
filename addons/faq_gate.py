"""NLU component: an FAQ answer only passes when the response selector is sure.

Rasa's FallbackClassifier only sees the confidence of the top-level intent
``faq``; a message can be clearly "an FAQ question" while the selector cannot
tell two topics apart. This component, placed after the ResponseSelector,
turns such a message into ``nlu_fallback`` so that no sub-answer is guessed;
``action_route_question`` then asks "Meinten Sie ...?".
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.training_data.message import Message

from bot import faq


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqConfidenceGate(GraphComponent):
    """Replaces an unsure ``faq`` prediction by ``nlu_fallback``."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqConfidenceGate":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get("intent") or {}
            if intent.get("name") != faq.RETRIEVAL_INTENT:
                continue
            if faq.is_confident(faq.candidates_from_parse(message.data)):
                continue
            fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": intent.get("confidence", 0.0)}
            message.set("intent", fallback, add_to_output=True)
            message.data.setdefault("intent_ranking", []).insert(0, dict(fallback))
        return messages
