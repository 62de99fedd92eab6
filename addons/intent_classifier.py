"""NLU component: the intent of a message from a calibrated linear SVM, blended with DIET's ranking.

The same model as the FAQ topic selector (bot/topic_model.py: TF-IDF character
n-grams and words, a linear SVM, probabilities by Platt scaling, each intent
weighed by the inverse of its number of examples), trained on the intents; every
``faq/<topic>`` example counts for the intent ``faq``. The SVM is deterministic
and trains in seconds. Placed after DIET (``ranking_length: 0``), it averages the
two rankings (``blend``: DIET's weight): DIET alone moved the development member
scripts by up to 42 dead ends from one random seed to the next, the blend by 7,
with fewer dead ends on average (README, issue 12). With ``blend: 0`` or without
DIET before it, the SVM decides alone.

Output has DIET's shape (``intent`` and ``intent_ranking``), so the
FallbackClassifier, the FAQ gate and the policies read it unchanged.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons import stored_model
from bot.topic_model import TopicModel, blend

RANKING_LENGTH = 10


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentClassifier(stored_model.StoredModelComponent):
    """Sets ``intent`` and ``intent_ranking`` of a message."""

    MODEL_FILE = "intent_model.pkl"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 1.0, "random_seed": 42, "balanced": True, "blend": 0.0}

    def train(self, training_data: TrainingData) -> Resource:
        # NLU examples only; stories and rules add messages without text
        examples = [(m.get(INTENT), m.get(TEXT)) for m in training_data.intent_examples
                    if m.get(INTENT) and m.get(TEXT)]
        self.model = TopicModel.train([t for _, t in examples], [i for i, _ in examples],
                                      c=self.config["C"], seed=self.config["random_seed"],
                                      balanced=self.config["balanced"])
        return stored_model.save(self._storage, self._resource, self.MODEL_FILE, self.model)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None:
            return messages
        for message in messages:
            ranking = self.model.rank(message.get(TEXT) or "")
            if not ranking:
                continue
            # DIET's ranking (``ranking_length: 0``: every intent), when it ran before this component
            earlier = {e.get(INTENT_NAME_KEY): e.get(PREDICTED_CONFIDENCE_KEY, 0.0)
                       for e in message.get("intent_ranking") or []}
            ranking = blend(ranking, earlier, self.config["blend"])
            ranking = ranking[:RANKING_LENGTH]
            entries = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence} for name, confidence in ranking]
            message.set(INTENT, dict(entries[0]), add_to_output=True)
            message.set("intent_ranking", entries, add_to_output=True)
        return messages
