"""Unverified registration data, identification attempts per source, chat sessions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identification_attempts") as batch:
        batch.add_column(sa.Column("source_key", sa.String(64), nullable=False, server_default=""))
    op.create_index("ix_ident_source_created", "identification_attempts", ["source_key", "created_at"])
    op.create_index("ix_ident_created", "identification_attempts", ["created_at"])
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False, unique=True),
        sa.Column("method", sa.Enum("video", "letter", name="registration_method", native_enum=False, length=20),
                  nullable=False),
        sa.Column("status", sa.Enum("pending", "completed", name="registration_status", native_enum=False, length=20),
                  nullable=False),
        sa.Column("unverified_email", sa.String(254)),
        sa.Column("unverified_phone", sa.String(20)),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("completed_at", sa.DateTime),
    )
    op.create_table(
        "chat_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(64), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("conversation_key", sa.String(64), nullable=False),
        sa.Column("insurance_number", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_chat_sessions_expires", "chat_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_chat_sessions_expires", "chat_sessions")
    op.drop_table("chat_sessions")
    op.drop_table("registrations")
    op.drop_index("ix_ident_created", "identification_attempts")
    op.drop_index("ix_ident_source_created", "identification_attempts")
    with op.batch_alter_table("identification_attempts") as batch:
        batch.drop_column("source_key")
