"""What a member's message means inside a guided task: an answer, a correction, or something else.

A task asks one thing at a time (Versichertennummer, PLZ, e-mail, phone,
method, the last confirmation of a letter). Members answer with extra words
("meine PLZ ist 84130"), correct only the PLZ after a failed identification,
change their mind ("ach, doch nicht", or naming another task), ask something
in between, or are upset. :func:`interpret` turns one message into one
:class:`Decision`; the form validators in ``actions/tasks.py`` only carry it
out. Data in the message always wins over the NLU's guess of the intent, so
a typed number is never lost to a misread intent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

from bot import followups, tone, validation

#: The task intents and the form each starts.
TASK_FORMS = {
    "start_registration": "registration_form",
    "request_letter_resend": "resend_form",
    "request_new_password": "password_letter_form",
    "check_2fa_activation": "twofa_form",
    "request_pin_reset": "pin_reset_form",
}
#: Messages that are not an answer but get their own reply, after which the task asks again.
INTERRUPTIONS = {
    "out_of_scope": "utter_out_of_scope",
    "not_covered": "utter_not_covered",
    "still_there": "utter_still_there_in_task",
    "greet": "utter_still_there_in_task",
    "bot_challenge": "utter_iamabot",
    "frustration": "utter_frustration",
    "complain": "utter_complaint",
    "other_language": "utter_other_language",
    "request_human": "utter_hotline_human",
    "thank": "utter_task_go_on",
    "affirm": "utter_task_go_on",
}
LEAVE_INTENTS = frozenset({"cancel", "goodbye"})


def about_me(text: str) -> str:
    """The reply to a question about the assistant: what it does ("Was kannst du eigentlich alles?"), else what it
    is ("Bist du ein Bot?")."""
    return "utter_capabilities" if tone.asks_capabilities(text) else "utter_iamabot"
#: An FAQ question, plain, in an angry message (addons/faq_gate.py: an apology comes first) or short and
#: pointing back ("was brauche ich dafür?": inside a task, the task is the context).
FAQ_INTENTS = frozenset({"faq", "faq_upset", "follow_up"})
#: Words that leave a task whatever the NLU says ("ach, lass gut sein", "doch nicht").
_LEAVE = re.compile(r"\b(lass (es|mal|gut sein|das)|vergiss (es|das)|doch nicht(?!\s+(?:sein|wahr|m(?:ö|oe)glich|stimmen|richtig))|abbrechen|abbruch|aufh(ö|oe)ren|"
                    r"stopp?|egal|keine lust|anders (ü|ue)berlegt|will (ich )?nicht|möchte (ich )?nicht|"
                    r"moechte (ich )?nicht|keine zeit|ein (?:andermal|anderes mal)|mach\w* ich (?:das )?(?:lieber )?sp(?:ä|ae)ter)\b")
#: Words that announce a change of mind ("eigentlich will ich ...", "lieber ..."): then a task the NLU
#: ranks lower still counts.
_MIND_CHANGE = re.compile(r"\b(eigentlich|lieber|stattdessen|statt dessen|doch|vielmehr|nee|nein|ne|n(ö|oe)|stopp?|"
                          r"sondern|anderes|was anderes)\b")
#: A task the NLU ranks at least this high is taken after a change-of-mind word.
MIN_SWITCH_CONFIDENCE = 0.1
_NO_START = re.compile(r"^\W*(nein|nee|ne|nö|noe|no|nicht|lieber nicht|doch nicht)\b")
_YES_START = re.compile(r"^\W*(ja|jo|jap|jep|jawohl|gerne?|ok|okay|klar|genau|bitte|mach|passt|evet|yes|yeah|yep)\b")
#: An intent below this confidence does not end or switch a task.
MIN_CONFIDENCE = 0.5
OPTIONAL_FIELDS = frozenset({"email", "phone"})
#: The value of an optional field the member skipped.
SKIPPED = "skipped"
#: Replies to a message that is no answer and no question the NLU knows: a context rule may know it better.
NOT_AN_ANSWER = frozenset({"utter_task_unclear", "utter_task_go_on", "utter_not_sure"})

FILL, INVALID, SKIP, LEAVE, SWITCH, FAQ, SAY, YES, NO = (
    "fill", "invalid", "skip", "leave", "switch", "faq", "say", "yes", "no")


@dataclass(frozen=True)
class Decision:
    """What to do with one message inside a task."""

    action: str
    #: FILL: slot -> normalised value (the asked field, perhaps also the PLZ given with the number);
    #: SKIP: other fields answered with the skip (the phone, skipped too or given).
    values: dict[str, str] = field(default_factory=dict)
    #: INVALID / SAY: the response that tells the member what was wrong or answers them.
    response: Optional[str] = None
    #: SWITCH: the form of the task the member asked for instead.
    form: Optional[str] = None
    #: The message was not an answer: after replying, say that the task goes on (or can be left).
    resume: bool = False


#: ... and in more words, where "mit der Post" may also be part of a question ("dauert das lang mit der post").
_CHOOSES_IN_MORE_WORDS = re.compile(r"\b(?:lieber|bitte|nehm\w*|w(?:ä|ae)hl\w*)\b")
#: A method chosen in more words than a plain answer has at most this many.
MAX_CHOICE_WORDS = 12


def answers_a_task_question(text: str) -> bool:
    """True for a short reply that only makes sense as the answer to a task's question ("keine", "per Post",
    "ja, bestellen"): typed when no task runs, the member believes one does."""
    short = len(text.split()) <= 5
    if validation.is_skip(text) and (short or not _LEAVE.search(text.casefold())):
        return True  # "brauch ich nicht", "keine", "ne dann lass ich das weg"
    if followups.asks(text):
        return False
    if not short:
        # "Video ist nichts für sie, lieber ganz normal mit der Post": a method chosen in a few more words
        from bot import requests

        chosen = validation.chosen_method(text) is not None and bool(_CHOOSES_IN_MORE_WORDS.search(text.casefold()))
        return len(text.split()) <= MAX_CHOICE_WORDS and (chosen or validation.chosen_against_other(text) is not None) \
            and not requests.is_action_request(text)
    return validation.parse_ident_method(text) is not None \
        or validation.parse_yes_no(text) is not None or bool(_YES_START.search(text.casefold()))


#: Replies after which the member may still believe a task runs: they typed data outside one, and were told
#: that nothing was kept and asked what they want to do (or told that no task runs).
TASK_MODE_REPLIES = frozenset({"utter_data_without_task", "utter_data_without_task_offered", "utter_no_task_running"})
#: Intents a task's answer is misread as when no task runs ("brief": unclear; "Video, des geht schneller": an FAQ
#: question). Other intents keep their own handling: a yes takes up the offered task, a no or a cancel gets
#: "Kann ich sonst helfen?", data gets "Was möchten Sie tun?" again, a task's name starts it.
_MISREAD_ANSWER_INTENTS = frozenset({"faq", "faq_upset", "follow_up", "nlu_fallback", "out_of_scope", "not_covered"})
#: A message with data and at most this many words is data, not a question ("Und de Postleitzahl is 84130").
MAX_DATA_WORDS = 10


#: Replies that keep the member's belief that a task runs: an FAQ answer in between ("brauch ich da echt ne
#: mail?"), then they go on answering ("ne, dann lass ich das weg", "handy auch nicht").
_KEEPS_TASK_MODE = ("utter_faq/", "utter_anything_else", "utter_you_are_welcome", "utter_clarify")
#: ... for at most this many replies back.
TASK_MODE_TURNS = 3


def answers_without_task(recent: Optional[str] | Sequence[str], intent: Optional[str], text: str) -> bool:
    """True when ``text`` answers a task's question although no task runs, after the member was told so
    (``TASK_MODE_REPLIES``; ``recent``: the bot's responses, latest first): "per Brief", "mail skip", "pardon,
    richtig ist 93047", also after an FAQ answer in between ("handy auch nicht"). It gets "Gerade läuft kein
    Vorgang ..." with the tasks to choose from, instead of an FAQ answer or "nicht sicher"."""
    recent = [recent] if isinstance(recent, str) else [r for r in (recent or []) if r]
    if not recent:
        return False
    last = recent[0]
    if last not in TASK_MODE_REPLIES:
        # after an FAQ answer in between: only a plain task answer, no question of its own
        earlier = next((r for r in recent[:TASK_MODE_TURNS] if not r.startswith(_KEEPS_TASK_MODE)), None)
        if earlier not in TASK_MODE_REPLIES or followups.asks(text):
            return False
    if intent == "deny":  # a plain "nein" answers "Möchten Sie das hier tun?"; "tel nö" answers a task's question,
        # and so does a plain "nein" to "Was möchten Sie tun?", which asks no yes-or-no question
        plain_no = validation.parse_yes_no(text) == "no"
        return (plain_no and last == "utter_data_without_task") or (
            not plain_no and validation.is_skip(text) and not _LEAVE.search(text.casefold()))
    if intent not in _MISREAD_ANSWER_INTENTS:
        return False
    with_data = (validation.find_postcode(text) is not None or validation.find_insurance_number(text) is not None) \
        and len(text.split()) <= MAX_DATA_WORDS
    return with_data or answers_a_task_question(text)


def declines_offer(previous_response: Optional[str], text: str) -> bool:
    """True for a no ("nein, doch nicht, ich mache Video") right after "Möchten Sie das hier tun?" or "no task
    runs": nothing to start, and no question to answer."""
    return previous_response in TASK_MODE_REPLIES and starts_with_no(text) and not followups.asks(text)


def starts_with_no(text: str) -> bool:
    """True for a message that starts with a no ("nein, lass mal", "doch nicht")."""
    return bool(_NO_START.search((text or "").casefold()))


def _checked(checked: validation.Checked, slot: str) -> Decision:
    if checked.ok:
        return Decision(FILL, {slot: checked.value})
    return Decision(INVALID, response=checked.response)


def read_identification(text: str, remembered_number: Optional[str]) -> Optional[Decision]:
    """Versichertennummer (perhaps with the PLZ), or only a corrected PLZ after a failed try."""
    number = validation.check_insurance_number(text)
    if not number.ok:
        found = validation.find_insurance_number(text)
        if found is not None:
            number = validation.check_insurance_number(found)
    if number.ok:
        values = {"insurance_number": number.value}
        postcode = validation.find_postcode(text)
        if postcode is not None:
            values["postcode"] = postcode
        return Decision(FILL, values)
    postcode = validation.find_postcode(text)
    if postcode is not None and remembered_number:
        return Decision(FILL, {"insurance_number": remembered_number, "postcode": postcode})
    if validation.looks_like_number_attempt(text):
        return Decision(INVALID, response=number.response)
    return None


def read_postcode(text: str) -> Optional[Decision]:
    """The PLZ, also inside words ("01067 Dresden"); a Versichertennummer typed again is taken too."""
    checked = validation.check_postcode(text)
    postcode = checked.value if checked.ok else validation.find_postcode(text)
    if postcode is not None:
        values = {"postcode": postcode}
        found = validation.find_insurance_number(text)
        if found is not None and validation.check_insurance_number(found).ok:
            values["insurance_number"] = found
        return Decision(FILL, values)
    if validation.looks_like_postcode_attempt(text):
        return Decision(INVALID, response=checked.response)
    return None


def read_email(text: str) -> Optional[Decision]:
    """The e-mail, a skip, or a skip with the phone's answer too ("keine Mail, Handy 0170 1234567", "beides
    weglassen")."""
    phone = validation.find_phone(text)
    if "@" not in text and phone is not None and validation.check_phone(phone).ok \
            and _NO_EMAIL.search(text.casefold()):
        return Decision(SKIP, {"phone": validation.check_phone(phone).value})
    if "@" in text:
        whole = validation.check_email(text)
        if whole.ok:
            return Decision(FILL, {"email": whole.value})
        found = validation.find_email(text)
        return _checked(validation.check_email(found or text), "email")
    if validation.is_skip(text):
        return Decision(SKIP, {"phone": SKIPPED} if validation.skips_phone_too(text) else {})
    return None


#: No e-mail, said beside a phone number ("keine mail, aber handy 0170 ...").
_NO_EMAIL = re.compile(r"\b(?:kein\w*|ohne|no)\s+(?:e-?\s?mail|mail)\b|\b(?:e-?\s?mail|mail)\w*\s+(?:hab\w*\s+ich\s+)?"
                       r"(?:nicht|keine?|nein|nö|nee)\b")


def read_phone(text: str) -> Optional[Decision]:
    if validation.is_skip(text):
        return Decision(SKIP)
    whole = validation.check_phone(text)
    if whole.ok:
        return Decision(FILL, {"phone": whole.value})
    found = validation.find_phone(text)
    if followups.asks(text) and (found is None or not validation.check_phone(found).ok):
        return None  # a question about the number ("muss ich die 0171 mit eingeben?"), not an attempt
    if found is not None:
        return _checked(validation.check_phone(found), "phone")
    if validation.looks_like_postcode_attempt(text):
        return Decision(INVALID, response=whole.response)
    return None


#: Words that choose a method in a message that also asks something ("mit dem Video, das geht ja schneller oder?").
_CHOOSES = re.compile(r"\b(?:lieber|doch|dann|nehm\w*|mach\w*|bitte|w(?:ä|ae)hl\w*|will|m(?:ö|oe)cht\w*|per|via|"
                      r"mit\s+(?:dem|der|dme)|(?:ü|ue)ber\s+(?:den|die|das))\b")


#: ... of which these choose even in a question ("Wie wär's, wenn ich dann lieber Video nehme?").
_CHOOSES_STRONGLY = re.compile(r"\b(?:lieber|doch|dann|nehm\w*|mach\w*|bitte|w(?:ä|ae)hl\w*|will|m(?:ö|oe)cht\w*)\b")
_QUESTION_START = re.compile(r"^\W*(?:und\s+)?(?:wie|was|wann|wo|warum|wieso|weshalb|welche\w*|wer|geht|muss|kann|brauch\w*)\b")


#: A question without a question mark ("was ist nect eigentlich genau", "wie funktioniert das mit dem video").
_ASKS_WITHOUT_MARK = re.compile(r"\W*(?:und\s+)?(?:was|wie|wer|warum|wieso|wozu)\s+"
                                r"(?:ist|is|sind|macht|geht|funktioniert|hei(?:ß|ss)t)\b")


def read_method(text: str) -> Optional[Decision]:
    if validation.is_method_question(text):
        return Decision(SAY, response="utter_ident_method_compare", resume=True)
    folded = text.casefold()
    against = validation.chosen_against_other(text)
    if against is not None and not _QUESTION_START.search(folded):
        return Decision(FILL, {"ident_method": against})  # "video bitte, brief dauert mir zu lang"
    chooses = _CHOOSES_STRONGLY.search(folded) or (_CHOOSES.search(folded) and not _QUESTION_START.search(folded))
    asks = "?" in text or _ASKS_WITHOUT_MARK.match(folded)  # "was ist nect eigentlich genau" names NECT, chooses nothing
    if asks and len(text.split()) >= 3 and followups.asks(text) and not chooses:
        # "Was ist das NECT, muss ich da was installieren?" asks about a method before choosing: answered, then
        # the method is asked for again
        return Decision(FAQ, resume=True)
    method = validation.parse_ident_method(text)
    return Decision(FILL, {"ident_method": method}) if method else None


#: The member doing it themselves ("ok, dann mach ich das so"): no yes to the letter, whatever else it says.
_SELF = re.compile(r"\b(?:mach|mache|probier\w*|versuch\w*)\s+ich\b|\bich\s+(?:mach|mache|probier\w*|versuch\w*)\b"
                   r"|\b(?:selbst|selber)\b")


#: Waiting or later ("ok dann wart ich noch", "lieber morgen"): no yes to the letter now.
_DEFERS = re.compile(r"\b(?:(?:dann\s+)?wart\w*\s+(?:ich|wir|i)\b(?!\s+(?:schon|seit|ja))|ich\s+wart\w*\s+(?:noch|lieber|erst|mal|halt|ab)\b"
                     r"|abwart\w*|sp(?:ä|ae)ter|morgen|erst\s*mal\s+nicht|lieber\s+nicht)")
#: "ok dann nicht": a no. Negations and words of doubt, parting or a pause make no yes of "ja" or "ok".
_THEN_NOT = re.compile(r"\bdann\s+(?:eben\s+|halt\s+|lieber\s+|doch\s+)?(?:nicht|ned|net|nich|keinen?)\b")
_NEGATED = re.compile(r"\b(?:nicht|nich|ned|net|kein\w*|nein|ne|nee|n(?:ö|oe)|jein)\b")
_NOT_A_YES = re.compile(r"\b(?:vielleicht|moment|frage|tsch(?:ü|ue)ss?|ciao|bye|servus|verstanden|wissen|keine\s+ahnung|"
                        r"schon\s+gut|passt\s+scho\w*|mhm+|hm+|aha|(?:ü|ue)berleg\w*|nachdenk\w*|eventuell|evtl)\b")
#: "ok", "klar", "passt" start a yes only in a short message ("ok, mach das"), or with an explicit yes or order.
_WEAK_YES_START = re.compile(r"^\W*(?:ok|okay|klar|passt|gut)\b")
WEAK_YES_MAX_WORDS = 3
#: Thanks, and the words that make thanks a yes ("ja danke", "gerne, danke").
_THANKS = re.compile(r"\b(?:danke\w*|dankesch(?:ö|oe)n|vielen\s+dank|thx|thanks?)\b")
_EXPLICIT_YES = re.compile(r"\b(?:ja|jawohl|jo|gerne?|bitte|yes)\b")


#: Words that order the letter ("ja, schicken Sie ihn").
_ORDERS = re.compile(r"\b(?:bestell|schick|send|zuschick|zusend|losschick|abschick)\w*\b")


def read_confirmation(text: str, intent: str, confidence: float) -> Optional[Decision]:
    folded = text.casefold()
    if _SELF.search(folded) and not _ORDERS.search(folded) \
            and not (text.rstrip().endswith("?") and followups.asks(text)):
        # "mach ich selber" is neither yes nor no; "kann man das nicht selber in der App machen?" is a question
        return Decision(INVALID, response="utter_invalid_letter_confirmed")
    answer = validation.parse_yes_no(text)
    # "ok und kann ich bis dahin schon was machen?" starts like a yes but asks something else: answered, then the
    # letter is asked for again; a question that orders it ("ja, schicken Sie ihn mir?") stays a yes
    asks_instead = "?" in text and followups.asks(text) and not _ORDERS.search(folded)
    if answer is None and (_NO_START.search(folded) or _LEAVE.search(folded)
                           or (_DEFERS.search(folded) and not _ORDERS.search(folded))):
        answer = "no"  # "ok dann wart ich noch" starts like a yes but waits: no letter
    elif answer is None and _WEAK_YES_START.search(folded) and len(folded.split()) > WEAK_YES_MAX_WORDS \
            and not _EXPLICIT_YES.search(folded) and not _ORDERS.search(folded) and not asks_instead:
        # "ok, das hab ich verstanden mit der Post" is no clear yes to a letter: asked again, ja or nein
        return Decision(INVALID, response="utter_invalid_letter_confirmed")
    elif answer is None and _YES_START.search(folded) and not re.search(r"\b(nicht|kein|nein)\b", folded) \
            and not asks_instead:
        answer = "yes"
    if answer != "no" and not _ORDERS.search(folded) and not asks_instead:
        if _THEN_NOT.search(folded):
            return Decision(NO)  # "ok dann nicht"
        if validation.parse_yes_no(text) != "yes" and (_NEGATED.search(folded) or _NOT_A_YES.search(folded)):
            # "ja weiß ich nicht", "passt scho", "ja moment", "ok tschüss": no clear yes, asked again
            return Decision(INVALID, response="utter_invalid_letter_confirmed")
    # "ok danke" after an answer thanks for it; "danke" to an offer may even mean "no, thanks": no letter on it
    thanks_only = bool(_THANKS.search(folded)) and not _EXPLICIT_YES.search(folded) and not _ORDERS.search(folded)
    if answer != "no" and thanks_only and (answer == "yes" or _YES_START.search(folded) or intent == "affirm"):
        return Decision(INVALID, response="utter_invalid_letter_confirmed")
    if answer == "yes" or (answer is None and intent == "affirm" and confidence >= MIN_CONFIDENCE and not asks_instead):
        return Decision(YES)
    if answer == "no" or (answer is None and intent in {"deny", *LEAVE_INTENTS} and confidence >= MIN_CONFIDENCE):
        return Decision(NO)
    return None


_READERS = {
    "postcode": read_postcode,
    "email": read_email,
    "phone": read_phone,
    "ident_method": read_method,
}


def offered_task(button_titles: list[str]) -> Optional[str]:
    """The form of the one task among the offered buttons (a "ja" takes it up), or ``None`` (none or several)."""
    button = offered_task_button(button_titles)
    return None if button is None else TASK_FORMS[_task_intent(button)]


#: Replies after which a member who goes ahead ("ok dann brief") means a task the reply does not offer.
_TASK_OF_REPLY = {"utter_followup_password_by_post": "request_new_password",
                  "utter_ident_method_compare": "start_registration"}


#: Follow-up replies that keep the task of the answer before them ("ok dann Brief bestellen" after how long the letter
#: takes, which followed the answer on registering by letter).
_KEEPS_TASK = frozenset({"utter_followup_letter_time", "utter_followup_four_digits"})


def context_task(previous_response: Optional[str], offered_titles: Sequence[str] = (),
                 earlier: Sequence[str] = ()) -> Optional[str]:
    """The task (its intent) the member means by going ahead right after ``previous_response``: the task of the
    FAQ topic it answered, the registration after any other answer on registering, else ``None``. After "Meinten
    Sie ...?" (``offered_titles``: its buttons), the one task all the offered topics lead to. After a follow-up
    reply that carries no task of its own (``_KEEPS_TASK``), the task of the response before it (``earlier``: the
    bot's responses before the previous one, latest first)."""
    from bot import faq

    if previous_response in _KEEPS_TASK:
        return context_task(earlier[0], earlier=earlier[1:]) if earlier else None

    if previous_response == "utter_clarify":
        catalog = faq.load_catalog()
        tasks = {context_task(topic.response) for topic in map(catalog.by_title, offered_titles) if topic is not None}
        return tasks.pop() if len(tasks) == 1 else None
    if previous_response in _TASK_OF_REPLY:
        return _TASK_OF_REPLY[previous_response]
    topic = faq.load_catalog().by_response(previous_response or "")
    if topic is None:
        return None
    if topic.task in TASK_FORMS:
        return topic.task
    return "start_registration" if topic.theme == "registration" else None


def _task_intent(title: str) -> Optional[str]:
    from bot import faq

    intent = faq.load_catalog().task_for(title)
    return intent if intent in TASK_FORMS else None


def offered_task_button(button_titles: list[str]) -> Optional[str]:
    """The title of the one task button among the offered buttons, or ``None`` (none, or several tasks)."""
    tasks = {_task_intent(t): t for t in button_titles if _task_intent(t) is not None}
    return next(iter(tasks.values())) if len(tasks) == 1 else None


#: Words beside the data that take up the offered task ("Ok dann per Post. E161803391", "ja bitte, A123456780").
_TAKES_IT = re.compile(r"^\W*(?:ja|jo|jap|jep|ok|okay|gut|gerne?|passt|klar|alles klar|na gut|also)\b|\bdann\b|"
                       r"\b(?:per|mit|(?:ü|ue)ber)\s+(?:der\s+|dem\s+)?(?:post|brief|video)\b|\bbitte\b|\bmach\w*\b")
#: ... unless they turn it down ("nein, keinen Brief").
_TURNS_DOWN = re.compile(r"\b(?:kein\w*|nicht|doch nicht|sp(?:ä|ae)ter)\b")


def takes_up_offered_task(text: str) -> bool:
    """True when a message with data also takes up the task the last answer offered ("nee, dann lieber per post.
    F141421359"): the task starts and reads the data, instead of "Ihre Angaben brauche ich nur für ..."."""
    from bot import requests

    rest = validation.without_data(text).casefold()
    if not re.search(r"[^\W\d_]", rest) or _TURNS_DOWN.search(rest) or followups.asks(rest):
        return False
    return bool(_TAKES_IT.search(rest)) or requests.asks_to_do_it(rest) or requests.is_action_request(rest)


def _other_task(ranking: dict[str, float], form: str, minimum: float) -> Optional[str]:
    """The form of the best-ranked task other than ``form`` with at least ``minimum`` confidence."""
    for intent, confidence in sorted(ranking.items(), key=lambda ic: -ic[1]):
        if intent in TASK_FORMS and TASK_FORMS[intent] != form and confidence >= minimum:
            return TASK_FORMS[intent]
    return None


#: Words that put another task in place of this one ("also lieber ein neues Passwort").
_INSTEAD = re.compile(r"\b(lieber|stattdessen|statt dessen|eigentlich|sondern|vielmehr)\b")


#: ... unless the thing named is not wanted either ("lieber keinen neuen Brief").
_NOT_THAT = re.compile(r"\bkein\w*\s+(?:\w+\s+)?(?:brief|passwort|kennwort|pin|code|qr|registrierung|zugangsdaten)|"
                       r"\bnichts\b")


def _named_other_task(text: str, form: str) -> Optional[str]:
    """The form of another task the member names in their own words instead of this one, if any."""
    from bot import requests

    folded = text.casefold()
    if not _INSTEAD.search(folded) or _NOT_THAT.search(folded):
        return None
    named = requests.named_task(folded)
    return TASK_FORMS[named] if named in TASK_FORMS and TASK_FORMS[named] != form else None


def _asks_about_video(text: str) -> bool:
    """A question about the video ident ("wie lange dauert das Video?"), not a choice of it."""
    return followups.asks(text) and not re.search(r"\b(?:lieber|doch|dann|nehm\w*|mach\w*)\b", text.casefold())


def interpret(requested: str, text: str, intent: str, confidence: float, form: str,
              remembered_number: Optional[str] = None, ranking: Optional[dict[str, float]] = None) -> Decision:
    """What the member's ``text`` means while the task ``form`` asks for ``requested``.

    Data for the asked field wins; then a confident intent: leave, switch to
    another task, an FAQ question, or a reply of its own (out of scope, upset,
    other language, ...); anything else is answered with the field's hint.
    """
    text = text or ""
    if requested == "letter_confirmed" and form == "registration_form" \
            and validation.parse_ident_method(text) == "video" and not _asks_about_video(text):
        # "hmm nee, doch lieber Video": no letter, the registration goes on by video ident
        return Decision(FILL, {"ident_method": "video"})
    if requested == "letter_confirmed":
        read = read_confirmation(text, intent, confidence)
        other = _named_other_task(text, form) if read is not None and read.action == NO else None
        if other is not None:  # "nee, also lieber ein neues Passwort": no letter of this kind, the other task
            return Decision(SWITCH, form=other)
    elif requested == "insurance_number":
        read = read_identification(text, remembered_number)
    else:
        read = _READERS[requested](text) if requested in _READERS else None
    if read is not None:
        return read
    ranking = {**(ranking or {}), intent: confidence}
    folded = text.casefold()
    if _MIND_CHANGE.search(folded) or _LEAVE.search(folded) or intent in LEAVE_INTENTS | {"deny"}:
        other = _other_task(ranking, form, MIN_SWITCH_CONFIDENCE) or _named_other_task(text, form)
        if other is not None:  # "lieber ..." naming another task: that task starts
            return Decision(SWITCH, form=other)
    sure = confidence >= MIN_CONFIDENCE
    if (sure and intent in LEAVE_INTENTS) or _LEAVE.search(folded):
        return Decision(LEAVE)
    if sure and intent == "deny":
        return Decision(SKIP) if requested in OPTIONAL_FIELDS else Decision(LEAVE)
    if sure and intent in TASK_FORMS:
        other = TASK_FORMS[intent]
        return Decision(SAY, response="utter_task_go_on") if other == form else Decision(SWITCH, form=other)
    if intent in FAQ_INTENTS:
        return Decision(FAQ, resume=True)
    if sure and intent in INTERRUPTIONS:
        response = about_me(text) if intent == "bot_challenge" else INTERRUPTIONS[intent]
        return Decision(SAY, response=response, resume=response != "utter_task_go_on")
    if followups.asks(text) and not validation.looks_like_data(text):
        # a question the assistant cannot place ("An welche Adresse geht der denn?"): it says so, then asks again
        return Decision(SAY, response="utter_not_sure", resume=True)
    if requested == "letter_confirmed":
        return Decision(INVALID, response="utter_invalid_letter_confirmed")
    return Decision(SAY, response="utter_task_unclear")
