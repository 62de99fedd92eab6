"""Where the NLU components built on ``bot/topic_model.py`` keep their trained model: one pickle file in
Rasa's model storage (``addons/faq_selector.py``, ``addons/intent_classifier.py``, ``addons/kind_classifier.py``),
and the plumbing those components share (:class:`StoredModelComponent`)."""

from __future__ import annotations

import logging
import pickle
from typing import Any, Dict, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.topic_model import TopicModel

logger = logging.getLogger(__name__)


def save(storage: ModelStorage, resource: Resource, filename: str, model: TopicModel) -> Resource:
    """Write ``model`` into the component's ``resource``."""
    with storage.write_to(resource) as directory:
        (directory / filename).write_bytes(pickle.dumps(model))
    return resource


def load(storage: ModelStorage, resource: Resource, filename: str, component: str) -> Optional[TopicModel]:
    """The model that :func:`save` wrote, or ``None`` (with a warning) when the component was never trained."""
    try:
        with storage.read_from(resource) as directory:
            # our own model file, written by save() above
            return pickle.loads((directory / filename).read_bytes())  # noqa: S301
    except (ValueError, FileNotFoundError):
        logger.warning("%s: no trained model (%s); its output stays empty", component, filename)
        return None


class StoredModelComponent(GraphComponent):
    """A trainable NLU component that keeps one :class:`TopicModel` in the file ``MODEL_FILE`` (written by
    :func:`save` at the end of ``train``); subclasses implement ``train`` and ``process``."""

    MODEL_FILE = "model.pkl"

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[TopicModel] = None) -> None:
        self.config = config
        self._storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "StoredModelComponent":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "StoredModelComponent":
        return cls(config, model_storage, resource, load(model_storage, resource, cls.MODEL_FILE, cls.__name__))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

