"""Benchmark: latency and throughput over the REST channel, start and training time.

``make bench`` runs it; the figures go into README.md between the
``bench:start`` / ``bench:end`` markers, with the date and the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import yaml
from typing import Callable

from bot import conversations, judge
from bot.config import PROJECT_ROOT, load_settings
from bot.ports import free_port
from bot.servers import Assistant, base_env

README = PROJECT_ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def question_mix() -> list[str]:
    """The FAQ questions of the conversation tests plus a few basics and unclear ones."""
    data = yaml.safe_load((PROJECT_ROOT / "tests" / "conversations" / "faq.yml").read_text(encoding="utf-8"))
    questions = [c["steps"][0]["user"] for c in data["conversations"]]
    return questions + ["Hallo", "danke", "Wie hoch ist mein Beitrag?", "qr code", "xq zzv blorp"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def run_threads(count: int, target: Callable[[int], None]) -> float:
    """Run ``target(0)`` ... ``target(count - 1)`` in threads at once; the seconds until all have ended."""
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


#: Messages per simulated conversation; then the sender starts a new one (a new member).
CONVERSATION_LENGTH = 10


def load_run(url: str, senders: int, per_sender: int, questions: list[str],
             conversation_length: int = CONVERSATION_LENGTH) -> dict[str, float]:
    """``senders`` threads sending ``per_sender`` messages each, in conversations of ``conversation_length``.

    Rasa's policies read the whole conversation on every turn, so latency grows
    with its length: a realistic length matters (see :func:`long_conversation`).
    """
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def sender(index: int) -> None:
        sender_id = f"bench-{uuid.uuid4().hex}"
        for n in range(per_sender):
            if n and n % conversation_length == 0:
                sender_id = f"bench-{uuid.uuid4().hex}"
            text = questions[(index * 7 + n) % len(questions)]
            began = time.perf_counter()
            try:
                reply = conversations.send(url, sender_id, text)
                if not reply:
                    raise RuntimeError("empty reply")
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(str(exc))
                continue
            with lock:
                latencies.append(time.perf_counter() - began)

    elapsed = run_threads(senders, sender)
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[0]}")
    ms = [x * 1000 for x in latencies]
    return {
        "messages": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "mean": statistics.fmean(ms),
        "throughput": len(ms) / elapsed,
    }


def long_conversation(url: str, questions: list[str], length: int = 60) -> float:
    """Median latency of the last ten messages of one ``length``-message conversation."""
    sender_id = f"bench-long-{uuid.uuid4().hex}"
    tail: list[float] = []
    for n in range(length):
        began = time.perf_counter()
        conversations.send(url, sender_id, questions[n % len(questions)])
        if n >= length - 10:
            tail.append((time.perf_counter() - began) * 1000)
    return statistics.median(tail)


def socketio_run(server: str, origin: str, clients: int, per_client: int, questions: list[str]) -> dict[str, float]:
    """``clients`` widget-like socket.io clients, each sending ``per_client`` messages one after the other.

    Measures from emitting ``user_uttered`` to the first ``bot_uttered`` of the answer
    (the time a member waits for the reply to start appearing).
    """
    import asyncio

    import socketio

    async def client(index: int, latencies: list[float]) -> None:
        sio = socketio.AsyncClient(reconnection=False)
        answered: asyncio.Queue = asyncio.Queue()
        confirmed: asyncio.Queue = asyncio.Queue()
        sio.on("bot_uttered", lambda data: answered.put_nowait(time.perf_counter()))
        sio.on("bot_done", lambda data: answered.put_nowait(None))
        sio.on("session_confirm", lambda data: confirmed.put_nowait(data))
        await sio.connect(server, socketio_path="/socket.io", transports=["websocket"], headers={"Origin": origin})
        try:
            await sio.emit("session_request", {"session_id": None})
            await asyncio.wait_for(confirmed.get(), 30)
            for n in range(per_client):
                began = time.perf_counter()
                await sio.emit("user_uttered", {"message": questions[(index * 7 + n) % len(questions)]})
                first = await asyncio.wait_for(answered.get(), 60)
                if first is None:
                    raise RuntimeError("no bot_uttered before bot_done")
                latencies.append((first - began) * 1000)
                while await asyncio.wait_for(answered.get(), 60) is not None:  # the rest of the answer
                    pass
        finally:
            await sio.disconnect()

    async def run() -> tuple[list[float], float]:
        latencies: list[float] = []
        began = time.perf_counter()
        await asyncio.gather(*(client(i, latencies) for i in range(clients)))
        return latencies, time.perf_counter() - began

    latencies, elapsed = asyncio.run(run())
    return {"messages": len(latencies), "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "throughput": len(latencies) / elapsed}


def training_seconds() -> float:
    """A full training (``--force``: no cached components) into a scratch folder."""
    settings = load_settings()
    with tempfile.TemporaryDirectory() as out:
        began = time.perf_counter()
        subprocess.run(  # noqa: S603 - fixed command
            [sys.executable, "-m", "rasa", "train", "--force", "--out", out, "--fixed-model-name", "bench"],
            cwd=PROJECT_ROOT, env=base_env(settings), check=True, capture_output=True,
        )
        return time.perf_counter() - began


def accuracy(held_out: str = "tests/nlu_holdout.yml") -> dict:
    """The NLU summary of a held-out set from ``python -m addons.evaluate --json`` (loads the model)."""
    result = subprocess.run(  # noqa: S603 - fixed command
        [sys.executable, "-m", "addons.evaluate", "--json", "--set", held_out],
        cwd=PROJECT_ROOT, env=base_env(load_settings()), check=True, capture_output=True, text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def cross_validation(folds: int = 5) -> dict:
    """``rasa test nlu --cross-validation``: intent and FAQ-topic F1 (weighted) and the commonest confusions."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(  # noqa: S603 - fixed command
            [sys.executable, "-m", "rasa", "test", "nlu", "--nlu", "data/nlu", "--config", "config.yml",
             "--cross-validation", "--folds", str(folds), "--out", out, "--no-plot"],
            cwd=PROJECT_ROOT, env=base_env(load_settings()), check=True, capture_output=True,
        )
        found: dict = {"folds": folds}
        for kind, report, errors, target, predicted in (
                ("intent", "intent_report.json", "intent_errors.json", "intent", "intent_prediction"),
                ("topic", "response_selection_report.json", "response_selection_errors.json",
                 "intent_response_key_target", "intent_response_key_prediction")):
            path = Path(out) / report
            if not path.exists():
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            found[f"{kind}_f1"] = data.get("weighted avg", {}).get("f1-score")
            pairs: dict[str, int] = {}
            error_path = Path(out) / errors
            for error in json.loads(error_path.read_text(encoding="utf-8")) if error_path.exists() else []:
                got = error.get(predicted)
                got = got.get("name") if isinstance(got, dict) else got
                want = error.get(target)
                want = want.get("name") if isinstance(want, dict) else want
                pair = f"{want} → {got}"
                pairs[pair] = pairs.get(pair, 0) + 1
            found[f"{kind}_confusions"] = sorted(pairs.items(), key=lambda kv: -kv[1])[:5]
        return found


#: Member scripts written like the blind one but used to find gaps (tests/conversations/).
DEV_MEMBER_SCRIPTS = tuple(path.name for path in sorted(
    (PROJECT_ROOT / "tests" / "conversations").glob("members_dev*.yml"),
    key=lambda path: int(re.sub(r"\D", "", path.stem) or 1)))


def model_megabytes() -> float:
    return load_settings().model_path.stat().st_size / 1e6


def blind_members(url: str, database_url: str, name: str = "members_blind.yml") -> "judge.Tally":
    """A judged member script (default: the blind one), each conversation on fresh demo members."""
    from bot.store.seed import letter_orders, reset_demo

    script = conversations.load_file(PROJECT_ROOT / "tests" / "conversations" / name)
    tally, _ = judge.play(script, url, lambda: letter_orders(database_url),
                          before_each=lambda: reset_demo(database_url))
    return tally


def identification_timing(rounds: int = 300) -> dict[str, float]:
    """Median time of identify() for a wrong PLZ and for an unknown number (SQLite, no lockout)."""
    from bot.services import identification
    from bot.store import session_scope
    from bot.store.db import make_engine
    from bot.store.migrate import migrate
    from bot.store.seed import seed_demo

    settings = replace(load_settings(), ident_max_failures=10**9, ident_max_failures_per_conversation=10**9)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/members.db"
        migrate(url)
        engine = make_engine(url)
        with session_scope(engine) as session:
            seed_demo(session)
        timings: dict[str, list[float]] = {"wrong_postcode": [], "unknown_number": []}
        for n in range(rounds):
            for kind, number in (("wrong_postcode", "D271828180"), ("unknown_number", "Z123456783")):
                began = time.perf_counter()
                with session_scope(engine) as session:
                    identification.identify(session, number, "99999", f"bench-{n}", settings=settings)
                timings[kind].append((time.perf_counter() - began) * 1000)
        engine.dispose()
    return {kind: statistics.median(values) for kind, values in timings.items()}


def render(
    results: dict[int, dict[str, float]], start_s: float, train_s: float | None, acc: dict | None,
    ident: dict[str, float] | None = None, long_ms: float | None = None,
    sockets: dict[int, dict[str, float]] | None = None, quality: dict | None = None,
) -> str:
    today = dt.date.today().isoformat()
    lines = [
        START,
        f"Measured {today} with `make bench` on this project's CI machine kind "
        f"({os.cpu_count()} cores, Python {platform.python_version()}); REST channel on loopback, "
        f"a mix of FAQ questions, basics and unclear messages, in conversations of {CONVERSATION_LENGTH} "
        "messages (then the sender starts a new one).",
        "",
        "| concurrent senders | messages | p50 ms | p95 ms | p99 ms | throughput msg/s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for senders, r in sorted(results.items()):
        lines.append(
            f"| {senders} | {r['messages']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {r['throughput']:.1f} |"
        )
    if sockets:
        lines += ["", "socket.io (the widget's channel): from `user_uttered` sent to the first `bot_uttered` received, "
                  "each client sending its next message when the answer is complete:", "",
                  "| concurrent clients | messages | p50 ms | p95 ms | throughput msg/s |",
                  "| ---: | ---: | ---: | ---: | ---: |"]
        for clients, r in sorted(sockets.items()):
            lines.append(f"| {clients} | {r['messages']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} | {r['throughput']:.1f} |")
    lines += ["", f"- Start until the REST channel answers (model load, both servers): {start_s:.1f} s"]
    if long_ms is not None:
        lines.append(
            f"- Long conversations are slower (Rasa's policies read the whole conversation on every turn): "
            f"messages 51–60 of one conversation, p50 {long_ms:.0f} ms"
        )
    if ident is not None:
        lines.append(
            f"- Identification (median of 300, SQLite): wrong PLZ {ident['wrong_postcode']:.2f} ms, unknown "
            f"Versichertennummer {ident['unknown_number']:.2f} ms: the same path, so the time tells nothing"
        )
    if quality is not None:
        lines += render_quality(quality)
    lines.append(END)
    return "\n".join(lines)


def render_quality(q: dict) -> list[str]:
    """The answer-quality lines of the README table (issue 10 and 12)."""
    lines = ["", "Answer quality (NLU in this process; the blind member script over REST):", "",
             "| measure | value |", "| --- | ---: |"]
    for name, key in (("held-out set (regression, `tests/nlu_holdout.yml`)", "holdout"),
                      ("development set (`tests/nlu_dev.yml`, used to tune)", "dev"),
                      ("blind set (`tests/nlu_blind.yml`)", "blind")):
        a = q.get(key)
        if not a:
            continue
        lines += [
            f"| {name}: FAQ questions | {a['faq_questions']} |",
            f"| … right answer straight away | {a['answer_right']:.1%} |",
            f"| … \"Meinten Sie …?\" with the right topic | {a['clarify_with_right']:.1%} |",
            f"| … **wrong answer** | {a['answer_wrong']:.1%} |",
        ]
        if a.get("not_covered_questions"):
            lines += [
                f"| … not covered by the FAQ: questions | {a['not_covered_questions']} |",
                f"| … not covered: no FAQ answer | {a['not_covered_no_faq_answer']:.1%} |",
                f"| … not covered: \"Dazu habe ich leider keine Informationen\" | "
                f"{a['not_covered_specific_reply']:.1%} |",
            ]
        lines.append(f"| … NLU parse time, median | {a['parse_ms_median']:.1f} ms |")
    cv = q.get("cv") or {}
    if cv:
        lines += [f"| cross-validation ({cv['folds']} folds, training data): intent F1 (weighted) | "
                  f"{cv.get('intent_f1', 0):.3f} |",
                  f"| cross-validation: FAQ topic F1 (weighted) | {cv.get('topic_f1', 0):.3f} |"]
    members = q.get("members")
    if members is not None:
        lines += [f"| blind member script: messages | {members['messages']} |",
                  f"| … dead ends | {members['dead_end_rate']:.1%} |",
                  f"| … dead ends without the related-topic button under an answer | "
                  f"{members.get('dead_end_rate_without_buttons', members['dead_end_rate']):.1%} |",
                  f"| … wrong answers | {members['wrong_rate']:.1%} |",
                  f"| … letters ordered without the member's yes | {members['unconfirmed_letters']} |"]
        for name, dev in (members.get("dev") or {}).items():
            lines += [f"| development member script `{name}` (used to find gaps): dead ends / wrong answers | "
                      f"{dev['dead_end_rate']:.1%} / {dev['wrong_rate']:.1%} of {dev['messages']} |"]
    lines += [f"| model file | {q['model_mb']:.0f} MB |"]
    if q.get("train_s") is not None:
        lines.append(f"| full training (`rasa train --force`) | {q['train_s']:.0f} s |")
    if cv:
        for kind in ("intent", "topic"):
            pairs = cv.get(f"{kind}_confusions") or []
            if pairs:
                lines.append("")
                lines.append(f"Commonest {kind} confusions in cross-validation: "
                             + "; ".join(f"{pair} ({n})" for pair, n in pairs))
    return lines


def write_readme(block: str, start: str = START, end: str = END) -> None:
    """Replace the README's section between ``start`` and ``end`` with ``block``."""
    text = README.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {start} ... {end} section")
    README.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__)
    parser.add_argument("--messages", type=int, default=400, help="messages per run (default 400)")
    parser.add_argument("--no-training", action="store_true", help="skip the training-time measurement")
    parser.add_argument("--no-readme", action="store_true", help="print only, do not update README.md")
    args = parser.parse_args(argv)

    questions = question_mix()
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as logs:
        settings = replace(load_settings(), rasa_port=free_port(), action_port=free_port(),
                           database_url=f"sqlite:///{logs}/members.db")
        with Assistant(settings, Path(logs), extra_env={"IDENT_MAX_PER_SOURCE_PER_HOUR": "100000"}) as assistant:
            print(f"servers ready in {assistant.start_seconds:.1f} s", flush=True)
            load_run(assistant.rest_url, 1, 20, questions)  # warm-up
            for senders in (1, 8):
                results[senders] = load_run(assistant.rest_url, senders, max(1, args.messages // senders), questions)
                print(f"{senders} sender(s): {results[senders]}", flush=True)
            sockets: dict[int, dict[str, float]] = {}
            for clients in (1, 8):
                sockets[clients] = socketio_run(settings.rasa_url, settings.allowed_origins[0], clients,
                                                max(1, args.messages // 2 // clients), questions)
                print(f"socket.io, {clients} client(s): {sockets[clients]}", flush=True)
            start_s = assistant.start_seconds
            long_ms = long_conversation(assistant.rest_url, questions)
            print(f"messages 51-60 of one conversation: p50 {long_ms:.0f} ms", flush=True)
            tally = blind_members(assistant.rest_url, settings.database_url)
            members = {"messages": tally.messages, "dead_end_rate": tally.dead_end_rate,
                       "dead_end_rate_without_buttons": tally.dead_end_rate_without_buttons,
                       "wrong_rate": tally.wrong_rate, "unconfirmed_letters": len(tally.unconfirmed_letters)}
            print(f"blind member script: {members}", flush=True)
            for name in DEV_MEMBER_SCRIPTS:  # not blind: used to find gaps (README)
                dev = blind_members(assistant.rest_url, settings.database_url, name)
                members.setdefault("dev", {})[name] = {"messages": dev.messages, "dead_end_rate": dev.dead_end_rate,
                                                       "wrong_rate": dev.wrong_rate}
            print(f"development member scripts: {members.get('dev')}", flush=True)
    ident = identification_timing()
    print(f"identification: {ident}", flush=True)
    acc = accuracy()
    blind = accuracy("tests/nlu_blind.yml")
    dev_set = accuracy("tests/nlu_dev.yml")
    print(f"held-out: {acc}\nblind: {blind}\ndevelopment: {dev_set}", flush=True)
    train_s = None if args.no_training else training_seconds()
    cv = None if args.no_training else cross_validation()
    print(f"cross-validation: {cv}", flush=True)
    quality = {"holdout": acc, "blind": blind, "dev": dev_set, "cv": cv, "members": members, "model_mb": model_megabytes(),
               "train_s": train_s}
    block = render(results, start_s, train_s, acc, ident, long_ms, sockets, quality)
    print(block)
    if not args.no_readme:
        write_readme(block)
        print("README.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
