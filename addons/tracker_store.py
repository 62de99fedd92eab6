"""The embedded default's tracker store: in memory, but bounded.

Rasa's ``InMemoryTrackerStore`` keeps every conversation for the life of the
process, so one-off senders (a bot probing the REST channel with a new
sender id per message) would grow it without end. This store forgets a
conversation once it has been idle longer than the domain's session expiry
(after that Rasa would start a new session anyway), and keeps at most
``TRACKER_MAX_CONVERSATIONS`` (the longest idle go first).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import load_settings

logger = logging.getLogger(__name__)

#: Idle time when the domain sets no session expiry (minutes).
DEFAULT_IDLE_MINUTES = 60.0


class BoundedInMemoryTrackerStore(InMemoryTrackerStore):
    """In-memory conversations that expire when idle; ``clock`` is injectable for tests."""

    def __init__(self, domain: Domain, event_broker: Optional[EventBroker] = None, host: Any = None,
                 max_conversations: Optional[int] = None, idle_minutes: Optional[float] = None,
                 clock: Callable[[], float] = time.monotonic, **kwargs: Dict[Text, Any]) -> None:
        super().__init__(domain, event_broker, **kwargs)
        expiry = getattr(getattr(domain, "session_config", None), "session_expiration_time", 0) or 0
        self.idle_seconds = 60.0 * float(idle_minutes or expiry or DEFAULT_IDLE_MINUTES)
        self.max_conversations = int(max_conversations or load_settings().tracker_max_conversations)
        self.clock = clock
        #: sender id → last save, least recently active first.
        self.last_active: "OrderedDict[Text, float]" = OrderedDict()
        logger.info("Bounded in-memory tracker store: idle conversations expire after %.0f s, at most %d kept",
                    self.idle_seconds, self.max_conversations)

    def evict(self) -> int:
        """Forget idle conversations and the oldest beyond the bound; returns how many."""
        now = self.clock()
        evicted = 0
        while self.last_active:
            sender_id, seen = next(iter(self.last_active.items()))
            if now - seen <= self.idle_seconds and len(self.last_active) <= self.max_conversations:
                break
            del self.last_active[sender_id]
            self.store.pop(sender_id, None)
            evicted += 1
        return evicted

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        self.last_active.pop(tracker.sender_id, None)
        self.last_active[tracker.sender_id] = self.clock()
        self.evict()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        self.evict()
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        self.evict()
        return await super().retrieve_full_tracker(sender_id)
