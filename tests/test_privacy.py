"""Personal data never reaches a log in full; masking rules; slots cleared after a flow."""

from __future__ import annotations

import logging

from bot.privacy import install_log_masking, mask_email, mask_iban, mask_insurance_number, mask_phone, mask_text


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


# The live check (every typed value, both debug logs, the stored events) is in tests/test_live_security.py.
