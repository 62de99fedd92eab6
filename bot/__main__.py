"""Command line: ``python -m bot COMMAND`` (see ``python -m bot --help``)."""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

from bot import cli, conversations, production, retention
from bot.config import PROJECT_ROOT, ConfigError, checked_settings, load_settings
from bot.servers import Assistant, ProductionAssistant, ServerError, base_env, endpoints_file
from bot.sessions import demo_secret


def _shown(url: str) -> str:
    """A database or Redis URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _prod_lines(settings) -> str:
    plan = production.topology(settings)
    return (f"\n  proxy:      HAProxy on :{plan.proxy_port} (Rasa {', '.join(map(str, plan.rasa_ports))}) and "
            f":{plan.action_proxy_port} (actions {', '.join(map(str, plan.action_ports))})"
            f"\n  tracker store: {_shown(settings.tracker_store_url)}; lock store: {_shown(settings.lock_store_url)}")


def _serve(_: argparse.Namespace) -> int:
    try:
        settings = checked_settings()
    except ConfigError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    prod = settings.profile == "prod"
    if prod:
        found = production.problems(settings)
        if found:
            print("Cannot start the production profile: " + "; ".join(found), file=sys.stderr)
            return 2
    elif settings.demo_mode and not settings.member_token_secret:
        settings = replace(settings, member_token_secret=demo_secret())  # demo login and data changes
    log_dir = PROJECT_ROOT / ".logs"
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    what = (f"the production profile: {settings.rasa_replicas} Rasa servers, {settings.action_replicas} action "
            "servers, HAProxy and the web process" if prod else "the action server and Rasa")
    print(f"Starting {what} (logs in {log_dir}/) ...", flush=True)
    try:
        assistant = (ProductionAssistant(settings, log_dir) if prod else Assistant(settings, log_dir, with_web=True)).start()
    except ServerError as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    url = settings.rasa_url
    print(
        f"""
The assistant is ready (started in {assistant.start_seconds:.0f} s).
  REST:       curl -s -X POST {url}/webhooks/rest/webhook \\
                -H 'Content-Type: application/json' \\
                -d '{{"sender": "demo", "message": "Ich habe mein Passwort vergessen"}}'
  website:    {settings.web_url}/  (the chat widget{', demo login and Demo-App' if settings.demo_mode else ''})
  socket.io:  {url}/socket.io (the widget's channel; events user_uttered / bot_uttered)
  terminal:   make shell
  member store: {_shown(settings.database_url)} ({'demo mode: demo members, see README' if settings.demo_mode else 'no demo members'}){_prod_lines(settings) if prod else ''}
  data changes: {"on" if settings.member_token_secret else "off: set MEMBER_TOKEN_SECRET to enable them"}
Press Ctrl-C to stop.""",
        flush=True,
    )
    try:
        while not stop.wait(1.0):
            assistant.check_alive()
    except ServerError as exc:
        print(f"A server stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        print("\nStopping ...", flush=True)
        assistant.stop()
    return 0


def _shell(_: argparse.Namespace) -> int:
    settings = load_settings()
    assistant = Assistant(settings, PROJECT_ROOT / ".logs")
    try:
        assistant.start_actions()
    except ServerError as exc:
        print(f"Could not start the action server: {exc}", file=sys.stderr)
        return 1
    try:
        with tempfile.TemporaryDirectory() as tmp:
            command = [
                sys.executable, "-m", "rasa", "shell", "--model", str(settings.model_path),
                "--endpoints", str(endpoints_file(settings, Path(tmp))),
            ]
            return subprocess.call(command, cwd=PROJECT_ROOT, env=base_env(settings))  # noqa: S603
    finally:
        assistant.stop()


def _conversations(args: argparse.Namespace) -> int:
    try:
        suite = conversations.load(Path(p) for p in args.paths)
    except conversations.ScriptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    url = args.url.rstrip("/") + "/webhooks/rest/webhook"
    failed = 0
    for conversation in suite:
        outcome = conversations.run(conversation, url)
        if outcome.passed:
            print(f"PASS {conversation.id}")
        else:
            failed += 1
            print(f"FAIL {outcome.report()}")
    print(f"{len(suite) - failed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="start Rasa and the action server until Ctrl-C").set_defaults(func=_serve)
    commands.add_parser("shell", help="chat in the terminal").set_defaults(func=_shell)
    conv = commands.add_parser("conversations", help="run conversation test files against a running assistant")
    conv.add_argument("paths", nargs="+", help="conversation files or folders")
    conv.add_argument("--url", default=load_settings().rasa_url, help="the assistant's base URL")
    conv.set_defaults(func=_conversations)
    cli.add_commands(commands)
    retention.add_command(commands)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
