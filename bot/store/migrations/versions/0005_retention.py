"""Indexes for ``python -m bot purge`` (retention, bot/retention.py).

Already indexed before: identification_attempts.created_at, chat_sessions.expires_at,
unanswered_questions.created_at, handover_tickets (status, created_at).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: (index, table, columns)
INDEXES = (
    ("ix_approval_status_decided", "approval_requests", ["status", "decided_at"]),
    ("ix_registrations_status_started", "registrations", ["status", "started_at"]),
    ("ix_suggestion_feedback_created", "suggestion_feedback", ["created_at"]),
    ("ix_agent_login_created", "agent_login_attempts", ["created_at"]),
    ("ix_agent_sessions_last_seen", "agent_sessions", ["last_seen_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table)
