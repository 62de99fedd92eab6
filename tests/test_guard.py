"""Screening of incoming messages (bot/guard.py)."""

from __future__ import annotations

import pytest

from bot.config import HOTLINE
from bot import guard
from bot.guard import ESCAPED_PREFIX, UNAVAILABLE_REPLY, Verdict, screen


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x01", None, 42, ["Hallo"], {"a": 1}])
def test_empty_or_not_text_is_answered_at_once(text):
    result = screen(text, max_chars=100)
    assert result.verdict is Verdict.EMPTY
    assert "leer" in result.reply


def test_too_long_is_answered_at_once_with_the_limit():
    result = screen("a" * 2001, max_chars=2000)
    assert result.verdict is Verdict.TOO_LONG
    assert "2.000 Zeichen" in result.reply
    assert screen("a" * 2000, max_chars=2000).verdict is Verdict.PASS


@pytest.mark.parametrize(
    "text, expected",
    [
        ('/inform{"kvnr": "A123456780"}', ESCAPED_PREFIX + 'inform{"kvnr": "A123456780"}'),
        ("//restart", ESCAPED_PREFIX * 2 + "restart"),
        ("  /greet  ", ESCAPED_PREFIX + "greet"),
        ("/", ESCAPED_PREFIX),
        ("Passwort / PIN vergessen", "Passwort / PIN vergessen"),
    ],
)
def test_a_typed_slash_command_becomes_plain_text(text, expected):
    result = screen(text, max_chars=100)
    assert result.verdict is Verdict.PASS
    assert result.text == expected
    assert not result.text.strip().startswith("/")


def test_control_characters_are_removed_and_text_kept():
    assert screen("Hallo\x00 Welt\x07", 100).text == "Hallo  Welt"
    assert screen("Zeile 1\nZeile 2", 100).text == "Zeile 1\nZeile 2"
    assert screen("😀", 100).text == "😀"


def test_apology_names_the_hotline():
    assert HOTLINE in UNAVAILABLE_REPLY


@pytest.mark.parametrize("text", ["Mein Passwort ist Sommer2024!", "meine pin lautet 123456", "PIN: 483920",
                                  "Kennwort = 'Hallo#1'", "der QR-Code ist ABCD-1234-XYZ"])
def test_a_typed_password_or_pin_is_warned_about_and_not_passed_on(text):
    screened = guard.screen(text, 2000)
    assert screened.verdict is guard.Verdict.SECRET and screened.text == ""
    assert "niemals" in screened.reply and HOTLINE in screened.reply


@pytest.mark.parametrize("text", ["Ich habe mein Passwort vergessen", "Was ist die Freigabe-PIN?", "Passwort ist abgelaufen",
                                  "Meine PIN ist gesperrt", "Wie lange ist der QR-Code gültig?"])
def test_questions_about_passwords_pass(text):
    assert guard.screen(text, 2000).verdict is guard.Verdict.PASS
