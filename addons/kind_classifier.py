"""NLU component: what kind of reply a member's message wants (bot/member_kinds.py), learnt from the members.

Trained on the development scripts' member messages and the kind of reply each
wanted (bot/member_kinds.yml: ``faq``, ``task``, ``human``, ``bot``, ``upset``,
``give``, ...), with the topic classifier's features and calibration
(bot/topic_model.py). It only adds ``member_kind`` (the three best kinds) to the
parse data; ``addons/faq_gate.py`` decides what to do with it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons import stored_model
from bot import member_kinds
from bot.topic_model import TopicModel

RANKING_LENGTH = 3


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class MemberKindClassifier(stored_model.StoredModelComponent):
    """Sets ``member_kind``: the kinds of reply a message most likely wants, with their probabilities."""

    MODEL_FILE = "kind_model.pkl"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 1.0, "random_seed": 42}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """Retrain when the examples change (they are not in Rasa's training data)."""
        return member_kinds.fingerprint()

    def train(self, training_data: TrainingData) -> Resource:
        examples = member_kinds.load()
        self.model = TopicModel.train([t for _, t in examples], [k for k, _ in examples],
                                      c=self.config["C"], seed=self.config["random_seed"])
        return stored_model.save(self._storage, self._resource, self.MODEL_FILE, self.model)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None:
            return messages
        for message in messages:
            ranking = self.model.rank(message.get(TEXT) or "")[:RANKING_LENGTH]
            message.set(member_kinds.KEY, [{"name": k, "confidence": round(p, 4)} for k, p in ranking],
                        add_to_output=True)
        return messages
