"""bot/validation.py: what members type, checked and normalised (no Rasa, no database)."""

from __future__ import annotations

import random
import string

import pytest
import yaml

from bot import validation as v
from bot.config import PROJECT_ROOT
from bot.services import changes

DEMO_NUMBERS = ["A123456780", "B204816328", "C314159266", "D271828180", "E161803391"]


@pytest.mark.parametrize("number", DEMO_NUMBERS)
def test_the_demo_numbers_have_valid_check_digits(number):
    assert v.check_insurance_number(number) == v.Valid(number)


def test_check_digit_worked_example():
    # A -> 01; digits 0 1 1 2 3 4 5 6 7 8 weighted 1 2 1 2 ...: products 0 2 1 4 3 8 5 12 7 16,
    # cross sums 0 2 1 4 3 8 5 3 7 7 = 40 -> check digit 0.
    assert v.insurance_number_check_digit("A12345678") == 0


@pytest.mark.parametrize("typed", ["a123456780", " A 123 456 780 ", "A123456780-1", "a 1234 56780-2", "A123.456.780"])
def test_what_members_type_is_normalised(typed):
    assert v.check_insurance_number(typed) == v.Valid("A123456780")


@pytest.mark.parametrize("typed", ["", "123456789", "AB12345678", "A12345678", "A1234567801", "Ä123456780", "A12345678O", "A123456780-12", "'; DROP TABLE members; --"])
def test_malformed_numbers_get_the_format_hint(typed):
    checked = v.check_insurance_number(typed)
    assert checked == v.Invalid("insurance_number", "format")
    assert checked.response == "utter_invalid_insurance_number_format"


def test_every_wrong_check_digit_is_caught_with_its_own_hint():
    rng = random.Random(7)
    for _ in range(500):
        stem = rng.choice(string.ascii_uppercase) + "".join(rng.choice(string.digits) for _ in range(8))
        right = v.insurance_number_check_digit(stem)
        assert v.check_insurance_number(f"{stem}{right}").ok
        for wrong in set(range(10)) - {right}:
            checked = v.check_insurance_number(f"{stem}{wrong}")
            assert checked == v.Invalid("insurance_number", "check_digit")


def test_a_swapped_pair_of_neighbouring_digits_is_mostly_caught():
    rng = random.Random(11)
    caught = total = 0
    for _ in range(500):
        stem = rng.choice(string.ascii_uppercase) + "".join(rng.choice(string.digits) for _ in range(8))
        number = stem + str(v.insurance_number_check_digit(stem))
        i = rng.randrange(1, 9)
        if number[i] == number[i + 1]:
            continue
        swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        total += 1
        caught += not v.check_insurance_number(swapped).ok
    assert caught / total > 0.85


@pytest.mark.parametrize("typed,expected", [("84130", "84130"), ("01067", "01067"), (" 80 809 ", "80809")])
def test_postcodes_keep_their_leading_zero(typed, expected):
    assert v.check_postcode(typed) == v.Valid(expected)


@pytest.mark.parametrize("typed", ["1067", "840300", "8413O", "", "abcde"])
def test_malformed_postcodes(typed):
    assert v.check_postcode(typed) == v.Invalid("postcode", "format")


@pytest.mark.parametrize("typed,expected", [("Anna.Berger@Example.DE", "Anna.Berger@example.de"), ("  c.maier@beispiel.de ", "c.maier@beispiel.de")])
def test_emails_are_normalised(typed, expected):
    assert v.check_email(typed) == v.Valid(expected)


@pytest.mark.parametrize("typed", ["anna", "anna@", "@beispiel.de", "anna berger@beispiel.de", "a@b", "x" * 300 + "@beispiel.de"])
def test_malformed_emails(typed):
    assert not v.check_email(typed).ok


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("0170 1234567", "+491701234567"),
        ("+49 170 1234567", "+491701234567"),
        ("0049 170 1234567", "+491701234567"),
        ("08731 762138", "+498731762138"),
        ("(089) 123456-7", "+49891234567"),
        ("+43 1 5131234", "+4315131234"),
    ],
)
def test_mobile_and_landline_numbers_become_e164(typed, expected):
    assert v.check_phone(typed) == v.Valid(expected)


@pytest.mark.parametrize("typed", ["2345678", "762138", "", "Telefon", "1701234567"])
def test_numbers_without_area_code_get_the_area_code_hint(typed):
    checked = v.check_phone(typed)
    assert checked == v.Invalid("phone", "area_code")


@pytest.mark.parametrize("typed", ["0170", "0000000000", "+49 1", "01701234567890123"])
def test_invalid_numbers_with_area_code(typed):
    checked = v.check_phone(typed)
    assert checked == v.Invalid("phone", "invalid")


@pytest.mark.parametrize("typed", ["nein", "Überspringen", "keine!", "nein danke", " ohne ", "die lass ich weg",
                                   "Telefon auch nicht", "die Nummer gebe ich nicht an", "nicht nötig", "weglassen bitte",
                                   "mail skip", "tel nö", "Handy nein danke"])
def test_skip_words(typed):
    assert v.is_skip(typed)


@pytest.mark.parametrize("typed", ["anna@example.de", "0170 1234567", "nein, doch: 0170 1234567", "ja gerne",
                                   "meine Nummer ist 0171 2345678"])
def test_values_are_not_skips(typed):
    assert not v.is_skip(typed)


@pytest.mark.parametrize("typed,method", [("Video-Ident", "video"), ("per NECT App", "video"), ("Brief", "letter"),
                                          ("lieber per Post", "letter"), ("weiß nicht", None), ("Video oder Brief?", None)])
def test_ident_method(typed, method):
    assert v.parse_ident_method(typed) == method


# ------------------------------------------------------------ data changes: the new values
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def domain_responses() -> set[str]:
    return set(DOMAIN["responses"])


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("de89370400440532013000", "DE89370400440532013000"),
        (" DE89-3704-0044-0532-0130-00 ", "DE89370400440532013000"),
        ("AT61 1904 3002 3457 3201", "AT611904300234573201"),
        ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
    ],
)
def test_ibans_are_checked_and_compacted(typed, expected):
    assert v.check_iban(typed) == v.Valid(expected)


@pytest.mark.parametrize(
    "typed",
    [
        "DE89370400440532013001",  # one digit off: the check digits catch it
        "DE00370400440532013000",  # wrong check digits
        "DE8937040044053201300",  # a digit short
        "XX89370400440532013000",  # no such country
        "",
        "meine IBAN",
    ],
)
def test_wrong_ibans_get_the_iban_hint(typed):
    checked = v.check_iban(typed)
    assert checked == v.Invalid("iban", "invalid")
    assert checked.response in domain_responses()


@pytest.mark.parametrize(
    "typed,expected",
    [("Bahnhofstraße", "Bahnhofstraße"), ("  Am   Weiher ", "Am Weiher"), ("Lerchenauer Straße", "Lerchenauer Straße"),
     ("St.-Martin-Str.", "St.-Martin-Str."), ("An der B 12", "An der B 12")],
)
def test_streets_are_trimmed(typed, expected):
    assert v.check_street(typed) == v.Valid(expected)


@pytest.mark.parametrize("typed", ["", "B", "12", "Ö1", "x" * 101, "Straße<script>", "Weg; DROP TABLE", "{{street}}"])
def test_malformed_streets(typed):
    checked = v.check_street(typed)
    assert checked == v.Invalid("street", "format")
    assert checked.response in domain_responses()


@pytest.mark.parametrize("typed,expected", [("12", "12"), ("12a", "12a"), ("12 A", "12a"), ("12-14", "12-14"),
                                            ("3b-5c", "3b-5c"), ("1234", "1234")])
def test_house_numbers_are_normalised(typed, expected):
    assert v.check_house_number(typed) == v.Valid(expected)


@pytest.mark.parametrize("typed", ["", "12345", "a12", "12ab", "12/14", "zwölf", "12-"])
def test_malformed_house_numbers(typed):
    checked = v.check_house_number(typed)
    assert checked == v.Invalid("house_number", "format")
    assert checked.response in domain_responses()


@pytest.mark.parametrize("typed,expected", [("Dingolfing", "Dingolfing"), ("München", "München"),
                                            ("Frankfurt am Main", "Frankfurt am Main"), ("Halle (Saale)", "Halle (Saale)"),
                                            ("Neustadt a.d. Aisch", "Neustadt a.d. Aisch"), (" Bad  Tölz ", "Bad Tölz"),
                                            ("Mülheim/Ruhr", "Mülheim/Ruhr")])
def test_cities(typed, expected):
    assert v.check_city(typed) == v.Valid(expected)


@pytest.mark.parametrize("typed", ["", "M", "80809 München", "1Ort", "<b>", "x" * 101, "Köln; DROP"])
def test_malformed_cities(typed):
    checked = v.check_city(typed)
    assert checked == v.Invalid("city", "format")
    assert checked.response in domain_responses()


def test_a_whole_new_address_is_checked_field_by_field():
    typed = {"new_street": " Am  Weiher", "new_house_number": "12 B", "new_postcode": "84030", "new_city": "Ergolding"}
    checked = {field: changes.CHECKS[field](value) for field, value in typed.items()}
    assert {field: c.value for field, c in checked.items()} == {
        "new_street": "Am Weiher", "new_house_number": "12b", "new_postcode": "84030", "new_city": "Ergolding"}
    assert set(changes.FIELDS["address"]) == set(typed)
    assert changes.CHECKS["new_postcode"]("8403") == v.Invalid("postcode", "format")


# ------------------------------------------------------------ data changes: what to change, and yes or no
CHANGE_WORDINGS = {
    "address": [
        "Ich möchte meine Hausnummer ändern", "Adresse ändern", "Ich bin umgezogen", "neue Straße eintragen",
        "Meine Anschrift hat sich geändert", "Wohnort ändern", "Wir ziehen nächste Woche um", "neue adresse",
        "Hausnr. korrigieren", "Meine Strasse ist falsch geschrieben", "Können Sie meine Meldeadresse aktualisieren?",
    ],
    "phone": [
        "Ich möchte meine Telefonnummer ändern", "Neue Handynummer hinterlegen", "Ich habe eine neue Mobilnummer",
        "Rufnummer ändern", "neue Festnetznummer", "Telefon-Nr. ändern", "handy nummer ist neu", "Bitte ändern Sie meine Telefonnummer",
    ],
    "email": [
        "Ich möchte meine E-Mail-Adresse ändern", "E-Mail ändern", "Neue Mailadresse eintragen", "email ändern",
        "Meine E-Mail Adresse hat sich geändert", "neue Mail", "Emailadresse aktualisieren",
    ],
    "iban": [
        "Ich möchte meine Bankverbindung ändern", "Neue IBAN hinterlegen", "Ich habe ein neues Konto, bitte IBAN ändern",
        "Kontodaten aktualisieren", "Kontonummer ändern", "neue Bankverbindung", "mein Girokonto hat sich geändert",
        "iban ändern",
    ],
    None: [
        "Versichertennummer ändern", "Ich möchte meine Versichertennummer ändern", "Meine Nummer ändern",
        "Daten ändern", "Meine Kontaktdaten ändern", "Ich möchte mein Passwort ändern", "Mein Benutzerkonto",
        "Ich wohne jetzt in Mailand", "", "Kundennummer ändern",
    ],
}


@pytest.mark.parametrize("kind,typed", [(k, t) for k, texts in CHANGE_WORDINGS.items() for t in texts])
def test_change_kind(kind, typed):
    assert v.parse_change_kind(typed) == kind


def test_every_change_kind_is_recognised_in_many_wordings():
    assert all(len(texts) >= 6 for texts in CHANGE_WORDINGS.values())
    assert set(CHANGE_WORDINGS) - {None} == set(changes.FIELDS)


@pytest.mark.parametrize("title", ["Adresse", "E-Mail-Adresse", "Telefonnummer", "Bankverbindung"])
def test_the_change_kind_buttons_are_understood(title):
    assert changes.KIND_NAMES[v.parse_change_kind(title)] == title


YES_NO = {
    "yes": ["ja", "Ja!", "Ja, bitte.", "jo", "jep", "klar", "na klar", "gerne", "Ja gerne", "passt", "passt so",
            "stimmt so", "Stimmt.", "genau", "richtig", "korrekt", "ok", "Okay", "Ja, übermitteln", "bestätigen",
            "in Ordnung"],
    "no": ["nein", "Nein.", "nö", "nee", "ne", "lieber nicht", "Nein, lieber nicht", "nein danke", "falsch",
           "stimmt nicht", "passt nicht", "nicht übermitteln", "doch nicht", "bitte nicht"],
    None: ["", "vielleicht", "weiß nicht", "ja nein", "ja, aber die Hausnummer stimmt nicht", "Musterstraße 5",
           "was heißt das?", "später", "nein, doch ja"],
}


@pytest.mark.parametrize("answer,typed", [(a, t) for a, texts in YES_NO.items() for t in texts])
def test_yes_no(answer, typed):
    assert v.parse_yes_no(typed) == answer


def test_the_confirmation_buttons_are_understood():
    buttons = {b["title"]: b["payload"] for b in DOMAIN["responses"]["utter_ask_change_confirmed"][0]["buttons"]}
    assert [v.parse_yes_no(payload) for payload in buttons.values()] == ["yes", "no"]
    assert [v.parse_yes_no(title) for title in buttons] == ["yes", "no"]


def test_skipping_in_bavarian():
    from bot import validation

    assert validation.is_skip("an E-Mail hob i ned") and validation.is_skip("koane")
    assert validation.is_skip("Mail brauchts ned") and validation.is_skip("eine E-Mail hat sie nicht")
    assert not validation.is_skip("anna@example.de")


def test_a_message_that_is_only_a_mistyped_number():
    from bot import validation

    assert validation.is_bare_number_attempt("E16180339") and validation.is_bare_number_attempt("8413")
    assert not validation.is_bare_number_attempt("A123") and not validation.is_bare_number_attempt("hallo 8413")


def test_the_method_named_with_a_registration_request():
    from bot import validation

    assert validation.method_named_with_task("hi, registrieren per brief") == "letter"
    assert validation.method_named_with_task("Registrierung per Video bitte") == "video"
    assert validation.method_named_with_task("registrierung bitte. aber ohne video, ich halt mein gesicht nicht hin") is None
    assert validation.method_named_with_task("registrieren, geht das per Brief?") is None


def test_a_method_chosen_in_passing_but_not_one_turned_down():
    from bot import validation

    assert validation.chosen_method("ok dann brief") == "letter"
    assert validation.chosen_method("ok dann mach ich das jetzt, aber ohne Video") is None


@pytest.mark.parametrize("text, method", [
    ("video bitte, brief dauert mir zu lang", "video"),
    ("Video ist nichts für sie, lieber ganz normal mit der Post", "letter"),
    ("Per Brief bitte, das Video schafft er nicht", "letter"),
    ("ich will keinen brief, lieber video", "video"),
    ("Brief oder Video, was ist besser?", None),
    ("Video bitte", None),  # one method alone: read by parse_ident_method
    ("Ich hätte gern eine Auskunft zu meinem Brief von gestern", None),
])
def test_a_method_chosen_with_the_other_turned_down(text: str, method):
    assert v.chosen_against_other(text) == method
