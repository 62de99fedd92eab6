"""Demo members that docs, demos and external test suites rely on (dates relative to now)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.letters import new_reference
from bot.store.models import LetterKind, LetterOrder, LetterStatus, Member, RegistrationMethod, RegistrationState


def demo_members(now: datetime) -> list[tuple[Member, list[LetterOrder]]]:
    """The six demo members and their letters, relative to ``now``."""
    days = lambda n: now - timedelta(days=n)  # noqa: E731
    letter = lambda kind, n: LetterOrder(kind=kind, status=LetterStatus.EXPORTED, reference=new_reference(days(n)),  # noqa: E731
                                         created_at=days(n), exported_at=days(n))
    return [
        (Member(insurance_number="A123456780", postcode="84130", name="Anna Berger",
                street="Bahnhofstraße", house_number="3", city="Dingolfing",
                state=RegistrationState.UNREGISTERED, created_at=days(900)), []),
        (Member(insurance_number="B204816328", postcode="80809", name="Bernd Huber",
                street="Lerchenauer Straße", house_number="41", city="München",
                state=RegistrationState.LETTER_SENT, registration_method=RegistrationMethod.LETTER,
                registered_at=days(10), created_at=days(700)),
         [letter(LetterKind.REGISTRATION, 10)]),
        (Member(insurance_number="C314159266", postcode="84030", name="Claudia Maier",
                street="Am Weiher", house_number="12", city="Ergolding", iban="DE89370400440532013000",
                email="claudia.maier@example.de", phone="+491701234567",
                state=RegistrationState.ACTIVE, registration_method=RegistrationMethod.VIDEO,
                registered_at=days(120), activated_at=days(120), twofa_device_at=days(119), created_at=days(2000)), []),
        (Member(insurance_number="D271828180", postcode="01067", name="Dieter Schmid",
                street="Wilsdruffer Straße", house_number="7", city="Dresden",
                state=RegistrationState.ACTIVE, registration_method=RegistrationMethod.LETTER,
                registered_at=days(34), activated_at=days(30), created_at=days(1500)),
         [letter(LetterKind.REGISTRATION, 34)]),
        (Member(insurance_number="E161803391", postcode="93047", name="Eva Wagner",
                street="Neupfarrplatz", house_number="1", city="Regensburg",
                state=RegistrationState.ACTIVE, registration_method=RegistrationMethod.LETTER,
                registered_at=days(404), activated_at=days(400), created_at=days(3000)),
         [letter(LetterKind.REGISTRATION, 404)]),
        (Member(insurance_number="F141421359", postcode="84028", name="Frank Lehner",
                street="Altstadt", house_number="85", city="Landshut",
                state=RegistrationState.ACTIVE, registration_method=RegistrationMethod.LETTER,
                registered_at=days(20), activated_at=days(18), twofa_device_at=days(18), created_at=days(800)),
         [letter(LetterKind.REGISTRATION, 20)]),
    ]


def is_empty(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Member)).scalar_one() == 0


def seed_demo(session: Session, now: Optional[datetime] = None) -> int:
    """Add the demo members that are missing; returns how many were added."""
    now = now or datetime.utcnow()
    added = 0
    for member, letters in demo_members(now):
        exists = session.execute(select(Member.id).where(Member.insurance_number == member.insurance_number)).first()
        if exists:
            continue
        session.add(member)
        session.flush()
        for order in letters:
            order.member_id = member.id
            session.add(order)
        added += 1
    return added


def reset_demo(database_url: str) -> None:
    """Empty every table of a (running) member store and seed the demo members again: a known state.

    For test and benchmark stores only: it deletes every row.
    """
    from sqlalchemy import delete

    from bot.store import session_scope
    from bot.store.db import make_engine
    from bot.store.models import Base

    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))
            seed_demo(session)
    finally:
        engine.dispose()


def letter_orders(database_url: str) -> int:
    """How many letter orders the store holds (benchmarks and tests count new ones)."""
    from bot.store import session_scope
    from bot.store.db import make_engine

    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            return session.execute(select(func.count()).select_from(LetterOrder)).scalar_one()
    finally:
        engine.dispose()
