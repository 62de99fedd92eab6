"""Benchmark of the production profile (``make bench PROFILE=prod``).

Starts the production topology on fresh databases of the local PostgreSQL
(``TEST_POSTGRES_ADMIN_URL``) and a Redis database (``BENCH_REDIS_URL``), once
with one Rasa server and one action server behind the proxy and once with two
of each, and measures through the proxy: latency percentiles and throughput
for FAQ messages and for a form step with database work (identification) at
1, 8 and 32 concurrent senders, each process's memory, the start time, and
messages 51–60 of one long conversation against messages 1–10. Rewrites the
README's production benchmark section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Callable

from bot import conversations
from bot.bench import percentile, question_mix, run_threads, write_readme
from bot.config import load_settings
from bot.servers import ProductionAssistant
from bot.ports import free_block

START, END = "<!-- bench-prod:start -->", "<!-- bench-prod:end -->"
SENDERS = (1, 8, 32)
#: Limits lifted for the benchmark: every request comes from 127.0.0.1.
BENCH_ENV = {"IDENT_MAX_PER_SOURCE_PER_HOUR": "1000000", "IDENT_MAX_GLOBAL_PER_MINUTE": "1000000",
             "IDENT_MAX_FAILURES": "1000000", "IDENT_MAX_FAILURES_PER_CONVERSATION": "1000000"}


def _database(admin_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(make_url(admin_url).set(database=name))


def faq_turn(url: str, sender: str, n: int, questions: list[str]) -> None:
    """One FAQ question (a new conversation every ten)."""
    reply = conversations.send(url, f"{sender}-{n // 10}", questions[n % len(questions)])
    if not reply:
        raise RuntimeError("empty reply")


#: A form with database work: start, number, PLZ (the identification reads and writes the
#: member store), then "Nein" at the letter's last question. Each message is one measured step.
FORM_STEPS = ("Zugangsdaten erneut anfordern", "D271828180", "01067", "Nein")


def form_turn(url: str, sender: str, n: int, _: list[str]) -> None:
    step = n % len(FORM_STEPS)
    reply = conversations.send(url, f"{sender}-{n // len(FORM_STEPS)}", FORM_STEPS[step])
    if not reply:
        raise RuntimeError("empty reply")


def load(url: str, senders: int, messages: int, turn: Callable[[str, str, int, list[str]], None],
         questions: list[str]) -> dict[str, float]:
    """``senders`` threads, ``messages`` in all, each thread waiting for its reply before its next message."""
    per_sender = max(len(FORM_STEPS), messages // senders)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def sender(index: int) -> None:
        name = f"bench-{uuid.uuid4().hex[:10]}"
        for n in range(per_sender):
            began = time.perf_counter()
            try:
                turn(url, name, n, questions)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(str(exc))
                continue
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)

    elapsed = run_threads(senders, sender)
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[0]}")
    return {"messages": len(latencies), "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99), "throughput": len(latencies) / elapsed}


def long_conversation(url: str, questions: list[str], length: int = 60) -> tuple[float, float]:
    """Median latency of messages 1–10 and 51–60 of one conversation."""
    sender = f"bench-long-{uuid.uuid4().hex[:10]}"
    times = []
    for n in range(length):
        began = time.perf_counter()
        conversations.send(url, sender, questions[n % len(questions)])
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times[:10]), statistics.median(times[-10:])


def memory_mb(prod: ProductionAssistant) -> dict[str, float]:
    """Resident memory of each process (MB), from /proc."""
    found = {}
    for name, process in prod.processes.items():
        if process.popen is None:
            continue
        try:
            status = Path(f"/proc/{process.popen.pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            found[name] = int(match.group(1)) / 1024
    return found


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (its threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_process(prod: ProductionAssistant) -> dict[str, float]:
    """CPU seconds so far: each of the profile's processes, and PostgreSQL and Redis (all their processes)."""
    found: dict[str, float] = {}
    for name, process in prod.processes.items():
        if process.popen is not None:
            found[re.sub(r"\d+$", "", name)] = found.get(re.sub(r"\d+$", "", name), 0.0) + _cpu_seconds(process.popen.pid)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            if comm in ("postgres", "redis-server"):
                found[comm] = found.get(comm, 0.0) + _cpu_seconds(int(entry.name))
        except OSError:
            continue
    return found


def run_topology(replicas: int, messages: int, questions: list[str], logs: Path) -> dict:
    """Start the profile with ``replicas`` Rasa and action servers and measure it."""
    from bot.store.migrate import migrate
    from bot.store.seed import reset_demo

    admin = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    members = _database(admin, "bench_prod_members")
    tracker = _database(admin, "bench_prod_tracker")
    migrate(members)
    reset_demo(members)
    secret = "bench-secret-0123456789abcdefghijklmnopq"
    settings = replace(load_settings(), profile="prod", rasa_port=free_block(replicas + 1),
                       action_port=free_block(replicas + 1), database_url=members, tracker_store_url=tracker,
                       lock_store_url=redis_url, member_hash_key=secret, member_token_secret=secret,
                       assist_token=secret, rasa_replicas=replicas, action_replicas=replicas)
    result: dict = {"replicas": replicas}
    with ProductionAssistant(settings, logs / f"replicas-{replicas}", with_web=False, extra_env=BENCH_ENV) as prod:
        result["start_s"] = prod.start_seconds
        url = prod.rest_url
        load(url, 4, 40, faq_turn, questions)  # warm-up: every replica has answered
        load(url, 4, 16, form_turn, questions)
        for kind, turn in (("faq", faq_turn), ("form", form_turn)):
            for senders in SENDERS:
                before = cpu_by_process(prod)
                result[(kind, senders)] = load(url, senders, max(messages, senders * len(FORM_STEPS)), turn,
                                               questions)
                after = cpu_by_process(prod)
                count = result[(kind, senders)]["messages"]
                result[(kind, senders)]["cpu_ms"] = {name: 1000 * (after[name] - before.get(name, 0.0)) / count
                                                     for name in after}
                print(f"{replicas} replica(s), {kind}, {senders} sender(s): {result[(kind, senders)]}", flush=True)
        result["long"] = long_conversation(url, questions)
        print(f"{replicas} replica(s), messages 1-10 vs 51-60: {result['long']}", flush=True)
        result["memory"] = memory_mb(prod)
        print(f"memory MB: {result['memory']}", flush=True)
    return result


def render(one: dict, two: dict, messages: int) -> str:
    lines = [
        START,
        f"Measured {dt.date.today().isoformat()} with `make bench PROFILE=prod` on this project's CI machine kind "
        f"({os.cpu_count()} cores, Python {platform.python_version()}), through HAProxy on loopback, on the "
        f"machine's PostgreSQL and Redis; about {messages} messages per row, each sender waiting for its reply. "
        "FAQ: a mix of FAQ questions, basics and unclear messages. Form step: the resend task "
        "(start, Versichertennummer, PLZ with the identification in the member store, \"Nein\").",
        "",
        "| messages | senders | 1 replica: p50 / p95 / p99 ms | msg/s | 2 replicas: p50 / p95 / p99 ms | msg/s | 2 ÷ 1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, title in (("faq", "FAQ"), ("form", "form step")):
        for senders in SENDERS:
            a, b = one[(kind, senders)], two[(kind, senders)]
            lines.append(
                f"| {title} | {senders} | {a['p50']:.0f} / {a['p95']:.0f} / {a['p99']:.0f} | {a['throughput']:.1f} | "
                f"{b['p50']:.0f} / {b['p95']:.0f} / {b['p99']:.0f} | {b['throughput']:.1f} | "
                f"{b['throughput'] / a['throughput']:.2f} |")
    memory = ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(two["memory"].items()))
    cpu = []
    for kind, title in (("faq", "an FAQ message"), ("form", "a form step")):
        spent = two[(kind, 32)]["cpu_ms"]
        total = sum(spent.values())
        parts = ", ".join(f"{name} {ms:.1f}" for name, ms in sorted(spent.items(), key=lambda item: -item[1]))
        cpu.append(f"{title} {total:.0f} ms ({parts}; at most {1000 * (os.cpu_count() or 1) / total:.0f} msg/s "
                   f"on {os.cpu_count()} cores)")
    first, last = two["long"]
    lines += [
        "",
        f"- Start until the proxy answers: {one['start_s']:.1f} s (one replica each), {two['start_s']:.1f} s (two each).",
        f"- Resident memory with two replicas (MB): {memory}.",
        "- Where the time goes (CPU per message with two replicas at 32 senders, all processes on the machine's "
        f"cores): {'; '.join(cpu)}. Two replicas can only add what one replica leaves of the cores.",
        f"- One conversation of 60 messages (two replicas): messages 1–10 p50 {first:.0f} ms, 51–60 p50 {last:.0f} ms "
        f"({last / first:.2f}×).",
        END,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench_prod", description=__doc__)
    parser.add_argument("--messages", type=int, default=192, help="messages per row (default 192)")
    parser.add_argument("--no-readme", action="store_true", help="print only, do not update README.md")
    args = parser.parse_args(argv)
    questions = question_mix()
    with tempfile.TemporaryDirectory() as logs:
        one = run_topology(1, args.messages, questions, Path(logs))
        two = run_topology(2, args.messages, questions, Path(logs))
    block = render(one, two, args.messages)
    print(block)
    if not args.no_readme:
        write_readme(block, START, END)
        print("README.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
