"""Tracker stores: the embedded default's (in memory, bounded) and production's (SQL, without personal data).

The embedded default:

Rasa's ``InMemoryTrackerStore`` keeps every conversation for the life of the
process, so one-off senders (a bot probing the REST channel with a new
sender id per message) would grow it without end. This store forgets a
conversation once it has been idle longer than the domain's session expiry
(after that Rasa would start a new session anyway), and keeps at most
``TRACKER_MAX_CONVERSATIONS`` (the longest idle go first).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import load_settings
from bot.privacy import OPAQUE_SLOTS, PERSONAL_SLOTS, REDACTED, redact
from bot.store.db import bound_postgresql_waits

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


class StoreUnavailable(BaseException):
    """The conversation store (or its Redis vault) cannot be reached.

    A ``BaseException`` on purpose: Rasa wraps every tracker store in a
    ``FailSafeTrackerStore`` that catches ``Exception``, keeps state in process
    memory and starts a new conversation on a failed read, silently. This one
    passes through it to the channel (``addons.channels.guarded``), which
    apologises with the hotline and logs it; nothing of the turn is stored.
    """


#: The last outage this process saw (time.time()), for the status route; 0: none.
_LAST_OUTAGE = {"at": 0.0, "what": ""}


def last_outage() -> dict:
    """When this process last failed to reach its conversation store, and what failed."""
    return dict(_LAST_OUTAGE)


def _vault_key(sender_id: Text) -> str:
    return f"vault:{sender_id}"


#: The vault field with the conversation's state after its last stored event (for a shortened history).
SNAPSHOT_FIELD = "_snapshot"


def shortened(tail: List[dict], snapshot: Dict[str, Any], vault: Dict[str, Any]) -> Optional[List[dict]]:
    """The last whole turns of ``tail`` (from an ``action_listen``) after the state they lead to
    (``snapshot`` and the vault's values).

    Replaying the state first and the tail after it ends in that same state: a
    slot the tail sets ends with the tail's last value, which is the current one.
    None when ``tail`` holds no turn boundary (``action_listen``).
    """
    starts = [i for i, event in enumerate(tail[:-1])
              if event.get("event") == "action" and event.get("name") == "action_listen"]
    if not starts:
        return None
    tail = tail[starts[0]:]  # from an action_listen on, as a conversation starts (the policies expect it)
    at = float(tail[0].get("timestamp") or time.time()) - 0.001
    state = [{"event": "slot", "name": name, "value": value, "timestamp": at}
             for name, value in {**snapshot.get("slots", {}), **vault}.items()]
    if snapshot.get("active_loop"):
        state.append({"event": "active_loop", "name": snapshot["active_loop"], "timestamp": at})
    if snapshot.get("paused"):
        state.append({"event": "pause", "timestamp": at})
    return state + tail


class ProductionTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store for production: bounded, off the event loop, without personal data.

    - ``url`` (``TRACKER_STORE_URL``) is a full SQLAlchemy URL; a small pool per
      process, PostgreSQL's ``connect_timeout`` and ``statement_timeout``;
    - every database call runs in a worker thread with a deadline, so a slow or
      blackholed database stalls only the conversations that need it; a failure
      raises :class:`StoreUnavailable` (the member gets the apology) instead of
      Rasa's silent fallback to process memory;
    - stored events carry no personal data: user texts, bot texts, entities and
      metadata are masked (``bot.privacy.redact``), a message that answers a
      question for a personal slot is stored as ``***``, and the values of the
      personal slots (``bot.privacy.PERSONAL_SLOTS``) are stored as ``***``.
      Their current values live in a Redis hash per conversation (``vault_url``,
      expiring with the session), so the flows still work; a slot reset deletes
      its value there;
    - every turn reads at most ``history_events`` events (whole turns) after a
      snapshot of the state before them, so a long conversation costs no more per
      turn than a short one (Rasa would read and replay the whole session).
    """

    def __init__(self, domain: Optional[Domain] = None, host: Optional[Text] = None,
                 event_broker: Optional[EventBroker] = None, vault_url: Optional[Text] = None,
                 pool_size: int = 5, max_overflow: int = 10, history_events: int = 120, **kwargs: Any) -> None:
        import sqlalchemy as sa
        from sqlalchemy.orm import sessionmaker

        settings = load_settings()
        url = host or settings.tracker_store_url
        if not url or "://" not in url:
            raise ValueError("ProductionTrackerStore needs a database URL (TRACKER_STORE_URL)")
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        self.engine.dispose()
        connect_args: dict = {}
        if url.startswith("postgresql"):
            bound_postgresql_waits(settings.db_statement_timeout_ms / 1000 + 1)
            connect_args = {"connect_timeout": settings.db_connect_timeout_seconds,
                            "options": f"-c statement_timeout={settings.db_statement_timeout_ms}"}
        self.engine = sa.create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True,
                                       pool_timeout=settings.db_connect_timeout_seconds, connect_args=connect_args)
        self.sessionmaker = sessionmaker(bind=self.engine)
        try:  # purge (bot/retention.py) finds idle conversations by it
            with self.engine.begin() as connection:
                connection.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_events_sender_timestamp "
                                           "ON events (sender_id, timestamp)")
        except sa.exc.DBAPIError:  # another replica created it at the same moment
            logger.info("ix_events_sender_timestamp was created by another process")
        import redis

        self.history_events = history_events
        self.vault = redis.Redis.from_url(vault_url or settings.lock_store_url,
                                          socket_timeout=settings.db_connect_timeout_seconds,
                                          socket_connect_timeout=settings.db_connect_timeout_seconds)
        expiry = getattr(getattr(self.domain, "session_config", None), "session_expiration_time", 0) or 0
        self.vault_seconds = int(60 * (expiry or DEFAULT_IDLE_MINUTES)) + 300
        self.deadline = settings.db_connect_timeout_seconds + settings.db_statement_timeout_ms / 1000 + 2
        self.workers = ThreadPoolExecutor(max_workers=pool_size + max_overflow, thread_name_prefix="tracker-store")
        logger.info("Production tracker store: events in %s, personal slot values in Redis",
                    self.engine.url.render_as_string(hide_password=True))

    async def _off_loop(self, what: str, function: Callable[[], Any]) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self.workers, function), self.deadline)
        except Exception as exc:  # noqa: BLE001 - every failure of the store is the same outage to the member
            _LAST_OUTAGE.update(at=time.time(), what=what)
            logger.error("Conversation store unavailable (%s): %s: %s", what, type(exc).__name__, exc)
            raise StoreUnavailable(what) from exc

    async def check(self) -> List[str]:
        """What of the conversation store cannot be reached right now: ``database``, ``redis`` (empty: all fine)."""
        failed = []
        for what, probe in (("database", self._ping_database), ("redis", self.vault.ping)):
            try:
                await self._off_loop(f"{what} check", probe)
            except StoreUnavailable:
                failed.append(what)
        return failed

    def _ping_database(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    # --- reading -------------------------------------------------------------------
    def _vault(self, sender_id: Text) -> Dict[str, Any]:
        return {key.decode(): json.loads(value) for key, value in self.vault.hgetall(_vault_key(sender_id)).items()}

    def _load(self, sender_id: Text, all_sessions: bool) -> Tuple[List[dict], Dict[str, Any], Optional[int]]:
        """The events to rebuild the tracker from, the vault, and (for a shortened history) how many stored
        events the returned ones stand for."""
        vault = self._vault(sender_id)
        snapshot = vault.pop(SNAPSHOT_FIELD, None)
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions)
            if not all_sessions and snapshot and snapshot.get("stored", 0) > self.history_events:
                stored = query.count()
                if stored == snapshot["stored"]:  # the snapshot belongs to exactly these events
                    rows = query.order_by(None).order_by(self.SQLEvent.id.desc()).limit(self.history_events).all()
                    events = shortened([json.loads(row.data) for row in reversed(rows)], snapshot, vault)
                    if events is not None:
                        return events, vault, stored
            return [json.loads(row.data) for row in query.all()], vault, None

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        events, vault, stored = await self._off_loop(
            "read", lambda: self._load(sender_id, fetch_events_from_all_sessions))
        if not self.domain or not events:
            return None
        last = {}
        for index, event in enumerate(events):
            if event.get("event") == "slot" and event.get("name") in PERSONAL_SLOTS:
                last[event["name"]] = index
        for name, index in last.items():
            events[index] = {**events[index], "value": vault.get(name)}
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if stored is not None:
            tracker.stored_events = (len(tracker.events), stored)  # type: ignore[attr-defined]
        return tracker

    # --- writing -------------------------------------------------------------------
    @staticmethod
    def redacted_events(tracker: DialogueStateTracker, start: int) -> List[dict]:
        """The tracker's events from ``start`` on, as stored: without personal data."""
        known: set = set()
        requested = None
        stored = []
        for index, event in enumerate(tracker.events):
            data = event.as_dict()
            kind = data.get("event")
            personal_answer = kind == "user" and requested in PERSONAL_SLOTS
            if kind == "slot" and data.get("name") in PERSONAL_SLOTS and isinstance(data.get("value"), str):
                known.add(data["value"])
            if kind == "slot" and data.get("name") == "requested_slot":
                requested = data.get("value")
            if kind == "active_loop" and not data.get("name"):
                requested = None
            if index < start:
                continue
            if kind == "slot" and data.get("name") in PERSONAL_SLOTS and data.get("value") is not None:
                data["value"] = REDACTED
            if personal_answer:
                data["text"] = REDACTED
                parse = dict(data.get("parse_data") or {})
                parse["text"] = REDACTED
                data["parse_data"] = parse
            stored.append(data)
        return [data if data.get("event") == "slot" and data.get("name") in OPAQUE_SLOTS else redact(data, known)
                for data in stored]

    def _write(self, tracker: DialogueStateTracker) -> None:
        vault_values = {name: tracker.get_slot(name) for name in PERSONAL_SLOTS}
        key = _vault_key(tracker.sender_id)
        pipe = self.vault.pipeline(transaction=True)
        present = {name: json.dumps(value) for name, value in vault_values.items() if value is not None}
        absent = [name for name, value in vault_values.items() if value is None]
        if absent:
            pipe.hdel(key, *absent)
        if present:
            pipe.hset(key, mapping=present)
            pipe.expire(key, self.vault_seconds)
        pipe.execute()
        with self.session_scope() as session:
            # as Rasa's SQLTrackerStore: the events since the last stored session start are there already
            query = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False)
            start = query.count()
            loaded = getattr(tracker, "stored_events", None)
            if loaded is not None:  # a shortened history: its first events stand for more stored ones
                start = loaded[0] + (start - loaded[1])
            for data in self.redacted_events(tracker, start):
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=data.get("event"),
                    timestamp=data.get("timestamp"),
                    intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()
            stored = query.count()
        snapshot = {"stored": stored, "active_loop": tracker.active_loop_name, "paused": tracker.is_paused(),
                    "slots": {name: value for name, value in tracker.current_slot_values().items()
                              if name not in PERSONAL_SLOTS and value is not None}}
        self.vault.hset(key, SNAPSHOT_FIELD, json.dumps(snapshot))
        self.vault.expire(key, self.vault_seconds)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if self.event_broker is not None:
            await self.stream_events(tracker)
        await self._off_loop("write", lambda: self._write(tracker))
