"""bot/validation.py: what members type, checked and normalised (no Rasa, no database)."""

from __future__ import annotations

import random
import string

import pytest

from bot import validation as v

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


@pytest.mark.parametrize("typed", ["nein", "Überspringen", "keine!", "nein danke", " ohne "])
def test_skip_words(typed):
    assert v.is_skip(typed)


@pytest.mark.parametrize("typed", ["anna@example.de", "0170 1234567", "nein, doch: 0170 1234567"])
def test_values_are_not_skips(typed):
    assert not v.is_skip(typed)


@pytest.mark.parametrize("typed,method", [("Video-Ident", "video"), ("per NECT App", "video"), ("Brief", "letter"),
                                          ("lieber per Post", "letter"), ("weiß nicht", None), ("Video oder Brief?", None)])
def test_ident_method(typed, method):
    assert v.parse_ident_method(typed) == method
