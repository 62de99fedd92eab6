"""Exactly-once handling of a client's retries (``metadata.message_id``).

A client that did not get an answer in time sends the same message again with
the same ``message_id``. The first delivery claims the id and is processed; a
repeat is not processed again: it gets the first delivery's reply (REST) or
nothing (socket.io, where the reply already went to the conversation's room).
Production keeps the claims in Redis, so a retry that lands on the other
replica is recognised too; the embedded default keeps them in process memory.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Optional, Protocol

#: How long a message id is remembered (seconds).
REMEMBER_SECONDS = 600
#: How long a repeat waits for the first delivery's reply before it gives up (seconds).
WAIT_SECONDS = 60.0
#: What a claim holds until the reply is known.
PENDING = "pending"


class _Backend(Protocol):
    def claim(self, key: str) -> bool: ...
    def get(self, key: str) -> Optional[str]: ...
    def put(self, key: str, value: str) -> None: ...
    def drop(self, key: str) -> None: ...


class MemoryBackend:
    """Claims in this process (the embedded default: one Rasa server)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for key in [k for k, (at, _) in self._items.items() if now - at > REMEMBER_SECONDS]:
            del self._items[key]

    def claim(self, key: str) -> bool:
        with self._lock:
            now = time.monotonic()
            self._expire(now)
            if key in self._items:
                return False
            self._items[key] = (now, PENDING)
            return True

    def get(self, key: str) -> Optional[str]:
        with self._lock:
            item = self._items.get(key)
            return item[1] if item else None

    def put(self, key: str, value: str) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)

    def drop(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


class RedisBackend:
    """Claims in Redis (``SET NX EX``), shared by every replica."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def claim(self, key: str) -> bool:
        return bool(self.redis.set(key, PENDING, nx=True, ex=REMEMBER_SECONDS))

    def get(self, key: str) -> Optional[str]:
        value = self.redis.get(key)
        return value.decode() if value is not None else None

    def put(self, key: str, value: str) -> None:
        self.redis.set(key, value, ex=REMEMBER_SECONDS)

    def drop(self, key: str) -> None:
        self.redis.delete(key)


class Deliveries:
    """Which (conversation, message id) pairs were seen, and their replies."""

    def __init__(self, backend: _Backend) -> None:
        self.backend = backend

    @staticmethod
    def key(conversation_id: str, message_id: str) -> str:
        return f"delivery:{conversation_id}:{message_id}"

    def claim(self, conversation_id: str, message_id: str) -> bool:
        """True for the first delivery of this id in this conversation (process it), False for a repeat."""
        return self.backend.claim(self.key(conversation_id, message_id))

    def done(self, conversation_id: str, message_id: str, reply: list[dict[str, Any]]) -> None:
        """Remember the first delivery's reply, for repeats."""
        self.backend.put(self.key(conversation_id, message_id), json.dumps(reply))

    def failed(self, conversation_id: str, message_id: str) -> None:
        """Forget the claim: the message was not processed, a repeat may try again."""
        self.backend.drop(self.key(conversation_id, message_id))

    def reply(self, conversation_id: str, message_id: str, wait: float = WAIT_SECONDS,
              poll: float = 0.1) -> Optional[list[dict[str, Any]]]:
        """The first delivery's reply, waiting while it is being processed; None if it never came."""
        deadline = time.monotonic() + wait
        while True:
            value = self.backend.get(self.key(conversation_id, message_id))
            if value is not None and value != PENDING:
                return json.loads(value)
            if value is None or time.monotonic() >= deadline:
                return None
            time.sleep(poll)


def for_settings(lock_store_url: str, profile: str) -> Deliveries:
    """Redis in production (shared by the replicas), process memory otherwise."""
    if profile == "prod" and lock_store_url:
        return Deliveries(RedisBackend(lock_store_url))
    return Deliveries(MemoryBackend())
