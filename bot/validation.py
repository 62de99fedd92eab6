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


#: A Versichertennummer inside other words ("meine Nummer ist A 123 456 780").
_NUMBER_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z])[\s.]?((?:\d[\s.]?){8}\d)(?:-\d)?(?!\d)")
#: A Postleitzahl inside other words ("01067 Dresden", "PLZ ist 84130").
_POSTCODE_IN_TEXT = re.compile(r"(?<![\d\w])(\d{5})(?!\d)")
#: Something that looks like an attempt at a Versichertennummer (a letter and several digits, or many digits).
_NUMBER_ATTEMPT = re.compile(r"(?<![A-Za-z])[A-Za-z][\s.-]?\d{3,}|\d{4,}")


def find_insurance_number(raw: str) -> Optional[str]:
    """The first Versichertennummer-shaped part of a longer text (normalised, not yet checked), or ``None``."""
    match = _NUMBER_IN_TEXT.search(raw or "")
    if match is None:
        return None
    return (match.group(1) + re.sub(r"[\s.]", "", match.group(2))).upper()


def find_postcode(raw: str) -> Optional[str]:
    """The only five-digit group of a text outside a Versichertennummer, or ``None`` (none or several)."""
    text = _NUMBER_IN_TEXT.sub(" ", raw or "")
    found = set(_POSTCODE_IN_TEXT.findall(text))
    return found.pop() if len(found) == 1 else None


def without_data(raw: str) -> str:
    """The text with every IBAN, Versichertennummer, e-mail, phone number and PLZ taken out."""
    rest = re.sub(r"\b[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){10,30}\b", " ", raw or "")  # an IBAN
    rest = _NUMBER_IN_TEXT.sub(" ", rest)
    rest = re.sub(r"[^\s,;:<>()\"']+@[^\s,;:<>()\"']+", " ", rest)
    rest = re.sub(r"(?:\+|00|0)[\d\s/()\-.]{5,}\d", " ", rest)
    return _POSTCODE_IN_TEXT.sub(" ", rest)


def is_bare_data(raw: str) -> bool:
    """True for a message that is only personal data (a Versichertennummer, PLZ, e-mail or phone
    number, with at most three other words) and no question: nothing to answer outside a task."""
    text = raw or ""
    if "?" in text:
        return False
    rest = without_data(text)
    if rest == text:
        return False
    return len(re.findall(r"[^\W\d_]+", rest)) <= 3 and not re.search(r"\d", rest)


def looks_like_data(raw: str) -> bool:
    """True for a message that carries data (five or more digits, or an @) rather than a question."""
    text = raw or ""
    return "?" not in text and ("@" in text or len(re.findall(r"\d", text)) >= 5)


def is_bare_number_attempt(raw: str) -> bool:
    """True for a message that is only a mistyped Versichertennummer ("E16180339") or PLZ ("8413")."""
    text = (raw or "").strip().rstrip(".")
    return bool(re.fullmatch(r"[A-Za-z][\s.-]?\d[\d\s.]{5,12}\d|\d{4,6}", text))


def looks_like_number_attempt(raw: str) -> bool:
    """True when the text contains something like a (mistyped) Versichertennummer."""
    return bool(_NUMBER_ATTEMPT.search(raw or ""))


def looks_like_postcode_attempt(raw: str) -> bool:
    """True when the text contains a run of three to seven digits (a mistyped PLZ)."""
    return bool(re.search(r"(?<!\d)\d{3,7}(?!\d)", raw or ""))


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


#: Words that, at the start of an answer to an optional question, mean "none" ("nein danke, keine Telefonnummer").
_SKIP_START = frozenset({"nein", "nö", "ne", "nee", "noe", "keine", "kein", "keins", "ohne", "überspringen",
                         "ueberspringen", "skip", "weiter", "lieber", "no", "none", "nope", "nothing"})
_SKIP_INSIDE = re.compile(r"\b(keine?n?|ohne|nicht angeben|will ich nicht|möchte ich nicht|moechte ich nicht|"
                          r"überspringen|ueberspringen|skip|brauch ich nicht|hab ich nicht|habe ich nicht|"
                          r"lass\w*\b.*\bweg|weglassen|auch nicht|geb\w* ich nicht|nicht nötig|nicht noetig|"
                          # for someone else: "eine E-Mail hat sie nicht"
                          r"ha(?:t|ben)\s+(?:sie|er|wir)\s+(?:nicht|keine?n?)|"
                          r"lieber nicht|brauch\w* (?:du|ihr|sie) nicht|lass\w* (?:ich |wir |das |die |es )?(?:frei|leer)|frei ?lassen|"
                          r"leer ?lassen|bleibt (?:frei|leer)|"
                          # Bavarian: "an E-Mail hob i ned", "koane"
                          r"h(?:o|a)b i (?:ned|net|koa\w*)|koa(?:ne|n)?|brauch i ned|brauchts? (?:ned|net|nit|nicht)|"
                          # the field, then a no: "tel nö", "mail nein"
                          r"(?:e ?mail|mail|tel|telefon|handy|nummer|handynummer)\s+(?:nö|noe|nein|nee|ne|nix))\b")


#: A skip has at most this many words ("E-Mail und Handy möchte ich nicht angeben, bitte beides weglassen") ...
MAX_SKIP_WORDS = 12
#: ... and, when longer than this, is no question ("was ist, wenn ich keine E-Mail-Adresse habe?").
MAX_SKIP_QUESTION_WORDS = 8


def is_skip(raw: str) -> bool:
    """True when the member wants to skip an optional question, also in more words ("hab keine email")."""
    text = re.sub(r"[^\wäöüß ]+", " ", (raw or "").casefold())
    text = " ".join(text.split())
    if text in SKIP_WORDS:
        return True
    words = text.split()
    if not words or len(words) > MAX_SKIP_WORDS or "@" in (raw or "") or re.search(r"\d{4,}", text):
        return False
    if len(words) > MAX_SKIP_QUESTION_WORDS and ("?" in raw or re.match(r"(?:was|wie|warum|wieso|muss|kann)\b", text)):
        return False
    return words[0] in _SKIP_START or bool(_SKIP_INSIDE.search(text))


#: The phone named beside the e-mail in one skip ("keine Mail, keine Handynummer", "beides weglassen").
_BOTH_FIELDS = re.compile(r"\b(?:beides|beide|handy\w*|telefon\w*|tel|mobil\w*|phone|nummer)\b")


def skips_phone_too(raw: str) -> bool:
    """True when a skip at the e-mail question also skips the phone ("E-Mail und Handy lass ich weg")."""
    return is_skip(raw) and bool(_BOTH_FIELDS.search((raw or "").casefold()))


def find_email(raw: str) -> Optional[str]:
    """An e-mail-shaped part of a longer text ("meine mail ist x@y.de bitte"), or ``None``."""
    match = re.search(r"[^\s,;:<>()\"']+@[^\s,;:<>()\"']+", raw or "")
    return match.group(0).rstrip(".!?") if match else None


def find_phone(raw: str) -> Optional[str]:
    """A phone-number-shaped part of a longer text ("handy: 0170 1234567"), or ``None``."""
    match = re.search(r"(?:\+|00|0)[\d\s/()\-.]{5,}\d", raw or "")
    return match.group(0) if match else None


def is_method_question(raw: str) -> bool:
    """True when the member asks about the methods instead of choosing ("Was ist besser, Video oder Brief?")."""
    text = (raw or "").casefold()
    both = any(w in text for w in ("video", "nect", "selfie")) and any(w in text for w in ("brief", "post"))
    asks = "?" in text or any(w in text for w in ("besser", "unterschied", "schneller", "vorteil", "empfehl"))
    # "Was ist denn der Unterschied zwischen den beiden Möglichkeiten?" names neither
    compares = re.search(r"\b(?:unterschied\w*|besser|vorteil\w*|empfehl\w*|sicherer|schneller|einfacher)\b", text) \
        and re.search(r"\b(?:beide\w*|m(?:ö|oe)glichkeit\w*|option\w*|variante\w*|methode\w*|wege?|welche\w*|was)\b", text)
    return (both and asks) or bool(compares and "?" in text)


def chosen_method(raw: str) -> Optional[str]:
    """The method a member chooses in passing ("ok dann brief"), or ``None``; "aber ohne Video" or "kein Brief"
    chooses none."""
    text = (raw or "").casefold()
    if "?" in text or re.search(r"\b(?:ohne|kein\w*|nicht)\b", text):
        return None
    return parse_ident_method(text)


#: A method chosen with the other one turned down in the same message ("video bitte, brief dauert mir zu lang",
#: "Per Brief bitte, das Video schafft er nicht", "Video ist nichts für sie, lieber ganz normal mit der Post").
_CLAUSES = re.compile(r"[,.;!?]+|\s+(?:und|aber|weil|denn|da)\s+")
_CHOOSING = re.compile(r"\b(?:bitte|lieber|nehm\w*|mach\w*|will|m(?:ö|oe)cht\w*|w(?:ä|ae)hl\w*|per|via|gern\w*)\b")
_TURNED_DOWN = re.compile(r"\b(?:nicht|nichts|nix|ned|kein\w*|zu\s+lang\w*|dauert|schafft|mag|ohne)\b")


def chosen_against_other(raw: str) -> Optional[str]:
    """The method chosen in one clause while another clause turns the other down, or ``None``."""
    text = (raw or "").casefold()
    chosen, declined = set(), set()
    for clause in (c.strip() for c in _CLAUSES.split(text) if c and c.strip()):
        method = parse_ident_method(clause)
        if method is None:
            continue
        if _TURNED_DOWN.search(clause):
            declined.add(method)
        elif _CHOOSING.search(clause):
            chosen.add(method)
    if len(chosen) == 1 and len(declined) == 1 and not chosen & declined:
        return next(iter(chosen))
    return None


def method_named_with_task(raw: str) -> Optional[str]:
    """The method a registration request names outright ("registrieren per Brief", "Registrierung per Video
    bitte"), or ``None``; "aber ohne Video" or "kein Brief" names none."""
    text = (raw or "").casefold()
    if not re.search(r"\b(?:per|mit|(?:ü|ue)ber|via)\s+(?:der\s+|dem\s+|den\s+)?(?:brief|post|video\w*|nect|selfie)\b", text):
        return None
    return chosen_method(text)


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
