"""The FAQ catalogue and the confidence rules (bot/faq.py), without Rasa."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from bot import conversations, faq
from bot.config import HOTLINE, PROJECT_ROOT
from bot.faq import Candidate

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def nlu_examples(theme: str) -> dict[str, list[str]]:
    data = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / f"{theme}.yml").read_text(encoding="utf-8"))
    return {
        block["intent"]: [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
        for block in data["nlu"]
    }


def ranking(*pairs: tuple[str, float]) -> dict:
    return {
        "response_selector": {
            "faq": {"ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in pairs]}
        }
    }


# -------------------------------------------------------------- the catalogue
def test_every_topic_has_exactly_one_response_and_vice_versa():
    topics = {t.id for t in faq.load_catalog().topics}
    responses = {k.split("/", 1)[1] for k in DOMAIN["responses"] if k.startswith("utter_faq/")}
    assert topics == responses
    assert len(topics) == len(faq.load_catalog().topics), "a topic id is listed twice"
    assert len(topics) >= 35


@pytest.mark.parametrize("topic", faq.load_catalog().topics, ids=lambda t: t.id)
def test_topic_has_enough_training_examples_including_its_title(topic: faq.Topic):
    examples = nlu_examples(topic.theme).get(topic.intent)
    assert examples is not None, f"{topic.intent} is missing from data/nlu/{topic.theme}.yml"
    assert len(set(examples)) >= 20
    assert topic.title in examples, "the button title must be a training example of its topic"


def test_none_button_is_a_deny_example():
    assert faq.load_catalog().none_of_these in nlu_examples("basics")["deny"]


def examples_in(path: Path) -> list[tuple[str, str]]:
    """(intent, text) for every example of an NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(block["intent"], line[2:].strip()) for block in data.get("nlu") or [] if "examples" in block
            for line in block["examples"].splitlines() if line.startswith("- ")]


def training_examples() -> list[tuple[str, str]]:
    return [e for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")) for e in examples_in(path)]


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise(text: str) -> str:
    """Lower case, umlauts folded (ä -> ae), punctuation removed, runs of spaces collapsed."""
    folded = text.casefold().translate(_UMLAUTS)
    return " ".join(re.sub(r"[^\w\s]|_", "", folded).split())


def levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance of ``a`` and ``b`` (insert, delete, replace), or ``limit + 1`` once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


#: Held-out texts within this edit distance of a training example (after :func:`normalise`) count as seen.
NEAR = 2


def leaks(held_out: list[tuple[str, str]], training: list[tuple[str, str]]) -> list[str]:
    """Every held-out example that is a training example, or a near-duplicate of one, of any intent."""
    seen = [(intent, text, normalise(text)) for intent, text in training]
    found = []
    for intent, text in held_out:
        wanted = normalise(text)
        for seen_intent, seen_text, seen_norm in seen:
            distance = levenshtein(wanted, seen_norm, NEAR)
            if distance <= NEAR:
                found.append(f"{intent}: {text!r} ~ {seen_intent}: {seen_text!r} (distance {distance})")
    return found


@pytest.mark.parametrize(
    "a, b, distance",
    [("", "", 0), ("abc", "abc", 0), ("", "ab", 2), ("kitten", "sitting", 3), ("passwort", "passwrot", 2),
     ("flaw", "lawn", 2), ("einloggen", "einlogen", 1), ("abc", "xyz", 3), ("ab", "ba", 2)],
)
def test_levenshtein(a: str, b: str, distance: int):
    assert levenshtein(a, b, limit=10) == levenshtein(b, a, limit=10) == distance
    assert levenshtein(a, b, limit=1) == min(distance, 2)


def test_normalise():
    assert normalise("  Grüß   Gott! ") == normalise("gruess gott") == "gruess gott"
    assert normalise("QR-Code ungültig?") == normalise("qrcode ungueltig") == "qrcode ungueltig"
    assert normalise("Ich weiß es nicht, oder?") == "ich weiss es nicht oder"


def test_the_leak_check_finds_copies_and_near_duplicates():
    training = [("faq/password_forgotten", "Ich weiß mein Passwort nicht mehr"), ("greet", "Hallo")]
    held_out = [("faq/password_forgotten", "ich weiss mein passwrot nicht mehr!"),  # distance 2 after folding
                ("greet", "Hallo!"),  # every intent, not only the FAQ
                ("faq/credentials", "Hallo."),  # another intent's example leaks too
                ("faq/password_forgotten", "Mein Passwort ist mir entfallen")]
    assert [found.split(":")[0] for found in leaks(held_out, training)] == [
        "faq/password_forgotten", "greet", "faq/credentials"]


def test_holdout_covers_every_topic():
    by_intent: dict[str, list[str]] = {}
    for intent, text in examples_in(PROJECT_ROOT / "tests" / "nlu_holdout.yml"):
        by_intent.setdefault(intent, []).append(text)
    for topic in faq.load_catalog().topics:
        assert len(by_intent.get(topic.intent, [])) >= 5, topic.id


@pytest.mark.parametrize("held_out", ["nlu_holdout.yml", "nlu_dev.yml", "nlu_blind.yml"])
def test_held_out_sets_are_not_in_the_training_data(held_out: str):
    found = leaks(examples_in(PROJECT_ROOT / "tests" / held_out), training_examples())
    assert not found, f"{held_out}: phrasings that are (nearly) training examples:\n" + "\n".join(found)


# ------------------------------------------------ a story and a conversation per topic
@lru_cache(maxsize=None)
def story_intents() -> frozenset[str]:
    """Every intent a user step of a story has, in tests/test_stories.yml and data/stories.yml."""
    intents = set()
    for path in (PROJECT_ROOT / "tests" / "test_stories.yml", PROJECT_ROOT / "data" / "stories.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        intents |= {step["intent"] for story in data.get("stories") or [] for step in story.get("steps") or []
                    if "intent" in step}
    return frozenset(intents)


def answer_text(topic: faq.Topic) -> str:
    """The topic's answer(s) as the member reads them ({hotline} filled in)."""
    return "\n".join(r["text"].replace("{hotline}", HOTLINE) for r in DOMAIN["responses"][topic.response])


@lru_cache(maxsize=None)
def checking_steps() -> list[tuple[str, tuple[str, ...], list[str]]]:
    """(conversation, expected texts, topics whose answer holds all of them) for every step of
    tests/conversations/ that expects texts of at least one FAQ answer."""
    answers = {t.id: answer_text(t) for t in faq.load_catalog().topics}
    found = []
    for conversation in conversations.load([PROJECT_ROOT / "tests" / "conversations"]):
        for step in conversation.steps:
            topics = [t for t, answer in answers.items() if step.contains and all(s in answer for s in step.contains)]
            if topics:
                found.append((conversation.id, step.contains, topics))
    return found


#: Topics whose conversation expects only texts that another answer holds as well, so the
#: conversation would also pass with that other answer (tests/conversations/faq.yml should
#: add a text of this answer alone).
AMBIGUOUS_CONVERSATIONS = {"app_required", "credentials"}


@pytest.mark.parametrize("topic", faq.load_catalog().topics, ids=lambda t: t.id)
def test_every_topic_has_a_story(topic: faq.Topic):
    assert topic.intent in story_intents(), f"no story in tests/test_stories.yml or data/stories.yml asks {topic.intent}"


@pytest.mark.parametrize("topic", faq.load_catalog().topics, ids=lambda t: t.id)
def test_every_topic_has_a_conversation_that_checks_its_answer(topic: faq.Topic):
    steps = [(conv, texts, topics) for conv, texts, topics in checking_steps() if topic.id in topics]
    assert steps, f"no conversation in tests/conversations/ expects texts of utter_faq/{topic.id}"
    if topic.id not in AMBIGUOUS_CONVERSATIONS:
        assert any(topics == [topic.id] for _, _, topics in steps), (
            f"the conversations that check utter_faq/{topic.id} would pass with another answer too: {steps}")


def test_the_list_of_ambiguous_conversations_is_current():
    unique = {topics[0] for _, _, topics in checking_steps() if len(topics) == 1}
    assert not AMBIGUOUS_CONVERSATIONS & unique, "these conversations now tell their topic apart: remove them"


# ---------------------------------------------------------------- the rules
def test_candidates_are_read_from_the_selector_ranking_best_first():
    parsed = ranking(("qr_code", 0.2), ("qr_code_expired", 0.7))
    assert faq.candidates_from_parse(parsed) == [Candidate("qr_code_expired", 0.7), Candidate("qr_code", 0.2)]
    assert faq.candidates_from_parse({}) == []


@pytest.mark.parametrize(
    "pairs, confident",
    [
        ([("a", 0.9), ("b", 0.05)], True),
        ([("a", 0.55), ("b", 0.3)], True),
        ([("a", 0.55), ("b", 0.4)], False),  # lead too small
        ([("a", 0.28), ("b", 0.01)], False),  # best too weak
        ([("a", 0.6)], True),
        ([], False),
    ],
)
def test_an_answer_needs_a_strong_and_clear_best_topic(pairs, confident):
    candidates = [Candidate(t, c) for t, c in pairs]
    assert faq.is_confident(candidates) is confident


def test_clarification_offers_at_most_three_plausible_topics():
    candidates = [Candidate("a", 0.4), Candidate("b", 0.3), Candidate("c", 0.2), Candidate("d", 0.1)]
    assert faq.clarify(candidates, faq_confidence=0.6).topics == ("a", "b", "c")
    weak = [Candidate("a", 0.5), Candidate("b", 0.01)]
    assert faq.clarify(weak, faq_confidence=0.6).topics == ("a",)


def test_clarification_gives_up_when_nothing_fits():
    candidates = [Candidate("a", 0.4), Candidate("b", 0.3)]
    assert faq.clarify(candidates, faq_confidence=0.05).give_up  # not an FAQ question at all
    assert faq.clarify([Candidate("a", 0.01)], faq_confidence=0.6).give_up
    assert not faq.clarify(candidates, faq_confidence=0.6).give_up


def test_a_follow_ups_clarification_also_offers_the_last_answers_topic():
    candidates = [Candidate("a", 0.4), Candidate("b", 0.3), Candidate("c", 0.2), Candidate("d", 0.1)]
    # the context's own topic (first) is added to the selector's three, once
    assert faq.clarify(candidates, faq_confidence=0.6, context=("x", "d")).topics == ("a", "b", "c", "x")
    # ... unless offered already: then the likeliest other context topic
    assert faq.clarify(candidates, faq_confidence=0.6, context=("a", "y", "d")).topics == ("a", "b", "c", "d")
    # a weak question right after an answer still offers that answer
    assert faq.clarify([Candidate("a", 0.01)], faq_confidence=0.6, context=("x",)).topics == ("x",)
    # right after "Meinten Sie ...?" the same topics are not offered again: the hotline
    assert faq.clarify(candidates, faq_confidence=0.6, after_clarification=True, context=("x",),
                       offered_before=("a", "b", "c")).give_up
    assert faq.clarify([Candidate("a", 0.01)], faq_confidence=0.6, after_clarification=True, context=("x",)).give_up
    # ... but a new question after it ("pin?" after "2fa?") gets its own topics
    assert faq.clarify(candidates, faq_confidence=0.6, after_clarification=True,
                       offered_before=("x", "y")).topics == ("a", "b", "c")


def test_a_topic_that_needs_its_words_is_not_answered_without_them():
    """ "wie lange braucht die Post?" is no question about the video identification, however sure the selector."""
    sure = [Candidate("nect_duration", 0.9), Candidate("ssl", 0.02)]
    assert not faq.is_confident(sure, "wie lange braucht die post denn so")
    assert faq.is_confident(sure, "wie lange dauert das video ident")
    assert faq.is_confident(sure)  # no text: nothing to check
    assert faq.load_catalog().get("nect_duration").named_in("Wie lang dauert die Identifiezierung mit nect?")


@pytest.mark.parametrize("text, covered", [
    ("Bis wann ist da jemand am Telefon?", False),
    ("und welche android version brauch ich mindestens", False),
    ("Ich hab ein altes iPhone 6, funktioniert die App da drauf?", False),
    ("kann meine frau sich mit der gleichen email adresse registrieren?", False),
    ("werden meine ausweisdaten da dauerhaft gespeichert?", False),
    ("Kann ich Handy und Tablet gleichzeitig als 2FA-Gerät registrieren?", False),
    ("Bis wann ist der QR-Code gültig?", True),
    ("bis wann kann ich das Video machen?", True),
    ("Welche E-Mail-Adresse soll ich angeben?", True),
    ("Sind danach meine ganzen Daten in der App weg?", False),
    ("Gehen dabei meine gespeicherten Dokumente in der App verloren?", False),
    ("Bekomme ich eigentlich eine Mail, wenn die Registrierung fertig ist?", False),
    ("kann ich das nicht einfach ausschalten?", False),
    ("Ich habe alles gelöscht, wie aktiviere ich jetzt 2FA?", True),
    ("Sind die Daten auf dem Weg zu euch verschlüsselt?", True),
    ("Ich habe die PIN zu oft falsch eingegeben", True),
    ("Wie lange speichert NECT meine Daten?", False),
    ("Zu welchen Zeiten ist unter dieser Nummer denn jemand erreichbar?", False),
    ("Zu welchen Zeiten ist NECT erreichbar?", True),
    ("Wie lange dauert das Video?", True),
    ("Kann ich die Freigabe auch auf einem zweiten Handy einrichten?", False),
    ("Wozu soll dieses zusätzliche Gerät eigentlich gut sein?", True),  # the second factor (twofa_what)
])
def test_questions_the_faq_does_not_answer_by_their_words(text: str, covered: bool):
    assert faq.not_covered_cue(text) is not covered


@pytest.mark.parametrize("text, topic", [
    ("Ich hab grad keinen Ausweis da, geht das auch anders?", "letter_alternative"),
    ("Gibts noch ne andere Möglichkeit ohne Ausweis?", "letter_alternative"),
    ("Welche Ausweise gehen für das Video?", None),
    ("Ich hab ein neues Handy. Wie bekomme ich die 2FA da drauf?", "twofa_activation"),
    ("Ich habe ein neues Smartphone. Wie bekomme ich die Freigabe jetzt auf das neue Gerät?", "twofa_activation"),
    ("Neues Handy, wo bekomme ich die App her?", None),
    ("Neues Handy, muss ich nach dem neuen Passwort die 2FA neu machen?", None),
])
def test_wordings_that_decide_the_topic(text: str, topic):
    assert faq.topic_cue(text) == topic


def test_topic_cues_agree_with_the_training_and_held_out_labels():
    for path in [*sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")), PROJECT_ROOT / "tests" / "nlu_holdout.yml",
                 PROJECT_ROOT / "tests" / "nlu_dev.yml"]:
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in str(item.get("examples") or "").splitlines():
                cued = faq.topic_cue(line.strip()[2:])
                assert cued is None or f"faq/{cued}" == item["intent"], (path.name, line)


def test_downloading_the_nect_app_is_the_nect_app():
    assert faq.topic_cue("muss ich die nect app extra runterladen?") == "nect_what"
    assert faq.topic_cue("Ich habe die NECT App installiert, wie läuft das ab?") is None


def test_a_clarification_weighs_down_a_topic_whose_words_the_question_lacks():
    """ "Total nervig, wie lange dauert das denn noch mit dem Brief?" is offered the letter, not only the video."""
    ranked = [Candidate("nect_duration", 0.88), Candidate("letter_not_arrived", 0.06), Candidate("qr_code", 0.03),
              Candidate("ssl", 0.01)]
    text = "wie lange dauert das denn noch mit dem Brief?"
    weighed = faq.named(ranked, text)
    assert sum(c.confidence for c in weighed) == pytest.approx(sum(c.confidence for c in ranked))
    assert dict((c.topic, c.confidence) for c in weighed)["letter_not_arrived"] > 0.2
    assert set(faq.clarify(ranked, faq_confidence=0.6, text=text).topics) >= {"letter_not_arrived", "nect_duration"}
    # with its words, the ranking stays; without a text too
    assert faq.named(ranked, "wie lange dauert das video?") == ranked and faq.named(ranked, "") == ranked
    assert faq.clarify(ranked, faq_confidence=0.6, text="wie lange dauert das video?").topics == ("nect_duration",)


@pytest.mark.parametrize("text, topic", [
    ("auf der webseite unter registrierung ist auch ein qr code. wofür ist der?", "app_download"),
    ("Auf Ihrer Internetseite ist so ein viereckiges schwarz-weißes Muster, was soll ich damit?", "app_download"),
    ("Im Brief ist ein QR-Code drauf. Ist der zum App runterladen?", "qr_code"),
    ("wofür ist der qr code im brief?", "qr_code"),
    ("wie lange ist der QR-Code aus dem Brief gültig?", None),
    ("der QR-Code aus dem Brief ist abgelaufen, wofür brauch ich den jetzt?", None)])
def test_which_qr_code_the_member_means_decides_the_topic(text, topic):
    """The website's QR code installs the app; the letter's registers the device (FAQ)."""
    assert faq.topic_cue(text) == topic
