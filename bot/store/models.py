"""Tables of the member store (SQLAlchemy 1.4, 2.0-style declarative mapping).

The schema itself is created by Alembic migrations (bot/store/migrations);
tests/test_store.py checks that the migrations and these classes agree.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, DateTime, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class RegistrationState(str, enum.Enum):
    """Where a member stands with the Online-Filiale."""

    UNREGISTERED = "unregistered"
    #: Registered by letter; the access letter is on its way or not used yet.
    LETTER_SENT = "letter_sent"
    ACTIVE = "active"


class RegistrationMethod(str, enum.Enum):
    VIDEO = "video"
    LETTER = "letter"


class LetterKind(str, enum.Enum):
    REGISTRATION = "registration"
    RESEND = "resend"
    NEW_PASSWORD = "new_password"


class LetterStatus(str, enum.Enum):
    ORDERED = "ordered"
    EXPORTED = "exported"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=20)


class Member(Base):
    __tablename__ = "members"

    id = Column(Integer, primary_key=True)
    insurance_number = Column(String(10), nullable=False, unique=True)
    postcode = Column(String(5), nullable=False)
    name = Column(String(200), nullable=False)
    email = Column(String(254))
    phone = Column(String(20))
    street = Column(String(200))
    house_number = Column(String(20))
    city = Column(String(100))
    iban = Column(String(34))
    state = Column(_enum(RegistrationState, "registration_state"), nullable=False, default=RegistrationState.UNREGISTERED)
    registration_method = Column(_enum(RegistrationMethod, "registration_method"))
    #: The first registration: the QR code in the access letter is valid 60 days from here.
    registered_at = Column(DateTime)
    activated_at = Column(DateTime)
    twofa_device_at = Column(DateTime)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class ChangeKind(str, enum.Enum):
    ADDRESS = "address"
    EMAIL = "email"
    PHONE = "phone"
    IBAN = "iban"


class ApprovalStatus(str, enum.Enum):
    PENDING = "pending"
    #: Approved in the app and applied to the member record (one transaction).
    APPLIED = "applied"
    REJECTED = "rejected"
    EXPIRED = "expired"


class ApprovalRequest(Base):
    """A data change waiting for the member's approval in the app (2FA)."""

    __tablename__ = "approval_requests"

    id = Column(Integer, primary_key=True)
    #: What the member and the app see (not guessable, unlike ``id``).
    public_id = Column(String(32), nullable=False, unique=True)
    member_id = Column(Integer, ForeignKey("members.id"), nullable=False)
    kind = Column(_enum(ChangeKind, "change_kind"), nullable=False)
    #: The new value as JSON (address: street, house_number, postcode, city).
    new_value = Column(Text, nullable=False)
    status = Column(_enum(ApprovalStatus, "approval_status"), nullable=False, default=ApprovalStatus.PENDING)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)
    decided_at = Column(DateTime)

    __table_args__ = (
        Index("ix_approval_member_status", "member_id", "status"),
        Index("ix_approval_status_decided", "status", "decided_at"),  # python -m bot purge
    )


class LetterOrder(Base):
    __tablename__ = "letter_orders"

    id = Column(Integer, primary_key=True)
    member_id = Column(Integer, ForeignKey("members.id"), nullable=False)
    kind = Column(_enum(LetterKind, "letter_kind"), nullable=False)
    status = Column(_enum(LetterStatus, "letter_status"), nullable=False, default=LetterStatus.ORDERED)
    reference = Column(String(20), nullable=False, unique=True)
    created_at = Column(DateTime, nullable=False)
    exported_at = Column(DateTime)

    __table_args__ = (Index("ix_letter_orders_member_created", "member_id", "created_at"),)


class IdentificationAttempt(Base):
    """One try to identify with Versichertennummer and PLZ.

    ``number_key`` is a keyed hash of the Versichertennummer (bot.privacy), so
    attempts on numbers that do not exist are counted without storing them.
    """

    __tablename__ = "identification_attempts"

    id = Column(Integer, primary_key=True)
    number_key = Column(String(64), nullable=False)
    conversation_key = Column(String(64), nullable=False)
    #: Keyed hash of the client address as the channel saw it (``source:<address>``).
    source_key = Column(String(64), nullable=False, default="")
    succeeded = Column(Integer, nullable=False)
    created_at = Column(DateTime, nullable=False)
    #: Set by ``python -m bot members unlock``: the attempt no longer counts.
    cleared_at = Column(DateTime)

    __table_args__ = (
        Index("ix_ident_number_created", "number_key", "created_at"),
        Index("ix_ident_conversation_created", "conversation_key", "created_at"),
        Index("ix_ident_source_created", "source_key", "created_at"),
        Index("ix_ident_created", "created_at"),
    )


class RegistrationStatus(str, enum.Enum):
    #: Started; the contact data typed in the chat are not verified yet.
    PENDING = "pending"
    #: The identity was proven (video-ident completed, or the letter's access data used).
    COMPLETED = "completed"


class Registration(Base):
    """A member's registration in progress, with the *unverified* contact data typed in the chat.

    One row per member: a new start replaces the pending values. The values
    become the member's only through :func:`bot.services.registration.complete`,
    once the identity is proven, and never overwrite data already on file.
    """

    __tablename__ = "registrations"

    id = Column(Integer, primary_key=True)
    member_id = Column(Integer, ForeignKey("members.id"), nullable=False, unique=True)
    method = Column(_enum(RegistrationMethod, "registration_method"), nullable=False)
    status = Column(_enum(RegistrationStatus, "registration_status"), nullable=False, default=RegistrationStatus.PENDING)
    unverified_email = Column(String(254))
    unverified_phone = Column(String(20))
    started_at = Column(DateTime, nullable=False)
    completed_at = Column(DateTime)

    __table_args__ = (Index("ix_registrations_status_started", "status", "started_at"),)  # python -m bot purge


class ChatSession(Base):
    """A verified website session, referenced from the conversation instead of the token itself.

    The channel checks the token and stores this row; the conversation's
    events only carry ``ref``, which is useless without the store, bound to
    one conversation and as short-lived as the token.
    """

    __tablename__ = "chat_sessions"

    id = Column(Integer, primary_key=True)
    ref = Column(String(64), nullable=False, unique=True)
    #: SHA-256 of the token: the same token maps to the same row.
    token_hash = Column(String(64), nullable=False, unique=True)
    conversation_key = Column(String(64), nullable=False)
    insurance_number = Column(String(10), nullable=False)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)

    __table_args__ = (Index("ix_chat_sessions_expires", "expires_at"),)


class AuditEvent(Base):
    """Who did what, when: internal ids and masked values only, never full personal data."""

    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False)
    actor = Column(String(100), nullable=False)
    action = Column(String(100), nullable=False)
    member_id = Column(Integer, ForeignKey("members.id"))
    detail = Column(Text, nullable=False, default="")


class AgentRole(str, enum.Enum):
    AGENT = "agent"
    #: Also lifts identification locks and reads the knowledge gaps.
    LEAD = "lead"


class Agent(Base):
    """A hotline agent's account for the assist console (argon2 password hash, never the password)."""

    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(_enum(AgentRole, "agent_role"), nullable=False, default=AgentRole.AGENT)
    active = Column(Integer, nullable=False, default=1)
    created_at = Column(DateTime, nullable=False)


class AgentSession(Base):
    """A server-side console session; the cookie holds a random value whose SHA-256 is ``token_hash``."""

    __tablename__ = "agent_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False)
    ended_at = Column(DateTime)

    __table_args__ = (Index("ix_agent_sessions_last_seen", "last_seen_at"),)  # python -m bot purge


class AgentLoginAttempt(Base):
    """A console login, counted under keyed hashes of the user name and the source for the growing delay."""

    __tablename__ = "agent_login_attempts"

    id = Column(Integer, primary_key=True)
    username_key = Column(String(64), nullable=False)
    source_key = Column(String(64), nullable=False)
    succeeded = Column(Integer, nullable=False)
    created_at = Column(DateTime, nullable=False)

    __table_args__ = (
        Index("ix_agent_login_user_created", "username_key", "created_at"),
        Index("ix_agent_login_source_created", "source_key", "created_at"),
        Index("ix_agent_login_created", "created_at"),  # python -m bot purge
    )


class SuggestionFeedback(Base):
    """An agent's "Passt" / "Passt nicht" on a suggested FAQ topic (the question is stored masked)."""

    __tablename__ = "suggestion_feedback"

    id = Column(Integer, primary_key=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False)
    question = Column(Text, nullable=False)
    topic = Column(String(64), nullable=False)
    fits = Column(Integer, nullable=False)
    created_at = Column(DateTime, nullable=False)

    __table_args__ = (Index("ix_suggestion_feedback_created", "created_at"),)  # python -m bot purge


class UnansweredQuestion(Base):
    """A member question that ended in "Meinten Sie ...?" or the hotline (masked): the knowledge gaps."""

    __tablename__ = "unanswered_questions"

    id = Column(Integer, primary_key=True)
    question = Column(Text, nullable=False)
    outcome = Column(String(20), nullable=False)
    created_at = Column(DateTime, nullable=False)

    __table_args__ = (Index("ix_unanswered_created", "created_at"),)


class HandoverStatus(str, enum.Enum):
    WAITING = "waiting"
    TAKEN = "taken"
    CLOSED = "closed"
    #: Nobody took it in time: the member got the hotline.
    EXPIRED = "expired"


class HandoverTicket(Base):
    """A member asked for a person: the conversation is paused until an agent ends the hand-over."""

    __tablename__ = "handover_tickets"

    id = Column(Integer, primary_key=True)
    public_id = Column(String(32), nullable=False, unique=True)
    conversation_id = Column(String(128), nullable=False)
    status = Column(_enum(HandoverStatus, "handover_status"), nullable=False, default=HandoverStatus.WAITING)
    agent_id = Column(Integer, ForeignKey("agents.id"))
    created_at = Column(DateTime, nullable=False)
    taken_at = Column(DateTime)
    closed_at = Column(DateTime)

    __table_args__ = (Index("ix_handover_status_created", "status", "created_at"),)
