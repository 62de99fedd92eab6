"""Every environment variable the project reads is in the README's configuration table."""

from __future__ import annotations

import re

from bot.config import PROJECT_ROOT


def test_readme_documents_every_variable():
    sources = [*(PROJECT_ROOT / "bot").rglob("*.py"), *(PROJECT_ROOT / "actions").rglob("*.py"),
               *(PROJECT_ROOT / "addons").rglob("*.py")]
    read = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r'_(?:int|str|bool)\("([A-Z0-9_]+)"', text))
        read |= set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', text))
    read -= {"PYTHONPATH"}
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert read, "no variables found: the pattern is broken"
    assert read - table == set(), "add these to the README's configuration table"
