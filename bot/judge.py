"""Judging blind member scripts: which replies left the member stuck, which were wrong.

A blind script (tests/conversations/members_blind.yml) is written without
knowing the replies; each message says what the member wants (``want``).
Every reply is traced back to the domain responses that produced it, and
sorted into kinds (an FAQ answer for topic X, a task step, an apology, ...).

- A **dead end**: the reply offers nothing for what the member wanted (no
  reply, "Das kann ich nicht sicher beantworten", a reply of another kind),
  so the member has to start over or rephrase.
  A reply that offers the wanted topic as a button ("Meinten Sie ...?", or the
  related topic under an answer) is no dead end: one click takes the member there.
- A **wrong answer**: an FAQ answer to a topic the member did not ask about (also
  when a button under it offers the right one).
- A **letter nobody confirmed**: more letters ordered in a conversation than
  the member confirmed (checked by the caller against the member store).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Optional

import yaml

from bot.config import PROJECT_ROOT

if TYPE_CHECKING:
    from bot.conversations import Conversation

#: Kinds of replies, by response name (prefix match for the groups).
ANSWER, CLARIFY, TASK, SOCIAL, HUMAN, COMPLAINT, UPSET, LANGUAGE, NOT_COVERED, OUT_OF_SCOPE, DATA, NOT_SURE = (
    "answer", "clarify", "task", "social", "human", "complaint", "upset", "language", "not_covered",
    "out_of_scope", "data", "not_sure")

_KINDS = (
    ("utter_faq/", ANSWER),
    ("utter_clarify", CLARIFY),
    ("utter_not_sure", NOT_SURE),
    ("utter_task_unclear", NOT_SURE),
    ("utter_out_of_scope", OUT_OF_SCOPE),
    ("utter_not_covered", NOT_COVERED),
    ("utter_complaint", COMPLAINT),
    ("utter_frustration", UPSET),
    ("utter_other_language", LANGUAGE),
    ("utter_data_without_task", DATA),
    ("utter_hotline_human", HUMAN),
    ("utter_handover", HUMAN),
    ("utter_greet", SOCIAL),
    ("utter_goodbye", SOCIAL),
    ("utter_you_are_welcome", SOCIAL),
    ("utter_iamabot", SOCIAL),
    ("utter_capabilities", SOCIAL),
    ("utter_anything_else", SOCIAL),
    ("utter_still_there", SOCIAL),
    ("utter_", TASK),  # every other response belongs to a guided task
)

_TASK_OR_SOCIAL = {TASK, SOCIAL, HUMAN, ANSWER, CLARIFY}
#: For each kind of want: the reply kinds that help the member on.
ACCEPTED = {
    "task": {TASK, CLARIFY},
    # outside a task, data gets "Was möchten Sie tun?" with the task buttons (issue 12: keep nothing)
    "give": {TASK, DATA},
    "confirm": {TASK},
    "decline": {TASK, SOCIAL},
    "leave": {TASK, SOCIAL},
    "greet": _TASK_OR_SOCIAL,
    "thanks": _TASK_OR_SOCIAL,
    "bye": _TASK_OR_SOCIAL,
    "bot": {SOCIAL},
    "human": {HUMAN, SOCIAL},
    "check": {SOCIAL, TASK},
    "complaint": {COMPLAINT, HUMAN},
    "upset": {UPSET, HUMAN, COMPLAINT},
    "language": {LANGUAGE, SOCIAL},  # "ok thanks, bye" may get the goodbye
    # "Meinten Sie ...?" names the hotline for a question none of its topics fits: like "Das kann ich nicht sicher
    # beantworten" with the hotline, it is no dead end for a question the FAQ does not answer
    "not_covered": {NOT_COVERED, NOT_SURE, OUT_OF_SCOPE, HUMAN, CLARIFY},
    "out_of_scope": {OUT_OF_SCOPE, NOT_COVERED, NOT_SURE, HUMAN, CLARIFY},
    "data": {DATA, TASK},
}
#: Follow-up replies that carry part of a topic's FAQ answer (domain.yml): they answer that topic.
FOLLOW_UP_TOPICS = {
    # "Alternativ können Sie ein neues Passwort per Post anfordern." (password_forgotten)
    "utter_followup_password_by_post": ("password_forgotten",),
    # the post delivery times (letter_alternative) and "erst nach Zugang der Anmeldedaten" (usable_when)
    "utter_followup_letter_time": ("letter_alternative", "usable_when"),
    "utter_followup_four_digits": ("qr_code", "health_card_digits"),
    # how the PIN is reset (pin_reset), and the hotline for whether more is lost
    "utter_followup_reset_data": ("pin_reset",),
    # the Personalausweis the FAQ names (nect_id_document), the hotline for any other document, the letter without one
    "utter_followup_other_id_document": ("nect_id_document", "letter_alternative"),
    # both ways to register the device: the QR code (qr_code, its 60 days: qr_code_expired), the card for video
    # ident registrations (health_card_digits), the menu item and the PIN (twofa_activation)
    "utter_followup_activation_ways": ("twofa_activation", "qr_code", "qr_code_expired", "health_card_digits"),
    # the two ways side by side, in the FAQ's words: by letter (letter_alternative), usable only once the letter
    # arrived (usable_when), NECT App (nect_what), a few minutes (nect_duration), around the clock (nect_hours)
    "utter_ident_method_compare": ("letter_alternative", "usable_when", "nect_what", "nect_duration", "nect_hours"),
    # after the PIN-reset guide, "ich hab noch dasselbe Handy" / "neues Handy": the reset (pin_reset), and a new
    # device's registration in "2FA-Aktivierung" (twofa_activation)
    "utter_pin_reset_same_device": ("pin_reset",),
    "utter_pin_reset_new_device": ("pin_reset", "twofa_activation"),
}
#: Follow-up replies that give what the FAQ says and, for anything more exact, the hotline: they serve a question
#: the FAQ does not answer exactly ("Wie viele Tage braucht die Post?": "bitte berücksichtigen Sie die
#: Postzustellzeiten ... Ist nach einer Woche noch nichts da, melden Sie sich gern unter 08731 76 21384").
NAMES_THE_HOTLINE = {"utter_followup_letter_time", "utter_followup_reset_data", "utter_followup_other_id_document"}
#: "welche Nummer hat euer Support?": the hotline reply gives what the FAQ's answer to these topics comes down to
#: ("Bitte wenden Sie sich unter ... an unseren Support"); it serves a question about them, and is no FAQ answer.
HOTLINE_TOPICS = {"registration_problem"}
HOTLINE_REPLY = "utter_hotline_human"
#: Wants for which any FAQ answer is a wrong answer.
NO_FAQ_ANSWER = {"not_covered", "out_of_scope", "language", "complaint", "upset", "bot", "human", "greet", "bye",
                 "thanks", "data", "check"}


@dataclass(frozen=True)
class Response:
    name: str
    pattern: re.Pattern


@lru_cache(maxsize=1)
def responses(domain_path: Path = PROJECT_ROOT / "domain.yml") -> tuple[Response, ...]:
    """Every response text of the domain as a pattern ({slot} matches anything), longest first."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    found = []
    for name, variants in (domain.get("responses") or {}).items():
        for variant in variants:
            text = str(variant.get("text") or "").strip()
            if not text:
                continue
            parts = re.split(r"\{[a-z_]+\}", text)
            pattern = re.compile(r"(?s)^" + r".+?".join(re.escape(p) for p in parts) + r"$")
            found.append((len(text), Response(name, pattern)))
    return tuple(r for _, r in sorted(found, key=lambda item: -item[0]))


def response_name(text: str) -> Optional[str]:
    """The domain response a bot message's text came from, or ``None``."""
    text = (text or "").strip()
    for response in responses():
        if response.pattern.match(text):
            return response.name
    return None


def kind_of(name: Optional[str]) -> str:
    if name is None:
        return TASK  # texts composed by the actions themselves (status lines) belong to tasks
    for prefix, kind in _KINDS:
        if name.startswith(prefix):
            return kind
    return TASK


@dataclass(frozen=True)
class Verdict:
    want: tuple[str, ...]
    names: tuple[str, ...]
    dead_end: bool
    wrong: bool
    #: a wrong answer whose related-topic button offered what the member asked: no dead end only thanks to it
    by_button: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(kind_of(n) for n in self.names)


def judge(want: Iterable[str], messages: list[dict]) -> Verdict:
    """Was this reply a dead end, or a wrong answer, for what the member wanted?"""
    wants = tuple(want)
    names = tuple(response_name(str(m.get("text") or "")) or "?" for m in messages if m.get("text"))
    answered = {n.split("/", 1)[1] for n in names if n.startswith("utter_faq/")}
    answered |= {topic for n in names for topic in FOLLOW_UP_TOPICS.get(n, ())}
    offered = {str(b.get("title")) for m in messages for b in (m.get("buttons") or [])}
    kinds = {kind_of(None if n == "?" else n) for n in names}
    wanted_topics = {w.split(":", 1)[1] for w in wants if w.startswith("faq:")}
    plain = {w.split(":", 1)[0] for w in wants}

    hotline_follow_up = "not_covered" in plain and bool(set(names) & NAMES_THE_HOTLINE)
    wrong = bool(answered) and not hotline_follow_up and (
        (wanted_topics and not answered & wanted_topics and not plain - {"faq"})
        or (not wanted_topics and plain <= NO_FAQ_ANSWER)
    )
    helped = hotline_follow_up
    # a button with the wanted topic's title ("Meinten Sie ...?", or under an answer to a neighbouring topic) takes
    # the member there in one click: no dead end, though an answer to another topic still counts as wrong
    if wanted_topics and (answered & wanted_topics or _offers(offered, wanted_topics)
                          or (wanted_topics & HOTLINE_TOPICS and HOTLINE_REPLY in names)):
        helped = True
    for kind_of_want in plain - {"faq"}:
        if kinds & ACCEPTED.get(kind_of_want, set()):
            helped = True
    if not names:
        helped = False
    by_button = bool(wrong) and helped and ANSWER in kinds and _offers(offered, wanted_topics) and not any(
        kinds & ACCEPTED.get(kind_of_want, set()) for kind_of_want in plain - {"faq"})
    return Verdict(wants, names, dead_end=not helped, wrong=bool(wrong), by_button=by_button)


def _offers(titles: set[str], topics: set[str]) -> bool:
    from bot import faq

    catalog = faq.load_catalog()
    return any(catalog.by_title(title) is not None and catalog.by_title(title).id in topics for title in titles)


@dataclass
class Tally:
    """Verdicts over a whole script."""

    verdicts: list[Verdict] = field(default_factory=list)
    unconfirmed_letters: list[str] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return len(self.verdicts)

    @property
    def dead_end_rate(self) -> float:
        return sum(v.dead_end for v in self.verdicts) / max(1, self.messages)

    @property
    def dead_end_rate_without_buttons(self) -> float:
        """The dead-end rate had the related-topic buttons under wrong answers not counted as help."""
        return sum(v.dead_end or v.by_button for v in self.verdicts) / max(1, self.messages)

    @property
    def wrong_rate(self) -> float:
        return sum(v.wrong for v in self.verdicts) / max(1, self.messages)


def play(script: Iterable["Conversation"], url: str, letters_ordered: Callable[[], int],
         before_each: Optional[Callable[[], None]] = None) -> tuple[Tally, list[str]]:
    """Play every judged conversation of ``script`` over REST; returns the tally and a readable report.

    ``letters_ordered`` counts the letter orders in the member store; ``before_each``
    (for example: reseed the demo members) runs before every conversation.
    """
    from bot import conversations

    tally = Tally()
    report: list[str] = []
    for conversation in script:
        if before_each is not None:
            before_each()
        before = letters_ordered()
        outcome = conversations.run(conversation, url)
        ordered = letters_ordered() - before
        lines = [f"== {conversation.name}"]
        for step, messages in zip(conversation.steps, outcome.replies):
            verdict = judge(step.want, messages)
            tally.verdicts.append(verdict)
            mark = "DEAD END " if verdict.dead_end else ("WRONG    " if verdict.wrong else "ok       ")
            lines.append(f"  {mark} {step.user or step.click!r} want={list(step.want)} -> {list(verdict.names)}")
        if len(outcome.replies) < len(conversation.steps):
            lines.append(f"  stopped: {outcome.problems}")
            tally.verdicts.extend(Verdict(s.want, (), True, False) for s in conversation.steps[len(outcome.replies):])
        allowed = conversation.orders_letters or 0
        if ordered > allowed:
            tally.unconfirmed_letters.append(f"{conversation.name}: {ordered} letters ordered, {allowed} confirmed")
            lines.append(f"  LETTERS: {ordered} ordered, {allowed} confirmed")
        report.extend(lines)
    return tally, report
