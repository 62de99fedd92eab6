"""Knowledge gaps: member questions the FAQ did not answer, kept masked, grouped for the content team."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.privacy import mask_text
from bot.store.models import SuggestionFeedback, UnansweredQuestion

OUTCOMES = ("clarify", "hotline", "unfit")
OUTCOME_NAMES = {"clarify": "Meinten Sie ...?", "hotline": "Hotline", "unfit": "Passt nicht"}


def record(session: Session, question: str, outcome: str, now: Optional[datetime] = None) -> None:
    """Keep a question that ended in a clarification or the hotline (masked, at most 500 characters)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    session.add(UnansweredQuestion(question=mask_text(question)[:500], outcome=outcome,
                                   created_at=now or datetime.utcnow()))


def _key(question: str) -> str:
    return re.sub(r"[^\w*]+", " ", question.lower()).strip()


def report(session: Session, days: int, now: Optional[datetime] = None) -> list[dict]:
    """The questions of the last ``days`` days, grouped by their normalised text, most frequent first."""
    since = (now or datetime.utcnow()) - timedelta(days=days)
    rows = [(q.question, q.outcome) for q in session.execute(
        select(UnansweredQuestion).where(UnansweredQuestion.created_at >= since)).scalars()]
    rows += [(f.question, "unfit") for f in session.execute(
        select(SuggestionFeedback).where(SuggestionFeedback.created_at >= since, SuggestionFeedback.fits == 0)).scalars()]
    groups: dict[str, dict] = {}
    for question, outcome in rows:
        group = groups.setdefault(_key(question), {"question": question, "count": 0, "outcomes": Counter()})
        group["count"] += 1
        group["outcomes"][OUTCOME_NAMES[outcome]] += 1
    ordered = sorted(groups.values(), key=lambda g: (-g["count"], g["question"]))
    return [{"question": g["question"], "count": g["count"], "outcomes": dict(g["outcomes"])} for g in ordered]
