"""bot/tone.py: upset members, complaints, thanks, requests for a person and other languages by their words."""

from __future__ import annotations

import pytest

from bot import tone


@pytest.mark.parametrize("text", [
    "was soll der quatsch mit dieser 2 faktor kacke, früher ging das auch ohne!!",
    "Ich bin echt bedient, nichts klappt",
    "ihr macht mich wahnsinnig mit eurer App",
])
def test_upset_in_more_words(text):
    assert tone.is_upset(text)


@pytest.mark.parametrize("text", ["Wie lange dauert die Video-Identifikation?", "Ich habe mein Passwort vergessen"])
def test_plain_questions_are_not_upset(text):
    assert not tone.is_upset(text)


@pytest.mark.parametrize("text", [
    "wie erreich ich euch am schnellsten? will das mit nem mitarbeiter klären",
    "Gibt es bei Ihnen niemanden, der mir das am Telefon erklärt?",
    "und gebt mir jemanden ans telefon, der das sofort klärt",
    "ich will mit einem echten Menschen reden",
])
def test_asking_for_a_person(text):
    assert tone.wants_person(text)


@pytest.mark.parametrize("text", [
    "Bin ich mit einem Menschen verbunden?",  # asks who answers: the bot says it is one
    "Sieht ein Mitarbeiter von NECT mein Wohnzimmer?",  # an FAQ question about NECT
    "Wie lange dauert das?",
])
def test_questions_about_people_are_not_requests_for_one(text):
    assert not tone.wants_person(text)


@pytest.mark.parametrize("text", ["ok, danke trotzdem", "na gut, trotzdem danke", "perfekt, dann mach ich das heut noch",
                                  "schade, na gut", "Çok teşekkürler", "merci", "👍", "👍🏼", "🙏🙂", "👌!"])
def test_thanks_and_acknowledgements(text):
    assert tone.is_thanks(text)


@pytest.mark.parametrize("text", ["danke, und wie lange dauert das?", "ok i try german. ich will registrieren",
                                  "ok, schick mir den Brief", "alles klar, wo finde ich den QR-Code?",
                                  "👍 aber wo ist der Code?", "😡"])
def test_thanks_with_a_question_or_a_task_are_not_just_thanks(text):
    assert not tone.is_thanks(text)


@pytest.mark.parametrize("text", [
    "Hi, can you help me reset my app PIN please?",
    "my german is not so good, sorry",
    "Buongiorno, quanto dura l'identificazione video?",
    "Bonjour, vous parlez français ?",
    "Şifremi unuttum, ne yapmalıyım?",
])
def test_other_languages(text):
    assert tone.other_language(text)


@pytest.mark.parametrize("text", ["Hallo, ich habe eine Frage", "App PIN reset", "sorry. pin zurücksetzen wie?",
                                  "Ist mein QR-Code noch gültig?", "help"])
def test_german_with_an_english_word_is_german(text):
    assert not tone.other_language(text)


def test_questions_that_mention_someone_are_not_requests_for_a_person():
    assert not tone.wants_person("muss ich bei nect mit jemandem reden, der mich live sieht")
    assert not tone.other_language("Ciao ciao, bis demnächst")


@pytest.mark.parametrize("text, present", [("bist du noch da?", True), ("hallo? ist da jemand?", True),
                                           ("hallo??? antwortet hier jemand", True),
                                           ("Ist die Online-Filiale noch da, wenn ich umziehe?", False),
                                           ("funktioniert der chat überhaupt", True), ("sind sie noch dabei?", False),
                                           ("funktioniert der chat auch auf dem handy?", False)])
def test_checking_that_someone_answers(text, present):
    assert tone.checks_presence(text) is present


@pytest.mark.parametrize("text", ["So ein Mist. Danke trotzdem", "na super. trotzdem vielen dank", "vergelt's gott"])
def test_thanks_despite_anger_are_thanks(text):
    assert tone.thanks_anyway(text) or tone.is_thanks(text)


def test_thanks_despite_anger_with_a_question_is_no_goodbye():
    assert not tone.thanks_anyway("danke trotzdem, aber wie geht das jetzt?")


@pytest.mark.parametrize("text", ["wos kost des, brauch i do a app?", "bist du a KI oder sitzt da wer?",
                                  "mei, des is halt do so"])
def test_dialect_and_colloquial_german_is_german(text):
    assert not tone.other_language(text)


def test_asking_whether_a_person_answers_in_the_sie_form():
    assert tone.asks_who_answers("Sind Sie überhaupt ein Mensch?")
    assert not tone.asks_who_answers("Sind Sie sicher, dass ein Mensch das prüft?")


def test_more_ways_to_be_upset():
    assert tone.is_upset("Das ist doch echt ein Witz. Ich warte jetzt seit über einem Monat auf diesen Brief!!!")
    assert tone.is_upset("Super. Echt umständlich das alles.")
    assert not tone.is_upset("Ich warte seit zwei Wochen auf den Brief, ist das normal?")


@pytest.mark.parametrize("text", [
    "Das ist mir zu kompliziert. Ich rufe lieber bei Ihnen an.", "ok, dann frag ich telefonisch nach",
    "kk welche nummer", "wie war die nummer nochmal?", "Gibts da wenigstens eine Nummer?", "hotline nr?",
    "Wie lautet die Nummer der Hotline?", "wie is die nummer", "Dann gib ma halt de Nummer vo da Hotline.",
    "Geben Sie mir bitte eine Telefonnummer.",
])
def test_wanting_to_phone_gets_the_number(text):
    assert tone.wants_phone(text) and tone.wants_person(text)


@pytest.mark.parametrize("text", [
    "welche nummer muss ich eingeben?", "wie war die nummer auf der karte", "muss ich eine telefonnummer angeben?",
    "Kann ich das telefonisch machen?", "Welche Nummer ist gemeint?", "ich will mit einem menschen reden",
    "Meine Nummer ist das nicht", "welche nummer ist das auf der karte",
])
def test_a_number_of_ones_own_is_no_wish_to_phone(text):
    assert not tone.wants_phone(text)


@pytest.mark.parametrize("text", ["gib mir deine Handynummer", "Gebt mir die Nummer von der Karte, wo steht die?"])
def test_giving_a_number_of_ones_own_is_no_wish_to_phone(text):
    assert not tone.wants_phone(text)


@pytest.mark.parametrize("text", ["nervig. thx", "Ah, jetzt geht's. Dankschee.", "kk top"])
def test_short_thanks_also_with_a_sigh(text):
    assert tone.is_thanks(text)


def test_when_someone_is_reachable_is_no_presence_check():
    assert tone.checks_presence("hallo? ist da jemand?")
    assert not tone.checks_presence("Und wann ist da jemand erreichbar?")


@pytest.mark.parametrize("text", ["Eure App ist der letzte Dreck.", "Nein, ich hab keine Frage. Wollte das nur mal loswerden."])
def test_venting_is_upset(text):
    assert tone.is_upset(text)


def test_asking_for_a_person_in_bavarian():
    assert tone.wants_person("Kon i do mit am echtn Menschn redn?")


def test_disbelief_after_a_failed_identification_is_upset():
    assert tone.is_upset("Das kann doch nicht sein, ich bin seit 20 Jahren bei euch versichert!")
    assert tone.is_upset("I bin doch seit 30 Johr bei eich versichert!")


@pytest.mark.parametrize("text, other", [
    ("ladno, spasibo", True), ("dziekuje", True), ("privet. pismo s parolem ne prishlo", True),
    ("marhaba, ana nseet el password", True), ("Привет", True), ("Since when?", True),
    ("ok danke", False), ("sorry", False), ("Login Account gesperrt", False), ("tak", False),
])
def test_other_languages_by_marker_words_and_scripts(text: str, other: bool):
    assert tone.other_language(text) is other


@pytest.mark.parametrize("text, upset", [
    ("aha. typisch krankenkasse", True), ("hä? das ist meine nummer. euer system ist kaputt", True),
    ("also wofür seid ihr eigentlich da", True),
    ("kannst du überhaupt was?", True), ("Ist mein Handy kaputt, wenn der QR-Code nicht geht?", False),
    ("Die schlechteste Krankenkasse überhaupt!", True), ("Reicht's jetzt? Ich wechsel die Kasse!", True),
    ("Ich habe die Kasse gewechselt, muss ich mich neu registrieren?", False),
    ("Diese blöde App erkennt meinen Ausweis nicht!", True), ("Entschuldigen Sie die blöde Frage: wo ist der Store?", False),
])
def test_more_ways_of_being_upset(text: str, upset: bool):
    assert tone.is_upset(text) is upset


@pytest.mark.parametrize("text, bye", [
    ("Guad, nacher wart i halt. Ade", True), ("Noi, i hab no des gleiche Handy. Also passt des. Adele!", True),
    ("ok, bis dann", True), ("Servus, i hob den Brief verschlampt", False), ("bis wann gilt der Code?", False),
])
def test_a_goodbye_at_the_end(text: str, bye: bool):
    assert tone.says_goodbye(text) is bye


def test_asking_for_someone_to_talk_to_on_the_phone():
    assert tone.wants_person("Ich wollt fragen ob ich mit jemandem von der Kasse telefonieren kann")
    assert tone.wants_person("Gibt's do koa Telefonnummer, wo a Mensch abhebt?")


def test_thanks_and_leaving_in_other_languages():
    assert tone.is_thanks("ladno, spasibo") and tone.is_thanks("dziekuje")
    assert tone.leaves_in_english("Actually never mind, I'll just do the video thing instead")
    assert not tone.leaves_in_english("I forgot my password")


def test_whom_to_contact_is_a_wish_for_a_person():
    assert tone.wants_person("wen soll ich da kontaktieren?")
    assert not tone.wants_person("Kontaktiert mich die BMW BKK nach der Registrierung?")


@pytest.mark.parametrize("text", ["schreib ich grad mit nem programm?", "Is des a Maschin, de mir do antwort?",
                                  "Sind Sie ein Roboter?"])
def test_asking_who_answers_in_more_words(text: str):
    assert tone.asks_who_answers(text)


@pytest.mark.parametrize("text", ["Gibt es jemanden, der mir persönlich helfen kann?", "Holen Sie bitte einen Kollegen.",
                                  "Gibt's bei euch auch echte Leute?",
                                  "Ich wünsche, dass sich ein Mitarbeiter persönlich bei mir meldet.",
                                  "Immer diese Automaten. Habt ihr keine Leute mehr??"])
def test_asking_for_a_person_in_more_words(text: str):
    assert tone.wants_person(text)


@pytest.mark.parametrize("text", ["Wie hole ich mir einen neuen QR-Code?", "Holen Sie sich die App aus dem Store?",
                                  "Kann ich den Brief auch abholen?"])
def test_fetching_something_is_no_wish_for_a_person(text: str):
    assert not tone.wants_person(text)


def test_asking_whether_someone_gets_in_touch_is_no_wish_for_a_person():
    assert not tone.wants_person("Meldet sich dann jemand bei mir, wenn der Brief raus ist?")
    assert tone.wants_person("Bitte soll sich ein Mitarbeiter bei mir melden.")


@pytest.mark.parametrize("text, declines", [
    ("nee, erstmal nicht, wollte mich nur informieren", True), ("Dann mach ich das lieber selbst in der App", True),
    ("Kann ich das selbst machen?", False), ("Wie registriere ich mich?", False),
])
def test_not_now(text: str, declines: bool):
    assert tone.declines_for_now(text) is declines


@pytest.mark.parametrize("text, upset", [
    ("Das ist doch alles ein Schmarrn, früher hat ein Anruf gereicht", True),
    ("des is a Schmarrn mit eurer App", True),
    # "Ah Schmarrn" corrects oneself ("oh, nonsense, I moved in summer"): no anger
    ("Ah Schmarrn, i bin ja im Summa umzogn, vorher war i in Dingolfing", False),
])
def test_schmarrn_is_anger_only_when_it_judges_something(text: str, upset: bool):
    assert tone.is_upset(text) is upset


def test_found_it_and_thanks_is_thanks_and_the_phone_wish():
    assert tone.is_thanks("ah ok, mit dem QR code von der seite, gefunden. danke")
    assert tone.is_thanks("dnake")
    assert tone.wants_person("Kann ich das nicht einfach am Telefon erledigen?")
    assert tone.wants_person("geht nicht per chat, ich brauch jemand am telefon")


@pytest.mark.parametrize("text, asks", [
    ("was kannst du eigentlich alles für mich machen?", True), ("was kannst du überhaupt", True),
    ("hallo was kann ich bei euch hier alles machen? auch krankengeld beantragen?", True),
    ("Was können Sie für mich tun?", True), ("wobei kannst du mir helfen", True),
    # a question about something is no question about the assistant
    ("Was kannst du mir zu NECT sagen?", False), ("was kann ich hier bei euch machen wenn der brief nicht kommt", False),
    # even when it sounds sarcastic, "kannst du überhaupt was?" is best answered with what the assistant does
    ("kannst du überhaupt was", True), ("dachte ich mir. kannst du überhaupt was?", True),
    ("Kannst du mir was zur App sagen?", False),
])
def test_what_the_assistant_can_do(text: str, asks: bool):
    assert tone.asks_capabilities(text) is asks


def test_a_wish_for_a_person_next_to_the_question_who_answers():
    assert tone.wants_person("Bin ich hier bei einem Chatbot? Ich würd lieber mit nem Menschen reden")
    assert not tone.wants_person("Bin ich hier mit einem Menschen verbunden?")
    assert tone.wants_person("ich bin nicht so fit mit technik, kann mir jemand am telefon helfen?")
    # when someone is there is asked, not for someone now
    assert not tone.wants_person("Bis wann ist da jemand am Telefon?")
    assert tone.asks_who_answers_in_a_sentence("hab ne frage zu dem brief. bist du ein echter mensch?", 12)


@pytest.mark.parametrize("text, upset", [
    ("na super. echt toll", True), ("ich versteh nur Bahnhof", True), ("ich blick da nicht mehr durch", True),
    ("na super danke", False), ("ok danke, war ja doch nicht so schlimm", False),
    # "das reicht mir" is enough information; "mir reicht es" is enough patience
    ("Gut, das reicht mir eigentlich. Vielen Dank!", False), ("jetzt reicht es mir", True), ("mir reicht es!", True),
])
def test_sarcasm_and_being_lost_are_upset_relief_is_not(text: str, upset: bool):
    assert tone.is_upset(text) is upset


def test_an_acknowledgement_that_goes_on_with_und_is_no_thanks():
    assert not tone.is_thanks("ok und zahlt ihr professionelle zahnreinigung")
    assert tone.is_thanks("ok und danke")


def test_asking_whom_to_turn_to_is_a_wish_for_a_person():
    assert tone.wants_person("Bei wem soll ich mich da melden?")


def test_how_to_reach_the_insurer_is_a_wish_for_a_person_how_to_register_is_not():
    assert tone.wants_person("wie meld ich mich dann bei euch")
    assert not tone.wants_person("wie melde ich mich bei euch an?")


@pytest.mark.parametrize("text", ["oh mann", "boah ey", "mann mann mann",
                                  "Ich bin wirklich mit den Nerven am Ende mit diesem Computerkram."])
def test_sighs_and_nerves_at_an_end_are_upset(text):
    assert tone.is_upset(text)


@pytest.mark.parametrize("text", ["Mein Mann hat das gleiche Problem, was tun?", "Mann, wie geht das?"])
def test_a_man_in_a_question_is_no_sigh(text):
    assert not tone.is_upset(text)


def test_an_acknowledgement_before_a_question_is_no_thanks():
    assert not tone.is_thanks("ok. brauch ich die app ueberhaupt")
    assert tone.is_thanks("ok, brauch ich nicht")


@pytest.mark.parametrize("text", ["Ach so, wofür sind Sie denn dann da?", "was kann ich dich denn überhaupt fragen?"])
def test_more_ways_to_ask_what_the_assistant_is_for(text):
    assert tone.asks_capabilities(text)


def test_which_chat_this_is_asks_who_answers():
    assert tone.asks_who_answers("Guten Tag, ist das hier der Chat von der BMW BKK?")
    assert tone.asks_who_answers("bin ich hier im chat der bmw bkk?")
    assert not tone.asks_who_answers("Ist das sicher, wenn ich hier im Chat meine Nummer eingebe?")


@pytest.mark.parametrize("text", ["hat geklappt 👍", "jetzt geht's, danke", "alles funktioniert"])
def test_it_worked_is_an_acknowledgement(text):
    assert tone.is_thanks(text)


@pytest.mark.parametrize("text", ["ok, Video", "gut, per Brief", "na gut, dann lieber per Post"])
def test_choosing_the_way_after_ok_is_no_acknowledgement(text):
    assert not tone.is_thanks(text)
