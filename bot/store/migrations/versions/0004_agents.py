"""Agent accounts, console sessions and logins, suggestion feedback, knowledge gaps, hand-over tickets.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.Enum("agent", "lead", name="agent_role", native_enum=False, length=20), nullable=False),
        sa.Column("active", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "agent_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime),
    )
    op.create_table(
        "agent_login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username_key", sa.String(64), nullable=False),
        sa.Column("source_key", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_agent_login_user_created", "agent_login_attempts", ["username_key", "created_at"])
    op.create_index("ix_agent_login_source_created", "agent_login_attempts", ["source_key", "created_at"])
    op.create_table(
        "suggestion_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("fits", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_unanswered_created", "unanswered_questions", ["created_at"])
    op.create_table(
        "handover_tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("status", sa.Enum("waiting", "taken", "closed", "expired", name="handover_status", native_enum=False,
                                    length=20), nullable=False),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("taken_at", sa.DateTime),
        sa.Column("closed_at", sa.DateTime),
    )
    op.create_index("ix_handover_status_created", "handover_tickets", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_handover_status_created", "handover_tickets")
    op.drop_table("handover_tickets")
    op.drop_index("ix_unanswered_created", "unanswered_questions")
    op.drop_table("unanswered_questions")
    op.drop_table("suggestion_feedback")
    op.drop_index("ix_agent_login_source_created", "agent_login_attempts")
    op.drop_index("ix_agent_login_user_created", "agent_login_attempts")
    op.drop_table("agent_login_attempts")
    op.drop_table("agent_sessions")
    op.drop_table("agents")
