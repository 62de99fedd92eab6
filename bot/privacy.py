"""Personal data in logs and counters: masking and keyed hashes.

Every log record of both servers is masked when it is created
(:func:`install_log_masking`), so a Versichertennummer, e-mail address, phone
number or IBAN never reaches a log in full, whoever logged it: Rasa, the SDK
or this project. Identification attempts are counted under
:func:`number_key`, a keyed hash, not under the number itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT, load_settings

#: A letter and nine digits, also typed with spaces, dots or hyphens between them.
_INSURANCE_NUMBER = re.compile(r"(?<![^\W\d_])([A-Za-z])[\s.\-]{0,3}(?:\d[\s.\-]{0,3}){8}\d(?:-\d)?(?!\d)")
#: E-mail addresses, also with umlauts and other letters outside ASCII.
_EMAIL = re.compile(r"(?<![\w.%+\-])([\w.%+\-])[\w.%+\-]*@((?:[\w\-]+\.)+[^\W\d_]{2,})(?![\w\-])")
_JWT = re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*")
#: IBANs in upper or lower case, with or without spaces.
_IBAN = re.compile(r"\b([A-Za-z]{2}\d{2})(?:[\s.]?[A-Za-z0-9]){10,30}\b")
#: Phone numbers: +49, 0049 or 0, then digits with spaces, slashes, dots, hyphens or brackets.
_PHONE = re.compile(r"(?<![\w*])(\+|00|0)[\d\s/().\-]{6,}\d")
#: Any other run of six or more digits (a phone number without area code, a PIN).
_DIGITS = re.compile(r"(?<![\w*])\d(?:[ ]?\d){5,}(?!\w)")
#: A PIN (four to eight digits) right after the word PIN.
_PIN = re.compile(r"(?i)(\bpin\b\W{0,3}(?:ist|lautet|war|:)?\W{0,3})\d{4,8}\b")
#: Line breaks as they appear in rendered JSON log lines.
_ESCAPED_BREAK = re.compile(r"\\[nrt]")

DEV_KEY_FILE = PROJECT_ROOT / "var" / "member-hash.key"


def mask_insurance_number(number: str) -> str:
    """``A123456780`` → ``A******780``."""
    compact = re.sub(r"\s+", "", number)
    if len(compact) < 4:
        return "*" * len(compact)
    return compact[0] + "*" * (len(compact) - 4) + compact[-3:]


def mask_email(email: str) -> str:
    """``anna.berger@example.de`` → ``a***@example.de``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    """``+491701234567`` → ``+49*******567``: country code and the last three digits."""
    digits = re.sub(r"[^\d+]", "", phone)
    if len(digits) <= 5:
        return "*" * len(digits)
    head = 3 if digits.startswith("+") else 1
    return digits[:head] + "*" * (len(digits) - head - 3) + digits[-3:]


def mask_iban(iban: str) -> str:
    """``DE89370400440532013000`` → ``DE89**************3000``."""
    compact = re.sub(r"\s+", "", iban)
    return compact[:4] + "*" * max(len(compact) - 8, 0) + compact[-4:]


def mask_text(text: str) -> str:
    """``text`` with every number, address, IBAN, PIN and session token masked, line breaks flattened."""
    text = re.sub(r"\s", " ", text)
    text = _ESCAPED_BREAK.sub(" ", text)
    text = _JWT.sub("eyJ***(token)", text)
    text = _PIN.sub(lambda m: m.group(1) + "******", text)
    text = _IBAN.sub(lambda m: mask_iban(m.group(0)), text)
    text = _INSURANCE_NUMBER.sub(lambda m: mask_insurance_number(re.sub(r"-\d$", "", m.group(0))), text)
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
    text = _DIGITS.sub(lambda m: mask_phone(m.group(0)), text)
    return text


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask ``record`` in place: its message (with arguments merged) and traceback."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what can be kept
        message = str(record.msg)
    record.msg = mask_text(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    return record


def mask_value(value: Any) -> Any:
    """``value`` with every string inside it masked (dicts, lists and tuples are walked)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_value(item) for item in value)
    return value


def mask_event_dict(_logger: Any, _method: str, event_dict: dict) -> dict:
    """A structlog processor: mask every value before anything renders it (JSON would hide line breaks)."""
    return {key: mask_value(item) for key, item in event_dict.items()}


def install_structlog_masking() -> bool:
    """Put :func:`mask_event_dict` into structlog's processors before any renderer (Rasa configures structlog at start).

    The list is changed in place, so loggers that were already used and cached
    their configuration mask too. Returns whether structlog is there.
    """
    try:
        import structlog
    except ImportError:
        return False
    processors = structlog.get_config()["processors"]
    if mask_event_dict not in processors:
        # after the level filter (events below the level cost nothing), before any renderer
        level_filter = structlog.stdlib.filter_by_level
        position = processors.index(level_filter) + 1 if level_filter in processors else 0
        processors.insert(position, mask_event_dict)
    return True


def install_log_masking() -> None:
    """Mask every log record of this process when it is created, whoever logs it."""
    install_structlog_masking()
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_personal_data", False):
        return

    def masking_factory(*args, **kwargs) -> logging.LogRecord:
        return mask_record(factory(*args, **kwargs))

    masking_factory.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masking_factory)


@lru_cache(maxsize=None)
def _hash_key(configured: str) -> bytes:
    if configured:
        return configured.encode("utf-8")
    # Development: a random key kept beside the SQLite file. Production sets MEMBER_HASH_KEY.
    path = Path(os.environ.get("MEMBER_HASH_KEY_FILE", DEV_KEY_FILE))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of ``value`` under the member hash key, hex."""
    key = _hash_key(load_settings().member_hash_key)
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


#: Slots that hold personal data. The production tracker store never writes their values
#: into stored events (it keeps the current ones apart, for the flow that needs them).
PERSONAL_SLOTS = frozenset({
    "insurance_number", "postcode", "email", "phone", "ident_retry_number",
    "new_street", "new_house_number", "new_postcode", "new_city", "new_email", "new_phone", "new_iban",
    "change_summary",
})
#: Slots that hold identifiers the assistant made up itself (an approval request's public id).
#: They are never personal data, and a masked id is another id: the production tracker store
#: keeps their values as they are ("ab12cdef34567890" looks like the start of an IBAN).
OPAQUE_SLOTS = frozenset({"approval_id"})
#: What stands in a stored event for a personal value.
REDACTED = "***"


def redact(value: Any, known: "frozenset[str] | set[str]") -> Any:
    """``value`` masked as in logs, with every ``known`` personal value (3+ characters) replaced too.

    ``known`` holds what the member gave in this conversation (a street, a city,
    a PLZ): values no pattern can recognise in free text.
    """
    if isinstance(value, str):
        for item in sorted((k for k in known if len(k) >= 3), key=len, reverse=True):
            value = re.sub(re.escape(item), REDACTED, value, flags=re.IGNORECASE)
        return mask_text(value)
    if isinstance(value, dict):
        return {key: redact(item, known) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(item, known) for item in value)
    return value
