"""The setup finds Python 3.10 without a hand step (scripts/find-python.sh)."""

from __future__ import annotations

import os
import subprocess

from bot.config import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "find-python.sh"


def find(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def version_of(python: str) -> str:
    return subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_finds_a_working_python_310():
    result = find(dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert version_of(result.stdout.strip()) == "(3, 10)"


def test_a_broken_override_or_inactive_shim_is_skipped(tmp_path):
    shim = tmp_path / "python3.10"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.10: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    env = dict(os.environ, PYTHON310=str(shim), PATH=f"{tmp_path}:{os.environ['PATH']}")
    result = find(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() != str(shim)
    assert version_of(result.stdout.strip()) == "(3, 10)"


def test_explains_how_to_get_python_when_there_is_none(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    result = subprocess.run(["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    if result.returncode == 0:  # the machine has a system python3.10 in /usr/bin or /usr/local/bin
        assert result.stdout.strip() in ("/usr/bin/python3.10", "/usr/local/bin/python3.10")
    else:
        assert "pyenv install 3.10" in result.stderr
