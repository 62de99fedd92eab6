#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains how to get one.
# Looks at: $PYTHON310, python3.10 on PATH, pyenv's versions, the usual system paths.
set -u
works() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
command -v pyenv >/dev/null 2>&1 && pyenv_root="$(pyenv root 2>/dev/null || echo "$pyenv_root")"
for dir in $(ls -d "$pyenv_root"/versions/3.10* 2>/dev/null | sort -V -r); do
  candidates+=("$dir/bin/python3.10")
done
candidates+=(/usr/local/bin/python3.10 /usr/bin/python3.10)

for python in "${candidates[@]}"; do
  if works "$python"; then
    echo "$python"
    exit 0
  fi
done

cat >&2 <<'MSG'
Python 3.10 was not found (Rasa 3.6 supports no newer Python).
Install it, then run the command again:
  with pyenv:   pyenv install 3.10        (no need to activate it; the setup finds it)
  on Debian/Ubuntu: apt-get install python3.10 python3.10-venv
or point the setup at an interpreter: PYTHON310=/path/to/python3.10 make run
MSG
exit 1
