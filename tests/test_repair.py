"""Reading a member's message inside a task (bot/repair.py, bot/validation.py): no Rasa, no store."""

from __future__ import annotations

import pytest

from bot import repair, validation
from bot.repair import FAQ, FILL, INVALID, LEAVE, NO, SAY, SKIP, SWITCH, YES, interpret


@pytest.mark.parametrize("text, number, postcode", [
    ("A123456780", "A123456780", None),
    ("meine nummer ist a 123 456 780", "A123456780", None),
    ("A123456780-1", "A123456780", None),
    ("A123456780 und die PLZ 84130", "A123456780", "84130"),
])
def test_the_number_is_found_in_other_words(text: str, number: str, postcode: str | None):
    decision = interpret("insurance_number", text, "inform_data", 1.0, "resend_form")
    assert decision.action == FILL
    assert decision.values == {"insurance_number": number, **({"postcode": postcode} if postcode else {})}


@pytest.mark.parametrize("text", ["01067 Dresden", "meine PLZ ist 01067", "ah sorry, 01067", "PLZ: 01067."])
def test_the_postcode_is_found_in_other_words_and_keeps_its_leading_zero(text: str):
    assert interpret("postcode", text, "inform_data", 1.0, "resend_form").values == {"postcode": "01067"}


def test_after_a_failed_identification_the_corrected_postcode_alone_is_enough():
    decision = interpret("insurance_number", "oh, falsche PLZ, richtig ist 84130", "inform_data", 1.0,
                         "registration_form", remembered_number="A123456780")
    assert decision.action == FILL
    assert decision.values == {"insurance_number": "A123456780", "postcode": "84130"}
    # without a remembered number a PLZ is not a Versichertennummer
    assert interpret("insurance_number", "84130", "inform_data", 1.0, "registration_form").action == INVALID


def test_a_mistyped_number_names_its_fault():
    assert interpret("insurance_number", "A123456789", "inform_data", 1.0, "resend_form").response == \
        "utter_invalid_insurance_number_check_digit"
    assert interpret("insurance_number", "A12345", "inform_data", 1.0, "resend_form").response == \
        "utter_invalid_insurance_number_format"
    assert interpret("postcode", "8413", "inform_data", 1.0, "resend_form").response == "utter_invalid_postcode_format"


@pytest.mark.parametrize("field, text", [
    ("email", "nein danke, keine E-Mail"), ("email", "hab keine email"), ("email", "überspringen"),
    ("phone", "nein danke, keine Telefonnummer"), ("phone", "ohne Telefon bitte"), ("phone", "lieber nicht"),
])
def test_optional_answers_can_be_declined_in_words(field: str, text: str):
    assert interpret(field, text, "deny", 0.9, "registration_form").action == SKIP


def test_contact_data_is_found_in_other_words():
    assert interpret("email", "die mail ist anna.berger@example.de danke", "inform_data", 1.0,
                     "registration_form").values == {"email": "anna.berger@example.de"}
    assert interpret("phone", "handy: 0170 1234567", "inform_data", 1.0,
                     "registration_form").values == {"phone": "+491701234567"}


def test_the_method_in_words_and_a_question_about_the_methods():
    assert interpret("ident_method", "per video bitte", "faq", 0.6, "registration_form").values == \
        {"ident_method": "video"}
    assert interpret("ident_method", "lieber mit der Post", "faq", 0.6, "registration_form").values == \
        {"ident_method": "letter"}
    compare = interpret("ident_method", "Welche Variante geht schneller, Video oder Brief?", "faq", 0.7,
                        "registration_form")
    assert (compare.action, compare.response, compare.resume) == (SAY, "utter_ident_method_compare", True)


def test_leaving_and_switching_win_only_without_data():
    assert interpret("postcode", "ach vergiss es", "cancel", 0.9, "password_letter_form").action == LEAVE
    assert interpret("insurance_number", "nein danke", "deny", 0.9, "password_letter_form").action == LEAVE
    switch = interpret("insurance_number", "eigentlich will ich wissen ob mein QR-Code noch gilt",
                       "check_2fa_activation", 0.8, "password_letter_form")
    assert (switch.action, switch.form) == (SWITCH, "twofa_form")
    # data always wins over the intent guess
    assert interpret("postcode", "84130", "cancel", 0.99, "resend_form").action == FILL
    # an unsure intent does not end a task, words that leave do
    assert interpret("postcode", "hmm weiß nicht", "cancel", 0.3, "resend_form").action == SAY
    assert interpret("postcode", "ach lass gut sein", "faq", 0.4, "resend_form").action == LEAVE
    # a change of mind that names another task starts it, even when the NLU ranks it second
    switch = interpret("insurance_number", "nee, eigentlich will ich meinen QR-Code prüfen", "faq", 0.6,
                       "password_letter_form", ranking={"faq": 0.6, "check_2fa_activation": 0.3})
    assert (switch.action, switch.form) == (SWITCH, "twofa_form")
    stop = interpret("insurance_number", "Stopp, ich brauche ein neues Passwort per Post", "cancel", 0.7,
                     "resend_form", ranking={"cancel": 0.7, "request_new_password": 0.25})
    assert (stop.action, stop.form) == (SWITCH, "password_letter_form")


def test_a_task_named_in_own_words_instead_of_this_one_starts_also_at_the_letter_question():
    # the classifier ranks no task, the member names it: "lieber ein neues Passwort"
    switch = interpret("letter_confirmed", "nee halt, eigentlich reicht mir ein neues Kennwort", "deny", 0.8,
                       "resend_form", ranking={"deny": 0.8})
    assert (switch.action, switch.form) == (SWITCH, "password_letter_form")
    assert interpret("letter_confirmed", "nein, lieber doch keinen neuen Brief", "deny", 0.8, "password_letter_form",
                     ranking={"deny": 0.8}).action == NO
    assert interpret("letter_confirmed", "nein", "deny", 0.9, "resend_form").action == NO
    # without a word that puts it instead, a named task is no switch
    assert interpret("letter_confirmed", "nein, das Passwort weiß ich", "deny", 0.9, "resend_form").action == NO


def test_asking_for_the_same_task_again_goes_on():
    decision = interpret("postcode", "ich will den brief nochmal", "request_letter_resend", 0.9, "resend_form")
    assert (decision.action, decision.response) == (SAY, "utter_task_go_on")


@pytest.mark.parametrize("intent, response", sorted(repair.INTERRUPTIONS.items()))
def test_other_messages_get_their_own_reply_and_the_task_goes_on(intent: str, response: str):
    decision = interpret("postcode", "irgendwas ohne zahl", intent, 0.9, "resend_form")
    assert (decision.action, decision.response) == (SAY, response)


def test_an_faq_question_inside_a_task_is_answered():
    assert interpret("postcode", "wie lange gilt der qr code", "faq", 0.9, "resend_form").action == FAQ


def test_the_letter_confirmation():
    assert interpret("letter_confirmed", "ja bitte", "affirm", 0.9, "resend_form").action == YES
    assert interpret("letter_confirmed", "jo mach", "affirm", 0.8, "resend_form").action == YES
    assert interpret("letter_confirmed", "nein", "deny", 0.9, "resend_form").action == NO
    assert interpret("letter_confirmed", "ach doch nicht", "cancel", 0.9, "resend_form").action == NO
    unclear = interpret("letter_confirmed", "hmm vielleicht", "out_of_scope", 0.4, "resend_form")
    assert (unclear.action, unclear.response) == (INVALID, "utter_invalid_letter_confirmed")
    # a question it cannot place: it says so and asks again (no letter)
    question = interpret("letter_confirmed", "An welche Adresse geht der denn?", "out_of_scope", 0.4, "resend_form")
    assert (question.action, question.response, question.resume) == (SAY, "utter_not_sure", True)
    assert interpret("letter_confirmed", "nee, doch lieber nicht", "faq", 0.4, "resend_form").action == NO
    assert interpret("letter_confirmed", "ja, schicken Sie ihn", "faq", 0.4, "resend_form").action == YES


@pytest.mark.parametrize("text, intent", [
    ("ok und kann ich bis dahin schon was machen in der Online-Filiale?", "faq"),
    ("ja, aber wie lange dauert das denn?", "affirm"),
    ("Okay. Muss ich danach die 2FA neu einrichten?", "affirm"),
])
def test_a_question_that_starts_like_a_yes_orders_no_letter(text: str, intent: str):
    decision = interpret("letter_confirmed", text, intent, 0.9, "resend_form")
    assert decision.action != YES
    assert decision.action == FAQ if intent == "faq" else decision.action in (SAY, INVALID, FAQ)


def test_a_yes_that_asks_to_send_stays_a_yes():
    assert interpret("letter_confirmed", "ja, können Sie ihn mir schicken?", "affirm", 0.9, "resend_form").action == YES
    assert interpret("letter_confirmed", "ok bitte bestellen", "affirm", 0.9, "resend_form").action == YES


def test_unclear_messages_are_not_read_as_a_wrong_field():
    decision = interpret("postcode", "hmm", "nlu_fallback", 0.2, "resend_form")
    assert (decision.action, decision.response) == (SAY, "utter_task_unclear")


@pytest.mark.parametrize("text, bare", [
    ("A123456780", True), ("84130", True), ("01067 Dresden", True), ("anna@example.de", True),
    ("Meine PLZ hat sich geändert, was nun?", False), ("Ich habe 2 Fragen", False), ("danke", False),
])
def test_bare_data_outside_a_task(text: str, bare: bool):
    assert validation.is_bare_data(text) is bare


def test_a_yes_takes_up_only_a_single_offered_task():
    assert repair.offered_task(["Zugangsdaten erneut anfordern"]) == "resend_form"
    assert repair.offered_task(["Neues Passwort per Brief"]) == "password_letter_form"
    assert repair.offered_task(["Jetzt registrieren", "Meinen QR-Code prüfen"]) is None  # which one?
    assert repair.offered_task(["BMW BKK App herunterladen", "Nichts davon"]) is None
    assert repair.offered_task([]) is None


def test_a_question_about_the_phone_number_is_not_an_attempt_but_a_skip_in_words_is_a_skip():
    assert repair.read_phone("muss ich bei der Handynummer die 0171 mit eingeben oder nicht?") is None
    assert repair.read_phone("kann ich auch +49 171 2345678 nehmen?").values == {"phone": "+491712345678"}
    assert repair.read_phone("die Handynummer geb ich nicht an").action == repair.SKIP
    assert repair.read_email("Mail lass ma weg").action == repair.SKIP


def test_the_member_doing_it_themselves_is_no_yes_to_the_letter():
    for text in ("ok dann mach ich das so, danke", "gut, ich probier es selber in der app"):
        decision = interpret("letter_confirmed", text, "affirm", 0.95, "password_letter_form")
        assert decision.action == INVALID and decision.response == "utter_invalid_letter_confirmed"
    assert interpret("letter_confirmed", "ja, bitte bestellen", "affirm", 0.95, "password_letter_form").action == "yes"


def test_the_single_offered_task_button_and_a_leading_no():
    assert repair.offered_task_button(["Neues Passwort per Brief", "Nichts davon"]) == "Neues Passwort per Brief"
    assert repair.offered_task_button(["Jetzt registrieren", "Meinen QR-Code prüfen"]) is None
    assert repair.starts_with_no("nee, lass mal") and not repair.starts_with_no("dann halt per brief")


def test_video_instead_of_the_registration_letter_goes_on_by_video():
    decision = interpret("letter_confirmed", "hmm nee, doch lieber Video", "deny", 0.9, "registration_form")
    assert decision.action == FILL and decision.values == {"ident_method": "video"}
    # other letters have no video way: a plain no
    assert interpret("letter_confirmed", "nee, lieber Video", "deny", 0.9, "resend_form").action == NO


def test_a_question_about_doing_it_oneself_at_the_letters_yes_is_a_question():
    decision = interpret("letter_confirmed", "Moment, kann man das nicht gleich selber in der App machen, ohne Brief?",
                         "faq", 0.9, "password_letter_form")
    assert decision.action == FAQ and decision.resume
    # said, not asked: neither yes nor no, so the yes-or-no question again
    assert interpret("letter_confirmed", "nee, mach ich selber", "deny", 0.9, "password_letter_form").action == INVALID


def test_replies_that_only_answer_a_task_question():
    for text in ("per Post", "jo passt", "ja, bestellen", "hab keine", "überspringen", "evet, ja", "yes, order it",
                 "ne dann lass ich das weg", "eine E-Mail hat sie nicht",
                 "Danke, dann lieber ganz klassisch mit der Post für sie"):
        assert repair.answers_a_task_question(text), text
    for text in ("wie lange dauert das?", "A123456780", "Ich hätte gern eine Auskunft zu meinem Brief von gestern",
                 "nein danke, ich hab jetzt keine zeit mehr", "Ich möchte mich dann lieber per Brief registrieren lassen"):
        assert not repair.answers_a_task_question(text), text


def test_a_tasks_answer_right_after_no_task_runs_is_read_as_such():
    """Right after "Was möchten Sie tun?" (data typed outside a task), "brief" or "mail skip" answers a task's
    question that was never asked: addons/context_policy.py then says that no task runs."""
    after = "utter_data_without_task"
    for text, intent in (("brief", "nlu_fallback"), ("Video, des geht schneller.", "faq"),
                         ("mail skip", "nlu_fallback"), ("Und de Postleitzahl is 84130", "faq"),
                         ("pardon, falsch. Richtig ist 93047", "nlu_fallback"), ("tel nö", "deny"),
                         ("nein danke, keine nummer", "deny")):
        assert repair.answers_without_task(after, intent, text), text
        assert repair.answers_without_task("utter_no_task_running", intent, text), text
    # a plain no answers "Möchten Sie das hier tun?", but "Was möchten Sie tun?" asked no yes-or-no question
    assert repair.answers_without_task(after, "deny", "nein")
    assert not repair.answers_without_task("utter_data_without_task_offered", "deny", "nein")
    for text, intent in (("wie lange dauert das?", "faq"), ("Was ist 2FA?", "faq"),
                         ("nee lass mal", "deny"), ("ja", "affirm"), ("A123456780", "inform_data"),
                         ("Jetzt registrieren", "start_registration")):
        assert not repair.answers_without_task(after, intent, text), text
    # anywhere else the message keeps its own reading ("hab kein handy" after an answer is an FAQ question)
    assert not repair.answers_without_task("utter_faq/twofa_activation", "faq", "hab kein handy")
    assert not repair.answers_without_task(None, "nlu_fallback", "brief")


def test_disbelief_is_no_leaving():
    # "Das kann doch nicht sein" holds "doch nicht", but the member stays: an apology, then the question again
    decision = interpret("insurance_number", "Das kann doch nicht sein, ich bin seit 20 Jahren bei euch versichert!",
                         "frustration", 0.9, "resend_form")
    assert decision.action == SAY and decision.response == "utter_frustration" and decision.resume
    assert interpret("insurance_number", "ach nee, doch nicht", "cancel", 0.9, "resend_form").action == LEAVE


def test_the_task_mode_outlasts_an_faq_answer_in_between():
    # "Was möchten Sie tun?", then "brauch ich da echt ne mail?" (answered), then the member goes on answering
    recent = ["utter_faq/email_address", "utter_data_without_task_offered"]
    assert repair.answers_without_task(recent, "deny", "ne dann lass ich das weg")
    assert repair.answers_without_task(recent, "faq", "handy auch nicht")
    # a question of its own is a question; a plain no after the answer is a plain no
    assert not repair.answers_without_task(recent, "faq", "brauch ich da echt ne Telefonnummer?")
    assert not repair.answers_without_task(recent, "deny", "nein")
    # too long ago, or another reply in between: no task mode
    assert not repair.answers_without_task(["utter_faq/ssl", "utter_faq/qr_code", "utter_faq/pin_reset",
                                            "utter_data_without_task"], "faq", "handy auch nicht")
    assert not repair.answers_without_task(["utter_faq/ssl", "utter_complaint", "utter_data_without_task"], "faq",
                                           "handy auch nicht")


@pytest.mark.parametrize("text, also", [
    ("E-Mail und Handy möchte ich nicht angeben, bitte beides weglassen", {"phone": repair.SKIPPED}),
    ("Keine Mail, keine Handynummer", {"phone": repair.SKIPPED}),
    ("email und handy lass ich weg", {"phone": repair.SKIPPED}),
    ("keine mail, aber handy 0170 1234567", {"phone": "+491701234567"}),
    ("no email", {}),
    ("Keine E-Mail bitte, die möchte ich nicht angeben", {}),
])
def test_a_skip_at_the_email_question_may_answer_the_phone_question_too(text: str, also: dict):
    decision = interpret("email", text, "cancel", 0.9, "registration_form")
    assert (decision.action, decision.values) == (SKIP, also)


def test_a_long_question_about_skipping_is_no_skip():
    assert not validation.is_skip("was ist wenn ich keine E-Mail-Adresse habe, geht das dann trotzdem?")
    assert validation.is_skip("no phone") and validation.is_skip("nope")


@pytest.mark.parametrize("text, takes", [
    ("nee, dann lieber per post. F141421359", True),
    ("Ok dann per Post. E161803391", True),
    ("Passt, dann machen wir das mit Brief. Versichertennummer A123456780, PLZ 84130", True),
    ("ja bitte, A123456780", True),
    ("A123456780", False),  # bare data: "Möchten Sie das hier tun?" first (issue 12)
    ("nein, keinen Brief. A123456780", False),
    ("A123456780, was passiert jetzt?", False),
])
def test_data_with_words_that_take_up_the_offered_task(text: str, takes: bool):
    assert repair.takes_up_offered_task(text) is takes


def test_the_task_a_member_going_ahead_means():
    assert repair.context_task("utter_faq/password_forgotten") == "request_new_password"
    assert repair.context_task("utter_faq/nect_id_document") == "start_registration"  # any answer on registering
    assert repair.context_task("utter_followup_password_by_post") == "request_new_password"
    assert repair.context_task("utter_faq/ssl") is None
    assert repair.context_task("utter_you_are_welcome") is None
    assert repair.context_task("utter_clarify", ["Registrierung funktioniert nicht", "Registrierung per Brief",
                                                 "Nichts davon"]) == "start_registration"
    assert repair.context_task("utter_clarify", ["Passwort vergessen", "QR-Code abgelaufen"]) is None


def test_the_methods_compared_without_naming_them():
    for text in ("Was ist denn der Unterschied zwischen den beiden Möglichkeiten?", "was empfehlen Sie?"):
        assert interpret("ident_method", text, "out_of_scope", 0.6, "registration_form").response == \
            "utter_ident_method_compare"
    assert interpret("ident_method", "Brief", "faq", 0.6, "registration_form").values == {"ident_method": "letter"}


@pytest.mark.parametrize("text", ["Was ist das NECT, muss ich da was installieren?", "wie lange dauert das video?",
                                  "Wie lang dauert des mit dem Video eigentlich?"])
def test_a_question_about_a_method_at_the_method_step_is_answered_not_taken_as_the_choice(text: str):
    decision = interpret("ident_method", text, "faq", 0.9, "registration_form")
    assert (decision.action, decision.resume) == (FAQ, True)


@pytest.mark.parametrize("text, method", [("mit dem Video, das geht ja schneller oder?", "video"), ("video?", "video"),
                                          ("per brief?", "letter")])
def test_a_choice_with_a_question_mark_is_still_the_choice(text: str, method: str):
    assert interpret("ident_method", text, "faq", 0.9, "registration_form").values == {"ident_method": method}


@pytest.mark.parametrize("text, intent", [("ok danke", "affirm"), ("ok danke", "thank"), ("okay, vielen Dank", "affirm")])
def test_thanks_that_starts_like_a_yes_orders_no_letter(text: str, intent: str):
    """After an answer inside the task, "ok danke" thanks for it (and "danke" may mean "no, thanks"): asked again."""
    decision = interpret("letter_confirmed", text, intent, 0.9, "resend_form")
    assert (decision.action, decision.response) == (INVALID, "utter_invalid_letter_confirmed")


@pytest.mark.parametrize("text", ["danke", "alles klar danke dir"])
def test_plain_thanks_at_the_letter_confirmation_says_how_to_go_on(text: str):
    decision = interpret("letter_confirmed", text, "thank", 0.9, "resend_form")
    assert (decision.action, decision.response) == (SAY, "utter_task_go_on")


@pytest.mark.parametrize("text, action", [("ja danke", YES), ("gerne, danke", YES), ("danke, schicken Sie ihn", YES),
                                          ("nein danke", NO)])
def test_thanks_with_a_clear_answer_keeps_the_answer(text: str, action: str):
    assert interpret("letter_confirmed", text, "affirm", 0.9, "resend_form").action == action


@pytest.mark.parametrize("text", ["ok dann wart ich noch", "gut, dann warten wir noch. danke", "ja, aber erst morgen",
                                  "okay, ich warte lieber noch ab"])
def test_waiting_at_the_letter_confirmation_is_a_no(text: str):
    assert interpret("letter_confirmed", text, "affirm", 0.9, "resend_form").action == NO


@pytest.mark.parametrize("text, action", [
    ("ok das hab ich verstanden mit der post", INVALID),  # no clear yes: asked again
    ("ok", YES), ("ok, mach das", YES), ("okay, dann schick ihn mir", YES), ("ok gerne", YES),
    ("ja bitte, ich warte schon ewig", YES),
])
def test_a_weak_yes_orders_only_in_a_short_or_explicit_answer(text: str, action: str):
    assert interpret("letter_confirmed", text, "affirm", 0.9, "resend_form").action == action


@pytest.mark.parametrize("text", ["ok verstanden", "hmm ok", "passt scho", "schon gut", "ja weiß ich nicht", "ja nee",
                                  "jein", "ok tschüss", "mhm", "ja, vielleicht", "ja moment", "gut zu wissen"])
def test_no_clear_yes_orders_no_letter_whatever_the_intent(text: str):
    """The intent classifier may read any of these as a yes; the words decide: asked again, ja or nein."""
    decision = interpret("letter_confirmed", text, "affirm", 0.99, "resend_form")
    assert (decision.action, decision.response) == (INVALID, "utter_invalid_letter_confirmed")


def test_then_not_is_a_no():
    assert interpret("letter_confirmed", "ok dann nicht", "affirm", 0.99, "resend_form").action == NO


@pytest.mark.parametrize("text, method", [("video bitte, brief dauert mir zu lang", "video"),
                                          ("Per Brief bitte, das Video schafft er nicht", "letter")])
def test_a_method_with_a_reason_against_the_other_is_the_choice(text: str, method: str):
    decision = interpret("ident_method", text, "faq", 0.9, "registration_form")
    assert (decision.action, decision.values) == (FILL, {"ident_method": method})
    assert repair.answers_a_task_question(text)  # typed when no task runs: "Gerade läuft kein Vorgang"


def test_going_ahead_after_the_letter_time_reply_keeps_the_task_before_it():
    assert repair.context_task("utter_followup_letter_time", (), ["utter_faq/letter_alternative"]) == "start_registration"
    assert repair.context_task("utter_followup_letter_time", (), ["utter_followup_password_by_post"]) == \
        "request_new_password"
    assert repair.context_task("utter_followup_letter_time") is None


def test_a_no_to_the_offered_task_declines_it():
    assert repair.declines_offer("utter_data_without_task_offered", "nein, doch nicht, ich mache Video")
    assert not repair.declines_offer("utter_data_without_task_offered", "nein, wie lange dauert das?")
    assert not repair.declines_offer("utter_faq/ssl", "nein, doch nicht")


def test_inside_a_task_a_question_about_the_assistant_gets_what_it_does_or_what_it_is():
    capabilities = repair.interpret("postcode", "was kannst du eigentlich alles?", "bot_challenge", 1.0,
                                    "resend_form")
    assert capabilities.action == repair.SAY and capabilities.response == "utter_capabilities" and capabilities.resume
    bot = repair.interpret("postcode", "bist du ein bot?", "bot_challenge", 0.95, "resend_form")
    assert bot.response == "utter_iamabot"


def test_a_question_about_nect_at_the_method_step_chooses_nothing():
    assert repair.read_method("was ist nect eigentlich genau").action == repair.FAQ
    assert repair.read_method("dann video").values == {"ident_method": "video"}
