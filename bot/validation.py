"""What members type, checked and normalised: Versichertennummer, PLZ, e-mail, phone, address, IBAN.

Pure functions without side effects. Each returns a :class:`Valid` with the
normalised value or an :class:`Invalid` naming the field and the reason; the
hint for the member is the response ``utter_invalid_<field>_<reason>`` in
domain.yml. These checks only look at the format, so a hint never reveals
whether a member exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

import phonenumbers
from email_validator import EmailNotValidError, validate_email

#: Versichertennummer: one capital letter, nine digits, the last one a check digit.
INSURANCE_NUMBER = re.compile(r"^[A-Z][0-9]{9}$")
POSTCODE = re.compile(r"^[0-9]{5}$")

@dataclass(frozen=True)
class Valid:
    """A valid input and its normalised form."""

    value: str

    @property
    def ok(self) -> bool:
        return True


@dataclass(frozen=True)
class Invalid:
    """An invalid input: which field, and why."""

    field: str
    reason: str

    @property
    def response(self) -> str:
        """The domain response that tells the member how to fix it."""
        return f"utter_invalid_{self.field}_{self.reason}"

    @property
    def ok(self) -> bool:
        return False


Checked = Union[Valid, Invalid]


def insurance_number_check_digit(letter_and_eight_digits: str) -> int:
    """The check digit of a Versichertennummer from its letter and first eight digits.

    The letter becomes its position in the alphabet as two digits (A = 01 ... Z = 26);
    with the eight digits that gives ten digits, weighted alternately 1 and 2. The
    cross sums of the products are added up; the sum modulo 10 is the check digit.
    """
    letter, digits = letter_and_eight_digits[0], letter_and_eight_digits[1:]
    sequence = f"{ord(letter.upper()) - ord('A') + 1:02d}{digits}"
    total = 0
    for position, char in enumerate(sequence):
        product = int(char) * (1 if position % 2 == 0 else 2)
        total += product // 10 + product % 10
    return total % 10


def normalise_insurance_number(raw: str) -> str:
    """What a member typed, in the canonical form: upper case, no spaces, no card suffix ("-1")."""
    text = re.sub(r"[\s.]+", "", raw or "").upper()
    return re.sub(r"-\d$", "", text)


def check_insurance_number(raw: str) -> Checked:
    """Check a Versichertennummer: format, then check digit."""
    number = normalise_insurance_number(raw)
    if not INSURANCE_NUMBER.match(number):
        return Invalid("insurance_number", "format")
    if insurance_number_check_digit(number[:9]) != int(number[9]):
        return Invalid("insurance_number", "check_digit")
    return Valid(number)


def check_postcode(raw: str) -> Checked:
    """Check a German Postleitzahl: five digits, leading zero kept."""
    text = re.sub(r"\s+", "", raw or "")
    if not POSTCODE.match(text):
        return Invalid("postcode", "format")
    return Valid(text)


def check_email(raw: str) -> Checked:
    """Check an e-mail address offline (no DNS) and normalise it."""
    text = (raw or "").strip()
    if not text or len(text) > 254:
        return Invalid("email", "format")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return Invalid("email", "format")
    return Valid(result.normalized)


def check_phone(raw: str) -> Checked:
    """Check a German mobile or landline number and return it as E.164.

    The raw input must start with 0, + or 00: phonenumbers would read a local
    number without area code ("2345678") as a valid number of some city.
    """
    text = re.sub(r"[\s/()\-.]+", "", raw or "")
    if not text or not re.match(r"^(\+|0)[0-9]", text) or not re.fullmatch(r"\+?[0-9]+", text):
        return Invalid("phone", "area_code")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, "DE")
    except phonenumbers.NumberParseException:
        return Invalid("phone", "invalid")
    if not phonenumbers.is_valid_number(parsed):
        return Invalid("phone", "invalid")
    return Valid(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


#: What members type to skip an optional question (e-mail, phone).
SKIP_WORDS = frozenset({"nein", "nö", "ne", "nee", "überspringen", "ueberspringen", "skip", "keine", "keins",
                        "ohne", "weiter", "möchte ich nicht", "lieber nicht", "nein danke", "keine angabe"})


def is_skip(raw: str) -> bool:
    """True when the member wants to skip an optional question."""
    text = re.sub(r"[^\wäöüß ]+", "", (raw or "").casefold()).strip()
    return text in SKIP_WORDS


def parse_ident_method(raw: str) -> Optional[str]:
    """``video`` or ``letter`` from what the member typed (or clicked), else ``None``."""
    text = (raw or "").casefold()
    video = any(word in text for word in ("video", "nect", "selfie", "ident", "app"))
    letter = any(word in text for word in ("brief", "post", "letter"))
    if video == letter:
        return None
    return "video" if video else "letter"


def check_iban(raw: str) -> Checked:
    """Check an IBAN's format and check digits (python-stdnum); compact upper-case form."""
    from stdnum import iban
    from stdnum.exceptions import ValidationError

    try:
        return Valid(iban.validate(raw or ""))
    except ValidationError:
        return Invalid("iban", "invalid")


def check_street(raw: str) -> Checked:
    """A street name: letters, at least two, at most 100 characters."""
    text = " ".join((raw or "").split())
    if not (2 <= len(text) <= 100) or not re.search(r"[A-Za-zÄÖÜäöüß]{2}", text) or re.search(r"[<>{}\[\];=\\]", text):
        return Invalid("street", "format")
    return Valid(text)


def check_house_number(raw: str) -> Checked:
    """A house number such as 12, 12a, 12-14."""
    text = re.sub(r"\s+", "", raw or "")
    if not re.fullmatch(r"[0-9]{1,4}[a-zA-Z]?(-[0-9]{1,4}[a-zA-Z]?)?", text):
        return Invalid("house_number", "format")
    return Valid(text.lower())


def check_city(raw: str) -> Checked:
    """A city name: letters, spaces, hyphens, dots and brackets, 2 to 100 characters."""
    text = " ".join((raw or "").split())
    if not (2 <= len(text) <= 100) or not re.fullmatch(r"[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß .\-()/]*", text):
        return Invalid("city", "format")
    return Valid(text)


#: Per kind of data change, the words (compounds without hyphens, case-folded) that name it;
#: checked in this order, so "E-Mail-Adresse" is an e-mail and not an address.
_CHANGE_WORDS = (
    ("email", re.compile(r"e?mail(s|adresse|adressen|addresse|account|anschrift)?")),
    ("iban", re.compile(r"iban(s|nummer)?|bank(verbindung|verbindungen|daten|konto|angaben|details)?"
                        r"|(bank|giro|gehalts)?konto(s|nummer|nr|daten|verbindung|angaben|inhaber)?")),
    ("phone", re.compile(r"(telefon|tel|handy|mobil|mobilfunk|ruf|rückruf|festnetz)(nummer|nummern|nr)?")),
    ("address", re.compile(r"\w*(adresse|adressen|anschrift)|(wohn)?ort|wohnung|umzug|umgezogen|umziehen"
                           r"|\w*strasse|str|haus(nummer|nr)|postleitzahl|plz")),
)
#: When a message names several kinds, the first of these wins ("E-Mail Adresse" is an e-mail).
_CHANGE_PRIORITY = ("iban", "email", "phone", "address")
#: "ich ziehe um", "wir ziehen nächste Woche um".
_MOVING = re.compile(r"\b(ziehe|ziehen|zieht|zog|zogen)\b.*\bum\b")


def _change_word_kind(word: str) -> Optional[str]:
    """The kind of change one word names ("hausnummer" -> address), or ``None`` ("versichertennummer")."""
    for kind, pattern in _CHANGE_WORDS:
        if pattern.fullmatch(word):
            return kind
    return None


def parse_change_kind(raw: str) -> Optional[str]:
    """``address``, ``email``, ``phone`` or ``iban`` from what the member typed, else ``None``.

    Whole words count, not parts of words: a "Hausnummer" is part of an address, and a
    "Versichertennummer" (or a bare "Nummer") names nothing that can be changed here.
    """
    text = (raw or "").casefold()
    words = [w.replace("-", "") for w in re.findall(r"\w+(?:-\w+)*", text)]
    kinds = {_change_word_kind(w) for w in words}
    if _MOVING.search(text):
        kinds.add("address")
    return next((kind for kind in _CHANGE_PRIORITY if kind in kinds), None)


_YES = frozenset({
    "ja", "jawohl", "jawoll", "ja bitte", "ja gerne", "ja gern", "gerne", "gern", "genau", "ja genau", "korrekt",
    "ja korrekt", "richtig", "ja richtig", "stimmt", "ja stimmt", "stimmt so", "das stimmt", "ja das stimmt",
    "alles richtig", "alles korrekt", "ok", "okay", "passt", "passt so", "ja passt", "das passt", "klar", "na klar",
    "ja klar", "sicher", "einverstanden", "in ordnung", "bestätigen", "ja bestätigen", "übermitteln",
    "ja übermitteln", "ja bitte übermitteln", "yes", "jep", "jup", "jo",
})
_NO = frozenset({
    "nein", "nö", "noe", "ne", "nee", "nope", "no", "nein danke", "lieber nicht", "nein lieber nicht", "bitte nicht",
    "nein bitte nicht", "doch nicht", "falsch", "nein falsch", "das ist falsch", "stimmt nicht", "das stimmt nicht",
    "passt nicht", "nicht korrekt", "nicht übermitteln", "nein nicht übermitteln", "auf keinen fall",
})


def parse_yes_no(raw: str) -> Optional[str]:
    """``yes`` or ``no`` for a confirmation, else ``None``; only whole answers count, not "ja, aber ..."."""
    text = " ".join(re.findall(r"\w+", (raw or "").casefold()))
    if text in _YES:
        return "yes"
    if text in _NO:
        return "no"
    return None
