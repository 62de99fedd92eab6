"""A Redis lock store whose tickets are issued atomically (production profile).

Rasa 3.6's ``RedisLockStore`` keeps a conversation's ticket queue as one JSON
string and changes it with GET, a change in Python and SET (RasaHQ/rasa#9213).
Two Rasa replicas that receive two messages of one conversation at the same
moment can both read the same queue: both draw the same ticket number, both
are "first" and process the messages side by side; or one SET wipes the
other's ticket. This store keeps the same ticket-lock algorithm, but every
change is one Lua script, which Redis runs atomically:

- ``<prefix>seq`` – a counter (INCR) that numbers tickets of all conversations,
  so a number is never reused, not even after a conversation's queue was
  deleted while a process whose ticket had expired still runs;
- ``<prefix>queue:<conversation>`` – a sorted set of the live ticket numbers
  (score: the number), whose lowest member is the one being served;
- ``<prefix>expiry:<conversation>`` – the same tickets scored by their expiry,
  in milliseconds of **Redis's** clock (``TIME``), so replicas with skewed
  clocks agree on when a ticket ends.

A ticket lives ``TICKET_LOCK_LIFETIME`` seconds (``Settings.ticket_lock_lifetime_seconds``).
A waiter renews its ticket each time it polls (it is alive), and the holder's
lease starts again when it acquires the lock, so the holder always has the
full lifetime (what ``bot.config.problems`` assumes when it compares the
lifetime with ``ACTION_TIMEOUT_SECONDS``). A crashed process stops polling:
its tickets expire within one lifetime and are dropped by the next script
that touches the conversation; both keys also carry Redis expiries, so a
conversation nobody touches again leaves nothing behind. A finished
conversation's keys are deleted when its last ticket is released.

Waiters poll every ``poll_interval`` seconds (0.1 by default; Rasa polls every
second): each poll is one short script call.

endpoints.yml::

    lock_store:
      type: addons.lock_store.AtomicRedisLockStore
      # url: redis://127.0.0.1:6379/0   # optional; default: LOCK_STORE_URL

Needs Redis >= 5 (TIME inside a writing script) and a single Redis (not a
cluster: the counter and a conversation's keys are in different slots, as
Rasa's own Redis lock store does not support a cluster either). The counter
has no expiry, so ``noeviction`` or a ``volatile-*`` policy never evicts it;
should it vanish anyway, the scripts still never issue a number lower than a
live ticket of the conversation.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Dict, List, Optional, Text
from urllib.parse import urlsplit, urlunsplit

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.config import load_settings

logger = logging.getLogger(__name__)

#: Key prefix unless endpoints.yml sets ``key_prefix`` (distinct from Rasa's ``lock:``: other data layout).
DEFAULT_KEY_PREFIX = "atomic_lock:"
#: Seconds between two looks at the queue while a message waits for its turn.
DEFAULT_POLL_INTERVAL = 0.1
#: Seconds a Redis connect or command may take before the message fails with a ``LockError``.
DEFAULT_SOCKET_TIMEOUT = 2.0
#: Settings endpoints.yml may give besides ``type`` and ``url``.
ENDPOINT_OPTIONS = ("key_prefix", "poll_interval", "socket_timeout")

_PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

# Shared by every script: Redis's clock in ms, dropping expired tickets, the keys' own expiry.
_LUA_COMMON = """
local queue, expiry = KEYS[1], KEYS[2]

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function purge(now)
  local gone = redis.call('ZRANGEBYSCORE', expiry, '-inf', '(' .. now, 'LIMIT', 0, 1000)
  while #gone > 0 do
    redis.call('ZREM', queue, unpack(gone))
    redis.call('ZREM', expiry, unpack(gone))
    gone = redis.call('ZRANGEBYSCORE', expiry, '-inf', '(' .. now, 'LIMIT', 0, 1000)
  end
end

local function settle()
  local last = redis.call('ZRANGE', expiry, -1, -1, 'WITHSCORES')
  if #last == 0 then
    redis.call('DEL', queue, expiry)
    return
  end
  local at = math.floor(tonumber(last[2])) + 1
  redis.call('PEXPIREAT', queue, at)
  redis.call('PEXPIREAT', expiry, at)
end
"""

# KEYS: queue, expiry, seq; ARGV: lifetime in ms. Returns the new ticket's number.
_LUA_ISSUE = _LUA_COMMON + """
local now = now_ms()
purge(now)
local number = redis.call('INCR', KEYS[3])
local highest = redis.call('ZRANGE', queue, -1, -1, 'WITHSCORES')
if #highest > 0 and number <= tonumber(highest[2]) then
  number = tonumber(highest[2]) + 1
  redis.call('SET', KEYS[3], number)
end
redis.call('ZADD', queue, number, number)
redis.call('ZADD', expiry, now + tonumber(ARGV[1]), number)
settle()
return number
"""

# KEYS: queue, expiry; ARGV: ticket, lifetime in ms.
# Returns 1 (the ticket is served now; its lease starts again), 0 (wait; renewed), -1 (the ticket is gone).
_LUA_POLL = _LUA_COMMON + """
local now = now_ms()
purge(now)
if not redis.call('ZSCORE', queue, ARGV[1]) then
  settle()
  return -1
end
redis.call('ZADD', expiry, 'XX', now + tonumber(ARGV[2]), ARGV[1])
settle()
if redis.call('ZRANGE', queue, 0, 0)[1] == ARGV[1] then
  return 1
end
return 0
"""

# KEYS: queue, expiry; ARGV: ticket. Returns 1 if the ticket was still there.
_LUA_RELEASE = _LUA_COMMON + """
local removed = redis.call('ZREM', queue, ARGV[1])
redis.call('ZREM', expiry, ARGV[1])
purge(now_ms())
settle()
return removed
"""

# KEYS: queue, expiry. Drops expired tickets; returns how many are left.
_LUA_PURGE = _LUA_COMMON + """
purge(now_ms())
settle()
return redis.call('ZCARD', queue)
"""

# KEYS: queue, expiry. Read only: {now, number, expiry, number, expiry, ...} of the live tickets, in order.
_LUA_SNAPSHOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {tostring(now)}
for _, number in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local expires = redis.call('ZSCORE', KEYS[2], number)
  if expires and tonumber(expires) >= now then
    table.insert(out, number)
    table.insert(out, expires)
  end
end
return out
"""


def masked_url(url: str) -> str:
    """``url`` without its password (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _positive(name: str, value: Any) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(f"AtomicRedisLockStore: {name} must be a positive number of seconds, got {value!r}")
    return number


class AtomicRedisLockStore(LockStore):
    """Rasa lock store on Redis whose ticket queue only ever changes inside Lua scripts."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, *, url: Optional[str] = None,
                 key_prefix: Optional[str] = None, lock_lifetime: Optional[float] = None,
                 poll_interval: Optional[float] = None, socket_timeout: Optional[float] = None) -> None:
        """Rasa passes ``endpoint_config`` (the ``lock_store`` section); tests may pass the rest directly.

        ``url`` (endpoints.yml ``url``, else ``LOCK_STORE_URL``) is a ``redis://`` or ``rediss://`` URL
        with the database number as its path. The lifetime comes from the settings
        (``TICKET_LOCK_LIFETIME``), never from Rasa's module constant.
        """
        options: Dict[Text, Any] = {}
        if endpoint_config is not None:
            unknown = sorted(set(endpoint_config.kwargs) - set(ENDPOINT_OPTIONS))
            if unknown:
                raise ValueError(f"AtomicRedisLockStore: unknown lock_store setting(s) {', '.join(unknown)} in "
                                 f"endpoints.yml; it takes url (redis://host:port/db) and {', '.join(ENDPOINT_OPTIONS)}")
            options = dict(endpoint_config.kwargs)
            url = url or endpoint_config.url
        settings = load_settings()
        self.url = url or settings.lock_store_url
        if not self.url:
            raise ValueError("AtomicRedisLockStore needs a Redis URL: set LOCK_STORE_URL "
                             "(e.g. redis://127.0.0.1:6379/0) or url in endpoints.yml's lock_store")
        if urlsplit(self.url).scheme not in ("redis", "rediss"):
            raise ValueError(f"AtomicRedisLockStore: {masked_url(self.url)!r} is not a redis:// or rediss:// URL")
        self.key_prefix = str(key_prefix or options.get("key_prefix") or DEFAULT_KEY_PREFIX)
        if not _PREFIX_PATTERN.match(self.key_prefix):
            raise ValueError(f"AtomicRedisLockStore: key_prefix {self.key_prefix!r} may only use letters, digits "
                             "and _ . : - (at most 64)")
        self.lock_lifetime = _positive(
            "TICKET_LOCK_LIFETIME", settings.ticket_lock_lifetime_seconds if lock_lifetime is None else lock_lifetime)
        self.poll_interval = _positive(
            "poll_interval", poll_interval or options.get("poll_interval") or DEFAULT_POLL_INTERVAL)
        timeout = _positive("socket_timeout", socket_timeout or options.get("socket_timeout") or DEFAULT_SOCKET_TIMEOUT)
        self.red = redis.Redis.from_url(self.url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._issue = self.red.register_script(_LUA_ISSUE)
        self._poll = self.red.register_script(_LUA_POLL)
        self._release = self.red.register_script(_LUA_RELEASE)
        self._purge = self.red.register_script(_LUA_PURGE)
        self._snapshot = self.red.register_script(_LUA_SNAPSHOT)
        super().__init__()
        self._report_reachability()

    # --- keys and errors ----------------------------------------------------------------------

    def _keys(self, conversation_id: Text) -> List[str]:
        return [f"{self.key_prefix}queue:{conversation_id}", f"{self.key_prefix}expiry:{conversation_id}"]

    @property
    def sequence_key(self) -> str:
        return f"{self.key_prefix}seq"

    def _failure(self, doing: str, conversation_id: Text, error: Exception) -> LockError:
        return LockError(f"Lock store Redis at {masked_url(self.url)} failed while {doing} for conversation "
                         f"'{conversation_id}' ({type(error).__name__}: {error}); the message was not processed")

    def _report_reachability(self) -> None:
        """Log once at start whether Redis answers (messages fail with ``LockError`` while it does not)."""
        try:
            self.red.ping()
            logger.info("Atomic Redis lock store at %s, tickets live %.0f s, waiters poll every %.2f s",
                        masked_url(self.url), self.lock_lifetime, self.poll_interval)
        except redis.RedisError as error:
            logger.error("Lock store Redis at %s is not reachable (%s: %s); every message will fail until it is",
                         masked_url(self.url), type(error).__name__, error)

    def _lifetime_ms(self, lock_lifetime: Optional[float]) -> int:
        seconds = self.lock_lifetime if lock_lifetime is None else _positive("lock_lifetime", lock_lifetime)
        return max(1, int(seconds * 1000))

    # --- the atomic operations -----------------------------------------------------------------

    def issue_ticket(self, conversation_id: Text, lock_lifetime: Optional[float] = None) -> int:  # type: ignore[override]
        """Draw the next ticket for ``conversation_id`` (one script: drop expired ones, number, enqueue)."""
        try:
            return int(self._issue(keys=[*self._keys(conversation_id), self.sequence_key],
                                   args=[self._lifetime_ms(lock_lifetime)]))
        except redis.RedisError as error:
            raise self._failure("issuing a ticket", conversation_id, error) from error

    def try_acquire(self, conversation_id: Text, ticket: int, lock_lifetime: Optional[float] = None) -> Optional[bool]:
        """One poll: True (served now, lease restarted), False (wait, ticket renewed), None (ticket gone)."""
        try:
            state = int(self._poll(keys=self._keys(conversation_id), args=[ticket, self._lifetime_ms(lock_lifetime)]))
        except redis.RedisError as error:
            raise self._failure("waiting for its turn", conversation_id, error) from error
        return None if state < 0 else state == 1

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove the ticket; delete the conversation's keys when it was the last one (one script)."""
        try:
            self._release(keys=self._keys(conversation_id), args=[ticket_number])
        except redis.RedisError as error:
            raise self._failure("releasing its ticket", conversation_id, error) from error

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Release ``ticket_number``; the release script already deletes an empty lock."""
        self.finish_serving(conversation_id, ticket_number)

    def update_lock(self, conversation_id: Text) -> None:
        """Drop expired tickets (atomically, unlike the base class's get-and-save)."""
        try:
            self._purge(keys=self._keys(conversation_id))
        except redis.RedisError as error:
            raise self._failure("dropping expired tickets", conversation_id, error) from error

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: Optional[float] = None,  # type: ignore[override]
                   wait_time_in_seconds: Optional[float] = None) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock; Rasa calls it without arguments (settings lifetime, our poll)."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._wait_for_turn(conversation_id, ticket, lock_lifetime,
                                            self.poll_interval if wait_time_in_seconds is None else wait_time_in_seconds)
        finally:
            try:
                self.cleanup(conversation_id, ticket)
            except LockError as error:  # the turn is over; the ticket expires by itself
                logger.warning("%s", error)

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Rasa's name for waiting; kept for callers of the base API."""
        return await self._wait_for_turn(conversation_id, ticket, None, wait_time_in_seconds)

    async def _wait_for_turn(self, conversation_id: Text, ticket: int, lock_lifetime: Optional[float],
                             wait_time_in_seconds: float) -> TicketLock:
        while True:
            served = self.try_acquire(conversation_id, ticket, lock_lifetime)
            if served:
                logger.debug("Acquired lock for conversation '%s' (ticket %d).", conversation_id, ticket)
                expires = time.time() + self._lifetime_ms(lock_lifetime) / 1000
                return TicketLock(conversation_id, deque([Ticket(ticket, expires)]))
            if served is None:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}': "
                                f"ticket {ticket} expired or was removed while waiting.")
            await asyncio.sleep(wait_time_in_seconds)

    # --- reading (diagnostics and the base class API) ------------------------------------------

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        """A snapshot of the live tickets (expiry in Redis's clock, seconds), or None."""
        try:
            reply = self._snapshot(keys=self._keys(conversation_id))
        except redis.RedisError as error:
            raise self._failure("reading the lock", conversation_id, error) from error
        pairs = reply[1:]
        tickets = deque(Ticket(int(pairs[i]), float(pairs[i + 1]) / 1000) for i in range(0, len(pairs), 2))
        return TicketLock(conversation_id, tickets) if tickets else None

    def is_someone_waiting(self, conversation_id: Text) -> bool:
        """Whether the conversation has a live ticket (held or waiting)."""
        return self.get_lock(conversation_id) is not None

    def delete_lock(self, conversation_id: Text) -> None:
        """Delete the conversation's lock unconditionally (its waiters then fail with ``LockError``)."""
        try:
            deleted = self.red.delete(*self._keys(conversation_id))
        except redis.RedisError as error:
            raise self._failure("deleting the lock", conversation_id, error) from error
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        """Refused: writing a whole queue back is the lost-update race this store exists to avoid."""
        raise NotImplementedError("AtomicRedisLockStore changes tickets only through its Lua scripts")
