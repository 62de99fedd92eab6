"""The atomic Redis lock store (addons/lock_store.py) against the real local Redis.

Every test uses Redis database ``TEST_REDIS_URL`` (default db 15) under a key
prefix of its own and deletes its keys afterwards. Without Redis the tests fail.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import redis

from addons.lock_store import DEFAULT_POLL_INTERVAL, AtomicRedisLockStore
from tests.conftest import free_port

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
#: Tickets each process draws in the race tests, and mutual-exclusion rounds each process runs.
RACE_TICKETS = 3000
RACE_ROUNDS = 2000


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:  # no skip: the lock store must be tested on a real Redis
        pytest.fail(f"Redis at {TEST_REDIS_URL} is needed for the lock store tests and not usable: {exc}")
    return TEST_REDIS_URL


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"test_lock_{os.getpid()}_{uuid.uuid4().hex[:8]}:"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{name}*")) + list(client.scan_iter(match=f"{_stock_prefix(name)}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def store(redis_url: str, prefix: str) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(url=redis_url, key_prefix=prefix, lock_lifetime=30)


def _keys(store: AtomicRedisLockStore) -> List[str]:
    return sorted(key.decode() for key in store.red.scan_iter(match=f"{store.key_prefix}*"))


# --- unit ---------------------------------------------------------------------------------------


def test_tickets_are_issued_in_order_and_served_lowest_first(store: AtomicRedisLockStore) -> None:
    first, second, third = (store.issue_ticket("c1") for _ in range(3))
    assert first < second < third
    assert [t.number for t in store.get_lock("c1").tickets] == [first, second, third]
    assert store.get_lock("c1").now_serving == first
    assert store.try_acquire("c1", second) is False
    assert store.try_acquire("c1", first) is True
    store.finish_serving("c1", first)
    assert store.try_acquire("c1", third) is False
    assert store.try_acquire("c1", second) is True
    assert store.issue_ticket("other") > third  # one counter: a number is never drawn twice


def test_release_hands_the_lock_to_the_next_in_order(store: AtomicRedisLockStore) -> None:
    order: List[str] = []

    async def message(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock("c1"):
            order.append(f"{name}+")
            await asyncio.sleep(0.15)
            order.append(f"{name}-")

    async def main() -> None:
        await asyncio.gather(message("a", 0), message("b", 0.02), message("c", 0.04))

    asyncio.run(main())
    assert order == ["a+", "a-", "b+", "b-", "c+", "c-"]


def test_finished_locks_leave_no_keys_but_the_counter(store: AtomicRedisLockStore) -> None:
    async def main() -> None:
        async with store.lock("c1"):
            assert store.is_someone_waiting("c1")
            assert f"{store.key_prefix}queue:c1" in _keys(store)

    asyncio.run(main())
    assert not store.is_someone_waiting("c1")
    assert store.get_lock("c1") is None
    assert _keys(store) == [store.sequence_key]


def test_is_someone_waiting(store: AtomicRedisLockStore) -> None:
    assert store.is_someone_waiting("c1") is False
    ticket = store.issue_ticket("c1")
    assert store.is_someone_waiting("c1") is True
    assert store.is_someone_waiting("c2") is False
    store.cleanup("c1", ticket)
    assert store.is_someone_waiting("c1") is False


def test_a_crashed_holders_ticket_expires_after_the_lifetime(redis_url: str, prefix: str) -> None:
    short = AtomicRedisLockStore(url=redis_url, key_prefix=prefix, lock_lifetime=1.0, poll_interval=0.05)
    short.issue_ticket("c1")  # its process "crashes": never released, never renewed
    assert 900 < short.red.pttl(f"{prefix}queue:c1") <= 1002

    async def next_message() -> float:
        started = time.monotonic()
        async with short.lock("c1"):
            return time.monotonic() - started

    waited = asyncio.run(next_message())
    assert 0.8 <= waited <= 1.6, waited
    assert _keys(short) == [short.sequence_key]


def test_expired_tickets_vanish_from_redis_without_any_further_call(redis_url: str, prefix: str) -> None:
    short = AtomicRedisLockStore(url=redis_url, key_prefix=prefix, lock_lifetime=0.5)
    short.issue_ticket("c1")
    short.issue_ticket("c1")
    assert len(_keys(short)) == 3
    time.sleep(0.7)
    assert _keys(short) == [short.sequence_key]  # Redis expired the queue itself


def test_a_waiter_keeps_its_place_and_the_holder_gets_the_full_lifetime(redis_url: str, prefix: str) -> None:
    """The waiter renews its ticket while it polls; acquiring starts its lease again."""
    short = AtomicRedisLockStore(url=redis_url, key_prefix=prefix, lock_lifetime=1.0, poll_interval=0.05)
    pttl: Dict[str, int] = {}

    async def holder() -> None:
        async with short.lock("c1"):
            await asyncio.sleep(0.8)

    async def waiter() -> None:
        await asyncio.sleep(0.05)
        async with short.lock("c1"):  # waits ~0.75 s, longer than most of its lifetime
            pttl["at_start"] = short.red.pttl(f"{prefix}expiry:c1")

    async def main() -> None:
        await asyncio.gather(holder(), waiter())

    asyncio.run(main())
    assert pttl["at_start"] > 700  # about a full second again, not the 0.25 s left since the issue


def test_a_waiter_whose_ticket_was_removed_gets_a_lock_error(store: AtomicRedisLockStore) -> None:
    from rasa.core.lock_store import LockError

    async def main() -> None:
        holder = store.issue_ticket("c1")
        assert holder

        async def remove_soon() -> None:
            await asyncio.sleep(0.2)
            store.delete_lock("c1")

        remover = asyncio.ensure_future(remove_soon())
        with pytest.raises(LockError, match="expired or was removed"):
            async with store.lock("c1"):
                pass
        await remover

    asyncio.run(main())


def test_a_vanished_counter_never_issues_a_number_below_a_live_ticket(store: AtomicRedisLockStore) -> None:
    for _ in range(5):
        live = store.issue_ticket("c1")
    store.red.delete(store.sequence_key)  # e.g. evicted or flushed
    assert store.issue_ticket("c1") == live + 1


def test_the_lifetime_is_the_settings_value_not_rasas_constant(redis_url: str, prefix: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa.core.lock_store as rasa_lock_store

    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "7")
    from_settings = AtomicRedisLockStore(url=redis_url, key_prefix=prefix)
    assert from_settings.lock_lifetime == 7
    assert rasa_lock_store.LOCK_LIFETIME != 7  # read by Rasa when it was imported, before this test

    async def main() -> int:
        async with from_settings.lock("c1"):  # as Rasa calls it: no lifetime given
            return from_settings.red.pttl(f"{prefix}queue:c1")

    assert 6000 < asyncio.run(main()) <= 7002
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "0")
    with pytest.raises(ValueError, match="TICKET_LOCK_LIFETIME"):
        AtomicRedisLockStore(url=redis_url, key_prefix=prefix)


def test_the_poll_interval_shortens_the_handover(redis_url: str, prefix: str) -> None:
    """Rasa's second message of a conversation would wait up to 1 s after the first ends; ours 0.1 s."""
    fast = AtomicRedisLockStore(url=redis_url, key_prefix=prefix, lock_lifetime=30)
    assert fast.poll_interval == DEFAULT_POLL_INTERVAL

    async def handover() -> float:
        released: Dict[str, float] = {}

        async def first() -> None:
            async with fast.lock("c1"):
                await asyncio.sleep(0.33)
            released["at"] = time.monotonic()

        async def second() -> float:
            await asyncio.sleep(0.01)
            async with fast.lock("c1"):
                return time.monotonic() - released["at"]

        _, gap = await asyncio.gather(first(), second())
        return gap

    gaps = [asyncio.run(handover()) for _ in range(5)]
    assert max(gaps) < 0.25, gaps  # a 1 s poll would give about 0.68 s here


# --- Redis down ---------------------------------------------------------------------------------


def test_redis_down_raises_a_clear_lock_error(prefix: str) -> None:
    from rasa.core.lock_store import LockError

    down = AtomicRedisLockStore(url=f"redis://:s3cret@127.0.0.1:{free_port()}/0", key_prefix=prefix,
                                socket_timeout=1)
    started = time.monotonic()
    with pytest.raises(LockError) as raised:
        down.issue_ticket("c1")
    assert time.monotonic() - started < 3
    message = str(raised.value)
    assert "Lock store Redis at redis://:***@127.0.0.1" in message and "issuing a ticket" in message
    assert "s3cret" not in message

    entered = []

    async def main() -> None:
        async with down.lock("c1"):
            entered.append(True)

    with pytest.raises(LockError):
        asyncio.run(main())
    assert entered == []


def test_redis_down_gets_the_member_the_apology(prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through Rasa's Agent.handle_message and the project's guarded channels: no crash, the apology."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.lock_store import LockError

    from addons.channels import UNAVAILABLE_REPLY, guarded
    from bot.store import reset_engine

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'members.db'}")
    reset_engine()
    down = AtomicRedisLockStore(url=f"redis://127.0.0.1:{free_port()}/0", key_prefix=prefix, socket_timeout=1)
    processed: List[str] = []

    class Processor:
        async def handle_message(self, message: UserMessage) -> None:
            processed.append(message.text)

    agent = Agent(lock_store=down)
    agent.processor = Processor()  # type: ignore[assignment]
    assert agent.is_ready()
    with pytest.raises(LockError):
        asyncio.run(agent.handle_message(UserMessage("Hallo", CollectingOutputChannel(), "c1")))

    output = CollectingOutputChannel()
    asyncio.run(guarded(agent.handle_message)(UserMessage("Hallo", output, "c1")))
    reset_engine()
    assert processed == []
    assert [m.get("text") for m in output.messages] == [UNAVAILABLE_REPLY]


# --- configuration: Rasa really uses the class ---------------------------------------------------


def _endpoints(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(body, encoding="utf-8")
    return path


def test_rasa_creates_the_store_from_endpoints_yml(redis_url: str, prefix: str, tmp_path: Path) -> None:
    from rasa.core.lock_store import LockStore
    from rasa.core.utils import AvailableEndpoints

    path = _endpoints(tmp_path, f"lock_store:\n  type: addons.lock_store.AtomicRedisLockStore\n"
                                f"  url: {redis_url}\n  key_prefix: '{prefix}'\n  poll_interval: 0.05\n")
    created = LockStore.create(AvailableEndpoints.read_endpoints(str(path)).lock_store)
    assert type(created) is AtomicRedisLockStore
    assert (created.url, created.key_prefix, created.poll_interval) == (redis_url, prefix, 0.05)
    ticket = created.issue_ticket("c1")
    assert redis.Redis.from_url(redis_url).zscore(f"{prefix}queue:c1", ticket) == ticket


def test_the_url_defaults_to_lock_store_url(redis_url: str, prefix: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("LOCK_STORE_URL", redis_url)
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "45")
    path = _endpoints(tmp_path, f"lock_store:\n  type: addons.lock_store.AtomicRedisLockStore\n"
                                f"  key_prefix: '{prefix}'\n")
    created = LockStore.create(read_endpoint_config(str(path), "lock_store"))
    assert isinstance(created, AtomicRedisLockStore)
    assert (created.url, created.lock_lifetime) == (redis_url, 45)

    monkeypatch.delenv("LOCK_STORE_URL")
    with pytest.raises(ValueError, match="LOCK_STORE_URL"):
        LockStore.create(read_endpoint_config(str(path), "lock_store"))


def test_rasas_agent_loads_with_the_store(redis_url: str, prefix: str, tmp_path: Path) -> None:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    path = _endpoints(tmp_path, f"lock_store:\n  type: addons.lock_store.AtomicRedisLockStore\n"
                                f"  url: {redis_url}\n  key_prefix: '{prefix}'\n")
    agent = asyncio.run(load_agent(endpoints=AvailableEndpoints.read_endpoints(str(path))))
    assert type(agent.lock_store) is AtomicRedisLockStore


def test_a_wrong_lock_store_configuration_fails_loudly(redis_url: str, tmp_path: Path) -> None:
    """A typo in the type or Rasa-RedisLockStore settings never fall back to an in-memory store."""
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    typo = _endpoints(tmp_path, "lock_store:\n  type: addons.lock_store.AtomicRedisLockStor\n")
    with pytest.raises(Exception, match="Could not find a class"):
        LockStore.create(read_endpoint_config(str(typo), "lock_store"))
    stock_style = _endpoints(tmp_path, "lock_store:\n  type: addons.lock_store.AtomicRedisLockStore\n"
                                       "  url: 127.0.0.1\n  port: 6379\n  db: 0\n")
    with pytest.raises(ValueError, match="unknown lock_store setting"):
        LockStore.create(read_endpoint_config(str(stock_style), "lock_store"))
    no_scheme = _endpoints(tmp_path, "lock_store:\n  type: addons.lock_store.AtomicRedisLockStore\n  url: 127.0.0.1\n")
    with pytest.raises(ValueError, match="not a redis://"):
        LockStore.create(read_endpoint_config(str(no_scheme), "lock_store"))


# --- two OS processes racing ---------------------------------------------------------------------


def _stock_prefix(prefix: str) -> str:
    """Rasa's RedisLockStore takes only an alphanumeric prefix (its keys: ``<prefix>:lock:<id>``)."""
    return "".join(ch for ch in prefix if ch.isalnum())


def _make_store(kind: str, url: str, prefix: str) -> Any:
    if kind == "atomic":
        return AtomicRedisLockStore(url=url, key_prefix=prefix, lock_lifetime=30)
    from rasa.core.lock_store import RedisLockStore

    parts = redis.connection.parse_url(url)
    return RedisLockStore(host=parts.get("host", "127.0.0.1"), port=parts.get("port", 6379), db=parts.get("db", 0),
                          key_prefix=_stock_prefix(prefix))


def _draw_tickets(kind: str, url: str, prefix: str, count: int, start: Any, results: Any) -> None:
    """Process body: draw ``count`` tickets for one conversation as fast as possible."""
    store = _make_store(kind, url, prefix)
    start.wait()
    results.put([store.issue_ticket("race", 30) for _ in range(count)])


def _exclusive_rounds(kind: str, url: str, prefix: str, rounds: int, seconds: float, start: Any, results: Any) -> None:
    """Process body: Rasa's ``lock()`` around a section that counts holders in a shared Redis counter.

    A round that waits longer than 5 s for its turn is given up and counted as ``stuck``.
    """
    from rasa.core.lock_store import LockError

    store = _make_store(kind, url, prefix)
    counter = redis.Redis.from_url(url)
    holders_key = f"{prefix}holders"
    outcome = {"rounds": 0, "overlaps": 0, "lock_errors": 0, "stuck": 0}

    async def one_round() -> None:
        async with store.lock("race", lock_lifetime=2, wait_time_in_seconds=0.001):
            if counter.incr(holders_key) != 1:
                outcome["overlaps"] += 1
            counter.decr(holders_key)

    async def main() -> None:
        deadline = time.monotonic() + seconds
        while outcome["rounds"] < rounds and time.monotonic() < deadline:
            try:
                await asyncio.wait_for(one_round(), timeout=5)
                outcome["rounds"] += 1
            except LockError:
                outcome["lock_errors"] += 1
            except asyncio.TimeoutError:
                outcome["stuck"] += 1

    start.wait()
    asyncio.run(main())
    results.put(outcome)


def _race(target: Any, *args: Any) -> List[Any]:
    """Run ``target`` in two spawned OS processes that start at the same moment; their results."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=target, args=(*args, start, results), daemon=True) for _ in range(2)]
    for process in processes:
        process.start()
    time.sleep(0.2)
    start.set()
    outcomes = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    return outcomes


def test_two_processes_draw_unique_tickets(redis_url: str, prefix: str) -> None:
    first, second = _race(_draw_tickets, "atomic", redis_url, prefix, RACE_TICKETS)
    tickets = first + second
    assert len(tickets) == 2 * RACE_TICKETS
    assert len(set(tickets)) == len(tickets)
    assert first == sorted(first) and second == sorted(second)
    store = AtomicRedisLockStore(url=redis_url, key_prefix=prefix)
    assert [t.number for t in store.get_lock("race").tickets] == sorted(tickets)


def test_two_processes_never_hold_the_lock_at_once(redis_url: str, prefix: str) -> None:
    outcomes = _race(_exclusive_rounds, "atomic", redis_url, prefix, RACE_ROUNDS, 120.0)
    print("atomic store, two processes:", outcomes)
    assert all(o == {"rounds": RACE_ROUNDS, "overlaps": 0, "lock_errors": 0, "stuck": 0} for o in outcomes), outcomes
    store = AtomicRedisLockStore(url=redis_url, key_prefix=prefix)
    assert not store.is_someone_waiting("race")
    assert f"{prefix}queue:race" not in _keys(store)


def test_rasas_stock_redis_lock_store_issues_duplicate_tickets(redis_url: str, prefix: str) -> None:
    """The same race against Rasa's RedisLockStore: lost updates hand out one number twice."""
    count = 1000
    first, second = _race(_draw_tickets, "stock", redis_url, prefix, count)
    duplicates = 2 * count - len(set(first + second))
    print(f"stock RedisLockStore, two processes x {count} tickets: {duplicates} duplicate numbers")
    assert duplicates > 0
