"""Member store: members, letter orders, identification attempts, audit events.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("insurance_number", sa.String(10), nullable=False, unique=True),
        sa.Column("postcode", sa.String(5), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(20)),
        sa.Column("state", _enum("registration_state", "unregistered", "letter_sent", "active"), nullable=False),
        sa.Column("registration_method", _enum("registration_method", "video", "letter")),
        sa.Column("registered_at", sa.DateTime),
        sa.Column("activated_at", sa.DateTime),
        sa.Column("twofa_device_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "letter_orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("kind", _enum("letter_kind", "registration", "resend", "new_password"), nullable=False),
        sa.Column("status", _enum("letter_status", "ordered", "exported"), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("exported_at", sa.DateTime),
    )
    op.create_index("ix_letter_orders_member_created", "letter_orders", ["member_id", "created_at"])
    op.create_table(
        "identification_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number_key", sa.String(64), nullable=False),
        sa.Column("conversation_key", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("cleared_at", sa.DateTime),
    )
    op.create_index("ix_ident_number_created", "identification_attempts", ["number_key", "created_at"])
    op.create_index("ix_ident_conversation_created", "identification_attempts", ["conversation_key", "created_at"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id")),
        sa.Column("detail", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_index("ix_ident_conversation_created", "identification_attempts")
    op.drop_index("ix_ident_number_created", "identification_attempts")
    op.drop_table("identification_attempts")
    op.drop_index("ix_letter_orders_member_created", "letter_orders")
    op.drop_table("letter_orders")
    op.drop_table("members")
