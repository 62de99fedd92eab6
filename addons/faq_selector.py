"""NLU component: picks the FAQ topic (``faq/<topic>``) of a question, in place of Rasa's ResponseSelector.

A linear support-vector machine over TF-IDF features of character n-grams
(3-5, inside word boundaries: compounds, typos, "ae" for "ä") and words, with
probabilities calibrated by Platt scaling (bot/topic_model.py); a second one,
trained on the FAQ examples against ``not_covered`` and ``out_of_scope``
examples, adds how likely the message is outside the FAQ (``outside_faq``). It trains in a
few seconds instead of minutes, the model is a few megabytes, and on held-out
phrasings it picks the right topic more often than the ResponseSelector did
(README, "Answer quality"). Its output has the ResponseSelector's shape
(``response_selector.faq`` with ``response`` and ``ranking``), so
``utter_faq``, the FAQ gate and the clarification read it unchanged.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons import stored_model
from bot import faq, topic_examples
from bot.topic_model import TopicModel

RANKING_LENGTH = 10


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqTopicSelector(stored_model.StoredModelComponent):
    """Chooses the ``faq/<topic>`` of a message; sets ``response_selector.faq``."""

    MODEL_FILE = "topic_model.pkl"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # outside_intents: examples of questions the FAQ does not answer; a second model trained on them
        # against all FAQ examples tells how likely a message is outside the FAQ (``outside_faq``).
        # member_examples: also train on members' own messages from the development scripts, FAQ questions
        # and questions the FAQ does not answer (bot/topic_examples.yml; this component only, DIET and the
        # intents never see them); member_weight: how much each of those questions counts against a curated
        # example (config.yml sets it)
        return {"retrieval_intent": faq.RETRIEVAL_INTENT, "C": 1.0, "random_seed": 42,
                "outside_intents": ["not_covered", "out_of_scope"], "member_examples": True, "member_weight": 1.0}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """Retrain when the members' examples change (they are not in Rasa's training data)."""
        return topic_examples.fingerprint() if config.get("member_examples", True) else None

    def train(self, training_data: TrainingData) -> Resource:
        intent = self.config["retrieval_intent"]
        # NLU examples only (text and topic); stories and rules add messages without text
        examples = [(m.get(INTENT_RESPONSE_KEY), m.get(TEXT)) for m in training_data.intent_examples
                    if m.get(INTENT) == intent and m.get(TEXT)
                    and str(m.get(INTENT_RESPONSE_KEY) or "").startswith(f"{intent}/")]
        outside = [m.get(TEXT) for m in training_data.intent_examples
                   if m.get(INTENT) in self.config["outside_intents"] and m.get(TEXT)]
        # the curated NLU examples count fully; members' own questions count ``member_weight`` each, so that they
        # widen the topics to members' words without moving the borders the curated examples draw
        weights = [1.0] * len(examples)
        if self.config.get("member_examples", True):
            members = topic_examples.questions()
            examples += members
            weights += [float(self.config["member_weight"])] * len(members)
            outside += topic_examples.outside()
        self.model = TopicModel.train([t for _, t in examples], [k for k, _ in examples], outside,
                                      c=self.config["C"], seed=self.config["random_seed"], weights=weights)
        return stored_model.save(self._storage, self._resource, self.MODEL_FILE, self.model)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None:
            return messages
        intent = self.config["retrieval_intent"]
        for message in messages:
            ranking, outside = self.model.analyse(message.get(TEXT) or "")
            ranking = ranking[:RANKING_LENGTH]
            if not ranking:
                continue
            best, confidence = ranking[0]
            selectors = message.get("response_selector") or {}
            selectors["all_retrieval_intents"] = [intent]
            selectors[intent] = {
                "response": {
                    "responses": [],
                    "confidence": confidence,
                    INTENT_RESPONSE_KEY: best,
                    "utter_action": f"utter_{best}",
                },
                "ranking": [{"id": None, "confidence": c, INTENT_RESPONSE_KEY: k} for k, c in ranking],
            }
            selectors[intent][faq.OUTSIDE_KEY] = outside
            message.set("response_selector", selectors, add_to_output=True)
        return messages
