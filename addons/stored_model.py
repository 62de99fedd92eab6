"""Where the NLU components built on ``bot/topic_model.py`` keep their trained model: one pickle file in
Rasa's model storage (``addons/faq_selector.py``, ``addons/intent_classifier.py``)."""

from __future__ import annotations

import logging
import pickle
from typing import Optional

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

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
