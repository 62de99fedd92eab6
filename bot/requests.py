"""Requests to *do* something ("Kannst du mir den Brief nochmal schicken?"), told apart from questions.

A member who asks the assistant to send a letter, register them or reset a
PIN wants the guided task, not the FAQ text about it. A message is such a
request when it asks someone to act (a request frame: "kannst du", "könnt
ihr", "ich möchte", "ich brauche", "hilf mir"; or an imperative / "bitte"
without a question word) and names something to do (send, order, register,
reset, check). ``addons/faq_gate.py`` then starts the task that belongs to the
message's FAQ topic (``task:`` in ``bot/faq_topics.yml``).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from bot import faq, tone, validation

#: Asking the assistant to act; counts even in a question ("Kannst du mir zeigen, wie ...?").
_STRONG_FRAME = re.compile(
    r"\b(kannst\s+du|k(?:ö|oe|o)nnt\s+ihr|k(?:ö|oe|o)nn(?:en|ten)\s+sie|w(?:ü|ue|u)rden?\s+sie|w(?:ü|ue|u)rdest\s+du|"
    r"hilf\s+mir|helfen\s+sie\s+mir|hilfst\s+du\s+mir|helft\s+mir|kannst\s+ma|k(?:ö|oe)nnen\s+sie\s+mir|"
    r"kann\s+ich\s+(?:über|ueber|bei)\s+(?:dich|dir|ihnen|euch)|zeig\s+mir|zeigen\s+sie\s+mir|please\s+(?:send|reset)|"
    r"(?:schickt|sendet)\s+ihr\s+mir|schicken\s+sie\s+mir|schicken\s+sie\s+(?:ihn|den|die|das|es)|k(?:ö|oe|e)nnt?'?s\s+(?:ihr|ma|mir|mia)|"
    # Saxon "kenn Se mir ...", "könn Se"
    r"k(?:e|ö|oe)nn(?:en|ten)?\s+se\b(?=[^.?!]*\bmir\b)|"
    # "Wäre lieb, wenn du mir das Zurücksetzen zeigst"
    r"wenn\s+(?:du|sie|ihr)\s+mir\b(?=[^.?!]*\b(?:zeig|schick|send|helf|hilf|mach|erkl(?:ä|ae)r)\w*)|"
    # "kann mal wer prüfen, ob mein QR-Code noch gültig ist"
    r"k(?:a|ö|oe)nn\w*\s+(?:mal\s+|bitte\s+)*(?:wer|jemand)\b|"
    # "Wären Sie so nett, mich durch das Zurücksetzen zu lotsen?", "sei so lieb und schick ..."
    r"w(?:ä|ae)ren\s+sie\s+so\s+(?:nett|freundlich|lieb|gut)|w(?:ä|ae)rst\s+du\s+so\s+(?:nett|lieb|gut)|"
    r"sei(?:en\s+sie)?\s+so\s+(?:nett|lieb|gut|freundlich)|"
    # the polite letter style: "Wäre es möglich, mir dieses erneut zuzusenden?"
    r"w(?:ä|ae)re\s+es\s+(?:wohl\s+|vielleicht\s+|eventuell\s+)?m(?:ö|oe)glich\b,?(?=[^.?!]*\b(?:mir|mich|uns)\b))\b"
    # needing a new one: "meine Mutter braucht ein neues Passwort", "dann brauche ich wohl nur ein neues Passwort"
    r"|\bbrauch(?:e|t|en)?\s+(?:(?:ich|wir|sie|er)\s+)?(?:wohl\s+|nur\s+|jetzt\s+|halt\s+|dringend\s+)*(?:ein|e|en|'n)\s+neue[sn]?\s+"
    r"(?:passwort|kennwort|brief|pin|qr)"
    # "pw vergessen brauch neues per post"
    r"|\bbrauch(?:e|t|en)?\s+(?:(?:ich|wir)\s+)?(?:(?:ein|e|en|'n|n)\s+)?neue[sn]?\s+(?:(?:pw|passwort|kennwort)\s+)?(?:per|mit|(?:ü|ue)ber)\s+(?:der\s+|dem\s+)?(?:brief|post)\b"
    # "pw vergessen kann ich neues per brief bekommen" (not "Kann ich die Zugangsdaten auch per Post bekommen?")
    r"|\bkann\s+ich\s+(?:ein\s+|n\s+|'n\s+)?neue[sn]?\b[^.?!]*\b(?:per|mit|(?:ü|ue)ber)\s+(?:der\s+|dem\s+)?(?:brief|post)\b"
    r"[^.?!]*\b(?:bekommen|kriegen|haben|erhalten)\b"
    # a bare "pin reset", "passwort zurücksetzen"
    r"|^\W*(?:die\s+|meine?\s+)?(?:freigabe[- ]?)?(?:pin|passwort|pw|kennwort)\s+(?:reset|resetten|zur(?:ü|ue)cksetzen|neu\s+setzen)\W*$"
    # "kann man den nicht einfach nochmal losschicken?"
    # "kann ich den nicht hier bei Ihnen nochmal anfordern?"
    r"|\bkann\s+ich\b[^.?!]*\b(?:hier|bei\s+(?:ihnen|euch|dir))\b[^.?!]*\b(?:anfordern|bestellen|beantragen)\b"
    r"|\bk(?:a|ö|oe)nn\w*\s+man\b[^.?!]*\b(?:nochmal|noch\s+mal|erneut)\b[^.?!]*\b(?:\w*schick\w*|\w*send\w*)\b"
    # having it done: "kann ich mir ein neues zuschicken lassen?" (not "... auch per Post ... oder ...?")
    r"|\b(?:kann|k(?:ö|oe)nnte|darf)\s+ich\s+mir\b(?:(?!\bauch\b|\boder\b|\b(?:an)?statt\b|\banstelle\b)[^.?!])*\b(?:schicken|zuschicken|senden|zusenden|bestellen)\s+lassen\b"
    r"(?![^.?!]*\b(?:an)?statt\b)")
#: Saying what one wants, "bitte", or an imperative at the start: a request unless the message asks
#: how, what or why ("Ich möchte mich anmelden, was brauche ich dafür?" asks for the FAQ answer).
_WEAK_FRAME = re.compile(
    r"\b(?:ich\s+(?:m(?:ö|oe|o)chte?|will|brauche?|br(?:ä|ae)uchte|ben(?:ö|oe)tige|h(?:ä|ae)tte\s+gerne?)|"
    r"i\s+(?:m(?:e|ö|oe|ä|ae)cht|mog|wui|wü|will|brauch)|"
    r"^\W*(?:(?:ok\w*|gut|alles\s+klar|also|na)\W*)*dann\s+(?:meld|registrier)\w*\s+ich\b(?![^.?!]*\b(?:wieder|sp(?:ä|ae)ter|nochmal|noch\s+mal|bei\s+(?:euch|ihnen|dir)|"
    r"zur(?:ü|ue)ck|morgen))|"
    r"(?:m(?:ö|oe|o)chten?|w(?:ü|ue|u)rd(?:e|en)?|h(?:ä|ae|a)tten?)\s+(?:mich\s+|mir\s+|uns\s+|es\s+|das\s+)?gerne?|"
    r"(?:und|dann|also)\s+(?:will|m(?:ö|oe|o)chte|brauche|br(?:ä|ae)uchte|ben(?:ö|oe)tige)|\bwill\s+(?:mich|mir)\b|"
    r"i\s+want|bitte|^\W*brauche?\s+(?!ich\b)|"
    # "brief nochmal schicken plz": "please", not the Postleitzahl
    r"(?:plz|pls|pliz)\W*$|"
    # "ja ich glaub ich muss die pin zurücksetzen"
    r"ich\s+muss\s+(?:wohl\s+|dann\s+|also\s+|halt\s+|jetzt\s+)*(?:die|meine?n?|das|den|ein\w*)?\s*(?:freigabe-?)?(?:pin|passwort|pw|kennwort|qr[- ]?code)\s+"
    r"(?:zur(?:ü|ue)cksetzen|neu\s+setzen|neu\s+vergeben|resetten|pr(?:ü|ue)fen))\b|"
    r"(?:^|[.!?]\s*)\W*(?:(?:dann|ok|okay|oke|also|gut|na\s+gut|ja|jetzt|alles\s+klar)\W+)*(?:schick|send|bestell|registrier|anmeld|pr(?:ü|ue|u)f|mach|meld|schau|guck|check|kontrollier)"
    r"(?:e|t|en)?\b")
_TELL_HOW = re.compile(r"\b(?:sagen|erkl(?:ä|ae)ren|verraten|beschreiben)\b(?:\s+(?:mir|uns|kurz|mal|bitte))*,?\s+(?:wie|was|wo|wann|warum|wieso|welche\w*)\b")
_QUESTION_WORD = re.compile(r"\b(wie|wo|was|wann|warum|wieso|weshalb|welche[rsmn]?|wer)\b")
#: Something the assistant can do.
_DO = re.compile(
    r"(schick|schicken|send|bestell|anforder|beantrag|zruck|registrier|anmeld|o'?meld|zur(?:ü|ue|u)ck\s*zu\s*setz|zur(?:ü|ue|u)ck\s*setz|"
    # "Können Sie das für mich anstoßen?", "kannst du das rausfinden?"
    r"\bansto(?:ß|ss)\w*|\bveranlass\w*|\bin\s+die\s+wege\s+leit\w*|\b(?:he)?raus\s*(?:zu)?\s*find\w*|"
    r"neu\s+(?:zu\s+)?(?:setz|mach|einricht|vergeb|anleg)|entsperr|pr(?:ü|ue|u)f|check|durchf(?:ü|ue|u)hr|freischalt|nochmal|noch\s+mal|erneut|"
    r"\bneue[sn]?\b|wissen,?\s+ob|register|resend|reset|\bmeld\w*\s+mich\b|schau\w*,?\s+ob|nachseh\w*|nachschau\w*|"
    r"gucken,?\s+ob|\b(?:schau|guck)\w*\s+(?:(?:mal|bitte|doch|du|sie)\s+)*nach\b|\b(?:einen|nen|'nen|ein|'n)\s+(?:online-?)?(?:zugang|konto|account)\b|\bmelden\s+sie\s+mich\b[^.?!]*\ban\b|"
    r"\beinricht\w*|\baktivier\w*|\bmeld\w*\s+ich\s+mich\b(?![^.?!]*\b(?:wieder|sp(?:ä|ae)ter|nochmal|noch\s+mal|bei\s+(?:euch|ihnen|dir)|zur(?:ü|ue)ck|morgen)))")
#: Not wanted after all ("nein, schick nichts", "bitte abbrechen").
_NOT = re.compile(r"\bmeld\w*\s+(?:ich\s+)?mich\s+(?:\w+\s+)?(?:wieder|sp(?:ä|ae)ter|morgen|nochmal|noch\s+mal)\b|"

                  r"\b(nichts|keine[nrs]?\s+(?:brief|neue[sn]?|pin|passwort)|abbrechen|stopp?|lass\s+(?:es|gut)|"
                  r"doch\s+nicht|nicht\s+(?:mehr\s+)?(?:schicken|senden|bestellen|n(?:ö|oe|o)tig|registrieren|anmelden|"
                  r"zur(?:ü|ue|u)cksetzen|pr(?:ü|ue|u)fen))\b")


#: A problem, not a request, in a sentence without a strong frame: "anmelden geht nicht", "registrieren klappt nicht".
_PROBLEM = re.compile(r"\b(?:geht|klappt|funktioniert|funzt)\s+(?:(?:einfach|immer\s+noch|noch|irgendwie|bei\s+mir|leider)\s+)*"
                      r"(?:nicht|nich|ned|net)\b")


#: ... and a failure reported in other words: "registrierung sagt plz falsch", "da kommt ein Fehler".
_FAILURE = re.compile(r"\bfalsch\w*|\bfehler\w*|\bung(?:ü|ue)ltig\w*")


def reports_failure(text: str) -> bool:
    """True for a message that reports something going wrong ("registrierung sagt plz falsch"): it wants to know
    why, not to start what failed."""
    folded = (text or "").casefold()
    return bool(_PROBLEM.search(folded) or _FAILURE.search(folded))


_GREETING = re.compile(r"^\W*(?:hi|hallo|hey|moin|servus|gr(?:ü|ue)(?:ß|ss)\s+gott|gri(?:a|ä)(?:ß|ss)\s+god|"
                       r"guten\s+(?:tag|morgen|abend))\b[\s,.!]*")


def is_action_request(text: str) -> bool:
    """True when ``text`` asks the assistant to do something it can do (not how it works).

    Judged sentence by sentence: "Hab nie was damit gemacht. Prüf mal, ob der QR-Code noch geht."
    is a request, although the first sentence holds a question word.
    """
    folded = _GREETING.sub("", (text or "").casefold())  # "hi, registrieren per brief"
    # "nichts" in another sentence ("Das mit dem Selfie ist nichts für mich. Könnten Sie mir ... schicken?") takes
    # nothing back: only a sentence that names what to do can call it off
    doing = [sentence for sentence in _sentences(folded) or [folded] if _DO.search(sentence)]
    if not doing or all(_NOT.search(sentence) for sentence in doing) or tone.is_complaint(folded):
        return False
    if _STRONG_FRAME.search(folded):
        # "Kannst du mir sagen, wie ich die 2FA einrichte?" asks how (the answer); "... sagen, ob mein Code gilt" asks
        # to look it up
        return not _TELL_HOW.search(folded)
    sentences = _sentences(folded)
    if len(sentences) > 1 and sentences[-1].endswith("?") and _QUESTION_WORD.search(sentences[-1]):
        return False  # "Ich möchte mich anmelden. Welche Angaben brauchen Sie?" asks first
    return any(_DO.search(sentence) and _WEAK_FRAME.search(sentence) and not _QUESTION_WORD.search(sentence)
               and not _PROBLEM.search(sentence) for sentence in sentences)


#: A closing line after the question ("Mit freundlichen Grüßen, H. Kellermann") is no sentence of its own.
_CLOSING = re.compile(r"^\W*(?:mit\s+)?(?:freundlichen|besten|lieben|herzlichen|viele|vielen)?\s*(?:gr(?:ü|ue)(?:ß|ss)(?:e|en)|dank)\b"
                      r"|^\W*(?:mfg|lg|vg|gru(?:ß|ss))\b")


def _sentences(folded: str) -> list[str]:
    parts = [part.strip() for part in re.split(r"(?<=[.!?])\s+", folded) if part.strip()]
    closing = next((i for i, part in enumerate(parts) if i and _CLOSING.search(part)), len(parts))
    return parts[:closing]  # the closing line and the name after it


#: The intent classifier's guess for a task counts when it is first or second, from this confidence on ...
MIN_TASK_INTENT_CONFIDENCE = 0.05
#: ... else the FAQ topic's task, when the topic selector gives the topic at least this.
MIN_TOPIC_CONFIDENCE = 0.2


def requested_task(parse_data: Mapping[str, Any], catalog: "faq.Catalog") -> Optional[str]:
    """The task (its intent) a request asks for: the classifier's best task intent, else the topic's task."""
    tasks = {intent for _, intent in catalog.task_buttons} - {"request_human", "request_data_change"}
    for entry in (parse_data.get("intent_ranking") or [])[:2]:
        if entry.get("name") in tasks and float(entry.get("confidence") or 0.0) >= MIN_TASK_INTENT_CONFIDENCE:
            return str(entry["name"])
    candidates = faq.candidates_from_parse(parse_data)
    if candidates and candidates[0].confidence >= MIN_TOPIC_CONFIDENCE:
        topic = catalog.get(candidates[0].topic)
        if topic is not None and topic.task:
            return topic.task
    text = str(parse_data.get("text") or "")
    # "Ach so, ich bin schon registriert? Dann brauche ich wohl nur ein neues Passwort": the sentence that asks
    return named_task(text) or task_of_request_sentence(text)


#: What each task is called in a request, when neither model names it ("kannst du mich registrieren?").
_NAMED_TASKS = (
    ("request_pin_reset", re.compile(r"\bpin\b")),
    ("request_new_password", re.compile(r"passwort|kennwort|\bpw\b")),
    ("check_2fa_activation", re.compile(r"qr|2fa|zwei[- ]?faktor|2[- ]faktor")),
    ("request_letter_resend", re.compile(r"brief|zugangsdaten|post\b")),
    ("start_registration", re.compile(r"registrier|anmeld|\bmeld\w*\s+(?:ich\s+)?mich\b(?![^.?!]*\b(?:wieder|sp(?:ä|ae)ter|nochmal|noch\s+mal|bei\s+(?:euch|ihnen|dir)|zur(?:ü|ue)ck|morgen))|zugang\b|konto|\bmelden\s+sie\s+mich\b[^.?!]*\ban\b|o'?meld"
                                      # "für meinen Vater die Online-Filiale einrichten"
                                      r"|online-?\s?filiale\b[^.?!]*\b(?:einricht|anleg|erstell|er(?:ö|oe)ffn|freischalt)"
                                      r"|\b(?:einricht|anleg|erstell|er(?:ö|oe)ffn)\w*\b[^.?!]*\bonline-?\s?filiale")),
)


def task_of_request_sentence(text: str) -> Optional[str]:
    """The task named in the sentence that asks to act, when another sentence names another task ("ich brauche ein
    neues Passwort. 2FA habe ich schon eingerichtet."): the request decides, not the words around it."""
    sentences = _sentences((text or "").casefold())
    if len(sentences) < 2:
        return None
    asking = [sentence for sentence in sentences if is_action_request(sentence)]
    return named_task(asking[0]) if len(asking) == 1 else None


#: "per Brief" in a registration names its method, not the access letter's resend ("registrieren per brief").
_BY_LETTER = re.compile(r"\b(?:per|mit|(?:ü|ue)ber|via)\s+(?:der\s+|dem\s+|den\s+)?(?:brief|post)\b")


#: The ways a task goes: registration, a new password and the access letter all come "per Brief" ...
_WAY = re.compile(r"\b(?:brief|briaf|post|video\w*|selfie|ident)\b")
#: ... while these words name one task.
_TASK_WORD = re.compile(r"registrier|anmeld|passwort|kennwort|\bpw\b|\bpin\b|\bqr|2fa|zwei[- ]?faktor|zugangsdaten")


def names_only_a_way(text: str) -> bool:
    """True for "per Briaf bittschön" or "Video bitte, ich hab keinen Bock auf Post warten": a way, and no word that
    says which task; only the conversation tells (the last answer, or the task's own question)."""
    folded = (text or "").casefold()
    return bool(_WAY.search(folded)) and not _TASK_WORD.search(folded)


def named_task(text: str) -> Optional[str]:
    """The task a request names in its own words, if exactly one."""
    folded = (text or "").casefold()
    if re.search(r"registrier|anmeld|passwort|kennwort|\bpw\b", folded):
        folded = _BY_LETTER.sub(" ", folded)  # "neues Passwort per Brief": the letter is the way, not the task
    named = [task for task, pattern in _NAMED_TASKS if pattern.search(folded)]
    if len(named) > 1:
        # "Kann ich den Brief hier anfordern, also die Anmeldung meine ich?": what the member says they mean
        meant = _MEANT.search(folded)
        if meant is not None:
            named = [task for task, pattern in _NAMED_TASKS if pattern.search(meant.group(0))]
    return named[0] if len(named) == 1 else None


#: The part of a message that says what the member means ("..., also die Anmeldung meine ich", "ich meine die PIN").
_MEANT = re.compile(r"[^.,;?!]*\b(?:meine\s+ich|mein\s+ich|gemeint)\b[^.,;?!]*|\bich\s+meine?\b[^.,;?!]*")


#: A registration named by its verb ("registrier mich", "anmelden"), not by "Zugang" or "Konto".
_REGISTRATION_VERB = re.compile(r"registrier|anmeld")


def task_named_against(intent: str, text: str) -> Optional[str]:
    """The task a request names in its own words when the classifier read another task ("dann registrier mich per
    brief" read as a new password): the words decide. A registration counts only when named by its verb; "Brief"
    alone names no task here ("schick mir den Brief" after the new-password answer is that letter)."""
    named = named_task(text)
    if named in (None, intent, "request_letter_resend") or not is_action_request(text):
        return None
    if named == "start_registration" and not _REGISTRATION_VERB.search((text or "").casefold()):
        return None
    return named


#: "Ist der Brief schon raus?": where the access letter is; the resend task tells (and orders only after a yes).
_LETTER_STATUS = re.compile(
    r"\b(?:brief|zugangsdaten|post)\b[^.?!]*\b(?:schon\s+)?(?:raus|unterwegs|verschickt|abgeschickt|versendet|"
    r"losgeschickt|rausgegangen|rausgang\w*|rausgschickt|in der post)\b"
    r"|\b(?:verschickt|abgeschickt|versendet|losgeschickt)\b[^.?!]*\b(?:brief|zugangsdaten)\b")


#: "Hab ich die Zwei-Faktor-Anmeldung schon aktiviert?": the member's own state, which the task can look up.
_OWN_STATE = re.compile(
    r"\b(?:hab\w*|bin|ist|is)\s+(?:ich|i|meine?|mei|bei\s+mir)\b[^.?!]*\b(?:schon|bereits|eigentlich|scho)\b[^.?!]*"
    r"\b(?:aktiviert|aktiv|eingerichtet|freigeschaltet)\b"
    # "Ich will wissen, 2FA ist aktiv bei mir oder nicht?"
    r"|\b(?:2fa|zwei[- ]?faktor\w*|2[- ]faktor\w*)\s+(?:ist|is)\s+(?:schon\s+)?(?:aktiv|aktiviert|eingerichtet)\s+bei\s+mir\W*(?:\?|oder\s+(?:nicht|nein))"
    # "Ich wollte nur wissen, ob mein 2FA eingerichtet ist", "ob die 2FA bei mir schon aktiv ist"
    r"|\bob\s+(?:mein\w*\s+(?:2fa|zwei[- ]?faktor\w*|2[- ]faktor\w*)|(?:die\s+)?(?:2fa|zwei[- ]?faktor\w*|2[- ]faktor\w*)"
    r"\s+(?:bei\s+mir|schon|bereits))\b[^.?!]*\b(?:eingerichtet|aktiv|aktiviert|freigeschaltet)\b(?!\s+werden)"
    # "Weiß nicht mehr, ob ich das schon gemacht hab" (about the 2FA)
    r"|\bob\s+ich\b[^.?!]*\b(?:schon|bereits)\b[^.?!]*\b(?:gemacht|aktiviert|eingerichtet|erledigt)\b"
    # "Geht mein QR-Code aus dem Brief noch?"
    r"|\b(?:geht|gilt|funktioniert|klappt|ist|is)\s+(?:mein|sein|ihr)\w*\s+(?:qr|code)[^.?!]*\bnoch\b(?![^.?!]*\bnicht\b)"
    # "hab ich das 2fa schon an?"
    r"|\b(?:hab|habe|ist|is)\s+(?:ich|i|bei\s+mir)\b[^.?!]*\b(?:2fa|zwei[- ]?faktor\w*|2[- ]faktor\w*)\s+(?:(?:schon|bereits|eigentlich|scho)\s+)+an\b"
    # "ich wollte wissen, ob mein QR-Code noch geht", "Meine Frau will wissen ob ihr QR Code noch gültig ist"
    r"|\bob\s+(?:mein|sein|ihr)\w*\s+qr[- ]?code\b[^.?!]*\b(?:noch|g(?:ü|ue)ltig|abgelaufen)\b"
    # "ob ich mit meinem alten Registrierungsbrief noch die 2FA einrichten kann"
    r"|\bob\s+ich\s+mit\s+meine[mn]\s+(?:alten\s+)?(?:\w*brief|qr[- ]?code|code)\b[^.?!]*\bnoch\b"
    # "mein qr code geht der noch oder is der schon abgelaufen?"
    r"|\b(?:mein|sein|ihr)\w*\s+qr[- ]?code\b[^.?!]*\b(?:geht|gilt|funktioniert|klappt|g(?:ü|ue)ltig)\b[^.?!]*\bnoch\b"
    r"(?![^.?!]*\bnicht\b)"
    # the own letter named before: "Der Brief kam vor nem Monat, geht der Code da drin noch?", "ich hab meinen
    # brief vor nem monat bekommen, geht der QR code noch?", "Geht das mit dem Code aus meinem Brief noch?"
    r"|\b(?:meine[nm]?\s+brief|brief\s+(?:kam|hab\w*|habe|bekommen|erhalten)|(?:hab\w*|habe|bekam)\s+(?:den\s+|meinen\s+)?brief)"
    r"\b[^?!]*\b(?:geht|gilt|funktioniert|klappt)\s+(?:der|das|mein)\b[^.?!]*\bnoch\b(?![^.?!]*\bnicht\b)"
    r"|\b(?:geht|gilt|funktioniert|klappt)\s+(?:das|der)\s+(?:qr[- ]?)?code\b[^.?!]*\baus\s+meinem\s+brief\b[^.?!]*\bnoch\b"
    r"|\bmit\s+dem\s+(?:qr[- ]?)?code\s+aus\s+meinem\s+brief\b[^.?!]*\bnoch\b")


#: "Bin ich eigentlich schon registriert?": the registration looks it up (it says so for a registered member).
#: Also asked in a subordinate clause: "Ich wollte nur wissen, ob ich bei euch schon registriert bin".
_OWN_REGISTRATION = re.compile(r"\b(?:(?:bin|is|ist)\s+(?:ich|i)|ob\s+ich)\b[^.?!]*\b(?:schon|bereits|eigentlich|scho|"
                               r"(?:ü|ue)berhaupt)\b[^.?!]*\b(?:registriert|angemeldet|o'?gmeldet)\b")


#: "ich wollte wissen ob mein Handy für die Freigabe eingerichtet ist": the own device, registered for the 2FA.
_OWN_DEVICE = re.compile(r"\bob\s+mein\w*\s+(?:handy|smartphone|ger(?:ä|ae)t|telefon|iphone|tablet)\b[^.?!]*"
                         r"\b(?:eingerichtet|registriert|aktiviert|freigeschaltet)\b(?!\s+werden)")


def own_state_task(text: str) -> Optional[str]:
    """The task that looks up what the member asks about their own 2FA or registration state, if they ask."""
    folded = (text or "").casefold()
    if _OWN_DEVICE.search(folded):
        return "check_2fa_activation"
    if _OWN_REGISTRATION.search(folded) and not re.search(r"2fa|zwei[- ]?faktor|2[- ]faktor|qr|code", folded):
        return "start_registration"
    if not _OWN_STATE.search(folded):
        return None
    return "check_2fa_activation" if re.search(r"2fa|zwei[- ]?faktor|2[- ]faktor|qr|code", folded) else None


def is_letter_status_question(text: str) -> bool:
    """True for a question whether the access letter has been sent."""
    folded = (text or "").casefold()
    # the question itself asks it: "ah, der Brief ist noch unterwegs. und wenn der nicht ankommt?" does not,
    # and neither does a question about letters in general ("wie lange ist so ein Brief normalerweise unterwegs?")
    if re.search(r"\bnormalerweise\b|\bso\s+ein\b|\bin\s+der\s+regel\b|\bgenerell\b|\bwie\s+lang", folded):
        return False
    # "ist mein brief schon unterwegs" asks without a question mark
    asked = any(_LETTER_STATUS.search(part) and (part.endswith("?") or re.match(r"\W*(?:ist|is|sind|san)\b", part))
                for part in _sentences(folded))
    return asked or bool(
        re.search(r"\bob\b[^.?!]*\b(?:brief|zugangsdaten)\b[^.?!]*\b(?:raus|unterwegs|verschickt|versendet)", folded))


#: "Kannst du das für mich machen?", "gehen Sie das mit mir durch": the task just offered, done for the member.
_FOR_ME = re.compile(
    r"\b(?:f(?:ü|ue)r\s+mich|mit\s+mir|f(?:ü|ue)r\s+meinen\s+fall|bei\s+mir)\b[^.?!]*\b(?:mach\w*|durchgeh\w*|"
    r"durch\s*gehen|erledig\w*|pr(?:ü|ue)f\w*|anschau\w*|ansehen|schau\w*|starten|tun|ansto(?:ß|ss)\w*|veranlass\w*|"
    r"(?:he)?raus\s*find\w*)\b"
    r"|\b(?:mach|erledig|pr(?:ü|ue)f|start)\w*\b[^.?!]*\bf(?:ü|ue)r\s+mich\b"
    r"|\b(?:mach|erledig|pr(?:ü|ue)f)\w*\s+(?:du|sie|ihr)\s+das\b|\bgeh\w*\s+(?:du|sie)\s+das\s+mit\s+mir\b")


def asks_to_do_it(text: str) -> bool:
    """True for a request to do what was just explained, without naming it ("mach das bitte für mich")."""
    folded = (text or "").casefold()
    if re.match(r"\W*(?:und\s+)?(?:wie|was|wo|wann|warum|wieso|welche\w*)\b", folded):
        return False  # "was muss ich bei mir machen?" asks, it does not hand over
    # "kannst du das nicht einfach hier für mich machen?": "nicht" asks, it does not refuse
    folded = _CANT_YOU.sub(" ", folded)
    return bool(_FOR_ME.search(folded)) and not _NOT.search(folded) and not re.search(r"\b(?:nein|nicht|nee)\b", folded)


_CANT_YOU = re.compile(r"\b(?:kannst\s+du|k(?:ö|oe)nnen\s+sie|k(?:ö|oe)nnt\s+ihr)\s+(?:mir\s+)?(?:das\s+|des\s+|es\s+)?nicht\b")


#: Going ahead with what was just explained: "ok dann brief", "gut, dann per Post", "ok dann mach ich das jetzt",
#: "dann machen wir das", "mach das mal mit mir".
_GO_AHEAD = re.compile(
    r"\bdann\s+(?:halt\s+|eben\s+|doch\s+|lieber\s+|mal\s+|wohl\s+)*(?:(?:per|mit|(?:ü|ue)ber|via)\s+(?:dem\s+|den\s+|der\s+)?)?"
    r"(?:brief|post|video|videoident|video-ident|selfie)\b"
    r"|\b(?:mach|mache|machen)\s+(?:ich|wir|ma|mer)\s+(?:des|das)\b|\bmach\s+das\s+(?:mal\s+|doch\s+|bitte\s+|jetzt\s+)*mit\s+mir\b"
    r"|\b(?:leg|lege|legen)\s+(?:ich|wir)\s+(?:gleich\s+|jetzt\s+|mal\s+)?los\b|\blos\s*geht'?s\b|\bfangen\s+wir\s+an\b"
    r"|\blass\s+uns\s+(?:das\s+)?(?:machen|starten|anfangen)\b"
    r"|\b(?:will|m(?:ö|oe)chte)\s+(?:ich\s+)?(?:das\s+)?(?:jetzt\s+|gleich\s+|sofort\s+)?machen\b"
    # "ok dann mach mal", "ok lieber per Brief"
    r"|^\W*(?:(?:ok\w*|gut|alles\s+klar|na\s+gut|also)\W*)*(?:dann\s+)?mach\s+(?:mal|ma|halt|des|das)\W*$"
    r"|^\W*(?:(?:ok\w*|gut|alles\s+klar|na\s+gut|also|dann)\W*)*(?:doch\s+)?lieber\s+(?:(?:per|mit|(?:ü|ue)ber)\s+"
    r"(?:dem\s+|den\s+|der\s+)?)?(?:brief|post|video|videoident|video-ident|selfie)\b")
#: ... not: "dann mach ich das später", "ok, mach ich selbst in der App", "dann warte ich", "dann nicht".
_NOT_AHEAD = re.compile(r"\b(?:nicht|kein\w*|sp(?:ä|ae)ter|morgen|selbst|selber|allein\w*|in der app|warte\w*|"
                        r"zuhause|zu hause|abends|heute abend|wochenende|nochmal|noch mal|ruf\w*|anruf\w*)\b")
GO_AHEAD_MAX_WORDS = 12
#: "ok dann per Brief?" still goes ahead; a longer question in the same sentence asks something first.
GO_AHEAD_QUESTION_MAX_WORDS = 5


def goes_ahead(text: str) -> bool:
    """True when the member decides to go ahead with what the last answer explained ("ok dann brief", "Gut,
    dann per Brief. Was brauchen Sie von mir?"): the first sentence says so and asks nothing of its own."""
    folded = (text or "").casefold()
    sentences = _sentences(folded)
    if not sentences or len(folded.split()) > GO_AHEAD_MAX_WORDS:
        return False
    first = sentences[0]
    # a question of its own after it is answered first ("Okay dann per Brief. Wie lange dauert das?"), unless it
    # asks what the task needs ("Gut, dann per Brief. Was brauchen Sie von mir?")
    from bot import followups

    asks_more = any(followups.asks(sentence) and not _WHAT_IS_NEEDED.search(sentence) for sentence in sentences[1:])
    asks_first = "?" in first and len(first.split()) > GO_AHEAD_QUESTION_MAX_WORDS  # "dann video, geht das mit ...?"
    return bool(_GO_AHEAD.search(first)) and not _NOT_AHEAD.search(folded) and not asks_more and not asks_first \
        and not re.match(r"\W*(?:und\s+)?(?:wie|was|wo|wann|warum|wieso|welche\w*|geht|kann|muss)\b", first)


_WHAT_IS_NEEDED = re.compile(r"\bwas\s+(?:brauch|ben(?:ö|oe)tig)\w*\s+(?:sie|du|ihr)\b")


#: Key in the parse data (set by addons/faq_gate.py, read by the task forms when they start): a request to do a
#: task ends with a question about another topic ("I möcht mi übers Video registrieren. Geht des a am Sonntag?"):
#: that topic's answer comes first, then the task's first question.
ANSWER_FIRST = "answer_first"


def ends_with_question(text: str) -> bool:
    """True for a message of several sentences whose last one is a question."""
    sentences = _sentences((text or "").casefold())
    return len(sentences) >= 2 and sentences[-1].rstrip().endswith("?")


def asks_how(text: str) -> bool:
    """True for a question with a question word ("Was brauche ich für die Anmeldung?")."""
    return bool(_QUESTION_WORD.search((text or "").casefold()))


#: Naming the letter alone ("ok dann per Brief. A123456780") does not tell a resend from a registration by letter.
_RESEND_NAMED = re.compile(r"zugangsdaten|zugangsbrief|nochmal|noch\s+mal|erneut|wieder")


def has_valid_insurance_number(text: str) -> bool:
    """True when the text holds a valid Versichertennummer ("ok dann per Brief. A123456780")."""
    found = validation.find_insurance_number(text)
    return found is not None and validation.check_insurance_number(found).ok


#: A Versichertennummer typed with the digit after the card's hyphen ("A123456780-1") ...
_SUFFIXED_NUMBER = re.compile(r"\b[a-z]\s?\d{9}\s*[-–/]\s*\d{1,2}\b")
#: ... told as not accepted, or asked about ("ich hab A123456780-1 eingegeben, ungültig").
_NOT_ACCEPTED = re.compile(r"ung(?:ü|ue)ltig|\bnicht\s+an\b|\bnimmt\b|angenommen|akzeptier\w*|geht\s+nicht|klappt\s+nicht|"
                           r"fehler|falsch|eingegeben|eingeben|eintipp\w*|\btipp\w*|\?")


def reports_number_with_suffix(text: str) -> bool:
    """True for a member who typed the number with the digit after the hyphen and tells that it is refused: the
    number's format (FAQ) is the answer, not a task that takes the number."""
    folded = (text or "").casefold()
    return bool(_SUFFIXED_NUMBER.search(folded)) and bool(_NOT_ACCEPTED.search(folded))


def task_with_number(text: str) -> Optional[str]:
    """The task a message names together with a Versichertennummer ("Registrierung A123456780"), if any.

    The member says what the number is for, so the task starts and takes it (``extract_insurance_number`` in
    ``actions/tasks.py``); a number without a task stays a number typed outside a task (nothing is kept).
    """
    folded = (text or "").casefold()
    found = validation.find_insurance_number(text)
    if "?" in folded or found is None or not validation.check_insurance_number(found).ok or _NOT.search(folded) \
            or re.search(r"\b(?:kein\w*|nicht|nein|nee)\b", folded):
        return None
    named = named_task(_NUMBER_FREE.sub(" ", folded))
    if named == "request_letter_resend" and not _RESEND_NAMED.search(folded):
        return None
    return named


_NUMBER_FREE = re.compile(r"\b[a-z]\s?\d[\d\s.]{8,12}\b")
