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

from bot import faq

#: Asking the assistant to act; counts even in a question ("Kannst du mir zeigen, wie ...?").
_STRONG_FRAME = re.compile(
    r"\b(kannst\s+du|k(?:ö|oe|o)nnt\s+ihr|k(?:ö|oe|o)nn(?:en|ten)\s+sie|w(?:ü|ue|u)rden?\s+sie|w(?:ü|ue|u)rdest\s+du|"
    r"hilf\s+mir|helfen\s+sie\s+mir|please\s+(?:send|reset))\b")
#: Saying what one wants, "bitte", or an imperative at the start: a request unless the message asks
#: how, what or why ("Ich möchte mich anmelden, was brauche ich dafür?" asks for the FAQ answer).
_WEAK_FRAME = re.compile(
    r"\b(?:ich\s+(?:m(?:ö|oe|o)chte|will|brauche?)|(?:m(?:ö|oe|o)chte|w(?:ü|ue|u)rde|h(?:ä|ae|a)tte)\s+gerne?|"
    r"i\s+want|bitte)\b|"
    r"^\W*(?:dann\s+|ok\s+|also\s+)?(?:schick|send|bestell|registrier|pr(?:ü|ue|u)f|mach)(?:e|t|en)?\b")
_QUESTION_WORD = re.compile(r"\b(wie|wo|was|wann|warum|wieso|weshalb|welche[rsmn]?|wer)\b")
#: Something the assistant can do.
_DO = re.compile(
    r"(schick|schicken|send|bestell|anforder|registrier|anmeld|zur(?:ü|ue|u)ck\s*zu\s*setz|zur(?:ü|ue|u)ck\s*setz|"
    r"neu\s+(?:zu\s+)?setz|entsperr|pr(?:ü|ue|u)f|check|durchf(?:ü|ue|u)hr|freischalt|nochmal|noch\s+mal|erneut|"
    r"\bneue[sn]?\b|wissen,?\s+ob|register|resend|reset)")
#: Not wanted after all ("nein, schick nichts", "bitte abbrechen").
_NOT = re.compile(r"\b(nichts|keine[nrs]?\s+(?:brief|neue[sn]?|pin|passwort)|abbrechen|stopp?|lass\s+(?:es|gut)|"
                  r"doch\s+nicht|nicht\s+(?:mehr\s+)?(?:schicken|senden|bestellen|n(?:ö|oe|o)tig))\b")


def is_action_request(text: str) -> bool:
    """True when ``text`` asks the assistant to do something it can do (not how it works)."""
    folded = (text or "").casefold()
    if not _DO.search(folded) or _NOT.search(folded):
        return False
    if _STRONG_FRAME.search(folded):
        return True
    return bool(_WEAK_FRAME.search(folded)) and not _QUESTION_WORD.search(folded)


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
        return topic.task if topic is not None else None
    return None
