"""The conversation runner's command line, as QA teams call it: ``python -m bot conversations PATHS --url URL``.

Each test runs it as a subprocess and checks the exit code and the output:
2 for a suite that cannot be read, 1 for failed conversations, 0 only when
every conversation passed. A real assistant is played by the live tests
(tests/test_conversations.py); here the other side is a closed port or a
tiny fake REST channel.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from bot.config import PROJECT_ROOT
from tests.conftest import free_port

GREETING = "conversations:\n  - name: {name}\n    steps:\n      - user: Hallo\n        bot_contains: {expected}\n"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m bot conversations ARGS`` in the project, as a QA team would run it."""
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", "conversations", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=120,
    )


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_with_a_syntax_error_exits_2_with_an_error_line(tmp_path: Path):
    broken = write(tmp_path, "broken.yml", "conversations:\n  - name: x\n    steps: [\n")
    done = run_cli(str(broken), "--url", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 2, done
    assert any(line.startswith("error: ") and "broken.yml" in line and "not valid YAML" in line
               for line in done.stderr.splitlines()), done.stderr
    assert "Traceback" not in done.stderr
    assert "PASS" not in done.stdout and "passed" not in done.stdout


def test_a_folder_without_conversation_files_exits_2(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("no scripts", encoding="utf-8")
    done = run_cli(str(tmp_path), "--url", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 2, done
    assert done.stderr.startswith("error: ") and "no conversation files" in done.stderr
    assert "0 passed, 0 failed" not in done.stdout


def test_an_assistant_that_does_not_answer_fails_cleanly(tmp_path: Path):
    suite = write(tmp_path, "suite.yml", GREETING.format(name="Begrüßung", expected="Guten Tag"))
    port = free_port()  # bound and released: nothing listens there
    done = run_cli(str(suite), "--url", f"http://127.0.0.1:{port}")
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr, done.stderr
    assert "FAIL Conversation suite: Begrüßung" in done.stdout.splitlines()
    assert f"step 1: no usable reply from http://127.0.0.1:{port}/webhooks/rest/webhook" in done.stdout
    assert done.stdout.splitlines()[-1] == "0 passed, 1 failed"


class FakeChannel(BaseHTTPRequestHandler):
    """A REST channel that greets everyone with the same words."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        reply = json.dumps([{"recipient_id": body["sender"], "text": "Guten Tag, ich bin der Assistent."}]).encode()
        self.send_response(200 if self.path == "/webhooks/rest/webhook" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def fake_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeChannel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_pass_and_fail_are_counted_and_set_the_exit_code(tmp_path: Path, fake_url: str):
    nested = tmp_path / "team" / "faq"
    nested.mkdir(parents=True)
    write(nested, "good.yml", GREETING.format(name="passt", expected="Guten Tag"))
    write(tmp_path, "bad.yml", GREETING.format(name="passt nicht", expected="Auf Wiedersehen"))
    done = run_cli(str(nested), "--url", fake_url + "/")
    assert (done.returncode, done.stdout.splitlines()[0], done.stdout.splitlines()[-1]) == (
        0, "PASS good: passt", "1 passed, 0 failed"), done
    done = run_cli(str(tmp_path), "--url", fake_url)
    assert done.returncode == 1, done
    lines = done.stdout.splitlines()
    assert "PASS good: passt" in lines and "FAIL Conversation bad: passt nicht" in lines
    assert "step 1: expected the reply to contain 'Auf Wiedersehen'" in lines
    assert lines[-1] == "1 passed, 1 failed"


def test_a_wrong_url_path_is_reported_with_its_http_status(tmp_path: Path, fake_url: str):
    suite = write(tmp_path, "suite.yml", GREETING.format(name="falscher Pfad", expected="Guten Tag"))
    done = run_cli(str(suite), "--url", fake_url + "/api")
    assert done.returncode == 1, done
    assert "HTTP 404" in done.stdout and "Traceback" not in done.stderr
