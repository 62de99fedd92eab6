"""bot/followups.py: short messages read in the context of the last answer."""

from __future__ import annotations

import pytest

from bot import followups


@pytest.mark.parametrize("text, last, answer", [
    # after the PIN-reset guide: the member's device
    ("Ich hab noch dasselbe Handy, nur die PIN weiß ich nicht mehr", "utter_pin_reset_qr_code", "utter_pin_reset_same_device"),
    ("Die App ist noch auf meinem Handy drauf, ich bin auch angemeldet", "utter_pin_reset_health_card",
     "utter_pin_reset_same_device"),
    ("neues handy, das alte hab ich nicht mehr", "utter_pin_reset_health_card", "utter_pin_reset_new_device"),
    ("Welches Dokument brauche ich dafür?", "utter_faq/nect_steps", "utter_faq/nect_id_document"),
    ("sitzen die in deutschland?", "utter_faq/nect_company", "utter_faq/nect_company"),
    ("Muss ich dafür einen Termin vereinbaren?", "utter_faq/nect_what", "utter_faq/nect_hours"),
    # the letter's other contents are no request for a password letter; the video takes its own time
    ("Und den QR-Code aus dem Brief brauche ich wofür?", "utter_faq/credentials", None),
    ("kann ich das passwort aus dem brief auf was eigenes umstellen", "utter_faq/credentials", None),
    ("wie lange dauert das mit dem video?", "utter_faq/letter_alternative", None),
    ("wo genau in der app?", "utter_faq/password_change", "utter_faq/password_change"),
    ("was genau geht dann nicht?", "utter_faq/no_device", "utter_faq/protected_functions"),
    ("wo kann ich die zurücksetzen falls ich sie mal vergesse", "utter_faq/twofa_pin", "utter_faq/pin_reset"),
    ("ich hab mich aber per video registriert, nen brief hab ich nie bekommen", "utter_faq/qr_code",
     "utter_faq/health_card_digits"),
    ("handy hab ich aber inzwischen gewechselt", "utter_faq/new_password_2fa", "utter_faq/twofa_activation"),
    ("und wie viele tage hab ich insgesamt zeit damit?", "utter_faq/qr_code", "utter_faq/qr_code_expired"),
    ("geht das auch ohne dieses selfie video?", "utter_faq/password_forgotten", "utter_followup_password_by_post"),
    ("und was, wenn der Brief verloren geht?", "utter_faq/usable_when", "utter_faq/letter_not_arrived"),
    ("und per Brief, ab wann dann?", "utter_faq/usable_when", "utter_faq/usable_when"),
    ("was passiert, wenn ich es nicht rechtzeitig schaffe?", "utter_faq/approval_how", "utter_faq/approval_expired"),
    ("muss ich dann von vorne anfangen?", "utter_faq/approval_expired", "utter_faq/approval_expired"),
    ("kann ich die mir selbst ausdenken?", "utter_faq/twofa_pin", "utter_faq/twofa_pin"),
    ("und mit Fingerabdruck?", "utter_faq/approval_how", "utter_faq/approval_how"),
    ("und wenn ich es mal vergesse?", "utter_faq/password_change", "utter_faq/password_forgotten"),
    ("ist das auch mein Login?", "utter_faq/insurance_number_format", "utter_faq/credentials"),
    ("ist das irgendwie zertifiziert?", "utter_faq/nect_what", "utter_faq/nect_company"),
    ("und wenn ich keine Lust auf das Ganze habe?", "utter_faq/twofa_why", "utter_faq/no_device"),
])
def test_context_rules(text, last, answer):
    assert followups.resolve(text, last) == answer


def test_a_clarification_in_between_keeps_the_subject_but_a_new_answer_changes_it():
    text = "wo kann ich die zurücksetzen falls ich sie mal vergesse"
    assert followups.resolve(text, ["utter_clarify", "utter_faq/twofa_pin"]) == "utter_faq/pin_reset"
    assert followups.resolve(text, ["utter_faq/ssl", "utter_faq/twofa_pin"]) is None
    assert followups.resolve(text, []) is None


@pytest.mark.parametrize("text, follow_up", [
    ("wo genau in der app?", True),
    ("ich hab mich aber per video registriert, nen brief hab ich nie bekommen", True),
    ("Wie lange dauert die Video-Identifikation?", False),
])
def test_pointing_back(text, follow_up):
    assert followups.is_follow_up(text) is follow_up


def test_without_context_a_follow_up_gets_what_the_message_alone_gets():
    def parse(ranking, **extra):
        return {"text": "...", "response_selector": {"faq": {"ranking": [
            {"intent_response_key": f"faq/{t}", "confidence": c} for t, c in ranking]}}, **extra}

    assert followups.without_context(parse([("ssl", 0.95), ("twofa_why", 0.02)])) == "utter_faq/ssl"
    assert followups.without_context(parse([("qr_code", 0.45), ("qr_code_expired", 0.44)])) is None
    assert followups.without_context(parse([("ssl", 0.95)], follow_up_otherwise="not_covered")) == "utter_not_covered"


def test_words_that_turn_a_question_around_and_the_same_answer_again():
    # not the letter: the app's own way, straight away (the same answer)
    assert followups.resolve("geht das über die app auch sofort ohne auf post zu warten?",
                             "utter_faq/password_forgotten") == "utter_faq/password_forgotten"
    assert followups.resolve("und was soll ich jetzt machen?", "utter_faq/postcode_moved") == "utter_faq/postcode_moved"
    assert followups.resolve("bankverbindung auch?", "utter_faq/protected_functions") == "utter_faq/protected_functions"


def _parse(text: str, ranking: list[tuple[str, float]]) -> dict:
    return {"text": text, "response_selector": {"faq": {"ranking": [
        {"intent_response_key": f"faq/{topic}", "confidence": c} for topic, c in ranking]}}}


def test_a_short_unclear_message_on_the_topic_just_answered_gets_that_answer_again():
    parse = _parse("auch sonntags?", [("nect_hours", 0.96), ("twofa_why", 0.01)])
    assert followups.same_topic(parse, ["utter_faq/nect_hours"]) == "utter_faq/nect_hours"
    assert followups.same_topic(parse, ["utter_faq/ssl"]) is None  # another subject: no guess
    unsure = _parse("auch sonntags?", [("nect_hours", 0.5), ("nect_duration", 0.4)])
    assert followups.same_topic(unsure, ["utter_faq/nect_hours"]) is None


def test_a_reply_that_says_the_faq_does_not_cover_it_keeps_the_subject_before_it():
    recent = ["utter_not_covered", "utter_faq/qr_code_expired"]
    assert followups.resolve("und falls ich die Frist verpasse?", recent) == "utter_faq/qr_code_expired"


@pytest.mark.parametrize("text", ["auch am Laptop?", "ohne Smartphone?", "nur mit der App?"])
def test_short_messages_that_start_by_leaning_on_the_last_answer_point_back(text):
    assert followups.is_follow_up(text)


def test_after_an_answer_a_follow_up_no_rule_knows_needs_a_very_sure_topic():
    parse = _parse("und wenn der Computer das nicht schafft?", [("no_device", 0.8), ("ssl", 0.1)])
    assert followups.without_context(parse) == "utter_faq/no_device"  # a fresh conversation: its own words
    assert followups.without_context(parse, after_answer=True) is None  # "Meinten Sie ...?" instead of a guess
    sure = _parse("und wie lange dauert das Video-Ident?", [("nect_duration", 0.97), ("nect_steps", 0.01)])
    assert followups.without_context(sure, after_answer=True) == "utter_faq/nect_duration"


def test_follow_ups_inside_a_task_lean_on_the_task_question():
    # the registration's letter question: the post, but a question about the QR code is not about the post
    assert followups.resolve("Moment, wie lange dauert das denn mit der Post?",
                             ["utter_ask_registration_form_letter_confirmed"]) == "utter_followup_letter_time"
    assert followups.resolve("wie lange ist der qr code in dem brief dann gültig?",
                             ["utter_ask_registration_form_letter_confirmed"]) is None
    assert followups.resolve("wo find ich die nummer überhaupt?", ["utter_ask_insurance_number"]) == \
        "utter_faq/insurance_number_format"
    assert followups.resolve("hä? ich wohn aber jetzt in landshut", ["utter_ident_mismatch"]) == \
        "utter_faq/postcode_moved"
    # the task's question after the failed identification shares its context
    assert followups.resolve("hä? ich wohn aber jetzt in landshut",
                             ["utter_ask_insurance_number", "utter_ident_mismatch"]) == "utter_faq/postcode_moved"
    # an answer does not: "und was soll ich jetzt machen?" after the question alone
    assert followups.resolve("und per post?", ["utter_faq/ssl", "utter_faq/password_forgotten"]) is None
    assert followups.resolve("die nummer stimmt aber, steht genau so auf meiner karte", ["utter_ident_mismatch"]) \
        == "utter_faq/registration_problem"
    assert followups.resolve("hmm, geht das nicht auch schneller direkt in der app?",
                             ["utter_ask_password_letter_form_letter_confirmed"]) == "utter_faq/password_forgotten"


def test_more_follow_ups_in_context():
    assert followups.is_follow_up("geht auch ohne video?") and followups.is_follow_up("muss ich die überhaupt angeben?")
    assert followups.is_follow_up("buchstaben auch?") and followups.is_follow_up("face id geht auch?")
    assert not followups.is_follow_up("Kann ich mich auch per Brief registrieren?")
    assert followups.resolve("buchstaben auch?", "utter_faq/twofa_pin") == "utter_faq/twofa_pin"
    assert followups.resolve("geht auch ohne video?", "utter_faq/password_forgotten") == \
        "utter_followup_password_by_post"
    assert followups.resolve("muss ich die überhaupt angeben?", "utter_faq/phone_number_format") == \
        "utter_faq/registration_requirements"
    assert followups.resolve("muss ich die 0 mit der vorwahl angeben?", "utter_faq/phone_number_format") is None
    assert followups.resolve("und wenn ich das trotzdem nicht will?", "utter_faq/nect_privacy") == \
        "utter_faq/letter_alternative"
    assert followups.resolve("und wie lang hab ich dafür zeit?", "utter_faq/approval_how") == \
        "utter_faq/approval_how"


def test_an_empty_word_in_the_rules_is_refused(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("follow_ups:\n  - after: [utter_faq/ssl]\n    words: [ssl]\n    unless: [null]\n"
                    "    answer: same\n", encoding="utf-8")
    with pytest.raises(ValueError):
        followups.rules.__wrapped__(path)


def test_the_topics_a_follow_up_may_point_back_to():
    # the last answer's own topic first, then what its context rules answer
    topics = followups.context_topics(["utter_clarify", "utter_faq/pin_reset"])
    assert topics[0] == "pin_reset" and "twofa_activation" in topics
    # a task's result has no topic of its own, only its rules' answers
    assert "qr_code_expired" in followups.context_topics(["utter_twofa_qr_code_valid"])
    assert followups.context_topics(["utter_you_are_welcome"]) == ()


def test_follow_ups_about_the_next_step_the_same_device_and_the_support_line():
    assert followups.resolve("hab sie drauf, und jetzt?", "utter_faq/app_download") == \
        "utter_faq/registration_requirements"
    assert followups.resolve("Handy ist dasselbe geblieben", "utter_faq/new_password_2fa") == \
        "utter_faq/new_password_2fa"
    assert followups.resolve("welche nummer war das nochmal?", "utter_faq/registration_problem") == \
        "utter_faq/registration_problem"
    assert followups.resolve("was soll ich denn jetzt machen", "utter_faq/registration_problem") == \
        "utter_faq/registration_problem"
    # naming where to get something is no question about when the services can be used
    assert followups.resolve("ok dann video. wo krieg ich die nect app her", "utter_faq/usable_when") is None
    assert followups.is_follow_up("der brief ist allerdings auch schon über ein jahr alt")
    assert followups.resolve("der brief ist allerdings auch schon über ein jahr alt", "utter_faq/qr_code") == \
        "utter_faq/qr_code_expired"


@pytest.mark.parametrize("text, last, answer", [
    ("Und was muss ich zusätzlich zu dem Code eintippen?", "utter_faq/qr_code", "utter_faq/qr_code"),
    ("Schreibt das der Staat vor oder ist das Ihre eigene Idee?", "utter_faq/twofa_why", "utter_faq/twofa_what"),
    ("Und ab welchem Datum gilt das Ganze?", "utter_faq/twofa_what", "utter_faq/twofa_why"),
    ("und wieso muss das sein, ging doch jahrelang auch ohne", "utter_faq/twofa_what", "utter_faq/twofa_why"),
    ("Ist das vom Gesetz her so vorgeschrieben?", "utter_faq/twofa_what", "utter_faq/twofa_what"),  # the law: what
    ("ok und ist das denn sicher?", "utter_faq/nect_duration", "utter_faq/nect_privacy"),
    ("Die vorne oder die hinten?", "utter_faq/health_card_digits", "utter_faq/health_card_digits"),
    ("Das Handy ist noch das alte.", "utter_faq/new_password_2fa", "utter_faq/new_password_2fa"),
    ("und dann kann ich sofort rein?", "utter_faq/nect_id_document", "utter_faq/usable_when"),
    ("ok und wenn nicht geht, was dann?", "utter_faq/nect_id_document", "utter_faq/letter_alternative"),
    ("Und wenn das mit dem Brief dann auch nicht klappt?", "utter_faq/nect_id_document", None),
    ("Gibts noch ne andere Möglichkeit ohne Ausweis?", "utter_faq/nect_id_document", "utter_faq/letter_alternative"),
    ("Und was brauche ich jetzt genau für die Aktivierung?", "utter_twofa_qr_code_valid", "utter_faq/twofa_activation"),
    ("ah stimmt, noch kein gerät registriert. wie mach ich das dann?", "utter_pin_reset_no_device",
     "utter_faq/twofa_activation"),
    ("vorne oder hinten drauf", "utter_followup_four_digits", "utter_faq/health_card_digits"),
    ("und wo genau in der app mach ich das?", "utter_twofa_qr_code_valid", "utter_faq/twofa_activation"),
    ("und ohne handy?", "utter_faq/password_forgotten", "utter_followup_password_by_post"),
    ("muss ich ueberhaupt eine angeben", "utter_faq/email_address", "utter_faq/registration_requirements"),
    ("Telefon nummer muss sein?", "utter_faq/registration_requirements", "utter_faq/registration_requirements"),
    ("ist das Video Pflicht?", "utter_faq/registration_requirements", None),
    ("vorne oder hinten drauf", "utter_faq/health_card_digits", "utter_faq/health_card_digits"),
    ("qr code oder karte, was ist besser?", "utter_faq/twofa_activation", "utter_faq/twofa_activation"),
    ("Und bis der Brief da ist, komm ich gar nicht rein?", "utter_followup_letter_time", "utter_faq/usable_when"),
    ("Muss ich die NECT App vorher extra runterladen?", "utter_faq/nect_steps", "utter_faq/nect_what"),
    ("Muss ich da überhaupt was eintragen?", "utter_faq/phone_number_format", "utter_faq/registration_requirements"),
])
def test_follow_ups_on_the_2fa_the_card_and_the_letter(text, last, answer):
    assert followups.resolve(text, last) == answer


@pytest.mark.parametrize("text, last, answer", [
    ("Dürfen da auch Buchstaben rein?", "utter_faq/twofa_pin", "utter_faq/twofa_pin"),
    ("Hab mich aber per Video angemeldet, nicht per Brief", "utter_faq/qr_code", "utter_faq/health_card_digits"),
    ("wie lang hab ich da noch zeit?", "utter_twofa_qr_code_valid", "utter_faq/qr_code_expired"),
    ("Dann ich mache mit Brief. Wie lange das dauert?", "utter_faq/registration_requirements",
     "utter_followup_letter_time"),
    ("und wenn ich gar keine hab?", "utter_faq/email_address", "utter_faq/registration_requirements"),
    # a rule that knows the question beats "und was nun?" (the answer again)
    ("hab ich gemacht, jetzt ist aber die zeit abgelaufen, was nun?", "utter_faq/approval_not_shown",
     "utter_faq/approval_expired"),
])
def test_follow_ups_that_point_back_without_und(text, last, answer):
    assert followups.is_follow_up(text)
    assert followups.resolve(text, last) == answer


@pytest.mark.parametrize("text, last, answer", [
    ("ich hab ein ipad, reicht das", "utter_faq/app_required", "utter_faq/app_required"),
    ("muss ich danach die 2FA komplett neu aktivieren?", "utter_pin_reset_health_card", "utter_faq/pin_reset"),
    ("ist der jetzt weg oder liegt der trotzdem bei euch?", "utter_faq/approval_expired",
     "utter_faq/approval_expired"),
    ("muss ich die extra selber suchen im store?", "utter_faq/nect_what", "utter_faq/nect_what"),
    ("und speichert diese nect firma dann mein gesicht?", "utter_faq/nect_company", "utter_faq/nect_privacy"),
    ("und wenn die software mich nicht erkennt, dauerts dann ewig?", "utter_faq/nect_privacy",
     "utter_faq/nect_duration"),
    ("Werden die Bilder von meinem Ausweis dort dauerhaft gespeichert?", "utter_faq/nect_company",
     "utter_faq/nect_privacy"),
])
def test_more_context_rules(text, last, answer):
    assert followups.resolve(text, last) == answer


def test_what_the_video_ident_needs_after_choosing_it():
    assert followups.resolve("ok dann video. was brauch ich dafür alles", "utter_faq/usable_when") == \
        "utter_faq/nect_id_document"
    assert followups.resolve("und hätt ichs per brief gemacht?", "utter_faq/usable_when") == "utter_faq/usable_when"


def test_the_support_line_rule_is_about_the_number_not_the_hours():
    assert followups.resolve("welche nummer war das nochmal?", "utter_faq/letter_not_arrived") == \
        "utter_faq/letter_not_arrived"
    assert followups.resolve("Ist die Hotline auch am Wochenende erreichbar?", "utter_faq/letter_not_arrived") is None
    # "noch da?" in between does not change the subject
    assert followups.resolve("ich hab den brief vor 3 wochen bekommen, geht also noch oder?",
                             ["utter_still_there", "utter_faq/qr_code_expired"]) == "utter_faq/qr_code_expired"


def test_before_the_password_letter_a_2fa_question_is_about_2fa():
    assert followups.resolve("moment, muss ich danach die zwei faktor sache in der app wieder neu einrichten?",
                             ["utter_ask_password_letter_form_letter_confirmed"]) == "utter_faq/new_password_2fa"
    assert followups.resolve("Gibts noch ne andere Möglichkeit ohne Ausweis?", "utter_faq/nect_id_document") == \
        "utter_faq/letter_alternative"


def test_a_first_rule_wins_over_a_clear_topic_right_after_its_answer():
    # "per Post" right after the forgotten password is the new password by letter, whatever the selector says
    after = "utter_faq/password_forgotten"
    for text in ("Selfie ident ist schwer für mich. Kann per Post?", "selfie ident nervt, gibts das auch per post?"):
        assert followups.context_first(after, "faq", text), text
        assert followups.resolve(text, [after]) == "utter_followup_password_by_post"
    # an open question of its own, a registration, another context or a rule not marked first: read as usual
    assert not followups.context_first(after, "faq", "wie lange dauert die Post?")
    assert not followups.context_first(after, "faq", "Kann ich mich auch per Brief registrieren?")
    assert not followups.context_first("utter_faq/nect_steps", "faq", "Kann per Post?")
    assert not followups.context_first("utter_faq/qr_code", "faq", "und welche ziffern brauch ich noch dazu?")


@pytest.mark.parametrize("text", ["Ich hab die Nummer doch von der Karte abgeschrieben, was mach ich falsch?",
                                  "Warum finden Sie mich nicht?", "Das ist aber meine Nummer! Was soll ich jetzt tun?"])
def test_asking_what_is_wrong_after_a_failed_identification_gets_the_registration_problem(text):
    assert followups.resolve(text, ["utter_ask_insurance_number", "utter_ident_mismatch"]) == \
        "utter_faq/registration_problem"


def test_how_the_video_ident_goes_after_the_other_video_ident_answers():
    assert followups.resolve("und dann? was passiert nach dem Selfie?", "utter_faq/nect_id_document") == \
        "utter_faq/nect_steps"
    assert followups.resolve("Und was passiert dann genau, Schritt für Schritt?", "utter_faq/nect_duration") == \
        "utter_faq/nect_steps"
    assert followups.resolve("und mit dem Reisepass?", "utter_faq/nect_id_document") == \
        "utter_followup_other_id_document"


@pytest.mark.parametrize("text, asks", [
    ("welche 4 ziffern soll ich da eingeben, vorne oder hinten auf der karte?", True),
    ("Die letzten vier von welcher Nummer?", True),
    ("bei der Aktivierung fragt die App nach 4 Ziffern, welche denn?", True),
    ("ich habe die 4 ziffern eingegeben", False),
    ("die PIN hat 6 Stellen, oder?", False),
])
def test_which_four_digits(text: str, asks: bool):
    assert followups.asks_four_digits(text) is asks


def test_a_standing_answer_holds_whatever_came_before():
    assert followups.standing_answer({"follow_up_otherwise": "four_digits"}) == "utter_followup_four_digits"
    assert followups.standing_answer({"follow_up_otherwise": "letter_time"}) == "utter_followup_letter_time"
    assert followups.standing_answer({"follow_up_otherwise": "not_covered"}) is None  # only when no rule fits
    assert followups.standing_answer({}) is None


@pytest.mark.parametrize("after", ["utter_faq/password_change", "utter_faq/pin_reset"])
@pytest.mark.parametrize("text", ["Ich finde die Einstellungen nicht.", "hä wo is da einstellungen",
                                  "find ich nich in der app", "den Punkt seh ich nicht"])
def test_not_finding_the_menu_right_after_its_way_gets_the_way_again(after: str, text: str):
    assert followups.resolve(text, [after]) == after
    assert followups.context_first(after, "faq", text)


def test_not_finding_something_else_is_no_repeat():
    # the lost letter is no lost menu (the rule on the letter answers it)
    assert followups.resolve("ich finde den Brief nicht mehr", ["utter_faq/password_change"]) != \
        "utter_faq/password_change"
    assert not followups.context_first("utter_faq/twofa_what", "faq", "Ich finde die Einstellungen nicht.")


@pytest.mark.parametrize("text", ["und was genau muss ich da sagen", "muass i do wos song?", "welche Wörter denn?"])
def test_what_to_say_in_the_video_after_a_video_ident_answer_gets_the_steps(text: str):
    assert followups.resolve(text, ["utter_faq/nect_id_document"]) == "utter_faq/nect_steps"
    assert followups.resolve(text, [("utter_faq/nect_steps", "utter_faq/nect_id_document")]) == "utter_faq/nect_steps"


def test_the_language_of_the_video_is_no_question_about_its_steps():
    assert followups.resolve("muss ich da deutsch sprechen?", ["utter_faq/nect_steps"]) != "utter_faq/nect_steps"


@pytest.mark.parametrize("text, after, answer", [
    ("die 6stellige fürs freigeben", "utter_faq/pin_reset", "utter_faq/pin_reset"),
    ("wo mach ich das in der App?", "utter_twofa_qr_code_valid", "utter_faq/twofa_activation"),
    ("und dann?", "utter_faq/health_card_digits", "utter_faq/twofa_activation"),
    ("warum?", "utter_faq/qr_code_expired", "utter_faq/qr_code_expired"),
    ("und jetzt", "utter_faq/qr_code_expired", "utter_faq/health_card_digits"),
    ("ich weiß gar nicht, ob ich das gemeldet hab", "utter_faq/postcode_moved", "utter_faq/postcode_moved"),
    ("per Brief hab ich's auch schon versucht, da kam keiner", "utter_faq/registration_problem",
     "utter_faq/letter_not_arrived"),
])
def test_more_follow_ups_after_the_2fa_and_registration_answers(text: str, after: str, answer: str):
    assert followups.resolve(text, [after]) == answer


@pytest.mark.parametrize("text, asks", [
    ("QR-Code oder Gesundheitskarte, was ist besser?", True), ("Soll ich den QR-Code oder die Karte nehmen?", True),
    ("Wo finde ich den QR-Code auf der Karte?", False), ("Was ist besser, Video oder Brief?", False),
])
def test_which_way_to_activate(text: str, asks: bool):
    assert followups.asks_activation_way(text) is asks


@pytest.mark.parametrize("text, after, answer", [
    ("ich hab mich mit dem Video registriert, einen Brief hab ich nie bekommen", "utter_followup_activation_ways",
     "utter_faq/health_card_digits"),
    ("welcher QR-Code?", "utter_faq/app_download", "utter_faq/app_download"),
    ("und mit video?", "utter_followup_letter_time", "utter_faq/usable_when"),
])
def test_follow_ups_on_the_ways_to_register(text: str, after: str, answer: str):
    assert followups.resolve(text, [after]) == answer


def test_where_to_do_it_points_back_even_as_an_open_question():
    assert followups.context_first("utter_faq/qr_code_expired", "faq", "wo mach ich das in der App?")
    assert not followups.context_first("utter_faq/health_card_digits", "faq", "wo finde ich die App?")


def test_someone_elses_email_after_the_email_answer_gets_that_answer_again():
    assert followups.context_first("utter_faq/email_address", "faq", "Kann ich auch die Adresse von meinem Mann nehmen?")
    assert followups.resolve("Kann ich auch die Adresse von meinem Mann nehmen?", ["utter_faq/email_address"]) == \
        "utter_faq/email_address"


@pytest.mark.parametrize("text, last, answer", [
    ("und was ist damit jetzt genau geschützt", "utter_twofa_already_active", "utter_faq/protected_functions"),
    ("bekomm ich die nicht per sms geschickt?", "utter_faq/twofa_pin", "utter_faq/twofa_pin"),
    ("ich hab zwei adressen, eine alte und eine neue, welche nehm ich", "utter_faq/email_address",
     "utter_faq/email_address"),
    ("Ich hatte es auf einen Zettel geschrieben und der ist weg", "utter_faq/password_forgotten",
     "utter_faq/password_forgotten"),
    ("Ich habe mein Handy verloren", "utter_faq/password_forgotten", None),
    ("wo kann ich das machen", "utter_complaint", "utter_complaint"),
    ("Ist die App auf meinem Handy dann noch eingerichtet oder muss ich das nochmal machen?",
     "utter_password_letter_ordered", "utter_faq/new_password_2fa"),
    ("Ich hab aber nur einen Computer daheim", "utter_faq/app_required", "utter_faq/app_required"),
    ("und ohne handy", "utter_faq/app_required", None),
    ("hab ich nich", "utter_faq/qr_code", "utter_faq/health_card_digits"),
    ("Wie lange werden die Aufnahmen von meinem Ausweis gespeichert?", "utter_faq/nect_what", None),
    ("Wird da was gespeichert?", "utter_faq/nect_what", "utter_faq/nect_privacy"),
])
def test_follow_ups_members_of_scripts_22_and_23_asked(text, last, answer):
    assert followups.resolve(text, last) == answer


@pytest.mark.parametrize("text, last, answer", [
    ("Den Brief hab ich weggeworfen", "utter_faq/qr_code", "utter_faq/health_card_digits"),
    ("Was mach ich da jetzt?", "utter_faq/letter_not_arrived", "utter_faq/letter_not_arrived"),
    ("Auf der Webseite find ich das aber nirgends", "utter_faq/password_change", "utter_faq/password_change"),
    ("und wenn er nächste Woche immer noch nicht da ist?", "utter_followup_letter_time", "utter_faq/letter_not_arrived"),
    ("Video-Ident", "utter_registration_video_next", "utter_registration_video_next"),
    ("Video, wie lange dauert das?", "utter_registration_video_next", "utter_faq/nect_duration"),
    ("meine App zeigt aber nichts an", "utter_faq/approval_how", "utter_faq/approval_not_shown"),
    ("telefonnummer?", ["utter_ask_insurance_number", "utter_ident_mismatch"], "utter_hotline_human"),
    ("Welche Telefonnummer ist das dann?", "utter_faq/postcode_moved", "utter_faq/postcode_moved"),
    ("und jetzt?", "utter_twofa_health_card", "utter_faq/health_card_digits"),
    ("2fa nochmal nötig?", "utter_password_letter_ordered", "utter_faq/new_password_2fa"),
    ("ich hab mit brief registriert", "utter_followup_four_digits", "utter_faq/qr_code"),
])
def test_follow_ups_members_of_scripts_24_to_27_asked(text, last, answer):
    assert followups.resolve(text, last) == answer


def test_four_digits_asked_with_what_exactly():
    assert followups.asks_four_digits("was genau muss ich bei den 4 Ziffern eingeben?")


@pytest.mark.parametrize("text", ["Moin, ich hab mich vor ca. 10 Tagen per Brief registriert. Wann kommt der denn?",
                                  "wann kimmt denn da Briaf?"])
def test_when_the_letter_comes_is_the_letter_time(text):
    assert followups.asks_letter_time(text)


def test_whether_data_are_lost_on_the_pin_reset_gets_the_reset_and_the_hotline():
    assert followups.resolve("Sind danach meine ganzen Daten in der App weg?", "utter_faq/pin_reset") == \
        "utter_followup_reset_data"
    # the reply keeps the reset's context for what follows
    assert followups.resolve("und danach muss ich die 2FA komplett neu aktivieren?", "utter_followup_reset_data") == \
        "utter_faq/pin_reset"


def test_a_first_rule_answers_through_a_tasks_questions():
    recent = ["utter_ask_insurance_number", "utter_ident_mismatch"]
    assert followups.first_answer("telefonnummer?", recent, "faq") == "utter_hotline_human"
    assert followups.first_answer("telefonnummer?", recent, "greet") is None  # only questions the NLU read as such
    assert followups.first_answer("Was ist SSL?", recent, "faq") is None


@pytest.mark.parametrize("text, after, answer", [
    ("is das sicher", "utter_faq/nect_what", "utter_faq/nect_privacy"),
    ("wo is der", "utter_faq/qr_code", "utter_faq/qr_code"),
    ("und die pin dafür, wo leg ich die fest?", "utter_faq/approval_how", "utter_faq/twofa_pin"),
    ("schon 3 wochen", "utter_faq/letter_not_arrived", "utter_faq/letter_not_arrived"),
    ("vsnr und plz reicht", "utter_faq/registration_requirements", "utter_faq/registration_requirements"),
    ("hab mich vor nem jahr registriert", "utter_faq/qr_code_expired", "utter_faq/qr_code_expired"),
    ("und das passwort steht in dem brief drin?", "utter_faq/credentials", "utter_faq/qr_code"),
    ("ich hab mich damals mit video angemeldet", "utter_followup_activation_ways", "utter_faq/health_card_digits"),
    ("kann ich das auch heute abend um 23 uhr noch machen", "utter_faq/nect_id_document", "utter_faq/nect_hours"),
    ("und wo steht diese kartennummer?", "utter_faq/qr_code", "utter_faq/health_card_digits"),
    ("was passiert wenn ich das einfach nicht mache?", "utter_faq/qr_code", "utter_faq/no_device"),
    ("und wozu war das nochmal gut", "utter_twofa_already_active", "utter_faq/protected_functions"),
    # changing the password is no letter
    ("Kann ich das Passwort irgendwo ändern? Das vom Brief kann sich keiner merken", "utter_faq/credentials", None),
])
def test_short_follow_ups_of_first_time_members(text: str, after: str, answer):
    assert followups.resolve(text, after) == answer


def test_is_that_safe_after_nect_wins_over_the_website_answer():
    assert followups.context_first("utter_faq/nect_what", "faq", "is das sicher")
    assert followups.resolve("ist die webseite sicher", "utter_faq/nect_what") is None


@pytest.mark.parametrize("text", ["ach nee doch lieber per brief, hab meinen perso grad nicht da",
                                  "hmm, mein Perso liegt im Büro. Geht doch lieber per Brief?"])
def test_the_letter_right_after_the_video_steps_starts_the_registration_again(text: str):
    # read as leaving by the classifier: the rule decides all the same
    assert followups.context_first("utter_registration_video_next", "cancel", text)
    assert followups.resolve(text, "utter_registration_video_next") == "utter_registration_switch_to_letter"
    assert not followups.context_first("utter_faq/nect_what", "cancel", text)
    assert followups.resolve("wie lange dauert der brief", "utter_registration_video_next") != \
        "utter_registration_switch_to_letter"


@pytest.mark.parametrize("text, asks", [
    ("Kann ich für die Video-Identifikation auch meinen Reisepass nehmen?", True), ("führerschein?", True),
    ("geht das auch mit einem ausländischen Pass? ich bin Italiener", True),
    ("Ich habe keinen Personalausweis, nur einen Reisepass. Geht das?", True),
    ("Ich habe keinen Reisepass, was nun?", False), ("Mein Reisepass ist abgelaufen, geht der trotzdem?", False),
    ("Passt das so mit der Nummer?", False), ("Wo finde ich mein Passwort?", False)])
def test_another_identity_document_gets_what_the_faq_names_and_the_hotline(text: str, asks: bool):
    """The FAQ names the Personalausweis; whether NECT takes another document it does not say (issue 12)."""
    assert followups.asks_other_id_document(text) is asks


def test_how_to_type_the_number_while_the_task_asks_for_it_gets_its_format():
    for text in ("hmm wie muss die nummer denn genau eingegeben werden?", "in welchem format?"):
        assert followups.resolve(text, "utter_ask_insurance_number") == "utter_faq/insurance_number_format"
    assert followups.resolve("wie muss ich die plz eingeben?", "utter_ask_insurance_number") is None


def test_how_long_a_letter_lying_in_the_drawer_can_be_used_is_no_letter_time():
    text = "Und wie lange kann ich den denn benutzen, der Brief liegt schon eine Weile bei mir in der Schublade?"
    assert not followups.asks_letter_time(text)
    assert followups.resolve(text, "utter_resend_ordered") != "utter_followup_letter_time"
    assert followups.asks_letter_time("wie lange braucht der Brief so?")


def test_how_to_activate_again_after_the_pin_reset_gets_the_activation_and_a_forgotten_pin_is_no_2fa_question():
    assert followups.resolve("und danach wie aktiviere ich die 2FA wieder?", "utter_pin_reset_qr_code") == \
        "utter_faq/twofa_activation"
    assert followups.resolve("muss ich danach die 2FA neu aktivieren?", "utter_faq/pin_reset") == "utter_faq/pin_reset"
    assert followups.resolve("und die freigabe pin weiss ich auch nicht mehr", "utter_password_letter_ordered") != \
        "utter_faq/new_password_2fa"
