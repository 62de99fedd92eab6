"""Personal data never reaches a log in full; masking rules; slots cleared after a flow."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot import conversations
from bot.config import load_settings
from bot.privacy import install_log_masking, mask_email, mask_iban, mask_insurance_number, mask_phone, mask_text
from bot.servers import Assistant
from tests.conftest import free_port


def test_masks():
    assert mask_insurance_number("A123456780") == "A******780"
    assert mask_email("anna.berger@example.de") == "a***@example.de"
    assert mask_phone("+491701234567") == "+49*******567"
    assert mask_iban("DE89 3704 0044 0532 0130 00") == "DE89**************3000"


def test_mask_text_finds_every_kind_and_flattens_lines():
    text = "nr a 123456780-1\nmail Anna.Berger@Example.de tel 0170 1234567 / +49 (0)8731 762138 iban DE89370400440532013000"
    masked = mask_text(text)
    assert "\n" not in masked
    for secret in ["123456780", "Anna.Berger", "1234567", "762138", "370400440532013000"]:
        assert secret not in masked
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDMzE0MTU5MjY2In0.abc-DEF_123"
    assert token not in mask_text(f"metadata {{'auth_token': '{token}'}}")
    assert "PLZ 84130" == mask_text("PLZ 84130") and "2026-11-29 03:00:01" == mask_text("2026-11-29 03:00:01")


def test_every_log_record_is_masked_whoever_logs_it(caplog):
    install_log_masking()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("some.library").debug("user said %s, mail %s", "D271828180", "d.schmid@example.de")
        try:
            raise ValueError("bad number C314159266")
        except ValueError:
            logging.getLogger("x").exception("failed for +491701234567")
    logged = caplog.text
    assert "D271828180" not in logged and "d.schmid@example.de" not in logged
    assert "C314159266" not in logged and "+491701234567" not in logged
    assert "D******180" in logged and "C******266" in logged


FLOWS = Path(__file__).parent / "conversations" / "tasks.yml"
PERSONAL = ["A123456780", "D271828180", "C314159266", "E161803391", "anna.berger@example.de", "2345678"]


@pytest.mark.live
def test_a_whole_flow_at_debug_level_leaves_no_personal_data_in_the_logs(model_path, tmp_path):
    settings = replace(load_settings(), rasa_port=free_port(), action_port=free_port(), model_path=model_path,
                       database_url=f"sqlite:///{tmp_path / 'members.db'}")
    suite = [c for c in conversations.load([FLOWS]) if "Anna" in c.name or "Dieter" in c.name]
    assert len(suite) >= 3
    with Assistant(settings, tmp_path / "logs", debug=True) as assistant:
        outcomes = [conversations.run(c, assistant.rest_url) for c in suite]
    assert all(o.passed for o in outcomes), "\n".join(o.report() for o in outcomes if not o.passed)
    logs = "\n".join(p.read_text(errors="replace") for p in (tmp_path / "logs").glob("*.log"))
    assert "D******180" in logs, "the debug logs should show the (masked) messages"
    found = [value for value in PERSONAL if re.search(re.escape(value), logs)]
    assert found == []
