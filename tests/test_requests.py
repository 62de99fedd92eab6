"""Requests to do something start the task; questions about it get the FAQ answer (bot/requests.py)."""

from __future__ import annotations

import pytest

from bot import faq, requests


@pytest.mark.parametrize("text", [
    "Wären Sie so nett, mich durch das Zurücksetzen meiner PIN zu lotsen?",
    "sei so lieb und schick mir den brief nochmal",
    "Ich hab noch gar kein Konto. Können Sie das für mich anstoßen?",
    "weiß nicht ob bei mir 2FA schon an ist, kannst du das rausfinden?",
    "kann mal wer prüfen ob mein qr code noch gültig ist",
    "Ich möchte mich in der Online-Filiale registrieren lassen.",
    "kannst du mich bitte registrieren?",
    "ich brauch den Zugangsbrief nochmal",
    "könnt ihr mir die zugangsdaten erneut zuschicken?",
    "dann schick mir ein neues passwort per post",
    "würde gerne ein neues Passwort anfordern",
    "Können Sie mir Schritt für Schritt zeigen, wie ich die PIN zurücksetze?",
    "hilf mir bitte, die Freigabe-PIN neu zu setzen",
    "ich will wissen, ob mein QR-Code noch gilt",
    "bitte prüfen Sie meinen QR-Code",
    "ich würde mich gerne bei der Online-Filiale anmelden",
    "würd mir gern ein neues Passwort bestellen",
    "Kann ich mir die Zugangsdaten zuschicken lassen?",
    "kann man mir das nicht erneut zusenden?",
    "ich hätte gern nen Zugang für die Online-Filiale",
    "servus, will mich anmelden",
    "hi, ich möcht mich für die onlinefiliale registrieren",
    "Servus, i mecht mi fürs Online-Dings registrieren lassn",
    "Bitte schicken Sie mir die Zugangsdaten erneut. Mit freundlichen Grüßen, H. Meier",
    "Servus! Ich hab meine Zugangsdaten verschlampt, könnts ihr mir die nochmal schicken?",
    "Okay, dann melde ich mich jetzt an",
    "kann ich den nicht hier bei Ihnen nochmal anfordern?",
    "Ja dann schicken Sie ihn halt nochmal.",
    "Ich habe das Schreiben verlegt. Wäre es möglich, mir die Zugangsdaten noch einmal zu schicken?",
    "Melden Sie mich bitte an, ich hab alles da.", "ich möcht ein konto bei euch",
    "Ich möchte die Zwei-Faktor-Authentifizierung jetzt einrichten.",
    "Servus, i mog mi fürs Online-Portal o'melden", "Wäre lieb, wenn du mir das Zurücksetzen zeigst",
])
def test_requests_to_act(text):
    assert requests.is_action_request(text)


@pytest.mark.parametrize("text", [
    "Wären Sie so nett und erklären mir, wie das Zurücksetzen geht?",
    "Wie finde ich heraus, ob mein Code noch gilt?",
    "Wie kann ich mich registrieren?",
    "Ich möchte mich anmelden, was brauche ich dafür?",
    "Mein Brief mit den Zugangsdaten ist nicht angekommen",
    "wie bekomme ich bitte ein neues Passwort?",
    "Ich habe mein Passwort vergessen",
    "nein danke, schick nichts",
    "bitte doch nicht registrieren",
    "ich brauche keinen neuen Brief",
    "Brauche ich die App?",
    "kann ich mir das Passwort auch per Post schicken lassen oder nur in der App?",
    "wie würde ich mich denn gern anmelden, per Video oder Brief?",
    "Ich würde gern ein neues Passwort bestellen. Wie lange dauert das mit der Post?",
    "Mein Handy ist alt und ich will es eigentlich nicht registrieren, geht die Filiale trotzdem?",
    # the question comes last; the closing line and the name after it are no sentences of their own
    "Ich möchte mich anmelden und habe gelesen, dass dies per Video geht. Wie genau läuft das ab? "
    "Mit freundlichen Grüßen, H. Kellermann",
    # getting back later is no registration
    "ok danke, dann melde ich mich wieder",
    "dann melde ich mich später nochmal",
    # asking whether it can be done is a question; the polite "wäre es möglich, mir ..." asks to do it
    "Ist es möglich, mich ohne Video zu registrieren?",
    # asking to be told how is a question
    "Kannst du mir sagen, wie ich die 2FA einrichte?", "Können Sie mir erklären, wie ich die PIN zurücksetze?",
])
def test_questions_and_refusals_are_not_requests(text):
    assert not requests.is_action_request(text)


def parse(intents, topics):
    return {"intent_ranking": [{"name": n, "confidence": c} for n, c in intents],
            "response_selector": {"faq": {"ranking": [{"intent_response_key": f"faq/{t}", "confidence": c}
                                                      for t, c in topics]}}}


def test_the_task_comes_from_the_classifier_first_then_from_the_topic():
    catalog = faq.load_catalog()
    assert requests.requested_task(parse([("goodbye", 0.9), ("start_registration", 0.08)], [("usable_when", 0.8)]),
                                   catalog) == "start_registration"
    assert requests.requested_task(parse([("faq", 0.9), ("greet", 0.05)], [("letter_not_arrived", 0.7)]),
                                   catalog) == "request_letter_resend"
    # a task intent far down the ranking, or a weak topic, or a topic without a task: nothing
    assert requests.requested_task(parse([("faq", 0.8), ("greet", 0.1), ("start_registration", 0.09)],
                                         [("app_download", 0.9)]), catalog) is None
    assert requests.requested_task(parse([("faq", 0.9)], [("password_forgotten", 0.1)]), catalog) is None


def test_every_topic_task_is_a_task_button_under_its_answer():
    import yaml

    from bot.config import PROJECT_ROOT

    catalog = faq.load_catalog()
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    label = {}
    for text, intent in catalog.task_buttons:
        label.setdefault(intent, text)  # the first button of a task is the one under its answers
    with_task = [t for t in catalog.topics if t.task]
    assert len(with_task) >= 6
    for topic in with_task:
        titles = [b["title"] for variant in domain["responses"][topic.response] for b in variant.get("buttons", [])]
        assert label[topic.task] in titles, (topic.id, titles)


@pytest.mark.parametrize("text, task", [
    ("ok dann leg ich gleich los. kannst du mich registrieren?", "start_registration"),
    ("kannst du mir die PIN zurücksetzen?", "request_pin_reset"),
    ("kannst du mir nochmal den Brief schicken?", "request_letter_resend"),
    ("Kannst du mein Passwort und meine PIN zurücksetzen?", None),  # two tasks named: neither is guessed
])
def test_a_task_named_in_own_words(text, task):
    assert requests.named_task(text) == task


def test_requests_are_judged_sentence_by_sentence_and_complaints_are_no_requests():
    assert requests.is_action_request("hab den brief letztes jahr bekommen und nie was gemacht. prüf mal ob der "
                                      "qr code noch geht")
    assert requests.is_action_request("meld mich bitte bei der online-filiale an")
    assert not requests.is_action_request("Ich möchte mich über den Ablauf der Registrierung beschweren.")


@pytest.mark.parametrize("text, status", [
    ("ist der brief schon raus bei euch?", True),
    ("Wurden meine Zugangsdaten schon verschickt?", True),
    ("Mein Brief ist nicht angekommen, was tun?", False),
    ("Kann ich die Zugangsdaten per Post bekommen?", False),
    ("ah der brief ist noch unterwegs. und wenn der nicht ankommt?", False),
    ("Und wie lange ist so ein Brief normalerweise unterwegs?", False),
])
def test_letter_status_questions(text, status):
    """The question itself must ask it ("der Brief ist noch unterwegs. und wenn der nicht ankommt?" does not)."""
    assert requests.is_letter_status_question(text) is status


@pytest.mark.parametrize("text, hands_over", [
    ("kannst du das bitte für meinen fall mit mir durchgehen?", True),
    ("mach das bitte für mich", True),
    ("können Sie das für mich prüfen?", True),
    ("was muss ich bei mir machen?", False),
    ("nein, mach das nicht für mich", False),
])
def test_asking_to_do_what_was_just_explained(text, hands_over):
    assert requests.asks_to_do_it(text) is hands_over


@pytest.mark.parametrize("text, task", [
    ("ist meine Zwei-Faktor-Authentifizierung eigentlich schon eingerichtet?", "check_2fa_activation"),
    ("hab ich 2FA bereits aktiviert?", "check_2fa_activation"),
    ("wie habe ich die 2FA aktiviert?", None),
    ("ist bei mir die 2-faktor schon eingerichtet?", "check_2fa_activation"),
    ("Ich will die 2FA einrichten. Geht mein QR-Code aus dem Brief noch?", "check_2fa_activation"),
    ("mein qr code geht nicht mehr, warum??", None),
    ("Muss ich die 2FA noch aktivieren? Weiß nicht mehr, ob ich das schon gemacht hab", "check_2fa_activation"),
    ("Wie aktiviere ich die Zwei-Faktor-Authentifizierung?", None),
    # Bavarian, and the QR code first ("mein qr code geht der noch ...?"), or someone else's
    ("Is mei 2FA eigentlich aktiv? I woaß nimmer.", "check_2fa_activation"),
    ("mein qr code geht der noch oder is der schon abgelaufen", "check_2fa_activation"),
    ("Ich frage für meinen Mann: Ist sein QR-Code noch gültig?", "check_2fa_activation"),
    ("Wie lange ist ein QR-Code gültig?", None),
    ("Hallo, ich wollte prüfen lassen, ob mein QR-Code für die 2FA noch gilt", "check_2fa_activation"),
    ("Meine Frau will wissen, ob ihr QR Code noch gültig ist", "check_2fa_activation"),
    ("Woher weiß ich, ob ein QR-Code noch gültig ist?", None),
    ("mein qr code ist noch gültig, wie aktiviere ich jetzt 2fa?", None),
    # the own registration, also in a subordinate clause; a statement about it is no question
    ("Ich wollte nur wissen, ob ich bei euch schon registriert bin", "start_registration"),
    ("weiß gar nicht ob ich überhaupt angemeldet bin", "start_registration"),
    ("hab mich vor 10 tagen angemeldet", None),
])
def test_questions_about_the_own_2fa_state_are_looked_up(text, task):
    assert requests.own_state_task(text) == task


def test_a_wish_after_a_complaint_about_it_is_a_request():
    assert requests.is_action_request("Mit der PIN komme ich nicht klar und will sie neu setzen.")


@pytest.mark.parametrize("text, task", [
    ("registrierung A123456780", "start_registration"),
    ("Hallo, Anmeldung Online-Filiale, Nummer A123456780", "start_registration"),
    ("Zugangsdaten nochmal: D271828180 01067", "request_letter_resend"),
    ("neues passwort bitte, C314159266", "request_new_password"),
    ("A123456780", None),  # a number alone: which task? (nothing is kept)
    ("ok dann per brief. A123456780", None),  # a registration by letter or a resend?
    ("A123456780 ist das meine nummer für die registrierung?", None),  # a question
    ("registrierung A123456781", None),  # not a valid number
    ("bitte keine registrierung, A123456780", None),
])
def test_a_task_named_with_the_number_starts_it(text, task):
    assert requests.task_with_number(text) == task


def test_a_valid_number_in_a_longer_message_is_found():
    assert requests.has_valid_insurance_number("ok dann per brief. A123456780")
    assert not requests.has_valid_insurance_number("ok dann per brief. A123456781")


@pytest.mark.parametrize("text", [
    "Guten Tag, ich schreibe für meine Frau. Sie hat ihr Passwort vergessen, wir hätten gern ein neues per Post.",
    "Meine Mutter braucht ein neues Passwort, sie hatte es aufgeschrieben und den Zettel verloren.",
    "Gudn Tach. Mei Passwort geht nimmer. Kenn Se mir e neues schicken?",
    "Servus, i hob den Brief verschlampt. Könnt's ma den nochamoi schicken?",
    "Moin, würd mich gern für die Online Filiale registrieren",
])
def test_requests_in_other_persons_and_dialects(text: str):
    assert requests.is_action_request(text)


@pytest.mark.parametrize("text, ahead", [
    ("ok dann brief", True),
    ("Gut, dann per Brief. Was brauchen Sie von mir?", True),
    ("ok dann per brief, mach das mal mit mir", True),
    ("ok dann mach ich das jetzt", True),
    ("ok ich will machen jetzt", True),
    ("Okay dann lieber per Brief. Wie lange dauert das?", False),  # its own question first
    ("ok dann video. was brauch ich dafür alles", False),
    ("dann video ident, geht das mit ner spanischen handynummer?", False),
    ("dann mach ich das später", False),
    ("ok dann mach ich das selber in der app", False),
    ("dann ruf ich lieber an", False),
])
def test_going_ahead_with_what_was_just_explained(text: str, ahead: bool):
    assert requests.goes_ahead(text) is ahead


def test_the_sentence_that_asks_names_the_task():
    assert requests.task_of_request_sentence(
        "Hallo, ich brauche ein neues Passwort. 2FA habe ich schon eingerichtet.") == "request_new_password"
    assert requests.task_of_request_sentence("Können Sie mir ein neues Passwort schicken?") is None  # one sentence


def test_a_task_named_in_the_words_wins_over_another_task_read_by_the_classifier():
    assert requests.task_named_against("request_new_password", "dann registrier mich per brief") == "start_registration"
    assert requests.task_named_against("start_registration", "ich möchte meinen QR-Code prüfen lassen") == \
        "check_2fa_activation"
    assert requests.task_named_against("start_registration", "ich will mich registrieren") is None  # the same task
    # "Konto" or "Zugang" alone, and "Brief" alone, name no task against the classifier
    assert requests.task_named_against("check_2fa_activation", "schick mir nochmal den code für mein konto") is None
    assert requests.task_named_against("request_new_password", "ok schick mir den brief") is None
    assert requests.task_named_against("request_new_password", "wie registriere ich mich?") is None  # no request


@pytest.mark.parametrize("text", [
    "Der Brief kam vor nem Monat, geht der Code da drin noch?",
    "ich hab meinen brief vor nem monat bekommen, geht der QR code noch?",
    "Ich möchte die Zwei-Faktor-Sache einrichten. Geht das mit dem Code aus meinem Brief vom letzten Jahr noch?",
])
def test_whether_the_code_of_ones_own_letter_still_works_is_looked_up(text: str):
    assert requests.own_state_task(text) == "check_2fa_activation"


def test_whether_2fa_is_active_asked_as_a_statement_is_looked_up():
    assert requests.own_state_task("Ich will wissen, 2FA ist aktiv bei mir oder nicht?") == "check_2fa_activation"
    assert requests.own_state_task("2FA ist aktiv bei mir?") == "check_2fa_activation"
    assert requests.own_state_task("2FA ist aktiv bei mir, wie ändere ich die PIN?") is None


def test_a_request_that_ends_with_a_question():
    assert requests.ends_with_question("I möcht mi übers Video registrieren. Geht des a am Sonntag?")
    assert not requests.ends_with_question("Geht des a am Sonntag?")  # a question alone is just a question
    assert not requests.ends_with_question("Ich will mich registrieren. Jetzt gleich.")


def test_whether_one_is_registered_is_looked_up_by_the_registration():
    assert requests.own_state_task("Bin ich eigentlich schon registriert?") == "start_registration"
    assert requests.own_state_task("Wie registriere ich mich?") is None
    assert requests.own_state_task("Meine Frage wäre, ob ich mit meinem alten Registrierungsbrief noch die 2FA "
                                   "einrichten kann") == "check_2fa_activation"


@pytest.mark.parametrize("text, task", [
    ("anmelden online filiale", "start_registration"),
    ("pin reset", "request_pin_reset"),
    ("passwort zurücksetzen", "request_new_password"),
    ("pw vergessen kann ich neues per brief bekommen", "request_new_password"),
    ("Hallo, ich möchte für meinen Vater diese Online-Filiale einrichten, er kommt mit dem Handy nicht zurecht",
     "start_registration"),
    ("Also gut, dann meld ich mich mal an", "start_registration"),
])
def test_requests_members_of_scripts_22_to_25_typed(text: str, task: str):
    assert requests.is_action_request(text)
    assert requests.named_task(text) == task


@pytest.mark.parametrize("text", ["anmelden geht nicht", "registrieren klappt einfach nicht",
                                  "Kann ich die Zugangsdaten auch per Post bekommen?", "wie kann ich die pin reset machen"])
def test_problems_and_questions_are_no_requests(text: str):
    assert not requests.is_action_request(text)


def test_a_request_with_a_problem_beside_it_stays_a_request():
    assert requests.is_action_request("schicken Sie mir den Brief, das Video geht nicht")


@pytest.mark.parametrize("text, asks", [("ist mein brief schon unterwegs", True),
                                        ("Servus, is mei Brief mit de Zugangsdaten scho rausganga?", True),
                                        ("ist der brief in der regel lange unterwegs", False)])
def test_letter_status_questions(text: str, asks: bool):
    assert requests.is_letter_status_question(text) is asks


@pytest.mark.parametrize("text, task", [("Ich wollte nur wissen, ob mein 2FA eingerichtet ist.", "check_2fa_activation"),
                                        ("ob die 2fa bei mir schon aktiv ist", "check_2fa_activation"),
                                        ("weiß nicht ob 2fa aktiviert werden muss", None)])
def test_the_own_2fa_state_is_looked_up(text: str, task):
    assert requests.own_state_task(text) == task


@pytest.mark.parametrize("text, ahead", [("ok dann mach mal", True), ("ok lieber per brief", True),
                                         ("ach nee doch lieber per brief", False), ("mach mal schneller", False)])
def test_going_ahead_in_few_words(text: str, ahead: bool):
    assert requests.goes_ahead(text) is ahead


@pytest.mark.parametrize("text, task", [
    ("brief mit zugangsdaten nochmal schicken plz", "request_letter_resend"),  # "plz": please, not the Postleitzahl
    ("ok ich versuchs auf deutsch pw vergessen brauch neues per post", "request_new_password"),
    ("ok dann registrier mich", "start_registration"),
    ("ja ich glaub ich muss die pin zurücksetzen", "request_pin_reset"),
])
def test_requests_in_few_words(text: str, task: str):
    assert requests.is_action_request(text) and requests.named_task(text) == task


@pytest.mark.parametrize("text", ["wie ändere ich meine plz", "ich muss die pin zurücksetzen, wie geht das?"])
def test_a_postcode_and_a_question_are_no_requests(text: str):
    assert not requests.is_action_request(text)


@pytest.mark.parametrize("text", ["is mein qr code noch gültig", "hab ich das 2fa schon an? weiss ich nicht mehr"])
def test_the_own_2fa_state_in_short_words(text: str):
    assert requests.own_state_task(text) == "check_2fa_activation"


def test_asking_to_have_it_done_despite_a_nicht():
    assert requests.asks_to_do_it("kannst du das nicht einfach hier machen für mich?")
    assert not requests.asks_to_do_it("nein, mach das nicht für mich")


def test_looking_it_up_is_a_request():
    assert requests.is_action_request("ja schau mal nach ob der noch geht")


def test_whether_the_own_phone_is_registered_is_looked_up():
    assert requests.own_state_task("sorry, ich wollte wissen ob mein handy für die freigabe eingerichtet ist") == \
        "check_2fa_activation"
    assert requests.own_state_task("muss mein handy registriert werden?") is None


def test_nothing_in_another_sentence_takes_no_request_back():
    assert requests.is_action_request("Das mit dem Selfie ist nichts für mich. Koennten Sie mir bitte ein neues "
                                      "Passwort mit der Post schicken?")
    assert not requests.is_action_request("Nein. Bitte nichts schicken.")
    assert not requests.is_action_request("nein, schick nichts")


def test_check_mal_is_a_request():
    assert requests.is_action_request("is 2fa bei mir schon aktiv? check mal")
    assert requests.named_task("is 2fa bei mir schon aktiv? check mal") == "check_2fa_activation"


def test_what_the_member_says_they_mean_names_the_task():
    text = "Kann ich den Brief denn gleich hier bei Ihnen anfordern, also die Anmeldung meine ich?"
    assert requests.is_action_request(text)
    assert requests.named_task(text) == "start_registration"
    assert requests.named_task("Brief oder Anmeldung?") is None


def test_needing_the_letter_again_after_a_story_is_a_request():
    text = "ich bin vor kurzem umgezogen und brauche meine zugangsdaten nochmal per brief"
    assert requests.is_action_request(text)
    assert requests.named_task(text) == "request_letter_resend"


def test_having_it_sent_instead_of_the_video_asks_whether_that_is_possible():
    assert not requests.is_action_request("kann ich mir die Zugangsdaten per Post schicken lassen statt diesem Video?")
    assert requests.is_action_request("kann ich mir die Zugangsdaten nochmal zuschicken lassen?")


@pytest.mark.parametrize("text, reports", [
    ("bei der registrierung steht versichertennummer ungültig. ich hab A123456780-1 eingegeben", True),
    ("er nimmt meine nummer nicht, ich tipp A123456780-1 ein", True), ("A123456780-1 geht das so?", True),
    ("A123456780-1", False), ("A123456780 ist ungültig?", False)])
def test_a_number_with_the_digit_after_the_hyphen_told_as_refused(text, reports):
    assert requests.reports_number_with_suffix(text) is reports


@pytest.mark.parametrize("text, only_a_way", [
    ("per Briaf bittschön", True), ("Video bitte, ich hab keinen Bock auf Post warten", True),
    ("selfie ident hab ich keinen bock, per post bitte", True),
    ("pw vergessen, schickt mir n neues per post", False), ("zugangsdaten per brief nochmal bitte", False),
    ("registrierung per video", False), ("setzen sie meine app pin zurück", False)])
def test_a_way_alone_does_not_say_which_task(text: str, only_a_way: bool):
    # registration, a new password and the access letter all come by letter: only the conversation tells which
    assert requests.names_only_a_way(text) is only_a_way


@pytest.mark.parametrize("text, failure", [
    ("neue adresse noch nicht gemeldet, registrierung sagt plz falsch", True), ("anmelden klappt nicht", True),
    ("da kommt immer ein Fehler", True), ("die Nummer ist ungültig sagt er", True),
    ("hab die pin vergessen hilf mal die zurückzusetzen", False), ("qr noch gültig?", False)])
def test_a_reported_failure(text: str, failure: bool):
    assert requests.reports_failure(text) is failure
